package rfc3501

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// An Encoder writes the server side of the RFC 3501 §9 grammar to a buffered
// stream. Its methods write one element each and return the Encoder, so that a
// response is one chain:
//
//	enc.Untagged().Number(n).SP().Atom("EXISTS").CRLF()
//	enc.Tagged(tag, imap.StatusResponseTypeOK).ResponseCode("READ-WRITE", nil).Text("SELECT completed").CRLF()
//
// The first error is kept and returned by Flush and Err; later writes are
// skipped. Nothing is sent until Flush.
type Encoder struct {
	w   *bufio.Writer
	err error
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w *bufio.Writer) *Encoder {
	return &Encoder{w: w}
}

// Err returns the first error met, or nil.
func (e *Encoder) Err() error { return e.err }

// Flush writes buffered data to the underlying writer.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.w.Flush()
	return e.err
}

func (e *Encoder) write(s string) *Encoder {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	return e
}

func (e *Encoder) writeByte(c byte) *Encoder {
	if e.err == nil {
		e.err = e.w.WriteByte(c)
	}
	return e
}

// errBadToken is the error recorded for a token that would break the line
// structure of a response.
var errBadToken = errors.New("rfc3501: empty token or token with CR, LF or NUL")

// Untagged begins an untagged response: "* ".
func (e *Encoder) Untagged() *Encoder { return e.write("* ") }

// Tagged begins a tagged status response: the tag, SP, the status (OK, NO,
// BAD) and SP, ready for an optional ResponseCode and the Text.
func (e *Encoder) Tagged(tag string, status imap.StatusResponseType) *Encoder {
	return e.Atom(tag).SP().Atom(string(status)).SP()
}

// Continuation writes a continuation request "+ " and text (RFC 3501 §7.5),
// without the CRLF; text may be base64 data or empty for AUTHENTICATE.
func (e *Encoder) Continuation(text string) *Encoder {
	return e.write("+ ").Text(text)
}

// ResponseCode writes a response code, "[" code [SP arguments] "]" and the SP
// that separates it from the text (RFC 3501 §7.1). args, if not nil, writes
// the arguments.
func (e *Encoder) ResponseCode(code imap.ResponseCode, args func(*Encoder)) *Encoder {
	e.writeByte('[').Atom(string(code))
	if args != nil {
		e.SP()
		args(e)
	}
	return e.write("] ")
}

// Text writes human-readable text (RFC 3501 §9 text). CR, LF and NUL, which
// would end or corrupt the line, are written as spaces, and 8-bit octets,
// which TEXT-CHAR excludes, as "?".
func (e *Encoder) Text(s string) *Encoder {
	if quotable(s) {
		return e.write(s)
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '\r' || c == '\n' || c == 0:
			b[i] = ' '
		case c >= 0x80:
			b[i] = '?'
		}
	}
	return e.write(string(b))
}

// Atom writes s as it is: an atom, or another protocol token such as a flag,
// "BODY[1]" or a tag. An empty s, or one with CR, LF or NUL, is an error.
func (e *Encoder) Atom(s string) *Encoder {
	if s == "" {
		e.fail(errBadToken)
		return e
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
			e.fail(errBadToken)
			return e
		}
	}
	return e.write(s)
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Number writes a number.
func (e *Encoder) Number(n uint32) *Encoder { return e.write(strconv.FormatUint(uint64(n), 10)) }

// Number64 writes a 64-bit number, such as a mod-sequence or a size.
func (e *Encoder) Number64(n uint64) *Encoder { return e.write(strconv.FormatUint(n, 10)) }

// SP writes a space.
func (e *Encoder) SP() *Encoder { return e.writeByte(' ') }

// CRLF ends a response line.
func (e *Encoder) CRLF() *Encoder { return e.write("\r\n") }

// NIL writes nil.
func (e *Encoder) NIL() *Encoder { return e.write("NIL") }

// quotable reports whether s can be sent as a quoted string: only TEXT-CHAR
// octets (no CR, LF, NUL or 8-bit); '"' and '\' are escaped.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTextChar(s[i]) {
			return false
		}
	}
	return true
}

// String writes a string (RFC 3501 §9): quoted when that is possible, else a
// literal "{n}" CRLF followed by the octets (servers do not wait for a
// continuation). NUL, which no string can hold, is written as U+FFFD.
func (e *Encoder) String(s string) *Encoder {
	if !quotable(s) {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
		return e.write("{").write(strconv.Itoa(len(s))).write("}\r\n").write(s)
	}
	e.writeByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			e.writeByte('\\')
		}
		e.writeByte(s[i])
	}
	return e.writeByte('"')
}

// AString writes an astring: an atom when s is one and is not "NIL" (to
// keep it apart from nil where nstring is read), else a String.
func (e *Encoder) AString(s string) *Encoder {
	if s == "" || len(s) == 3 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'i' && (s[2]|0x20) == 'l' {
		return e.String(s)
	}
	for i := 0; i < len(s); i++ {
		if !isAStringChar(s[i]) {
			return e.String(s)
		}
	}
	return e.write(s)
}

// NString writes an nstring: NIL for the empty string, else a String.
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.NIL()
	}
	return e.String(s)
}

// nstringPtr writes NIL for nil, else the string.
func (e *Encoder) nstringPtr(s *string) *Encoder {
	if s == nil {
		return e.NIL()
	}
	return e.String(*s)
}

// Literal writes a literal of size octets copied from r: "{n}" CRLF and the
// octets, or with binary the literal8 form "~{n}" of RFC 3516 for octets that
// may include NUL. Fewer than size octets from r is an error.
func (e *Encoder) Literal(r io.Reader, size int64, binary bool) *Encoder {
	if binary {
		e.writeByte('~')
	}
	e.writeByte('{').write(strconv.FormatInt(size, 10)).write("}\r\n")
	if e.err != nil {
		return e
	}
	n, err := io.CopyN(e.w, r, size)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		e.fail(err)
	} else if n != size {
		e.fail(io.ErrShortWrite)
	}
	return e
}

// Mailbox writes a mailbox name given in UTF-8 as a string in modified UTF-7
// (RFC 3501 §5.1.3).
func (e *Encoder) Mailbox(name string) *Encoder {
	return e.String(EncodeMailboxName(name))
}

// List writes a parenthesised list of n elements separated by SP; item(i)
// writes element i.
func (e *Encoder) List(n int, item func(i int)) *Encoder {
	e.writeByte('(')
	for i := range n {
		if i > 0 {
			e.SP()
		}
		item(i)
	}
	return e.writeByte(')')
}

// Flags writes a flag list such as "(\Seen $Forwarded)".
func (e *Encoder) Flags(flags []imap.Flag) *Encoder {
	return e.List(len(flags), func(i int) { e.Atom(string(flags[i])) })
}

// DateTime writes a date-time (RFC 3501 §9) with the day padded by a space
// (date-day-fixed), as INTERNALDATE has it: "_2-Jan-2006 15:04:05 -0700" in
// double quotes.
func (e *Encoder) DateTime(t time.Time) *Encoder {
	return e.writeByte('"').write(t.Format("_2-Jan-2006 15:04:05 -0700")).writeByte('"')
}

// SeqSet writes a sequence set in its canonical form; the empty set is an
// error, as it has no syntax.
func (e *Encoder) SeqSet(s SeqSet) *Encoder {
	return e.Atom(s.String())
}
