package rfc3516

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func decoder(s string) *rfc3501.Decoder {
	return rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(s)))
}

func TestReadSection(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"[]", nil, true},
		{"[1]", []int{1}, true},
		{"[1.2.3]", []int{1, 2, 3}, true},
		{"[10.200]", []int{10, 200}, true},
		{"[0]", nil, false},
		{"[1.0]", nil, false},
		{"[1.]", nil, false},
		{"[.1]", nil, false},
		{"[TEXT]", nil, false}, // §7: a section-binary has no section-text
		{"[1.MIME]", nil, false},
		{"[1", nil, false},
		{"1]", nil, false},
		{"[4294967296]", nil, false},
	} {
		dec := decoder(tc.in + "\r\n")
		var got []int
		ok := ReadSection(dec, &got) && dec.CRLF()
		if ok != tc.ok {
			t.Errorf("%q: ok = %v, want %v (%v)", tc.in, ok, tc.ok, dec.Err())
			continue
		}
		if ok {
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%q: (-want +got)\n%s", tc.in, diff)
			}
			if f := "[" + FormatSection(got) + "]"; f != tc.in {
				t.Errorf("%q formats back as %q", tc.in, f)
			}
		}
	}
}

func decodeAll(t *testing.T, enc, in string) string {
	t.Helper()
	r, err := Decode(enc, strings.NewReader(in))
	if err != nil {
		t.Fatalf("Decode(%q, %q): %v", enc, in, err)
	}
	b, err := io.ReadAll(iotest.OneByteReader(r))
	if err != nil {
		t.Fatalf("Decode(%q, %q): reading: %v", enc, in, err)
	}
	return string(b)
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct{ enc, in, want string }{
		{"7bit", "a\r\nb", "a\r\nb"},
		{"", "plain", "plain"},
		{"8BIT", "caf\xc3\xa9", "caf\xc3\xa9"},
		{"Binary", "a\x00b", "a\x00b"},
		{"base64", "aGVsbG8gd29ybGQ=\r\n", "hello world"},
		{"BASE64", "aGVs\r\nbG8g\r\nd29y\r\nbGQ=", "hello world"},
		{"base64", "aGVsbG8gd29ybGQ", "hello world"},           // padding missing
		{"base64", "aGV*sbG8\tgd29y!bGQ==\r\n", "hello world"}, // RFC 2045 §6.8: others ignored
		{"base64", "AAEC", "\x00\x01\x02"},
		{"base64", "aGk=\r\nIGdhcmJhZ2U=", "hi"}, // "=" ends the data
		{"base64", "aGkhA", "hi!"},               // a lone last character: no octet
		{"base64", "", ""},
		{"base64", "====", ""},
		{"quoted-printable", "caf=C3=A9 =\r\nnext\r\nline", "caf\xc3\xa9 next\r\nline"},
		{"Quoted-Printable", "a=3Db", "a=b"},
		{"quoted-printable", "tab\t \r\nx", "tab\r\nx"}, // trailing white space removed (RFC 2045 §6.7 rule 3)
		{" base64 ", "QQ==", "A"},
	} {
		if got := decodeAll(t, tc.enc, tc.in); got != tc.want {
			t.Errorf("Decode(%q, %q) = %q, want %q", tc.enc, tc.in, got, tc.want)
		}
	}
	for _, enc := range []string{"x-uuencode", "7-bit", "base-64", "gzip"} {
		if _, err := Decode(enc, strings.NewReader("x")); !errors.Is(err, ErrUnknownCTE) {
			t.Errorf("Decode(%q): %v, want ErrUnknownCTE", enc, err)
		}
	}
}

func TestCRLF(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb\n":       "a\r\nb\r\n",
		"a\r\nb":       "a\r\nb",
		"\n\n":         "\r\n\r\n",
		"a\rb\n":       "a\rb\r\n",
		"":             "",
		"x\r\r\n\n":    "x\r\r\n\r\n",
		"no line ends": "no line ends",
	} {
		b, err := io.ReadAll(iotest.OneByteReader(CRLF(strings.NewReader(in))))
		if err != nil || string(b) != want {
			t.Errorf("CRLF(%q) = %q, %v; want %q", in, b, err, want)
		}
		// In one read too.
		buf := make([]byte, 100)
		n, _ := io.ReadFull(CRLF(strings.NewReader(in)), buf)
		if string(buf[:n]) != want {
			t.Errorf("CRLF(%q) in one read = %q", in, buf[:n])
		}
	}
}

func TestMeasure(t *testing.T) {
	data := "abc\x00def"
	for _, tc := range []struct {
		off, count int64
		nul        bool
	}{
		{0, -1, true},
		{0, 3, false},
		{3, 1, true},
		{4, -1, false},
		{2, 2, true},
		{10, 5, false},
	} {
		size, nul, err := Measure(iotest.HalfReader(strings.NewReader(data)), tc.off, tc.count)
		if err != nil || size != int64(len(data)) || nul != tc.nul {
			t.Errorf("Measure(<%d.%d>) = %d, %v, %v; want %d, %v", tc.off, tc.count, size, nul, err, len(data), tc.nul)
		}
	}
	big := bytes.Repeat([]byte("x"), 100000)
	big[70000] = 0
	if size, nul, _ := Measure(bytes.NewReader(big), 69999, 2); size != 100000 || !nul {
		t.Errorf("large: %d %v", size, nul)
	}
	if _, nul, _ := Measure(bytes.NewReader(big), 70001, -1); nul {
		t.Errorf("large: NUL found after it")
	}
}

// FuzzReadSection: a section-binary that reads formats back to itself.
func FuzzReadSection(f *testing.F) {
	for _, s := range []string{"[]", "[1.2]", "[0]", "[1.TEXT]", "[99999999999]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec := decoder(s + "\r\n")
		var part []int
		if !ReadSection(dec, &part) {
			if dec.Err() == nil {
				t.Fatalf("%q: failed without an error", s)
			}
			return
		}
		for _, n := range part {
			if n <= 0 {
				t.Fatalf("%q: part %v", s, part)
			}
		}
		if dec.CRLF() && "["+FormatSection(part)+"]" != s {
			t.Fatalf("%q formats back as %q", s, FormatSection(part))
		}
	})
}

// FuzzDecode: decoding never fails or panics for a known encoding, gives the
// same octets in one read as byte by byte, and Measure agrees on the size.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"aGVsbG8=", "a=\r\nb=3D", "=ZZ=\n", "\x00\xff"} {
		f.Add("base64", s)
		f.Add("quoted-printable", s)
	}
	f.Fuzz(func(t *testing.T, enc, s string) {
		r, err := Decode(enc, strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrUnknownCTE) {
				t.Fatalf("Decode(%q): %v", enc, err)
			}
			return
		}
		all, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%q %q: %v", enc, s, err)
		}
		r2, _ := Decode(enc, strings.NewReader(s))
		one, err := io.ReadAll(iotest.OneByteReader(CRLF(r2)))
		if err != nil {
			t.Fatalf("%q %q: byte by byte: %v", enc, s, err)
		}
		r3, _ := Decode(enc, strings.NewReader(s))
		size, _, err := Measure(CRLF(r3), 0, -1)
		if err != nil || size != int64(len(one)) {
			t.Fatalf("%q %q: Measure %d, %v; read %d", enc, s, size, err, len(one))
		}
		if len(one) < len(all) {
			t.Fatalf("%q %q: CRLF shortened %q to %q", enc, s, all, one)
		}
	})
}

// FuzzLiteral8 feeds literal8 announcements and bodies (§7 literal8, RFC
// 4466's "~{n+}") to the IMAP decoder: a literal8 is marked Binary and may
// hold NUL, its body is exactly its size, and the command goes on after it.
func FuzzLiteral8(f *testing.F) {
	for _, s := range []string{"~{3}\r\na\x00b", "~{0}\r\n", "~{2+}\r\n\x00\x00", "{3}\r\na\x00b", "~{5}\r\nab", "~{x}\r\n", "~{99999999999999999999}\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec := decoder(s + " X\r\n")
		var lit rfc3501.Literal
		if !dec.Literal(&lit) {
			if dec.Err() == nil {
				t.Fatalf("%q: failed without an error", s)
			}
			return
		}
		if lit.Binary != strings.HasPrefix(s, "~") {
			t.Fatalf("%q: Binary = %v", s, lit.Binary)
		}
		body, err := io.ReadAll(&lit)
		if err != nil {
			if lit.Binary {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				t.Fatalf("%q: literal8 body: %v", s, err)
			}
			return // a NUL in a plain literal, or a short body
		}
		if int64(len(body)) != lit.Size {
			t.Fatalf("%q: body of %d octets, size %d", s, len(body), lit.Size)
		}
		var x string
		if !dec.SP() || !dec.Atom(&x) || !dec.CRLF() {
			if dec.Err() == nil {
				t.Fatalf("%q: the command does not go on after the literal", s)
			}
		}
	})
}

// dataEOF returns its data and io.EOF in one Read, as some readers do.
type dataEOF struct{ s string }

func (d *dataEOF) Read(p []byte) (int, error) {
	n := copy(p, d.s)
	d.s = d.s[n:]
	if d.s == "" {
		return n, io.EOF
	}
	return n, nil
}

// TestBase64FilterEdges reads through the filter with buffers of every small
// size from readers that return the end with the data.
func TestBase64FilterEdges(t *testing.T) {
	for _, in := range []string{"aGk", "aGkh", "aGkhA", "aGkhAB", "QQ", "Q", "aGVsbG8gd29ybGQ"} {
		want := decodeAll(t, "base64", in)
		for size := 1; size <= 8; size++ {
			f := &base64Filter{r: &dataEOF{in}}
			var got []byte
			buf := make([]byte, size)
			for {
				n, err := f.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			dec, _ := io.ReadAll(base64.NewDecoder(base64.RawStdEncoding, bytes.NewReader(got)))
			if string(dec) != want {
				t.Errorf("%q with %d-octet reads: %q decodes to %q, want %q", in, size, got, dec, want)
			}
		}
	}
}
