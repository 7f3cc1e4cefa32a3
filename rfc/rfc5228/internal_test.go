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
		{"Routed <@relay.example:u@x.example>, ", []string{"u@x.example"}},
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

// FuzzBody walks fuzzed bodies as multipart, message/rfc822 and encoded
// text: the walker never panics and never returns more strings than the
// part limit allows.
func FuzzBody(f *testing.F) {
	f.Add("multipart/mixed; boundary=b", "", []byte("pre\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\npost"))
	f.Add("message/rfc822", "", []byte("Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\n--x\r\n--x--"))
	f.Add("text/plain; charset=iso-8859-1", "quoted-printable", []byte("caf=E9=\r\n"))
	f.Add("text/plain", "base64", []byte("aGVs bG8=\r\n"))
	f.Fuzz(func(t *testing.T, contentType, encoding string, body []byte) {
		w := &bodyWalker{want: []string{""}}
		w.walk(contentType, encoding, body, 0)
		if len(w.values) > 2*maxBodyParts {
			t.Fatalf("%d strings", len(w.values))
		}
	})
}

// TestSplitMultipart checks the prologue, parts and epilogue of RFC 2046
// §5.1.1, and bodies that end early or repeat delimiters.
func TestSplitMultipart(t *testing.T) {
	for _, tc := range []struct {
		body, pro, epi string
		parts          []string
	}{
		{"pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\npost", "pre", "post", []string{"one", "two"}},
		{"--b\nx\n--b--", "", "", []string{"x"}},
		{"--b\n--b\n--b--\n", "", "", []string{"", ""}},
		{"pre\n--b\nunclosed", "pre", "", []string{"unclosed"}},
		{"no delimiter", "no delimiter", "", nil},
		{"--bb\n--b \nx\n--b--", "--bb", "", []string{"x"}},
	} {
		pro, parts, epi := splitMultipart([]byte(tc.body), "b")
		var got []string
		for _, p := range parts {
			got = append(got, string(p))
		}
		if string(pro) != tc.pro || string(epi) != tc.epi || !slices.Equal(got, tc.parts) {
			t.Errorf("%q: got %q %q %q, want %q %q %q", tc.body, pro, got, epi, tc.pro, tc.parts, tc.epi)
		}
	}
}
