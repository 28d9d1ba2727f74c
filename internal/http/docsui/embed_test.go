package docsui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(Handler())
	t.Cleanup(srv.Close)

	bundle, err := FS.ReadFile("redoc.standalone.js")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path        string
		contentType string
		cache       string
		bodyHas     string
		bodyLen     int
	}{
		{"/docs", "text/html; charset=utf-8", "no-cache", `<redoc spec-url="/openapi.yaml"`, 0},
		{"/docs/", "text/html; charset=utf-8", "no-cache", `<script src="/docs/redoc.standalone.js"></script>`, 0},
		{"/docs/redoc.standalone.js", "text/javascript; charset=utf-8", "public, max-age=86400", "", len(bundle)},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy %q", got)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if tt.bodyHas != "" && !strings.Contains(string(body), tt.bodyHas) {
				t.Errorf("body lacks %q", tt.bodyHas)
			}
			if tt.bodyLen != 0 && len(body) != tt.bodyLen {
				t.Errorf("body is %d bytes, want %d", len(body), tt.bodyLen)
			}
		})
	}
}

func TestHandlerRevalidatesBundleByETag(t *testing.T) {
	t.Parallel()
	h := Handler()

	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/docs/redoc.standalone.js", nil))
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	req := httptest.NewRequest(http.MethodGet, "/docs/redoc.standalone.js", nil)
	req.Header.Set("If-None-Match", etag)
	again := httptest.NewRecorder()
	h.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("revalidation: status %d, %d body bytes; want 304 and none", again.Code, again.Body.Len())
	}
}

func TestHandlerRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/docs/index.html", http.StatusNotFound},
		{http.MethodGet, "/docs/../openapi.yaml", http.StatusNotFound},
		{http.MethodGet, "/docsx", http.StatusNotFound},
		{http.MethodPost, "/docs", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/docs/redoc.standalone.js", http.StatusMethodNotAllowed},
	}
	h := Handler()
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/docs", nil))
	if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow %q", got)
	}
}
