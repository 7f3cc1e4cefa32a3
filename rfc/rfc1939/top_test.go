package rfc1939

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTopReader(t *testing.T) {
	const msg = "From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n"
	tests := []struct {
		msg  string
		n    int
		want string
	}{
		// §7: the headers, the blank line, then n lines of the body.
		{msg, 0, "From: a\r\nSubject: b\r\n\r\n"},
		{msg, 1, "From: a\r\nSubject: b\r\n\r\nline 1\r\n"},
		{msg, 2, "From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\n"},
		// More lines than the body has: the entire message.
		{msg, 3, msg},
		{msg, 10, msg},
		{msg, -1, "From: a\r\nSubject: b\r\n\r\n"},
		// A body without a final line end.
		{"A: b\r\n\r\nx\r\ny", 5, "A: b\r\n\r\nx\r\ny"},
		{"A: b\r\n\r\nx\r\ny", 1, "A: b\r\n\r\nx\r\n"},
		// No empty line: all header.
		{"A: b\r\nC: d\r\n", 0, "A: b\r\nC: d\r\n"},
		// Bare LF line ends.
		{"A: b\n\nx\ny\n", 1, "A: b\n\nx\n"},
		{"A: b\n\nx\ny\n", 0, "A: b\n\n"},
		// An empty header: the message starts with the empty line.
		{"\r\nbody\r\n", 0, "\r\n"},
		{"\nbody\n", 1, "\nbody\n"},
		// CR inside a header line does not end it.
		{"A: b\r\r\nC: d\r\n\r\nx\r\n", 0, "A: b\r\r\nC: d\r\n\r\n"},
		// A folded header line.
		{"A: b\r\n c\r\n\r\nx\r\n", 0, "A: b\r\n c\r\n\r\n"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.msg)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			got, err := io.ReadAll(NewTopReader(src, tt.n))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("TOP %d of %q (one byte %v) = %q, want %q", tt.n, tt.msg, oneByte, got, tt.want)
			}
		}
	}
}

// TestTopReaderStopsEarly: TopReader does not read the rest of a large message.
func TestTopReaderStopsEarly(t *testing.T) {
	body := strings.Repeat("0123456789\r\n", 100000)
	src := strings.NewReader("A: b\r\n\r\n" + body)
	got, err := io.ReadAll(NewTopReader(src, 1))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "A: b\r\n\r\n0123456789\r\n" {
		t.Errorf("got %q", got)
	}
	if src.Len() < len(body)-64*1024 {
		t.Errorf("read %d octets of %d, want it to stop early", len(body)-src.Len(), len(body))
	}
}

// referenceTop is a direct reading of §7: split into lines ending in LF, keep
// every line up to the first empty one, then n more.
func referenceTop(msg []byte, n int) []byte {
	var out []byte
	inHeader := true
	for len(msg) > 0 {
		end := bytes.IndexByte(msg, '\n') + 1
		if end == 0 {
			end = len(msg)
		}
		line := msg[:end]
		msg = msg[end:]
		if !inHeader {
			if n <= 0 {
				break
			}
			n--
		}
		out = append(out, line...)
		if inHeader && (string(line) == "\n" || string(line) == "\r\n") {
			inHeader = false
		}
	}
	return out
}

func FuzzTopReader(f *testing.F) {
	f.Add([]byte("A: b\r\n\r\nx\r\n"), 1)
	f.Add([]byte("\n\n\n"), 0)
	f.Add([]byte("A\r\r\n\r\n\r\n"), 2)
	f.Fuzz(func(t *testing.T, msg []byte, n int) {
		got, err := io.ReadAll(NewTopReader(iotest.HalfReader(bytes.NewReader(msg)), n))
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceTop(msg, n); !bytes.Equal(got, want) {
			t.Fatalf("TOP %d of %q = %q, want %q", n, msg, got, want)
		}
	})
}
