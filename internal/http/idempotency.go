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
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p domain.Principal, key string, next http.Handler) {
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
	rec, started, err := s.idem.Begin(ctx, k, fp, now, now.Add(idempotencyLock))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !started {
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
	if !replayable(rw) {
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

// replayable: an answer that says what the request did. Server failures,
// rate limits and "in progress" say nothing about it, so the key is freed
// and a retry runs the request again.
func replayable(rw *recorder) bool {
	switch {
	case rw.status == 0, rw.status >= 500, rw.status == http.StatusTooManyRequests:
		return false
	case rw.status == http.StatusConflict && bytes.Contains(rw.body.Bytes(), []byte(`"code":"`+string(domain.CodeInProgress)+`"`)):
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
