package rfc3516

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Capability is the name CAPABILITY announces (§4.1).
const Capability = "BINARY"

// CodeUnknownCTE is the response code of §4.3 and §4.4 (resp-text-code =/
// "UNKNOWN-CTE").
const CodeUnknownCTE = "UNKNOWN-CTE"

// ErrUnknownCTE is returned by Decode for a content-transfer-encoding it
// cannot decode.
var ErrUnknownCTE = errors.New("unknown content-transfer-encoding")

// ReadSection reads a section-binary (§7: "[" [section-part] "]"): the part
// number, empty for the whole message.
func ReadSection(dec *rfc3501.Decoder, part *[]int) bool {
	if !dec.ExpectByte('[') {
		return false
	}
	var p []int
	if !dec.Peek(']') && !dec.SectionPart(&p) {
		return false
	}
	if !dec.ExpectByte(']') {
		return false
	}
	*part = p
	return true
}

// FormatSection writes a section-binary's part number as FETCH responses
// name it, without the brackets: "1.2", or "" for the whole message.
func FormatSection(part []int) string {
	var b strings.Builder
	for i, n := range part {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Decode returns a reader of the content of r decoded from the
// content-transfer-encoding enc (RFC 2045 §6.1: case-insensitive; empty
// means 7bit). 7bit, 8bit and binary are identity encodings; base64 and
// quoted-printable are decoded leniently: base64 ignores every character
// outside its alphabet and ends at "=" (RFC 2045 §6.8), and both end at data
// they cannot decode rather than fail. Any other encoding is ErrUnknownCTE.
func Decode(enc string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "7bit", "8bit", "binary":
		return r, nil
	case "base64":
		return base64.NewDecoder(base64.RawStdEncoding, &base64Filter{r: r}), nil
	case "quoted-printable":
		return &stopAtError{r: quotedprintable.NewReader(r)}, nil
	}
	return nil, ErrUnknownCTE
}

// Known reports whether Decode decodes the content-transfer-encoding enc.
func Known(enc string) bool {
	_, err := Decode(enc, nil)
	return err == nil
}

// base64Filter passes on the characters of the base64 alphabet (RFC 2045
// §6.8, Table 1) up to the first "=", ignoring all others, and leaves out a
// lone character at the end, which encodes no octet: what it yields is
// valid unpadded base64. It holds back the last character it has seen until
// it knows whether the data ends there.
type base64Filter struct {
	r       io.Reader
	buf     []byte
	n       int64 // alphabet characters seen
	held    byte  // the last one seen, not yet passed on
	hasHeld bool
	done    bool
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

func (f *base64Filter) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if f.done {
			if f.hasHeld {
				// The held character ends the data: alone in its
				// quantum it is no octet.
				f.hasHeld = false
				if f.n%4 != 1 {
					p[0] = f.held
					return 1, nil
				}
			}
			return 0, io.EOF
		}
		if len(f.buf) < len(p) {
			f.buf = make([]byte, min(len(p), 32*1024))
		}
		// At most len(p) raw characters yield at most len(p) out: each
		// alphabet character passes on the one held before it.
		raw, err := f.r.Read(f.buf[:min(len(p), len(f.buf))])
		out := 0
		for _, c := range f.buf[:raw] {
			if c == '=' {
				f.done = true
				break
			}
			if !isBase64(c) {
				continue
			}
			f.n++
			if f.hasHeld {
				p[out] = f.held
				out++
			}
			f.held, f.hasHeld = c, true
		}
		if err == io.EOF {
			f.done = true
		} else if err != nil {
			return out, err
		}
		if out > 0 {
			return out, nil
		}
	}
}

// stopAtError ends a decoder's output at its first error: the data decoded
// up to damage in the encoding is kept.
type stopAtError struct {
	r    io.Reader
	done bool
}

func (s *stopAtError) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	n, err := s.r.Read(p)
	if err != nil {
		s.done = true
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	return n, nil
}

// CRLF returns a reader of r's content with every LF that no CR precedes
// made CRLF (§6: textual sections are sent with CRLF line ends).
func CRLF(r io.Reader) io.Reader { return &crlfReader{r: bufio.NewReader(r)} }

type crlfReader struct {
	r       *bufio.Reader
	prevCR  bool
	pending bool // an LF is owed after the CR just written
}

func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.pending {
			p[n] = '\n'
			n++
			c.pending, c.prevCR = false, false
			continue
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b == '\n' && !c.prevCR {
			p[n] = '\r'
			n++
			c.pending = true
			continue
		}
		p[n] = b
		n++
		c.prevCR = b == '\r'
	}
	return n, nil
}

// Measure reads r to its end and returns the number of octets it holds and
// whether any NUL octet lies in the window [off, off+count) of them (count <
// 0: to the end), which decides between a literal and a literal8 for that
// window (§4.3).
func Measure(r io.Reader, off, count int64) (size int64, nul bool, err error) {
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 && !nul {
			lo, hi := off-size, int64(n)
			if count >= 0 {
				hi = min(hi, off+count-size)
			}
			lo = max(lo, 0)
			for i := lo; i < hi; i++ {
				if buf[i] == 0 {
					nul = true
					break
				}
			}
		}
		size += int64(n)
		if err == io.EOF {
			return size, nul, nil
		}
		if err != nil {
			return size, nul, err
		}
	}
}
