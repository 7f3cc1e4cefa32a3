package rfc1939

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func dotWrite(t testing.TB, chunks ...string) string {
	t.Helper()
	var buf bytes.Buffer
	d := NewDotWriter(&buf)
	for _, c := range chunks {
		n, err := d.Write([]byte(c))
		if err != nil || n != len(c) {
			t.Fatalf("Write(%q) = %d, %v", c, n, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestDotWriter(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"empty", nil, ".\r\n"},
		{"one line", []string{"Subject: x\r\n"}, "Subject: x\r\n.\r\n"},
		// §3: a line beginning with the termination octet is byte-stuffed.
		{"leading dot", []string{".\r\n"}, "..\r\n.\r\n"},
		{"dot lines", []string{"a\r\n.b\r\n..c\r\n.\r\n"}, "a\r\n..b\r\n...c\r\n..\r\n.\r\n"},
		{"dot not at line start", []string{"a.b\r\nc.\r\n"}, "a.b\r\nc.\r\n.\r\n"},
		{"split at line start", []string{"a\r\n", ".b\r\n"}, "a\r\n..b\r\n.\r\n"},
		{"split inside CRLF", []string{"a\r", "\n.b\r\n"}, "a\r\n..b\r\n.\r\n"},
		{"split after dot", []string{"a\r\n.", ".\r\n"}, "a\r\n...\r\n.\r\n"},
		// No final CRLF: one is added so that "." stands on its own line.
		{"no final newline", []string{"a\r\nb"}, "a\r\nb\r\n.\r\n"},
		{"bare LF end", []string{"a\nb\n"}, "a\nb\n\r\n.\r\n"},
		{"bare CR end", []string{"a\r"}, "a\r\r\n.\r\n"},
		{"CR then LF chunks", []string{"a\r", "\n"}, "a\r\n.\r\n"},
		// A bare LF starts a line too.
		{"bare LF dot", []string{"a\n.\r\n"}, "a\n..\r\n.\r\n"},
		{"single dot", []string{"."}, "..\r\n.\r\n"},
	}
	for _, tt := range tests {
		if got := dotWrite(t, tt.chunks...); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDotWriterByteByByte(t *testing.T) {
	msg := "From: a\r\n\r\n.\r\n..x\r\nend.\r\n.\n.."
	var chunks []string
	for i := range len(msg) {
		chunks = append(chunks, msg[i:i+1])
	}
	if got, want := dotWrite(t, chunks...), dotWrite(t, msg); got != want {
		t.Errorf("byte by byte %q, whole %q", got, want)
	}
}

func TestDotWriterClosed(t *testing.T) {
	d := NewDotWriter(io.Discard)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if err := d.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}

func TestDotWriterError(t *testing.T) {
	fail := errors.New("broken pipe")
	d := NewDotWriter(errWriter{fail})
	if _, err := d.Write([]byte(".x")); !errors.Is(err, fail) {
		t.Errorf("Write: %v, want %v", err, fail)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestDotReader(t *testing.T) {
	tests := []struct {
		in, want, rest string
		err            error
	}{
		// §3: stuffed octets are removed; "." CRLF ends the response.
		{in: "a\r\n..b\r\n.\r\nNEXT", want: "a\r\n.b\r\n", rest: "NEXT"},
		{in: ".\r\n", want: ""},
		{in: "...\r\n.\r\n", want: "..\r\n"},
		{in: "a\n..\r\n.\r\n", want: "a\n.\r\n"},
		{in: "a\r\n.\n", want: "a\r\n"},
		{in: "a\r\n", want: "a\r\n", err: ErrUnexpectedEOF},
		{in: "a\r\n.", want: "a\r\n", err: ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			br := bufio.NewReaderSize(src, 16)
			got, err := io.ReadAll(NewDotReader(br))
			if !errors.Is(err, tt.err) && !(tt.err == nil && err == nil) {
				t.Errorf("%q (one byte %v): error %v, want %v", tt.in, oneByte, err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("%q (one byte %v): got %q, want %q", tt.in, oneByte, got, tt.want)
			}
			if tt.err == nil {
				rest, _ := io.ReadAll(br)
				if string(rest) != tt.rest {
					t.Errorf("%q: left %q, want %q", tt.in, rest, tt.rest)
				}
			}
		}
	}
}

// FuzzDotRoundTrip: whatever the message, a reader stops exactly at the
// terminating line, and gets the message back when it ends in CRLF or is empty
// (with a CRLF added otherwise).
func FuzzDotRoundTrip(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.\r\n", "a\n.\n", ".\r\n.\r\n", "x\r", "\n.\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var buf bytes.Buffer
		d := NewDotWriter(&buf)
		if _, err := d.Write(msg); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		wire := buf.Bytes()
		if !bytes.HasSuffix(wire, []byte(".\r\n")) {
			t.Fatalf("wire %q does not end in terminator", wire)
		}
		// The terminator appears once, at the end, for CRLF-splitting clients.
		if i := bytes.Index(append([]byte("\r\n"), wire...), []byte("\r\n.\r\n")); i != len(wire)-3 {
			t.Fatalf("terminator at %d in %q", i, wire)
		}
		br := bufio.NewReader(bytes.NewReader(append(wire, "TAIL"...)))
		got, err := io.ReadAll(NewDotReader(br))
		if err != nil {
			t.Fatal(err)
		}
		want := msg
		if len(msg) > 0 && !bytes.HasSuffix(msg, []byte("\r\n")) {
			want = append(append([]byte{}, msg...), '\r', '\n')
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round trip of %q gave %q", msg, got)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "TAIL" {
			t.Fatalf("reader left %q", rest)
		}
	})
}
