package http

import (
	"net/http"

	"github.com/partnerlab/storefront/internal/domain"
)

// MaxHeaderBytes is the policy limit on a request's header section: the
// request line and every header field line, as sent. Over it the request is
// refused with 431 header_too_large, a problem document like every error.
const MaxHeaderBytes = 64 << 10

// ServerMaxHeaderBytes is what http.Server.MaxHeaderBytes must be set to.
// net/http answers a header section over its own limit with a plain-text 431
// before any handler runs; with the server's limit well above the policy
// limit, headerLimit sees the request and answers with a problem. Above this
// size (1 MiB, plus net/http's 4 KiB slack) the plain-text 431 remains: the
// bytes have to be read to be counted, and reading more to say it nicely is
// not worth it.
const ServerMaxHeaderBytes = 1 << 20

// headerLimit enforces MaxHeaderBytes.
func (s *Server) headerLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBytes(r) > MaxHeaderBytes {
			// The connection carried a huge request; do not keep it.
			w.Header().Set("Connection", "close")
			s.writeError(w, r, domain.Errorf(codeHeaderTooLarge, "the request header section is larger than %d bytes", MaxHeaderBytes))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of r's header section as HTTP/1.1 sends it
// ("Name: value\r\n" per field, the request line, Host).
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n
}
