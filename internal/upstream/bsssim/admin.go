package bsssim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/shopspring/decimal"
)

// adminRoutes is the /_sim/ control API. It is for the local machine only:
// anything that is not a loopback caller gets 403.
func (s *Server) adminRoutes(r chi.Router) {
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isLoopback(r) {
				writeJSON(w, http.StatusForbidden, adminError{"the simulator admin API only answers loopback callers"})
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Get("/clock", s.adminClock)
	r.Post("/clock/advance", s.adminAdvance)
	r.Get("/faults", s.adminListFaults)
	r.Post("/faults", s.adminAddFault)
	r.Delete("/faults", s.adminClearFaults)
	r.Get("/sms", s.adminSMS)
	r.Post("/realname/review", s.adminReview)
	// Provisioning knob (commerce_provision.go, docs/design.md §6):
	// POST {"processing": "2s", "fail_next": N, "customer_id": optional}
	// replaces the setting of that customer (or of all customers without
	// one); GET lists; DELETE clears.
	r.Get("/provisioning", s.adminProvisioning)
	r.Post("/provisioning", s.adminSetProvisioning)
	r.Delete("/provisioning", s.adminClearProvisioning)
	r.Get("/state", s.adminState)
	r.Get("/journal", s.adminJournal)
	r.Post("/reset", s.adminReset)
}

type adminError struct {
	Error string `json:"error"`
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{"invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

func (s *Server) adminClock(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.tickLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"now": now.Format(time.RFC3339)})
}

// parseSimDuration is time.ParseDuration plus a whole-day suffix ("7d").
func parseSimDuration(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(v)
}

func (s *Server) adminAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Duration string `json:"duration"`
	}
	if !decodeAdmin(w, r, &req) {
		return
	}
	d, err := parseSimDuration(req.Duration)
	if err != nil || d < 0 {
		writeJSON(w, http.StatusBadRequest, adminError{`duration must be a non-negative Go duration such as "120h" or a day count such as "7d"`})
		return
	}
	s.mu.Lock()
	now := s.advanceLocked(d)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"now": now.Format(time.RFC3339)})
}

func (s *Server) adminListFaults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make([]fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, *f)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"faults": out})
}

func (s *Server) adminAddFault(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Operation   string   `json:"operation"`
		Kind        string   `json:"kind"`
		Probability *float64 `json:"probability"`
		Count       *int     `json:"count"`
		Latency     string   `json:"latency"`
		Status      int      `json:"status"`
		ErrorCode   string   `json:"error_code"`
		ErrorMsg    string   `json:"error_msg"`
	}
	if !decodeAdmin(w, r, &req) {
		return
	}
	bad := func(msg string) { writeJSON(w, http.StatusBadRequest, adminError{msg}) }
	if req.Operation == "" {
		bad(`operation is required (an SDK operation name or "*")`)
		return
	}
	if !faultKinds[req.Kind] {
		bad("kind must be one of fail_before_commit, commit_then_5xx, commit_then_hang, latency, 429, malformed_body, half_success, error")
		return
	}
	if req.Kind == faultHalfSuccess && req.Operation != "CreateSubCustomer" && req.Operation != "*" {
		bad("half_success applies to CreateSubCustomer only")
		return
	}
	if (req.Probability == nil) == (req.Count == nil) {
		bad("give exactly one of probability (0..1) or count (> 0)")
		return
	}
	f := &fault{Operation: req.Operation, Kind: req.Kind}
	if req.Probability != nil {
		if *req.Probability <= 0 || *req.Probability > 1 {
			bad("probability must be in (0, 1]")
			return
		}
		f.Probability = *req.Probability
	} else {
		if *req.Count <= 0 {
			bad("count must be > 0")
			return
		}
		f.Count, f.Remaining = *req.Count, *req.Count
	}
	if req.Kind == faultLatency {
		d, err := time.ParseDuration(req.Latency)
		if err != nil || d <= 0 {
			bad(`latency kind needs "latency", a positive duration such as "1.5s"`)
			return
		}
		f.Latency, f.LatencyText = d, req.Latency
	}
	if req.Kind == faultError {
		// Any answer Huawei documents but the simulator does not produce on
		// its own, e.g. 403 CBC.0154 (token expired) on a BSS page.
		if req.Status < 400 || req.Status > 599 || req.ErrorCode == "" {
			bad(`error kind needs "status" (400–599) and "error_code"`)
			return
		}
		f.Status, f.ErrorCode, f.ErrorMsg = req.Status, req.ErrorCode, req.ErrorMsg
		if f.ErrorMsg == "" {
			f.ErrorMsg = "Scripted error."
		}
	}
	s.mu.Lock()
	s.faultN++
	f.ID = "f" + strconv.Itoa(s.faultN)
	s.faults = append(s.faults, f)
	out := *f
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminClearFaults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"faults": []fault{}})
}

func (s *Server) adminSMS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	msgs := make([]map[string]any, 0, len(s.st.SMS))
	for _, m := range s.st.SMS {
		msgs = append(msgs, map[string]any{
			"mobile_phone": m.MobilePhone, "code": m.Code, "scene": m.Scene, "customer_id": m.CustomerID,
			"sent_at": m.SentAt.Format(time.RFC3339), "expires_at": m.ExpiresAt.Format(time.RFC3339),
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs})
}

func (s *Server) adminReview(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CustomerID string `json:"customer_id"`
		Decision   string `json:"decision"`
		Opinion    string `json:"opinion"`
	}
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.Decision != "approve" && req.Decision != "reject" {
		writeJSON(w, http.StatusBadRequest, adminError{`decision must be "approve" or "reject"`})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.tickLocked()
	cu, ok := s.st.byID[req.CustomerID]
	if !ok {
		writeJSON(w, http.StatusNotFound, adminError{"no such customer"})
		return
	}
	rv := cu.Realname.Review
	if rv == nil || rv.Result != reviewPending {
		writeJSON(w, http.StatusConflict, adminError{"the customer has no pending real-name review"})
		return
	}
	opinion := req.Opinion
	if req.Decision == "reject" && opinion == "" {
		opinion = "The submitted material could not be verified."
	}
	s.decide(cu, req.Decision == "approve", opinion, now)
	out := map[string]any{"customer_id": cu.DomainID, "review_result": rv.Result}
	if rv.Result == reviewRejected {
		out["opinion"] = rv.Opinion
	}
	writeJSON(w, http.StatusOK, out)
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

var realnameStatusName = map[int]string{
	verifiedNone: "none", verifiedReviewing: "reviewing", verifiedRejected: "rejected", verifiedOK: "verified",
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.tickLocked()
	p := s.st.Partner
	custs := make([]map[string]any, 0, len(s.st.Customers))
	for _, cu := range s.st.Customers {
		m := map[string]any{
			"domain_id": cu.DomainID, "domain_name": cu.DomainName, "xaccount_id": cu.XAccountID,
			"mobile_phone": cu.MobilePhone, "association_type": cu.AssociationType, "balance": money(cu.Balance),
			"associated": cu.associated(now), "associated_on": cu.AssociatedOn.Format(time.RFC3339),
			"frozen": cu.Frozen, "freeze_type": cu.FreezeType, "realname_status": realnameStatusName[cu.Realname.Status],
			"customer_type": cu.Realname.CustomerType,
		}
		if rv := cu.Realname.Review; rv != nil {
			m["realname_review"] = map[string]any{"kind": rv.Kind, "result": rv.Result, "opinion": rv.Opinion,
				"submitted_at": rv.SubmittedAt.Format(time.RFC3339)}
		}
		custs = append(custs, m)
	}
	adj := make([]map[string]any, 0, len(s.st.Adjusts))
	for _, a := range s.st.Adjusts {
		adj = append(adj, map[string]any{"trans_id": a.TransID, "customer_id": a.CustomerID,
			"operation_type": a.OperationType, "amount": money(a.Amount), "operation_time": a.OperationTime.Format(time.RFC3339)})
	}
	out := map[string]any{
		"now": now.Format(time.RFC3339),
		"partner": map[string]any{"domain_id": p.DomainID, "balances": []map[string]any{
			{"account_type": 1, "amount": money(p.Cash), "designated_amount": money(decimal.Zero)},
			{"account_type": 8, "amount": money(p.Allocatable), "designated_amount": money(p.Designated)},
		}},
		"customers":      custs,
		"adjust_records": adj,
		"orders":         []any{},
		"resources":      []any{},
	}
	for k, v := range s.com.dump() {
		out[k] = v
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminJournal(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"entries": s.journal.list()})
}

func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.resetLocked()
	now := s.now()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"now": now.Format(time.RFC3339)})
}
