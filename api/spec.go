// Package api embeds openapi.yaml, the HTTP contract, so the binary serves
// exactly the document it was built and validated against.
package api

import _ "embed"

// Spec is api/openapi.yaml as written (comments and order kept).
//
//go:embed openapi.yaml
var Spec []byte
