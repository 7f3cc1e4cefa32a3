package rfc1939

import "io"

// TopReader reads what TOP msg n sends (§7): the header of the message, the
// empty line that ends it, and then at most n lines of the body. A line ends
// with LF (CRLF or bare LF); the header ends at the first empty line. When the
// body has fewer than n lines, or the message has no empty line, TopReader
// returns the whole message. It stops reading its source as soon as it has
// returned the last octet it will return.
type TopReader struct {
	r         io.Reader
	remaining int  // body lines still to return
	inHeader  bool // still in the header
	lineStart bool // the next octet begins a line
	crStart   bool // the current line so far is a single CR
	done      bool
}

// NewTopReader returns a TopReader over the message octets in r that keeps n
// body lines. A negative n counts as 0.
func NewTopReader(r io.Reader, n int) *TopReader {
	if n < 0 {
		n = 0
	}
	return &TopReader{r: r, remaining: n, inHeader: true, lineStart: true}
}

// Read implements io.Reader.
func (t *TopReader) Read(p []byte) (int, error) {
	if t.done {
		return 0, io.EOF
	}
	n, err := t.r.Read(p)
	if cut, ok := t.scan(p[:n]); ok {
		t.done = true
		return cut, io.EOF
	}
	return n, err
}

// scan advances the state over b and reports where the output ends when the
// end lies within b.
func (t *TopReader) scan(b []byte) (int, bool) {
	if !t.inHeader && t.remaining == 0 {
		return 0, true
	}
	for i, c := range b {
		if t.inHeader {
			switch {
			case c == '\n' && (t.lineStart || t.crStart):
				// The empty line that ends the header (RFC 5322 §2.1).
				t.inHeader = false
				t.lineStart, t.crStart = true, false
				if t.remaining == 0 {
					return i + 1, true
				}
			case c == '\r' && t.lineStart:
				t.lineStart, t.crStart = false, true
			default:
				t.lineStart, t.crStart = c == '\n', false
			}
			continue
		}
		if c == '\n' {
			t.remaining--
			if t.remaining == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}
