package lmtp

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/emersion/go-smtp"
)

// dotReader reads the message data of DATA (RFC 5321 §4.1.1.4) and
// undoes its transparency (§4.5.2): the data is lines ended by CRLF; a
// line that is a single "." ends it; from any other line that begins with
// "." that first "." is removed. It returns every other octet as it came,
// CRLFs included; a CR not followed by LF, or an LF not preceded by CR, is
// an octet of a line like any other (§2.3.8 forbids them; the session
// keeps them, see deliver.go).
//
// A line starts after every CR LF pair, including one whose CR follows
// another CR: "a" CR CR LF "." CR LF is the line "a" CR and the end of the
// data. (go-smtp's own reader misses that line start, and can then miss
// the end of the data.)
//
// The message size is counted as RFC 1870 defines it: the octets of the
// message after dot-unstuffing, each CRLF included, the final "." line
// not. A message of max octets is accepted; a longer one is read to its
// end and then refused with smtp.ErrDataTooLarge, so that the reply comes
// after the client's end of data. A line longer than maxLine octets, its
// line end included, is refused the same way with smtp.ErrTooLongLine;
// lines are counted as they are stored, each LF ending one, bare or not. A
// failure of the connection is returned as it is, io.EOF as
// io.ErrUnexpectedEOF.
type dotReader struct {
	r       *bufio.Reader
	max     int64 // largest message accepted; zero for no limit
	maxLine int   // longest line accepted, with its CRLF

	n       int64 // octets of the message so far, also those past max
	line    int   // octets since the last LF, as sent
	state   dotState
	end     bool // the final "." line has been read
	tooBig  bool
	tooLong bool
	err     error // the connection's failure
}

// dotState is where the reader is in a line.
type dotState uint8

const (
	dotBOL   dotState = iota // at the start of a line
	dotText                  // in a line
	dotCR                    // in a line, after a CR: LF would end the line
	dotDot                   // after the "." that begins a line, removed
	dotDotCR                 // after "." CR at the start of a line: LF ends the data
)

func (d *dotReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !d.end && d.err == nil {
		buf, err := d.buffered()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			d.err = err
			break
		}
		i := 0
		for i < len(buf) && n < len(p) && !d.end {
			if d.state == dotText && !d.tooBig && !d.tooLong {
				// Inside a line, up to the next CR or LF, octets pass as
				// they are, as many as fit in p and in the limits.
				if m := d.textRun(buf[i:], len(p)-n); m > 0 {
					copy(p[n:], buf[i:i+m])
					n, i = n+m, i+m
					d.n += int64(m)
					d.line += m
					continue
				}
			}
			b := buf[i]
			out, emit, again := byte(0), false, false
			switch d.state {
			case dotBOL:
				switch b {
				case '.':
					d.state = dotDot
				case '\r':
					out, emit, d.state = b, true, dotCR
				default:
					out, emit, d.state = b, true, dotText
				}
			case dotText:
				out, emit = b, true
				if b == '\r' {
					d.state = dotCR
				}
			case dotCR:
				out, emit = b, true
				switch b {
				case '\n':
					d.state = dotBOL
				case '\r':
					// Still dotCR: this CR may be the one before LF.
				default:
					d.state = dotText
				}
			case dotDot:
				if b == '\r' {
					d.state = dotDotCR // held: the end, if LF follows
				} else {
					out, emit, d.state = b, true, dotText
				}
			case dotDotCR:
				if b == '\n' {
					d.end = true
				} else {
					// The held CR is an octet of the line; b is read
					// again after it.
					out, emit, again, d.state = '\r', true, true, dotCR
				}
			}
			if !again {
				i++
				d.line++
				if d.line > d.maxLine {
					d.tooLong = true
				}
				if b == '\n' {
					d.line = 0
				}
			}
			if emit {
				d.n++
				if d.max > 0 && d.n > d.max {
					d.tooBig = true
				}
				if !d.tooBig && !d.tooLong {
					p[n] = out
					n++
				}
			}
		}
		d.r.Discard(i)
	}
	if n > 0 {
		return n, nil
	}
	return 0, d.result()
}

// textRun returns how many octets at the start of buf are text that can
// be passed at once: no CR or LF, at most room, and within the limits.
func (d *dotReader) textRun(buf []byte, room int) int {
	m := min(len(buf), room, d.maxLine-d.line)
	if d.max > 0 {
		m = int(min(int64(m), d.max-d.n))
	}
	if m <= 0 {
		return 0
	}
	buf = buf[:m]
	if k := bytes.IndexByte(buf, '\r'); k >= 0 {
		buf = buf[:k]
	}
	if k := bytes.IndexByte(buf, '\n'); k >= 0 {
		buf = buf[:k]
	}
	return len(buf)
}

// buffered returns the buffered input, reading when there is none.
func (d *dotReader) buffered() ([]byte, error) {
	if d.r.Buffered() == 0 {
		if _, err := d.r.Peek(1); err != nil {
			return nil, err
		}
	}
	return d.r.Peek(d.r.Buffered())
}

// result is what Read returns once it has nothing more to give.
func (d *dotReader) result() error {
	switch {
	case d.err != nil:
		return d.err
	case !d.end:
		return nil
	case d.tooBig:
		return smtp.ErrDataTooLarge
	case d.tooLong:
		return smtp.ErrTooLongLine
	}
	return io.EOF
}

// finish reads the rest of the message, if any, so that what follows is
// read as commands. It returns only a failure of the connection, io.EOF
// when the client has gone.
func (d *dotReader) finish() error {
	var scratch [4096]byte
	for !d.end && d.err == nil {
		d.Read(scratch[:])
	}
	if d.end {
		return nil
	}
	if errors.Is(d.err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return d.err
}
