package rfc2971

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func str(s string) *string { return &s }

func parse(t testing.TB, line string) (Params, error, *rfc3501.Decoder) {
	dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(line)))
	p, err := Parse(dec)
	return p, err, dec
}

func encode(p Params) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := rfc3501.NewEncoder(w)
	p.Encode(enc)
	enc.Flush()
	return buf.String()
}

// The lists of the examples of RFC 2971 §3.1 and §3.2.
func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		name string
		list string
		want Params
	}{
		{"3.1 command", `("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")`, Params{
			{"name", str("sodr")}, {"version", str("19.34")}, {"vendor", str("Pink Floyd Music Limited")}}},
		{"3.1 response NIL", `NIL`, nil},
		{"3.2 response", `("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")`, Params{
			{"name", str("Cyrus")}, {"version", str("1.5")}, {"os", str("sunos")}, {"os-version", str("5.5")},
			{"support-url", str("mailto:cyrus-bugs+@andrew.cmu.edu")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err, dec := parse(t, tc.list+"\r\n")
			if err != nil {
				t.Fatal(err)
			}
			if !dec.CRLF() {
				t.Fatalf("after the list: %v", dec.Err())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
			if enc := encode(got); enc != tc.list {
				t.Errorf("Encode = %s, want %s", enc, tc.list)
			}
		})
	}
}

func TestParse(t *testing.T) {
	got, err, _ := parse(t, `("Name" NIL "x" {3}`+"\r\nabc)\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Params{{"Name", nil}, {"x", str("abc")}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v, ok := got.Get("X"); !ok || v != "abc" {
		t.Errorf(`Get("X") = %q, %v`, v, ok)
	}
	if _, ok := got.Get("name"); ok {
		t.Error(`Get("name") of a NIL value reports present`)
	}
	if got, err, _ := parse(t, "()\r\n"); err != nil || got == nil || len(got) != 0 {
		t.Errorf(`"()" = %#v, %v; want empty, not nil`, got, err)
	}
	if got, err, _ := parse(t, "nil\r\n"); err != nil || got != nil {
		t.Errorf(`"nil" = %#v, %v; want nil`, got, err)
	}
}

// §3.3's limits, and the syntax errors.
func TestParseErrors(t *testing.T) {
	pairs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` "f%d" "v"`, i)
		}
		return "(" + b.String()[1:] + ")"
	}
	for _, tc := range []struct {
		name, line string
		limit      bool // a *LimitError, else a syntax error
	}{
		{"31 pairs", pairs(31), true},
		{"long field", `("` + strings.Repeat("f", 31) + `" "v")`, true},
		{"long value", `("f" "` + strings.Repeat("v", 1025) + `")`, true},
		{"twice", `("name" "a" "NAME" "b")`, true},
		{"string", `"name"`, false},
		{"odd", `("name")`, false},
		{"atom field", `(name "x")`, false},
		{"unclosed", `("name" "x"`, false},
		{"empty", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err, dec := parse(t, tc.line+"\r\n")
			var le *LimitError
			var se *rfc3501.SyntaxError
			switch {
			case tc.limit && !errors.As(err, &le):
				t.Fatalf("err = %v, want a *LimitError", err)
			case !tc.limit && !errors.As(err, &se):
				t.Fatalf("err = %v, want a *rfc3501.SyntaxError", err)
			}
			if tc.limit && !dec.CRLF() {
				t.Errorf("after a LimitError the decoder is not at the CRLF: %v", dec.Err())
			}
		})
	}
	// Exactly at the limits is accepted.
	at := `("` + strings.Repeat("f", 30) + `" "` + strings.Repeat("v", 1024) + `")`
	if _, err, _ := parse(t, at+"\r\n"); err != nil {
		t.Errorf("at the limits: %v", err)
	}
	if _, err, _ := parse(t, pairs(30)+"\r\n"); err != nil {
		t.Errorf("30 pairs: %v", err)
	}
}

func TestString(t *testing.T) {
	p := Params{{"name", str("evil\r\n2024-01-01 forged log line")}, {"version", nil}, {"x\x00y", str(strings.Repeat("v", 1000))}}
	s := p.String()
	if strings.ContainsAny(s, "\r\n\x00") {
		t.Errorf("String() holds control characters: %q", s)
	}
	if len(s) > 300 {
		t.Errorf("String() is %d octets: %q", len(s), s)
	}
	if Params(nil).String() != "NIL" {
		t.Errorf("nil String() = %q", Params(nil).String())
	}
	if got := Printable("a\x7fb\xffc", 10); got != "a\uFFFDb\uFFFDc" {
		t.Errorf("Printable = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`("name" "sodr" "version" "19.34")` + "\r\n"))
	f.Add([]byte("NIL\r\n"))
	f.Add([]byte(`("a" {2}` + "\r\nxy)\r\n"))
	f.Add([]byte(`("a" "b" "A" NIL)` + "\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := rfc3501.NewDecoder(bufio.NewReader(bytes.NewReader(data)))
		p, err := Parse(dec)
		if err != nil {
			return
		}
		if len(p) > MaxPairs {
			t.Fatalf("%d pairs accepted", len(p))
		}
		for _, f := range p {
			if len(f.Field) > MaxFieldLen || f.Value != nil && len(*f.Value) > MaxValueLen {
				t.Fatalf("over-limit pair accepted: %q", f.Field)
			}
		}
		// What Encode writes parses back to the same list.
		again, err, _ := parse(t, encode(p)+"\r\n")
		if err != nil {
			t.Fatalf("re-parse of %q: %v", encode(p), err)
		}
		if diff := cmp.Diff(p, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if s := p.String(); strings.ContainsAny(s, "\r\n") {
			t.Fatalf("String() holds CR or LF: %q", s)
		}
	})
}
