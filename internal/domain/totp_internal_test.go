package domain

import (
	"testing"
	"time"
)

// rfc6238Seed is the SHA-1 key of RFC 6238 Appendix B.
var rfc6238Seed = []byte("12345678901234567890")

// TestTOTPRFC6238Vectors: the SHA-1 rows of RFC 6238 Appendix B, at their 8
// digits and truncated to our 6.
func TestTOTPRFC6238Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		unix  int64
		step  int64
		eight string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	} {
		at := time.Unix(v.unix, 0).UTC()
		if got := TOTPStep(at); got != v.step {
			t.Errorf("T=%d: step %#x, want %#x", v.unix, got, v.step)
		}
		if got := hotp(rfc6238Seed, uint64(v.step), 8); got != v.eight {
			t.Errorf("T=%d: 8 digits %s, want %s", v.unix, got, v.eight)
		}
		if got, want := TOTPCode(rfc6238Seed, TOTPStep(at)), v.eight[2:]; got != want {
			t.Errorf("T=%d: 6 digits %s, want %s", v.unix, got, want)
		}
	}
}

// TestTOTPRFC4226Vectors: HOTP itself (RFC 4226 Appendix D), which keeps
// leading zeros of the 6-digit form honest.
func TestTOTPRFC4226Vectors(t *testing.T) {
	t.Parallel()
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(rfc6238Seed, uint64(i), 6); got != w {
			t.Errorf("count %d: %s, want %s", i, got, w)
		}
	}
}

func TestTOTPMatchWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1234567890, 0).UTC()
	cur := TOTPStep(now)
	code := func(d int64) string { return TOTPCode(rfc6238Seed, cur+d) }
	for d := int64(-1); d <= 1; d++ {
		step, ok, fresh := totpMatch(rfc6238Seed, code(d), now, nil)
		if !ok || !fresh || step != cur+d {
			t.Errorf("step %+d: matched %v fresh %v at %d", d, ok, fresh, step-cur)
		}
	}
	for _, d := range []int64{-3, -2, 2, 3} {
		if _, ok, _ := totpMatch(rfc6238Seed, code(d), now, nil); ok {
			t.Errorf("step %+d accepted: outside ±1", d)
		}
	}
	// At or below the last used step: matched, but not fresh.
	last := cur
	if _, ok, fresh := totpMatch(rfc6238Seed, code(0), now, &last); !ok || fresh {
		t.Errorf("the last used step: ok %v fresh %v", ok, fresh)
	}
	if _, ok, fresh := totpMatch(rfc6238Seed, code(-1), now, &last); !ok || fresh {
		t.Errorf("a step before the last used one: ok %v fresh %v", ok, fresh)
	}
	if step, ok, fresh := totpMatch(rfc6238Seed, code(1), now, &last); !ok || !fresh || step != cur+1 {
		t.Errorf("the step after the last used one: ok %v fresh %v", ok, fresh)
	}
	for _, bad := range []string{"", "12345", "1234567", "12345a", " 12345", "１２３４５６"} {
		if _, ok, _ := totpMatch(rfc6238Seed, bad, now, nil); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
