// Package docsui owns the /docs page: a Redoc rendering of /openapi.yaml whose script is served by us
// (redoc.standalone.js 2.5.4, copied from the npm package redoc by `npm run docs-bundle`), so the page
// works offline and loads nothing from a CDN.
package docsui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

// FS holds index.html and redoc.standalone.js.
//
//go:embed index.html redoc.standalone.js
var FS embed.FS

// ContentSecurityPolicy is sent with both files. Redoc needs exactly these exceptions to 'self':
// styled-components injects <style> elements ('unsafe-inline' styles), the search index runs in a
// Web Worker built from a blob: URL, and icons are data: SVGs. Nothing else may load or frame the page.
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"worker-src blob:; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; " +
	"connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const (
	indexPath  = "/docs"
	bundlePath = "/docs/redoc.standalone.js"
)

type asset struct {
	body        []byte
	contentType string
	// cacheControl: the page is tiny and must follow a redeploy at once; the bundle is large and its
	// URL carries no version, so it is cached for a day and revalidated by ETag after that.
	cacheControl string
	etag         string
}

type handler struct {
	index, bundle asset
}

// Handler serves GET and HEAD for /docs (also /docs/) and /docs/redoc.standalone.js. Mount it at both
// /docs and /docs/*; it reads the full request path, so it works under chi's Mount as well.
func Handler() http.Handler {
	return &handler{
		index:  newAsset("index.html", "text/html; charset=utf-8", "no-cache"),
		bundle: newAsset("redoc.standalone.js", "text/javascript; charset=utf-8", "public, max-age=86400"),
	}
}

func newAsset(name, contentType, cacheControl string) asset {
	body, err := FS.ReadFile(name)
	if err != nil {
		// The names are fixed by the go:embed directive above; a failure is a build defect.
		panic("docsui: embedded file missing: " + name)
	}
	sum := sha256.Sum256(body)
	return asset{
		body:         body,
		contentType:  contentType,
		cacheControl: cacheControl,
		etag:         `"` + hex.EncodeToString(sum[:16]) + `"`,
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var a *asset
	switch r.URL.Path {
	case indexPath, indexPath + "/":
		a = &h.index
	case bundlePath:
		a = &h.bundle
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", a.cacheControl)
	hd.Set("ETag", a.etag)
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	// ServeContent answers If-None-Match with 304 and handles HEAD and Range; a zero modtime keeps
	// Last-Modified out, since embedded files have none.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
