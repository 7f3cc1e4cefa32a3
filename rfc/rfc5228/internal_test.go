package rfc5228

import (
	"slices"
	"testing"
)

// TestEncodedCharacter checks the vectors of RFC 5228 §2.4.2.4.
func TestEncodedCharacter(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"$${hex:40}", "$@"},
		{"${hex: 40 }", "@"},
		{"${HEX: 40}", "@"},
		{"${hex:40", "${hex:40"},
		{"${hex:400}", "${hex:400}"},
		{"${hex:4${hex:30}}", "${hex:40}"},
		{"${unicode:40}", "@"},
		{"${ unicode:40}", "${ unicode:40}"},
		{"${UNICODE:40}", "@"},
		{"${UnICoDE:0000040}", "@"},
		{"${Unicode:40}", "@"},
		{"${Unicode:Cool}", "${Unicode:Cool}"},
		{"${hex:24 24}", "$$"},
		{"${hex:}", "${hex:}"},
	} {
		got, err := decodeEncodedCharacters(tc.in)
		if err != "" || got != tc.want {
			t.Errorf("%q: got %q, %q; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"${unicode:200000}", "${Unicode:DF01}"} {
		if _, err := decodeEncodedCharacters(bad); err == "" {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestGlob checks :matches and its non-greedy captures (RFC 5228 §2.7.1,
// RFC 5229 §3.2).
func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, val string
		ok       bool
		caps     []string
	}{
		{"[*] *", "[acme-users] [fwd] version 1.0 is out", true, []string{"[acme-users] [fwd] version 1.0 is out", "acme-users", "[fwd] version 1.0 is out"}},
		{"coyote@**.com", "coyote@acme.example.com", true, []string{"coyote@acme.example.com", "", "acme.example"}},
		{"*<*@*", "Lists <l@example.org>", true, []string{"Lists <l@example.org>", "Lists ", "l", "example.org>"}},
		{"a?c", "abc", true, []string{"abc", "b"}},
		{"a?c", "ac", false, nil},
		{"*", "", true, []string{"", ""}},
		{"?", "", false, nil},
		{"a*b*c", "aXbYbZc", true, []string{"aXbYbZc", "X", "YbZ"}},
		{`\*x`, "*x", true, []string{"*x"}},
		{`\*x`, "ax", false, nil},
		{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, nil},
	} {
		caps, ok := glob(compileGlob(tc.pat), tc.val, tc.val, true)
		if ok != tc.ok || !slices.Equal(caps, tc.caps) {
			t.Errorf("%q on %q: got %v %q, want %v %q", tc.pat, tc.val, ok, caps, tc.ok, tc.caps)
		}
	}
}

// TestNumeric checks i;ascii-numeric's ordering (RFC 4790 §9.1).
func TestNumeric(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1", "01", 0}, {"10", "9", 1}, {"9", "10", -1}, {"abc", "999999999999999999999", 1},
		{"abc", "", 0}, {"12abc", "12", 0}, {"007", "7x", 0},
	} {
		got := compareNumeric(tc.a, tc.b)
		if (got > 0) != (tc.want > 0) || (got < 0) != (tc.want < 0) {
			t.Errorf("compare(%q, %q) = %d, want sign of %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestAddresses checks the address reader on well-formed and malformed
// fields (RFC 5228 §2.7.4, §5.1).
func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // :all of each
	}{
		{"a@example.com, B <b@example.org>", []string{"a@example.com", "b@example.org"}},
		{"group: a@x.example, b@y.example;, c@z.example", []string{"a@x.example", "b@y.example", "c@z.example"}},
		{"undisclosed-recipients:;", nil},
		{"broken <<a@x.example>, ok@y.example", []string{"a@x.example", "ok@y.example"}},
		{"just text, a@x.example", []string{"just text", "a@x.example"}},
		{"=?utf-8?q?J=C3=B6rg?= <j@x.example>", []string{"j@x.example"}},
		{"=?x-unknown?q?abc?= <j@x.example>", []string{"j@x.example"}},
	} {
		var got []string
		for _, a := range parseAddresses(tc.in) {
			got = append(got, a.all)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVacationHandle checks that the synthesised handle tells apart what
// RFC 5230 §4.2 tells apart.
func TestVacationHandle(t *testing.T) {
	base := vacationHandle("s", "f", false, "r")
	if base != vacationHandle("s", "f", false, "r") {
		t.Error("equal arguments give different handles")
	}
	for _, other := range []string{
		vacationHandle("s", "f", true, "r"),
		vacationHandle("", "f", false, "r"),
		vacationHandle("s", "", false, "r"),
		vacationHandle("s", "f", false, "r2"),
		vacationHandle("sf", "", false, "r"),
	} {
		if other == base {
			t.Error("different arguments give the same handle")
		}
	}
}
