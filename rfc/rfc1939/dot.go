package rfc1939

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DotWriter writes the body of a multi-line response (§3): it byte-stuffs every
// line that begins with the termination octet ".", and Close ends the response
// with "." CRLF, first adding a CRLF when the body written so far is not empty
// and does not end in CRLF. A line begins at the start of the body and after
// every LF (see the package documentation for why a bare LF counts). DotWriter
// does no buffering of its own: wrap a bufio.Writer.
type DotWriter struct {
	w         io.Writer
	lineStart bool // the next octet begins a line
	prevCR    bool // the last octet written was CR
	endsCRLF  bool // the last two octets written were CRLF
	empty     bool // nothing written yet
	closed    bool
}

// NewDotWriter returns a DotWriter that writes to w.
func NewDotWriter(w io.Writer) *DotWriter {
	return &DotWriter{w: w, lineStart: true, empty: true}
}

var stuffing = []byte{'.'}

// ErrClosed is returned by a write after Close.
var ErrClosed = errors.New("rfc1939: multi-line response already terminated")

// Write writes p, byte-stuffed. It returns len(p) on success: the stuffing
// octets are not counted.
func (d *DotWriter) Write(p []byte) (int, error) {
	if d.closed {
		return 0, ErrClosed
	}
	written := 0
	for len(p) > 0 {
		if d.lineStart && p[0] == '.' {
			if _, err := d.w.Write(stuffing); err != nil {
				return written, err
			}
		}
		// Up to and including the next LF is one piece with no line start
		// inside it.
		n := bytes.IndexByte(p, '\n') + 1
		if n == 0 {
			n = len(p)
		}
		m, err := d.w.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		last := p[n-1]
		switch {
		case last != '\n':
			d.endsCRLF = false
		case n >= 2:
			d.endsCRLF = p[n-2] == '\r'
		default:
			d.endsCRLF = d.prevCR
		}
		d.prevCR = last == '\r'
		d.lineStart = last == '\n'
		d.empty = false
		p = p[n:]
	}
	return written, nil
}

// Close terminates the multi-line response. It does not close the underlying
// writer.
func (d *DotWriter) Close() error {
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	if !d.empty && !d.endsCRLF {
		if _, err := io.WriteString(d.w, "\r\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(d.w, ".\r\n")
	return err
}

// ErrUnexpectedEOF is returned by DotReader when the input ends before the
// terminating line.
var ErrUnexpectedEOF = errors.New("rfc1939: multi-line response ends without terminating line")

// DotReader reads the body of a multi-line response, the client side of §3: it
// removes the stuffing octet from lines that begin with "." and returns io.EOF
// after the line "." CRLF, which it consumes. Lines begin after every LF, as
// DotWriter writes them, so DotReader(DotWriter(m)) is m for every m that ends
// in CRLF or is empty.
type DotReader struct {
	r         *bufio.Reader
	lineStart bool
	done      bool
}

// NewDotReader returns a DotReader reading from r.
func NewDotReader(r *bufio.Reader) *DotReader {
	return &DotReader{r: r, lineStart: true}
}

// Read implements io.Reader.
func (d *DotReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !d.done {
		c, err := d.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = ErrUnexpectedEOF
			}
			return n, err
		}
		if d.lineStart && c == '.' {
			next, err := d.r.Peek(2)
			if err == nil && next[0] == '\r' && next[1] == '\n' {
				d.r.Discard(2)
				d.done = true
				break
			}
			if len(next) >= 1 && next[0] == '\n' {
				d.r.Discard(1)
				d.done = true
				break
			}
			c, err = d.r.ReadByte()
			if err != nil {
				if err == io.EOF {
					err = ErrUnexpectedEOF
				}
				return n, err
			}
		}
		p[n] = c
		n++
		d.lineStart = c == '\n'
	}
	if d.done {
		return n, io.EOF
	}
	return n, nil
}
