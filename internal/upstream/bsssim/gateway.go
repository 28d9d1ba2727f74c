package bsssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// credKind says which credentials an operation accepts.
type credKind int

const (
	credPartner  credKind = 1 << iota // partner AK/SK
	credCustomer                      // temporary AK/SK + X-Security-Token issued by IAM securitytokens for a customer
)

// op is one wire operation.
type op struct {
	Name    string // SDK operation name, e.g. "PayOrders"
	Method  string
	Path    string   // chi pattern
	Creds   credKind // accepted credentials
	Limit   int      // published requests/second (docs/huawei-bss.md §8.9); 0 → 10
	Success int      // 200, 201 or 204
	Handle  func(c *call) (any, *apiError)
}

// caller is the authenticated principal of a request.
type caller struct {
	Partner    bool
	CustomerID string // domain id when customer credentials
}

// call is what a handler sees. Handle runs with s.mu held.
type call struct {
	s      *Server
	r      *http.Request
	Body   []byte
	Now    time.Time // virtual clock
	Caller caller
}

// Param returns a path parameter.
func (c *call) Param(name string) string { return chi.URLParam(c.r, name) }

// Query returns a query parameter.
func (c *call) Query(name string) string { return c.r.URL.Query().Get(name) }

// Header returns a request header.
func (c *call) Header(name string) string { return c.r.Header.Get(name) }

// Decode decodes the JSON body into v. A malformed body or a value of the
// wrong JSON type is a 400 CBC.0100 that names the field, as the BSS
// validation layer does.
func (c *call) Decode(v any) *apiError {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return paramErr("request body", "is required")
	}
	err := json.Unmarshal(c.Body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "request body"
		}
		return paramErr(field, fmt.Sprintf("must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return paramErr("request body", fmt.Sprintf("is not valid JSON (offset %d)", se.Offset))
	}
	return paramErr("request body", "cannot be decoded: "+err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// apiError is an error answer. Extra fields are merged into the body (e.g.
// domain_id on CBC.99000050).
type apiError struct {
	Status int
	Code   string
	Msg    string
	Extra  map[string]any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

func cbcErr(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Msg: msg}
}

// paramErr is the BSS input-validation answer, naming the field.
func paramErr(field, problem string) *apiError {
	return cbcErr(http.StatusBadRequest, "CBC.0100", "Invalid parameter: "+field+" "+problem+".")
}

func (e *apiError) body(requestID string) map[string]any {
	m := make(map[string]any, len(e.Extra)+3)
	for k, v := range e.Extra {
		m[k] = v
	}
	m["error_code"] = e.Code
	m["error_msg"] = e.Msg
	if strings.HasPrefix(e.Code, "APIG") {
		m["request_id"] = requestID
	}
	return m
}

const maxBody = 12 << 20 // AK/SK-signed requests above 12 MB are refused by the gateway

// routes builds the router: every operation behind the gateway, the admin
// API, and the gateway's own 404.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.NotFound(s.gatewayNotFound)
	r.MethodNotAllowed(s.gatewayNotFound)
	ops := append(s.coreOps(), s.commerceOps()...)
	for _, o := range ops {
		if o.Limit == 0 {
			o.Limit = 10
		}
		if o.Success == 0 {
			o.Success = http.StatusOK
		}
		r.Method(o.Method, o.Path, s.serveOp(o))
	}
	r.Route("/_sim", s.adminRoutes)
	return r
}

func (s *Server) gatewayNotFound(w http.ResponseWriter, r *http.Request) {
	id := s.requestID()
	w.Header().Set("X-Request-Id", id)
	writeJSON(w, http.StatusNotFound, map[string]any{
		"error_code": "APIG.0101",
		"error_msg":  "The API does not exist or has not been published in the environment",
		"request_id": id,
	})
}

func (s *Server) requestID() string {
	n := s.reqSeq.Add(1)
	return fmt.Sprintf("%016x%016x", uint64(s.cfg.Seed), n)
}

// serveOp is the API gateway in front of one operation: journal, signature,
// clock skew, credential kind, rate limit, faults, then the handler under
// s.mu, then the post-commit part of a fault.
func (s *Server) serveOp(o op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := s.requestID()
		w.Header().Set("X-Request-Id", id)
		ent := journalEntry{Operation: o.Name, Method: r.Method, Path: r.URL.Path, Wall: time.Now()}
		defer func() { s.record(ent) }()
		reply := func(status int, body any) {
			ent.Status = status
			switch b := body.(type) {
			case *apiError:
				ent.ErrorCode = b.Code
				body = b.body(id)
			case map[string]any:
				if status >= 400 {
					ent.ErrorCode, _ = b["error_code"].(string)
				}
			}
			writeJSON(w, status, body)
		}

		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			reply(http.StatusBadRequest, paramErr("request body", "is unreadable or larger than 12 MB"))
			return
		}

		who, aerr := s.authenticate(r, body)
		if aerr != nil {
			reply(aerr.Status, aerr)
			return
		}
		switch {
		case who.Partner && o.Creds&credPartner == 0:
			// The customer-only pages (PayOrders, RenewalResources,
			// CancelResourcesSubscription, ratings…) list 403 CBC.0151
			// as their only 403, so that is what a partner gets there.
			reply(http.StatusForbidden, cbcErr(http.StatusForbidden, "CBC.0151", "Access denied. This API requires the customer's credential."))
			return
		case !who.Partner && o.Creds&credCustomer == 0:
			// CBC.0155 is the documented answer for a credential type the
			// API does not accept (§8.6).
			reply(http.StatusForbidden, cbcErr(http.StatusForbidden, "CBC.0155", "The request is not allowed for this credential."))
			return
		}

		account := s.cfg.PartnerDomainID
		if !who.Partner {
			account = who.CustomerID
		}
		if !s.cfg.DisableRateLimits {
			at, ok := s.limiter.admit(o.Name+"\x00"+account, o.Limit)
			if !ok {
				reply(http.StatusTooManyRequests, throttleBody(id, o.Limit))
				return
			}
			ent.Wall = at
		}

		f := s.pickFault(o.Name)
		if f != nil {
			ent.Fault = f.Kind
			switch f.Kind {
			case faultLatency:
				if !s.sleep(r.Context(), f.Latency) {
					reply(http.StatusInternalServerError, cbcErr(http.StatusInternalServerError, "CBC.0999", "Request cancelled."))
					return
				}
			case fault429:
				reply(http.StatusTooManyRequests, throttleBody(id, o.Limit))
				return
			case faultFailBeforeCommit:
				reply(http.StatusInternalServerError, cbcErr(http.StatusInternalServerError, "CBC.0999", "System error."))
				return
			case faultError:
				reply(f.Status, cbcErr(f.Status, f.ErrorCode, f.ErrorMsg))
				return
			}
		}

		c := &call{s: s, r: r, Body: body, Caller: who}
		res, herr := s.handle(o, c)
		ent.Time = c.Now

		// A business error means nothing was committed: the post-commit
		// part of a fault (already consumed) does not apply to it.
		if herr != nil {
			reply(herr.Status, herr)
			return
		}
		if f != nil {
			switch f.Kind {
			case faultCommitThen5xx:
				reply(http.StatusInternalServerError, cbcErr(http.StatusInternalServerError, "CBC.0999", "System error."))
				return
			case faultCommitThenHang:
				ent.Status = 0
				select {
				case <-r.Context().Done():
				case <-s.done:
				}
				// Take the connection down so that the client sees a broken
				// exchange, not an empty answer.
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
					}
				}
				return
			case faultMalformed:
				ent.Status = http.StatusOK
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, `{"error_code":"CBC.0000","result":{"truncated": tr`)
				return
			case faultHalfSuccess:
				e := cbcErr(http.StatusInternalServerError, "CBC.99000050", "Querying the association result timed out. The account was created; confirm it with the customer list.")
				if m, ok := res.(map[string]any); ok {
					e.Extra = m
				}
				reply(e.Status, e)
				return
			}
		}
		if o.Success == http.StatusNoContent {
			ent.Status = http.StatusNoContent
			w.WriteHeader(http.StatusNoContent)
			return
		}
		reply(o.Success, res)
	}
}

// handle runs the operation under s.mu. A panicking handler answers 500
// CBC.0999 instead of leaving the lock held; panics are counted so that
// tests can insist on none.
func (s *Server) handle(o op, c *call) (res any, herr *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			s.panics.Add(1)
			s.log.Error("bsssim: handler panic", "operation", o.Name, "panic", fmt.Sprint(p))
			res, herr = nil, cbcErr(http.StatusInternalServerError, "CBC.0999", "System error.")
		}
	}()
	c.Now = s.tickLocked()
	return o.Handle(c)
}

// sleep waits d unless the request or the server ends first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func throttleBody(requestID string, limit int) map[string]any {
	return map[string]any{
		"status_code":                   http.StatusTooManyRequests,
		"request_id":                    requestID,
		"error_code":                    "APIGW.0308",
		"error_message":                 "The throttling threshold has been reached: policy user over ratelimit,limit:" + strconv.Itoa(limit) + ",time:1 second",
		"encoded_authorization_message": "",
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error_code":"CBC.0999","error_msg":"System error."}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// --- rate limiter ---

// limiter is an exact sliding window over wall time: a request is admitted
// only if the limit-th previous admission for the same key is at least one
// second old, so no one-second window ever holds more than limit
// admissions (a fixed-window counter would allow 2×limit across a
// boundary).
type limiter struct {
	mu sync.Mutex
	w  map[string]*window
}

type window struct {
	at   []time.Time // ring of the last len(at) admissions
	next int
}

func newLimiter() *limiter { return &limiter{w: map[string]*window{}} }

func (l *limiter) reset() {
	l.mu.Lock()
	l.w = map[string]*window{}
	l.mu.Unlock()
}

func (l *limiter) admit(key string, limit int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	win, ok := l.w[key]
	if !ok {
		win = &window{at: make([]time.Time, 0, limit)}
		l.w[key] = win
	}
	if len(win.at) < limit {
		win.at = append(win.at, now)
		return now, true
	}
	if now.Sub(win.at[win.next]) < time.Second {
		return now, false
	}
	win.at[win.next] = now
	win.next = (win.next + 1) % limit
	return now, true
}

// --- faults ---

const (
	faultFailBeforeCommit = "fail_before_commit"
	faultCommitThen5xx    = "commit_then_5xx"
	faultCommitThenHang   = "commit_then_hang"
	faultLatency          = "latency"
	fault429              = "429"
	faultMalformed        = "malformed_body"
	faultHalfSuccess      = "half_success"
	faultError            = "error" // a scripted error answer (status, error_code), nothing committed
)

var faultKinds = map[string]bool{
	faultFailBeforeCommit: true, faultCommitThen5xx: true, faultCommitThenHang: true,
	faultLatency: true, fault429: true, faultMalformed: true, faultHalfSuccess: true,
	faultError: true,
}

// fault is a scripted failure: with Count > 0 it fires on the next Count
// matching calls; otherwise on each matching call with Probability (drawn
// from the seeded RNG).
type fault struct {
	ID          string        `json:"id"`
	Operation   string        `json:"operation"`
	Kind        string        `json:"kind"`
	Probability float64       `json:"probability,omitempty"`
	Count       int           `json:"count,omitempty"`
	Remaining   int           `json:"remaining,omitempty"`
	Latency     time.Duration `json:"-"`
	LatencyText string        `json:"latency,omitempty"`
	Status      int           `json:"status,omitempty"`     // kind error
	ErrorCode   string        `json:"error_code,omitempty"` // kind error
	ErrorMsg    string        `json:"error_msg,omitempty"`  // kind error
	Fired       int           `json:"fired"`
}

// pickFault returns the first fault that fires for this call, consuming it.
func (s *Server) pickFault(opName string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Operation != "*" && f.Operation != opName {
			continue
		}
		if f.Kind == faultHalfSuccess && opName != "CreateSubCustomer" {
			continue
		}
		fire := false
		if f.Count > 0 {
			if f.Remaining > 0 {
				f.Remaining--
				fire = true
			}
		} else if s.rng.Float64() < f.Probability {
			fire = true
		}
		if fire {
			f.Fired++
			cp := *f
			return &cp
		}
	}
	return nil
}

// --- journal ---

const journalCap = 10000 // oldest entries are dropped beyond this

type journalEntry struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`      // virtual time
	Wall      time.Time `json:"wall_time"` // real time the gateway admitted the call (rate-limit evidence)
	Operation string    `json:"operation"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	ErrorCode string    `json:"error_code"`
	Fault     string    `json:"fault"`
}

// journal is a ring of the last journalCap entries.
type journal struct {
	mu      sync.Mutex
	seq     uint64
	entries []journalEntry // ring once full
	next    int            // oldest entry when full
}

func (s *Server) record(e journalEntry) {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("bsssim request", "operation", e.Operation, "method", e.Method, "path", e.Path,
			"status", e.Status, "error_code", e.ErrorCode, "fault", e.Fault)
	}
	j := &s.journal
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if len(j.entries) < journalCap {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % journalCap
}

func (j *journal) list() []journalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]journalEntry, 0, len(j.entries))
	out = append(out, j.entries[j.next:]...)
	return append(out, j.entries[:j.next]...)
}

func (j *journal) clear() {
	j.mu.Lock()
	j.seq = 0
	j.entries = nil
	j.next = 0
	j.mu.Unlock()
}

// isLoopback reports whether the request comes from this machine.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
