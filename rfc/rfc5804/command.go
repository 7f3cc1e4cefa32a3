package rfc5804

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of the grammar (§4).
const (
	// MaxAtom is the longest atom: atom = 1*1024ATOM-CHAR.
	MaxAtom = 1024
	// MaxQuoted is the most octets between the DQUOTEs of a quoted string.
	MaxQuoted = 1024
	// DefaultMaxLine is the line-segment limit a Reader applies when MaxLine
	// is zero: octets from the start of a command, or from the end of a
	// literal, to the next CRLF, literal bodies excluded.
	DefaultMaxLine = 8 * 1024
	// DefaultMaxLiteral is the literal limit a Reader applies when
	// MaxLiteral is zero, in octets.
	DefaultMaxLiteral = 1 << 20
)

// ArgKind tells a string argument from a number.
type ArgKind int

const (
	// String is a quoted string or a literal (§4 string).
	String ArgKind = iota
	// Number is a 32-bit unsigned number (§4 number).
	Number
)

// Arg is one argument of a command.
type Arg struct {
	Kind ArgKind
	Str  string // the string's octets (String), or the digits (Number)
	Num  uint32 // the value (Number)
	// Literal reports a string sent as a literal ("{n}" or "{n+}").
	Literal bool
}

// Command is one decoded command line (§4 command): the command name, an
// atom, in upper case (names are case-insensitive), and its arguments.
type Command struct {
	Name string
	Args []Arg
}

// SyntaxError is a command that does not follow the grammar of §4. The
// Reader has discarded the rest of the command (up to its final CRLF), so
// the connection can go on: the server answers NO (§2: there is no BAD).
type SyntaxError struct {
	Offset int64  // octets of the command read when the error was found
	Msg    string // what is wrong
	err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at octet %d: %s", e.Offset, e.Msg)
}

// LiteralTooBigError is a literal longer than the Reader's MaxLiteral. If
// Discarded is true the Reader has skipped the literal's octets and the rest
// of the command, and the connection can go on (the client sends the octets
// of a "{n+}" literal without waiting, §4 literal-c2s, so the server must
// read past them); otherwise the literal exceeded MaxDiscard too and the
// connection cannot be resynchronised: the server answers BYE and closes.
type LiteralTooBigError struct {
	Size      uint64 // the announced size in octets
	Max       int64  // the Reader's MaxLiteral
	Discarded bool
}

func (e *LiteralTooBigError) Error() string {
	return fmt.Sprintf("literal of %d octets exceeds the limit of %d", e.Size, e.Max)
}

// ErrLineTooLong is wrapped by the SyntaxError of a command line segment
// longer than MaxLine; the rest of the line has been discarded.
var ErrLineTooLong = errors.New("line too long")

// Reader decodes client commands and client SASL responses from a
// buffered stream (§4). It is not safe for concurrent use.
type Reader struct {
	// MaxLine bounds one line segment in octets; zero means DefaultMaxLine.
	MaxLine int
	// MaxLiteral bounds one literal in octets; zero means DefaultMaxLiteral.
	MaxLiteral int64
	// MaxDiscard bounds a too-long literal that the Reader still reads
	// past (discarding its octets) so that the connection survives; zero
	// means 16 times MaxLiteral.
	MaxDiscard int64

	r   *bufio.Reader
	pos int64 // octets of the current command consumed
	seg int   // octets of the current line segment consumed
}

// NewReader returns a Reader on r.
func NewReader(r *bufio.Reader) *Reader { return &Reader{r: r} }

func (d *Reader) maxLine() int {
	if d.MaxLine > 0 {
		return d.MaxLine
	}
	return DefaultMaxLine
}

func (d *Reader) maxLiteral() int64 {
	if d.MaxLiteral > 0 {
		return d.MaxLiteral
	}
	return DefaultMaxLiteral
}

func (d *Reader) maxDiscard() int64 {
	if d.MaxDiscard > 0 {
		return d.MaxDiscard
	}
	return 16 * d.maxLiteral()
}

// parseErr is a syntax error found inside a command; finish discards the
// rest of the command and turns it into a *SyntaxError.
type parseErr struct{ msg string }

func (d *Reader) fail(format string, a ...any) error {
	return &parseErr{msg: fmt.Sprintf(format, a...)}
}

func (e *parseErr) Error() string { return e.msg }

func (d *Reader) readByte() (byte, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		if err == io.EOF && d.pos > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	d.pos++
	d.seg++
	if d.seg > d.maxLine() && c != '\n' {
		return 0, errTooLong
	}
	return c, nil
}

var errTooLong = errors.New("too long")

func (d *Reader) unreadByte() {
	d.r.UnreadByte()
	d.pos--
	d.seg--
}

// ReadCommand reads one command: an atom, then zero or more arguments each
// preceded by SP, then CRLF (§4 command). Arguments are strings (quoted,
// §4 quoted, or literal in either form "{n+}" or "{n}": a client literal
// needs no continuation, since ManageSieve has none) or numbers. Errors: a
// *SyntaxError or *LiteralTooBigError after which the connection can go
// on (see their docs), or an I/O error from the stream (io.EOF when the
// stream ends before a command begins).
func (d *Reader) ReadCommand() (*Command, error) {
	d.pos, d.seg = 0, 0
	cmd, err := d.readCommand()
	return cmd, d.finish(err)
}

// ReadResponse reads one client response during AUTHENTICATE (§2.1): one
// string (quoted or literal) and CRLF. Errors as for ReadCommand.
func (d *Reader) ReadResponse() (string, error) {
	d.pos, d.seg = 0, 0
	a, err := d.readArg()
	if err == nil && a.Kind != String {
		err = d.fail("expected a string")
	}
	if err == nil {
		err = d.crlf()
	}
	if err != nil {
		return "", d.finish(err)
	}
	return a.Str, nil
}

// finish turns an internal error into what ReadCommand returns, skipping
// the rest of the command where the error is recoverable.
func (d *Reader) finish(err error) error {
	var pe *parseErr
	var lt *LiteralTooBigError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		off := d.pos
		if derr := d.discardLine(); derr != nil {
			return derr
		}
		return &SyntaxError{Offset: off, Msg: pe.msg}
	case errors.Is(err, errTooLong):
		off := d.pos
		d.seg = 0
		if derr := d.discardLine(); derr != nil {
			return derr
		}
		return &SyntaxError{Offset: off, Msg: "line too long", err: ErrLineTooLong}
	case errors.As(err, &lt):
		if !lt.Discarded {
			return lt
		}
		if derr := d.discardLine(); derr != nil {
			return derr
		}
		return lt
	}
	return err
}

// Unwrap lets errors.Is find ErrLineTooLong.
func (e *SyntaxError) Unwrap() error { return e.err }

// discardLine skips the rest of the command: to the end of the line,
// skipping (without keeping) the bodies of literals announced on the way,
// up to MaxDiscard each; a longer one is an unrecoverable error.
func (d *Reader) discardLine() error {
	var tail []byte // the last octets of the line, to spot "{n}" and "{n+}"
	for {
		line, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			tail = append(tail[:0], line[max(0, len(line)-16):]...)
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		tail = append(tail, line...)
		n, ok := literalAtEnd(tail)
		if !ok {
			return nil
		}
		if n > uint64(d.maxDiscard()) {
			return &LiteralTooBigError{Size: n, Max: d.maxLiteral()}
		}
		if _, err := io.CopyN(io.Discard, d.r, int64(n)); err != nil {
			return io.ErrUnexpectedEOF
		}
		tail = tail[:0]
	}
}

// literalAtEnd reports whether a line ends with a literal announcement
// ("{" number ["+"] "}" CRLF) and returns its size.
func literalAtEnd(line []byte) (uint64, bool) {
	s := strings.TrimSuffix(string(line), "\n")
	s = strings.TrimSuffix(s, "\r")
	if !strings.HasSuffix(s, "}") {
		return 0, false
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "}"), "+")
	i := strings.LastIndexByte(s, '{')
	if i < 0 {
		return 0, false
	}
	n, ok := parseNumber(s[i+1:], 1<<63)
	return n, ok
}

// parseNumber parses a §4 number (no extra leading zeros) below limit.
func parseNumber(s string, limit uint64) (uint64, bool) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (limit-uint64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < limit
}

func (d *Reader) readCommand() (*Command, error) {
	name, err := d.atom()
	if err != nil {
		return nil, err
	}
	cmd := &Command{Name: strings.ToUpper(name)}
	for {
		c, err := d.readByte()
		if err != nil {
			return nil, err
		}
		switch c {
		case '\r':
			d.unreadByte()
			return cmd, d.crlf()
		case ' ':
			a, err := d.readArg()
			if err != nil {
				return nil, err
			}
			cmd.Args = append(cmd.Args, a)
		default:
			d.unreadByte()
			return nil, d.fail("expected SP or CRLF")
		}
	}
}

// IsAtomChar reports whether c is an ATOM-CHAR (§4): any CHAR except
// "(", ")", "{", SP, CTL, DQUOTE and "\".
func IsAtomChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"' && c != '\\'
}

func (d *Reader) atom() (string, error) {
	var b []byte
	for {
		c, err := d.readByte()
		if err != nil {
			if err == io.ErrUnexpectedEOF && len(b) == 0 && d.pos == 0 {
				err = io.EOF
			}
			return "", err
		}
		if !IsAtomChar(c) {
			d.unreadByte()
			break
		}
		if len(b) == MaxAtom {
			return "", d.fail("atom longer than %d octets", MaxAtom)
		}
		b = append(b, c)
	}
	if len(b) == 0 {
		return "", d.fail("expected a command name")
	}
	return string(b), nil
}

func (d *Reader) crlf() error {
	c, err := d.readByte()
	if err != nil {
		return err
	}
	if c != '\r' {
		d.unreadByte()
		return d.fail("expected CRLF")
	}
	if c, err = d.readByte(); err != nil {
		return err
	}
	if c != '\n' {
		d.unreadByte()
		return d.fail("expected LF after CR")
	}
	return nil
}

// readArg reads a string or a number.
func (d *Reader) readArg() (Arg, error) {
	c, err := d.readByte()
	if err != nil {
		return Arg{}, err
	}
	switch {
	case c == '"':
		s, err := d.quoted()
		return Arg{Kind: String, Str: s}, err
	case c == '{':
		s, err := d.literal()
		return Arg{Kind: String, Str: s, Literal: true}, err
	case c >= '0' && c <= '9':
		digits := []byte{c}
		for {
			c, err := d.readByte()
			if err != nil {
				return Arg{}, err
			}
			if c < '0' || c > '9' {
				d.unreadByte()
				break
			}
			digits = append(digits, c)
		}
		n, ok := parseNumber(string(digits), 1<<32)
		if !ok {
			return Arg{}, d.fail("bad number %.20q (32-bit, no leading zeros)", digits)
		}
		return Arg{Kind: Number, Str: string(digits), Num: uint32(n)}, nil
	}
	d.unreadByte()
	return Arg{}, d.fail("expected a string or a number")
}

// quoted reads the rest of a quoted string after its opening DQUOTE:
// QUOTED-CHARs (UTF-8, no NUL, CR or LF; DQUOTE and "\" escaped by "\"),
// at most MaxQuoted octets, then DQUOTE.
func (d *Reader) quoted() (string, error) {
	var b []byte
	for {
		c, err := d.readByte()
		if err != nil {
			return "", err
		}
		switch c {
		case '"':
			if !utf8.Valid(b) {
				return "", d.fail("quoted string is not UTF-8")
			}
			return string(b), nil
		case '\\':
			if c, err = d.readByte(); err != nil {
				return "", err
			}
			if c != '"' && c != '\\' {
				d.unreadByte()
				return "", d.fail(`"\" escapes only DQUOTE and "\"`)
			}
		case 0, '\r', '\n':
			d.unreadByte()
			return "", d.fail("NUL, CR or LF in a quoted string")
		}
		if len(b) == MaxQuoted {
			return "", d.fail("quoted string longer than %d octets", MaxQuoted)
		}
		b = append(b, c)
	}
}

// literal reads the rest of a literal after its "{": number ["+"] "}"
// CRLF, then that many octets.
func (d *Reader) literal() (string, error) {
	var digits []byte
	var c byte
	var err error
	for {
		if c, err = d.readByte(); err != nil {
			return "", err
		}
		if c < '0' || c > '9' {
			break
		}
		if len(digits) == 20 {
			return "", d.fail("literal size too long")
		}
		digits = append(digits, c)
	}
	if c == '+' {
		if c, err = d.readByte(); err != nil {
			return "", err
		}
	}
	n, ok := parseNumber(string(digits), 1<<63)
	if c != '}' || !ok {
		d.unreadByte()
		return "", d.fail(`bad literal announcement, want "{" number ["+"] "}"`)
	}
	if err := d.crlf(); err != nil {
		return "", err
	}
	if n > uint64(d.maxLiteral()) {
		if n > uint64(d.maxDiscard()) {
			return "", &LiteralTooBigError{Size: n, Max: d.maxLiteral()}
		}
		if _, err := io.CopyN(io.Discard, d.r, int64(n)); err != nil {
			return "", io.ErrUnexpectedEOF
		}
		d.seg = 0
		return "", &LiteralTooBigError{Size: n, Max: d.maxLiteral(), Discarded: true}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		return "", io.ErrUnexpectedEOF
	}
	d.pos += int64(n)
	d.seg = 0
	return string(buf), nil
}
