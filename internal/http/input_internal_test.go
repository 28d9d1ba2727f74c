package http

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/partnerlab/storefront/internal/domain"
)

// TestCheckJSON covers the walk where no operation of today's API can reach:
// nested objects and arrays, member names, every error at once.
func TestCheckJSON(t *testing.T) {
	t.Parallel()
	type fe struct{ field, code string }
	cases := []struct {
		name string
		body string
		want []fe
	}{
		{"fine", `{"a":{"b":[1,"x",{"c":null}]},"d":true}  ` + "\n", nil},
		{"top-level string", `"a\u0000"`, []fe{{"body", "forbidden_character"}}},
		{"nested value", `{"a":{"b":[1,"x",{"c":"\u2029"}]}}`, []fe{{"a.b.2.c", "forbidden_character"}}},
		{"nested duplicate", `{"a":[{"k":1,"k":2}]}`, []fe{{"a.0.k", "duplicate_key"}}},
		{"same name in sibling objects is fine", `{"a":{"k":1},"b":{"k":1}}`, nil},
		{"Kelvin sign folds onto k", `{"kind":1,"` + "\u212a" + `ind":2}`, []fe{{"\u212aind", "duplicate_key"}}},
		{"long s folds onto s", `{"scope":1,"` + "\u017f" + `cope":2}`, []fe{{"\u017fcope", "duplicate_key"}}},
		{"bad member name", `{"a":{"x\u0000":1}}`, []fe{{"a", "forbidden_character"}}},
		{"invalid UTF-8 member name", "{\"a\xff\":1}", []fe{{"body", "invalid_utf8"}}},
		{"escaped backslash before u is not an escape", `{"a":"\\ud800"}`, nil},
		{"valid pair", `{"a":"\ud83d\ude00"}`, nil},
		{"lone surrogate at the end", `{"a":"x\ud83d"}`, []fe{{"a", "invalid_utf8"}}},
		{"trailing", `{} x`, []fe{{"body", "trailing_data"}}},
		{"syntax", `{"a":}`, []fe{{"body", "syntax"}}},
		{"truncated", `{"a":[1,`, []fe{{"body", "syntax"}}},
		{"all at once", `{"a":"\u0000","a":"\ud800"} {}`, []fe{{"a", "forbidden_character"}, {"a", "duplicate_key"}, {"a", "invalid_utf8"}, {"body", "trailing_data"}}},
	}
	for _, c := range cases {
		got := checkJSON([]byte(c.body))
		var g []fe
		for _, e := range got {
			g = append(g, fe{e.Field, e.Code})
		}
		if !slices.Equal(g, c.want) {
			t.Errorf("%s: %s → %+v, want %+v", c.name, c.body, got, c.want)
		}
	}

	// Errors are bounded.
	var b strings.Builder
	b.WriteString("[")
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"\u0000"`)
	}
	b.WriteString("]")
	if n := len(checkJSON([]byte(b.String()))); n == 0 || n > maxInputErrors+1 {
		t.Fatalf("%d errors for 500 bad strings", n)
	}
}

func TestCheckForm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		body bool
		want []domain.FieldError
	}{
		{"a=1&b=%E6%9D%8E+x", true, nil},
		{"a=1&a=2", false, nil}, // repeated query parameters are arrays
		{"a=1&a=2", true, []domain.FieldError{{Field: "a", Code: "duplicate_key"}}},
		{"a=%0A", false, []domain.FieldError{{Field: "a", Code: "forbidden_character"}}},
		{"a=%C0%AF", true, []domain.FieldError{{Field: "a", Code: "invalid_utf8"}}},
		{"a%00=1", true, []domain.FieldError{{Field: `"a\x00"`, Code: "forbidden_character"}}},
		{"a=%zz", false, []domain.FieldError{{Field: "a", Code: "syntax"}}},
	}
	for _, c := range cases {
		got := checkForm(c.raw, c.body)
		for i := range got {
			got[i].Message = ""
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q (body %v) → %+v, want %+v", c.raw, c.body, got, c.want)
		}
	}
}

// FuzzCheckJSON: whatever checkJSON accepts is one valid UTF-8 JSON value
// whose strings hold no forbidden character; it never panics.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":1,"a":2}`, `"\ud800"`, `[1,{"k":"\u0000"}] x`, "{\"a\xff\":1}", `{"\u212a":1,"k":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(checkJSON(b)) > 0 {
			return
		}
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("accepted %q", b)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("accepted %q: %v", b, err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if _, ok := checkText("x", v); !ok {
					t.Fatalf("accepted %q with string %q", b, v)
				}
				// U+FFFD only where the client sent it, never as the decoder's replacement.
				sentFFFD := strings.Contains(string(b), "\ufffd") || strings.Contains(strings.ToLower(string(b)), `\ufffd`)
				if strings.ContainsRune(v, utf8.RuneError) && !sentFFFD {
					t.Fatalf("accepted %q: %q holds a replacement character", b, v)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for k, x := range v {
					walk(k)
					walk(x)
				}
			}
		}
		walk(v)
	})
}
