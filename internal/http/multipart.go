package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// maxFormField bounds a multipart part that is not a file.
const maxFormField = 64 << 10

// binaryPart stands for a file part's bytes in what the validator checks.
const binaryPart = ""

func init() {
	openapi3filter.RegisterBodyDecoder("multipart/form-data", multipartDecoder)
}

// multipartDecoder replaces kin-openapi's decoder for multipart/form-data.
// Its own copies every file part into a string to check the schema's
// maxLength (in runes, not bytes) and, when that fails, formats the whole
// file into the error message: seconds of CPU per oversized upload. Here a
// binary part (format: binary) is read and dropped; its size is the
// domain's to judge (413 payload_too_large) on the bytes it stores, and the
// body limit bounds it before. Other parts are read (at most 64 KiB) as
// strings, or as JSON values for non-string schemas. A part the schema does
// not name is refused, as kin-openapi does.
func multipartDecoder(body io.Reader, header http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	if schema == nil || schema.Value == nil || !schema.Value.Type.Is("object") {
		return nil, errors.New("unsupported schema of request body")
	}
	_, params, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(body, params["boundary"])
	values := map[string][]any{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
		}
		name := part.FormName()
		prop := schema.Value.Properties[name]
		if prop == nil || prop.Value == nil {
			return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindOther, Cause: fmt.Errorf("part %s: undefined", name)}
		}
		item := prop
		if prop.Value.Type.Is("array") && prop.Value.Items != nil {
			item = prop.Value.Items
		}
		var v any
		if item.Value != nil && item.Value.Type.Is("string") && item.Value.Format == "binary" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
			}
			v = binaryPart
		} else {
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
			}
			if len(b) > maxFormField {
				return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindOther, Cause: fmt.Errorf("part %s: longer than %d bytes", name, maxFormField)}
			}
			if item.Value != nil && !item.Value.Type.Is("string") {
				if err := json.Unmarshal(b, &v); err != nil {
					return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: fmt.Errorf("part %s: %w", name, err)}
				}
			} else {
				v = string(b)
			}
		}
		values[name] = append(values[name], v)
	}
	obj := make(map[string]any, len(values))
	for name, vv := range values {
		if schema.Value.Properties[name].Value.Type.Is("array") {
			obj[name] = vv
		} else {
			obj[name] = vv[0]
		}
	}
	return obj, nil
}
