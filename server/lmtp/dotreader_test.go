package lmtp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-smtp"
)

// readDot decodes in with a dotReader, reading p octets at a time from a
// bufio.Reader of bufSize over src(in). It returns the message, the error
// that ended it (nil for a clean end), and the input left unread.
func readDot(in string, max int64, maxLine, p, bufSize int, src func(io.Reader) io.Reader) (string, error, string) {
	br := bufio.NewReaderSize(src(strings.NewReader(in)), bufSize)
	d := &dotReader{r: br, max: max, maxLine: maxLine}
	var out []byte
	buf := make([]byte, p)
	var err error
	for {
		var n int
		n, err = d.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	}
	rest, _ := io.ReadAll(br)
	return string(out), err, string(rest)
}

func TestDotReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int64
		maxLine int
		want    string
		err     error
		rest    string
	}{
		{name: "empty message", in: ".\r\n", want: ""},
		{name: "commands after the end stay", in: "a\r\n.\r\nQUIT\r\n", want: "a\r\n", rest: "QUIT\r\n"},
		{name: "empty line", in: "\r\n.\r\n", want: "\r\n"},
		// RFC 5321 §4.5.2: the first of the dots at the start of a line is
		// removed.
		{name: "stuffed", in: "..a\r\n...\r\nb.\r\n.\r\n", want: ".a\r\n..\r\nb.\r\n"},
		{name: "stuffed first line", in: "..\r\n.\r\n", want: ".\r\n"},
		// A CR just before CRLF: the line is "a" CR, the next line starts
		// after LF.
		{name: "CR CRLF then end", in: "a\r\r\n.\r\nNOOP\r\n", want: "a\r\r\n", rest: "NOOP\r\n"},
		{name: "CR CRLF then stuffed", in: "a\r\r\n..b\r\n.\r\n", want: "a\r\r\n.b\r\n"},
		{name: "CRs CRLF", in: "a\r\r\r\r\n.\r\n", want: "a\r\r\r\r\n"},
		{name: "dot CR CRLF", in: ".\r\r\n.\r\n", want: "\r\r\n"},
		{name: "dot CR text", in: ".\rx\r\n.\r\n", want: "\rx\r\n"},
		{name: "dot CR CR text", in: ".\r\rx\r\n.\r\n", want: "\r\rx\r\n"},
		// A bare LF ends no line: the dot after it is text, and so is a "."
		// line after it.
		{name: "bare LF dot", in: "a\n.\r\n.\r\n", want: "a\n.\r\n"},
		{name: "dot bare LF", in: "a\r\n.\n.\r\n.\r\n", want: "a\r\n\n.\r\n"},
		{name: "bare CR dot", in: "a\r.\r\n.\r\n", want: "a\r.\r\n"},
		{name: "8-bit", in: "caf\xc3\xa9 \x00\xff\r\n.\r\n", want: "caf\xc3\xa9 \x00\xff\r\n"},
		// The client went away.
		{name: "nothing", in: "", err: io.ErrUnexpectedEOF},
		{name: "no end", in: "a\r\n", want: "a\r\n", err: io.ErrUnexpectedEOF},
		{name: "half an end", in: "a\r\n.\r", want: "a\r\n", err: io.ErrUnexpectedEOF},
		// The size limit counts the message as RFC 1870 does: after
		// unstuffing, CRLFs in, the final "." line out.
		{name: "exactly max", in: "abc\r\n.\r\n", max: 5, want: "abc\r\n"},
		{name: "max+1", in: "abcd\r\n.\r\nNOOP\r\n", max: 5, err: smtp.ErrDataTooLarge, rest: "NOOP\r\n"},
		{name: "stuffing not counted", in: "..bc\r\n.\r\n", max: 5, want: ".bc\r\n"},
		{name: "far over max", in: strings.Repeat("x\r\n..\r\n", 1000) + ".\r\nNOOP\r\n", max: 5, err: smtp.ErrDataTooLarge, rest: "NOOP\r\n"},
		// Lines of maxLine octets, with their end, pass; a bare LF ends a
		// line as it is stored.
		{name: "longest lines", in: "abcde\nabcd\r\n.\r\n", maxLine: 6, want: "abcde\nabcd\r\n"},
		{name: "line too long", in: "ok\r\nabcd\r\n.\r\nNOOP\r\n", maxLine: 5, err: smtp.ErrTooLongLine, rest: "NOOP\r\n"},
	}
	srcs := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
	}
	for _, tt := range tests {
		maxLine := tt.maxLine
		if maxLine == 0 {
			maxLine = 1000
		}
		for srcName, src := range srcs {
			for _, p := range []int{1, 3, 4096} {
				for _, bufSize := range []int{16, 4096} {
					got, err, rest := readDot(tt.in, tt.max, maxLine, p, bufSize, src)
					if got != tt.want && tt.err == nil || !errors.Is(err, tt.err) || rest != tt.rest {
						t.Errorf("%s (%s, read %d, buffer %d): %q, %v, rest %q; want %q, %v, rest %q",
							tt.name, srcName, p, bufSize, got, err, rest, tt.want, tt.err, tt.rest)
					}
				}
			}
		}
	}
}

// The octets returned before a too-big or too-long error are at most the
// limit: the error comes only at the end of the data.
func TestDotReaderLimitPrefix(t *testing.T) {
	got, err, _ := readDot("abcdef\r\n.\r\n", 4, 1000, 2, 16, func(r io.Reader) io.Reader { return r })
	if got != "abcd" || err != smtp.ErrDataTooLarge {
		t.Errorf("%q, %v", got, err)
	}
}

func TestDotReaderFinish(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("a\r\n..b\r\n.\r\nRSET\r\n"))
	d := &dotReader{r: br, maxLine: 1000}
	if err := d.finish(); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "RSET\r\n" {
		t.Errorf("rest %q", rest)
	}
	d = &dotReader{r: bufio.NewReader(strings.NewReader("a\r\n")), maxLine: 1000}
	if err := d.finish(); err != io.EOF {
		t.Errorf("finish after the client left: %v", err)
	}
}

// undot is the reference decoder, written from RFC 5321 §4.5.2 without
// the reader's state machine: split the input into lines at each CRLF;
// the first line that is "." ends the data; a line that begins with "."
// loses it.
func undot(in string) (msg, rest string, ok bool) {
	var b strings.Builder
	for {
		i := strings.Index(in, "\r\n")
		if i < 0 {
			return "", "", false
		}
		line := in[:i]
		in = in[i+2:]
		if line == "." {
			return b.String(), in, true
		}
		b.WriteString(strings.TrimPrefix(line, "."))
		b.WriteString("\r\n")
	}
}

// dot encodes a message for DATA (RFC 5321 §4.5.2), the way a client does.
func dot(msg string) string {
	lines := strings.SplitAfter(msg, "\r\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
	}
	if !strings.HasSuffix(msg, "\r\n") && msg != "" {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.String()
}

func FuzzDotReader(f *testing.F) {
	for _, s := range []string{"a\r\n.\r\n", "a\r\r\n.\r\n", ".\r\r\n..\r\n.\r\nX", "\n.\n.\r\n", ".\rx\r\n.\r\n"} {
		f.Add(s, uint8(3), uint16(0), uint8(0))
	}
	f.Add("abcd\r\n..ef\ng\r\n.\r\n", uint8(2), uint16(5), uint8(4))
	f.Fuzz(func(t *testing.T, in string, size uint8, limit uint16, lineLimit uint8) {
		p := int(size)%64 + 1
		maxLine := len(in) + 2
		if lineLimit > 0 {
			maxLine = int(lineLimit)
		}
		got, err, rest := readDot(in, int64(limit), maxLine, p, 16, iotest.HalfReader)
		want, wantRest, ok := undot(in)
		if !ok {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%q: no end of data, but %q, %v", in, got, err)
			}
			return
		}
		// The limits: the message after unstuffing; each line as sent, up
		// to its LF, the final "." line too.
		longest := 0
		for _, l := range strings.SplitAfter(in[:len(in)-len(wantRest)], "\n") {
			longest = max(longest, len(l))
		}
		var wantErr error
		switch {
		case limit > 0 && len(want) > int(limit):
			wantErr = smtp.ErrDataTooLarge
		case longest > maxLine:
			wantErr = smtp.ErrTooLongLine
		}
		if wantErr != nil {
			if err != wantErr || !strings.HasPrefix(want, got) || limit > 0 && len(got) > int(limit) || rest != wantRest {
				t.Fatalf("%q (limit %d, line %d): %q, %v, rest %q; want %v, rest %q", in, limit, maxLine, got, err, rest, wantErr, wantRest)
			}
			return
		}
		if err != nil || got != want || rest != wantRest {
			t.Fatalf("%q: %q, %v, rest %q; want %q, rest %q", in, got, err, rest, want, wantRest)
		}
		// What a client makes of the message reads back the same, with
		// the CRLF a client adds to a last line that has none.
		msg := want + in
		enc := dot(msg)
		got, err, _ = readDot(enc+"NOOP\r\n", 0, len(enc)+2, p, 16, iotest.HalfReader)
		if !strings.HasSuffix(msg, "\r\n") && msg != "" {
			msg += "\r\n"
		}
		if err != nil || got != msg {
			t.Fatalf("dot(%q) = %q reads back as %q, %v", msg, enc, got, err)
		}
	})
}

func TestDotEncodingRoundTrip(t *testing.T) {
	for _, msg := range []string{"", "a", ".", "..", "a\r\n.\r\n", "\r\r\n.\r\n", "x\r.\r\n", ".\r\r\n"} {
		enc := dot(msg)
		want := msg
		if !strings.HasSuffix(want, "\r\n") && want != "" {
			want += "\r\n"
		}
		got, err, rest := readDot(enc+"NOOP\r\n", 0, 1000, 7, 16, iotest.OneByteReader)
		if err != nil || got != want || rest != "NOOP\r\n" {
			t.Errorf("%q: %q, %v, rest %q", msg, got, err, rest)
		}
		if u, r, ok := undot(enc + "NOOP\r\n"); !ok || u != want || r != "NOOP\r\n" {
			t.Errorf("reference %q: %q, %q, %v", msg, u, r, ok)
		}
	}
}

// BenchmarkDotReader measures decoding alone, on text lines as they come
// in a typical message.
func BenchmarkDotReader(b *testing.B) {
	line := strings.Repeat("0123456789", 7) + "\r\n"
	in := strings.Repeat(line, (1<<20)/len(line)) + ".\r\n"
	b.SetBytes(int64(len(in)))
	buf := make([]byte, 32<<10)
	sr := strings.NewReader(in)
	br := bufio.NewReaderSize(sr, 32<<10)
	for b.Loop() {
		sr.Reset(in)
		br.Reset(sr)
		d := &dotReader{r: br, maxLine: maxDataLine}
		for {
			if _, err := d.Read(buf); err != nil {
				break
			}
		}
	}
}
