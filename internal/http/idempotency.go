package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"time"

	"github.com/partnerlab/storefront/internal/domain"
)

// idempotencyLock is how long a request holds its key. A replica that dies
// mid-request leaves the key running; after this, a retry with the same
// body takes it over and runs again (the use cases' own unique constraints
// keep that second run from doing anything twice). Longer than the public
// server's WriteTimeout, so a slow but live request is never taken over.
const idempotencyLock = time.Minute

// replayedHeaders are the response headers a replay repeats; the rest
// (request id, rate-limit counters) describe the new request.
var replayedHeaders = []string{"Content-Type", "Location"}

// idempotent runs next at most once per (caller, Idempotency-Key) and
// replays its stored answer to every retry (docs/design.md §2.7):
//   - the same key with another body: 422 idempotency_key_reused;
//   - while the first request runs: 409 request_in_progress (retryable);
//   - finished: the stored status, headers and body, byte for byte, with
//     Idempotent-Replayed: true.
//
// It runs after authentication (keys are scoped to the caller) and before
// request validation, which a replay does not need: the fingerprint proves
// the body is the one that was validated.
//
// For the operations in claimsInUseCase, the key is claimed and answered
// inside the use case's own transaction instead (domain.RequestClaim): no
// statement of its own unless the use case did not save the answer.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p domain.Principal, key string, inUseCase bool, next http.Handler) {
	if !validIdempotencyKey(key) {
		s.writeError(w, r, &domain.Error{Code: domain.CodeValidation, Message: "Idempotency-Key must be 1–255 printable ASCII characters",
			Fields: []domain.FieldError{{Field: "Idempotency-Key", Code: "pattern", Message: "1–255 printable ASCII characters"}}})
		return
	}
	fp, err := fingerprint(r)
	if err != nil {
		s.writeError(w, r, domain.Errorf(domain.CodeInvalid, "the body could not be read"))
		return
	}
	ctx := r.Context()
	k := domain.IdempotencyKey{Principal: p, Key: key}
	now := s.now()
	if as, ok := s.idem.(answerStore); ok && inUseCase {
		s.claimInUseCase(w, r, as, k, fp, now, next)
		return
	}
	rec, started, err := s.idem.Begin(ctx, k, fp, now, now.Add(idempotencyLock))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !started {
		s.answerStored(w, r, rec, fp)
		return
	}

	rw := &recorder{ResponseWriter: w}
	done := false
	defer func() {
		if done {
			return
		}
		// The request panicked or its answer must not be replayed: free the
		// key, on a context that outlives a cancelled request.
		if err := s.idem.Release(context.WithoutCancel(ctx), k); err != nil {
			s.log.WarnContext(ctx, "idempotency key not released", "request_id", requestID(ctx), "error", err)
		}
	}()
	next.ServeHTTP(rw, r)
	if !replayable(rw.status, rw.body.Bytes()) {
		return
	}
	out := domain.IdempotencyRecord{Status: rw.status, Body: rw.body.Bytes(), Headers: map[string]string{}}
	for _, name := range replayedHeaders {
		if v := rw.Header().Get(name); v != "" {
			out.Headers[name] = v
		}
	}
	if err := s.idem.Complete(context.WithoutCancel(ctx), k, out, s.now()); err != nil {
		// The answer went out; a retry will find the key running until the
		// lock expires, then run again (and meet the use case's own checks).
		s.log.ErrorContext(ctx, "idempotency answer not stored", "request_id", requestID(ctx), "error", err)
	}
	done = true
}

// answerStored answers a request whose key someone else holds: 422 for
// another body, 409 while it runs, else its stored answer.
func (s *Server) answerStored(w http.ResponseWriter, r *http.Request, rec domain.IdempotencyRecord, fp []byte) {
	switch {
	case !bytes.Equal(rec.Fingerprint, fp):
		s.writeError(w, r, domain.Errorf(domain.CodeIdempotencyReuse, "this Idempotency-Key was used with another request"))
	case !rec.Completed:
		s.writeError(w, r, &domain.Error{Code: domain.CodeInProgress, Message: "a request with this Idempotency-Key is still running", RetryAfter: time.Second})
	default:
		h := w.Header()
		for k, v := range rec.Headers {
			h.Set(k, v)
		}
		h.Set("Idempotent-Replayed", "true")
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
	}
}

// claimsInUseCase are the operations whose use case claims and answers the
// key in its own transaction (domain.RequestClaim); each keeps the key on
// what it creates, unique per caller, so requests with one key running at
// once still have one effect.
var claimsInUseCase = map[string]bool{"createAllocation": true, "createReclaim": true}

// answerStore is an IdempotencyStore that also takes answers written
// outright (store.IdempotencyStore).
type answerStore interface {
	Answer(ctx context.Context, k domain.IdempotencyKey, rec domain.IdempotencyRecord, now time.Time) (bool, error)
}

// claimInUseCase runs next with a domain.RequestClaim, without reading the
// key first: a retry is the rare case, and the use case meets its own
// request key (unique per caller) before it could do anything twice. The
// answer is held back until it is known to be the key's: the one the use
// case saved with its change, or one stored here now (a failure before the
// use case's transaction); when the key has a row already (a retry, the
// same key on another request, or a request with the key running at
// once), the client gets what idempotent would answer from that row.
func (s *Server) claimInUseCase(w http.ResponseWriter, r *http.Request, as answerStore, k domain.IdempotencyKey, fp []byte, now time.Time, next http.Handler) {
	ctx := r.Context()
	claim := &domain.RequestClaim{Key: k, Fingerprint: fp, Now: now}
	buf := &bufferedWriter{header: http.Header{}}
	next.ServeHTTP(buf, r.WithContext(domain.WithRequestClaim(ctx, claim)))
	if saved, ok := claim.Saved(); ok && saved.Status == buf.status && bytes.Equal(saved.Body, buf.body.Bytes()) {
		buf.flush(w)
		return
	}
	replay := replayable(buf.status, buf.body.Bytes())
	if !replay && !claim.Taken() {
		buf.flush(w)
		return
	}
	out := domain.IdempotencyRecord{Fingerprint: fp, Completed: true, Status: buf.status, Body: buf.body.Bytes(), Headers: map[string]string{}}
	for _, name := range replayedHeaders {
		if v := buf.header.Get(name); v != "" {
			out.Headers[name] = v
		}
	}
	if replay && !claim.Taken() {
		stored, err := as.Answer(context.WithoutCancel(ctx), k, out, s.now())
		if err != nil {
			// As in idempotent: the answer goes out; a retry runs again.
			s.log.ErrorContext(ctx, "idempotency answer not stored", "request_id", requestID(ctx), "error", err)
		}
		if err != nil || stored {
			buf.flush(w)
			return
		}
	}
	// The key has a row: a retry, the key used on another request, or a
	// request with it running at once. What it holds is the answer.
	rec, started, err := s.idem.Begin(ctx, k, fp, now, now.Add(idempotencyLock))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !started {
		s.answerStored(w, r, rec, fp)
		return
	}
	// The row was gone (released), or its holder died: this request holds
	// the key now, and its answer is the one it got.
	if replay {
		err = s.idem.Complete(context.WithoutCancel(ctx), k, out, s.now())
	} else {
		err = s.idem.Release(context.WithoutCancel(ctx), k)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency answer not stored", "request_id", requestID(ctx), "error", err)
	}
	buf.flush(w)
}

// renderAnswer is the answer a generated response writes, as stored.
func renderAnswer(visit func(http.ResponseWriter) error) (domain.IdempotencyRecord, error) {
	buf := &bufferedWriter{header: http.Header{}}
	if err := visit(buf); err != nil {
		return domain.IdempotencyRecord{}, err
	}
	out := domain.IdempotencyRecord{Status: buf.status, Body: buf.body.Bytes(), Headers: map[string]string{}}
	for _, name := range replayedHeaders {
		if v := buf.header.Get(name); v != "" {
			out.Headers[name] = v
		}
	}
	return out, nil
}

// bufferedWriter holds an answer back until it may go out.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) flush(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// replayable: an answer that says what the request did. Server failures,
// rate limits and "in progress" say nothing about it, so the key is freed
// and a retry runs the request again.
func replayable(status int, body []byte) bool {
	switch {
	case status == 0, status >= 500, status == http.StatusTooManyRequests:
		return false
	case status == http.StatusConflict && bytes.Contains(body, []byte(`"code":"`+string(domain.CodeInProgress)+`"`)):
		return false
	}
	return true
}

func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint is SHA-256 of method, path, query and body: a retry must be
// the same request, and the same body on another customer's path is not.
func fingerprint(r *http.Request) ([]byte, error) {
	h := sha256.New()
	io.WriteString(h, r.Method)
	h.Write([]byte{0})
	io.WriteString(h, r.URL.Path)
	h.Write([]byte{0})
	io.WriteString(h, r.URL.RawQuery)
	h.Write([]byte{0})
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.Write(b)
	}
	return h.Sum(nil), nil
}

// recorder passes the answer through and keeps a copy for replays.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	rw.body.Write(b)
	return rw.ResponseWriter.Write(b)
}
