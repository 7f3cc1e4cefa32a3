package rfc4731

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func decoder(s string) *rfc3501.Decoder {
	return rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(s)))
}

func TestReadReturnOpts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{" (MIN COUNT)", []string{"MIN", "COUNT"}, true}, // §3.1, A282
		{" ()", nil, true}, // §3.1, A283
		{" (min Max aLL count)", []string{"MIN", "MAX", "ALL", "COUNT"}, true},
		{" (SAVE)", []string{"SAVE"}, true}, // RFC 5182 §2.2
		{" (MIN MIN)", []string{"MIN", "MIN"}, true},
		{" (PARTIAL 1:100)", []string{"PARTIAL", "1:100"}, true},
		{"(MIN)", nil, false},   // no SP
		{" MIN", nil, false},    // no list
		{" (MIN", nil, false},   // unterminated
		{" (MIN )", nil, false}, // SP without an option
		{" ( MIN)", nil, false},
		{" (\"MIN\")", nil, false},
	} {
		dec := decoder(tc.in + "\r\n")
		var got []string
		ok := ReadReturnOpts(dec, &got)
		if ok != tc.ok {
			t.Errorf("%q: ok = %v, want %v (%v)", tc.in, ok, tc.ok, dec.Err())
			continue
		}
		if ok {
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%q: (-want +got)\n%s", tc.in, diff)
			}
			if !dec.CRLF() {
				t.Errorf("%q: not at the CRLF: %v", tc.in, dec.Err())
			}
		}
	}
}

func encode(r Result) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	enc := rfc3501.NewEncoder(w)
	r.Encode(enc)
	enc.Flush()
	return b.String()
}

// TestEncodeExamples encodes the ESEARCH responses of RFC 4731 §3.1 and RFC
// 4466 §2.6.2 from the numbers they imply.
func TestEncodeExamples(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Result
		want string
	}{
		{"RFC 4731 §3.1 A282", Result{Tag: "A282", Found: []uint32{2, 10, 11}, Options: []string{Min, Count}},
			`* ESEARCH (TAG "A282") MIN 2 COUNT 3`},
		{"RFC 4731 §3.1 A283", Result{Tag: "A283", Found: []uint32{2, 10, 11}, Options: []string{All}},
			`* ESEARCH (TAG "A283") ALL 2,10:11`},
		{"RFC 4731 §3.1 A284", Result{Tag: "A284", Found: []uint32{4, 5, 9}, Options: []string{Min}},
			`* ESEARCH (TAG "A284") MIN 4`},
		{"RFC 4731 §3.1 A285", Result{Tag: "A285", UID: true, Found: []uint32{7, 100, 3800}, Options: []string{Min, Max}},
			`* ESEARCH (TAG "A285") UID MIN 7 MAX 3800`},
		{"RFC 4731 §3.1 A286", Result{Tag: "A286", Found: make15(), Options: []string{Count}},
			`* ESEARCH (TAG "A286") COUNT 15`},
		{"RFC 4466 §2.6.2", Result{Tag: "a567", UID: true, Found: []uint32{4, 5, 6, 7, 21, 28}, Options: []string{Count, All}},
			`* ESEARCH (TAG "a567") UID ALL 4:7,21,28 COUNT 6`},
		{"RFC 5182 §2.4 C286", Result{Tag: "C286", Found: []uint32{2, 10, 11, 12, 13, 14, 15, 21}, Options: []string{Max, "SAVE", Min, Count}},
			`* ESEARCH (TAG "C286") MIN 2 MAX 21 COUNT 8`},
		{"no match: MIN MAX ALL left out, COUNT 0", Result{Tag: "x", Options: []string{Min, Max, All, Count}},
			`* ESEARCH (TAG "x") COUNT 0`},
		{"no match, no COUNT", Result{Tag: "x", UID: true, Options: []string{Min}},
			`* ESEARCH (TAG "x") UID`},
		{"tag that needs quoting rules", Result{Tag: `a"b`, Found: []uint32{1}, Options: []string{All}},
			`* ESEARCH (TAG "a\"b") ALL 1`},
		{"largest numbers", Result{Tag: "t", Found: []uint32{4294967294, 4294967295}, Options: []string{All, Max}},
			`* ESEARCH (TAG "t") MAX 4294967295 ALL 4294967294:4294967295`},
	} {
		if got := encode(tc.r); got != tc.want+"\r\n" {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want+"\r\n")
		}
	}
}

func make15() []uint32 {
	var n []uint32
	for i := uint32(1); i <= 15; i++ {
		n = append(n, i*2)
	}
	return n
}

// FuzzReadReturnOpts: any input either fails or yields names that are
// upper-case atoms, and never panics.
func FuzzReadReturnOpts(f *testing.F) {
	for _, s := range []string{" (MIN COUNT)\r\n", " ()\r\n", " (SAVE ALL)\r\n", " (MIN\r\n", " ({3}\r\nMIN)\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec := decoder(s)
		var opts []string
		if !ReadReturnOpts(dec, &opts) {
			if dec.Err() == nil {
				t.Fatalf("%q: failed without an error", s)
			}
			return
		}
		for _, o := range opts {
			if o == "" || o != strings.ToUpper(o) || strings.ContainsAny(o, " ()\r\n") {
				t.Fatalf("%q: option %q", s, o)
			}
		}
	})
}
