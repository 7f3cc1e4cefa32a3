package rfc2342

import (
	"bufio"
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func encode(r Response) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := rfc3501.NewEncoder(w)
	enc.Untagged()
	r.Encode(enc)
	enc.Flush()
	return buf.String()
}

// The examples of RFC 2342 §5, each a response and its value.
var examples = []struct {
	name string
	line string
	resp Response
	// canonical is what Encode writes, when it differs from line.
	canonical string
}{
	{"5.1 personal only", `* NAMESPACE (("" "/")) NIL NIL`,
		Response{Personal: []Namespace{{Prefix: "", Delimiter: '/'}}}, ""},
	{"5.2 shared only", `* NAMESPACE NIL NIL (("" "."))`,
		Response{Shared: []Namespace{{Prefix: "", Delimiter: '.'}}}, ""},
	{"5.3 personal and shared", `* NAMESPACE (("" "/")) NIL (("Public Folders/" "/"))`,
		Response{Personal: []Namespace{{Delimiter: '/'}}, Shared: []Namespace{{Prefix: "Public Folders/", Delimiter: '/'}}}, ""},
	{"5.4 several shared", `* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#public/" "/")("#ftp/" "/")("#news." "."))`,
		Response{
			Personal: []Namespace{{Delimiter: '/'}},
			Other:    []Namespace{{Prefix: "~", Delimiter: '/'}},
			Shared: []Namespace{
				{Prefix: "#shared/", Delimiter: '/'}, {Prefix: "#public/", Delimiter: '/'},
				{Prefix: "#ftp/", Delimiter: '/'}, {Prefix: "#news.", Delimiter: '.'},
			},
		}, ""},
	{"5.5 INBOX prefix", `* NAMESPACE (("INBOX." ".")) NIL  NIL`,
		Response{Personal: []Namespace{{Prefix: "INBOX.", Delimiter: '.'}}},
		`* NAMESPACE (("INBOX." ".")) NIL NIL`},
	{"5.6 extension", `* NAMESPACE (("" "/")("#mh/" "/" "X-PARAM" ("FLAG1" "FLAG2"))) NIL NIL`,
		Response{Personal: []Namespace{
			{Delimiter: '/'},
			{Prefix: "#mh/", Delimiter: '/', Extensions: []Extension{{Name: "X-PARAM", Values: []string{"FLAG1", "FLAG2"}}}},
		}}, ""},
	{"5.7 other users", `* NAMESPACE (("" "/")) (("Other Users/" "/")) NIL`,
		Response{Personal: []Namespace{{Delimiter: '/'}}, Other: []Namespace{{Prefix: "Other Users/", Delimiter: '/'}}}, ""},
	{"5.8 #Users", `* NAMESPACE (("" "/")) (("#Users/" "/")) NIL`,
		Response{Personal: []Namespace{{Delimiter: '/'}}, Other: []Namespace{{Prefix: "#Users/", Delimiter: '/'}}}, ""},
	{"no delimiter, modified UTF-7 prefix", `* NAMESPACE (("&ZeVnLIqe-/" NIL)) NIL NIL`,
		Response{Personal: []Namespace{{Prefix: "日本語/"}}}, ""},
}

func TestExamples(t *testing.T) {
	for _, ex := range examples {
		got, err := ParseResponse(ex.line)
		if err != nil {
			t.Errorf("%s: ParseResponse: %v", ex.name, err)
			continue
		}
		if diff := cmp.Diff(ex.resp, got); diff != "" {
			t.Errorf("%s: ParseResponse (-want +got):\n%s", ex.name, diff)
		}
		want := ex.canonical
		if want == "" {
			want = ex.line
		}
		if got := encode(ex.resp); got != want {
			t.Errorf("%s: Encode = %q, want %q", ex.name, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, line := range []string{
		``,
		`* NAMESPACE`,
		`* LIST (("" "/")) NIL NIL`,
		`* NAMESPACE (("" "/")) NIL`,
		`* NAMESPACE ("" "/") NIL NIL`,
		`* NAMESPACE (("" "//")) NIL NIL`,
		`* NAMESPACE (("" "/") ("x" "/")) NIL NIL`,
		`* NAMESPACE (("" "/" "X" ())) NIL NIL`,
		`* NAMESPACE "x" NIL NIL`,
		`* NAMESPACE (("&Jjo" "/")) NIL NIL`,
		`* NAMESPACE (("" "/")) NIL NIL extra`,
		`* NAMESPACE () NIL NIL`,
	} {
		if r, err := ParseResponse(line); err == nil {
			t.Errorf("ParseResponse(%q) = %+v, want an error", line, r)
		}
	}
	_, err := ParseResponse(`* NAMESPACE (("" "ab")) NIL NIL`)
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("a two-character delimiter: %v, want ErrSyntax", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, ex := range examples {
		f.Add(ex.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseResponse(line)
		if err != nil {
			return
		}
		// What parses encodes to something that parses to the same.
		enc := encode(r)
		again, err := ParseResponse(enc)
		if err != nil {
			t.Fatalf("%q parsed, but its encoding %q does not: %v", line, enc, err)
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", line, diff)
		}
	})
}
