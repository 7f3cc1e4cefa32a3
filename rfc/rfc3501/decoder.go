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

// DefaultMaxLine is the line-segment limit a Decoder applies when MaxLine is
// zero. RFC 7162 §4 asks servers to accept at least 8192 octets; long UID sets
// from resynchronising clients make a larger default prudent.
const DefaultMaxLine = 64 * 1024

// maxListDepth bounds the nesting of parenthesised lists in a command.
const maxListDepth = 100

// A Decoder reads the client side of the RFC 3501 §9 grammar from a buffered
// stream. Its methods consume one grammar element each and report success; the
// first failure is kept (a sticky error), every later call fails at once, and
// Err returns it, so a command decodes as one chain:
//
//	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
//		return dec.Err()
//	}
//
// A *SyntaxError becomes a "BAD" response; after one, DiscardLine skips the
// rest of the command. Other errors are I/O errors from the stream or errors
// returned by LiteralFunc.
type Decoder struct {
	// MaxLine is the largest number of octets in one line segment of a command:
	// from the start of the line or the end of a literal to the end of the next
	// CRLF, literal bodies excluded. Zero means DefaultMaxLine. Exceeding it
	// fails with a *SyntaxError wrapping ErrLineTooLong.
	MaxLine int

	// LiteralFunc, if set, is called when a literal's announcement ("{n}",
	// "{n+}" from RFC 7888, or "~{n}" from RFC 3516, each followed by CRLF) has
	// been read and before any octet of its body. It is where the engine applies
	// its literal policy: it returns an error to refuse the literal (too large,
	// non-synchronising literals not advertised, literal8 where BINARY is not
	// in use), and for an accepted synchronising literal it sends the "+"
	// continuation request and flushes before returning nil. A refusal becomes
	// the decoder's error; the client still sends the body of a refused
	// non-synchronising literal, which DiscardLine skips. With no LiteralFunc
	// every literal is accepted without a continuation request.
	LiteralFunc func(size int64, nonSync, binary bool) error

	r       *bufio.Reader
	err     error
	ioErr   error // an error from the stream: the decoder cannot recover from it
	pos     int64 // octets consumed since the start of the command
	seg     int   // octets consumed in the current line segment
	eol     bool  // the last octet consumed was the LF that ends a line of the command
	prevEol bool  // eol before the last readByte, restored by unreadByte
	skip    int64 // octets of a literal body that precede the next token
	litGen  int   // identifies the literal whose body skip counts
	depth   int   // list nesting
	buf     []byte
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r *bufio.Reader) *Decoder {
	return &Decoder{r: r}
}

// Err returns the first error met since the last CRLF or DiscardLine, or nil.
func (d *Decoder) Err() error { return d.err }

func (d *Decoder) maxLine() int {
	if d.MaxLine > 0 {
		return d.MaxLine
	}
	return DefaultMaxLine
}

// fail records a syntax error at the next unconsumed octet.
func (d *Decoder) fail(msg string) bool {
	if d.err == nil {
		d.err = &SyntaxError{Pos: d.pos, Msg: msg}
	}
	return false
}

// failAt records a syntax error at an earlier offset of the command.
func (d *Decoder) failAt(pos int64, msg string) bool {
	if d.err == nil {
		d.err = &SyntaxError{Pos: pos, Msg: msg}
	}
	return false
}

func (d *Decoder) ioError(err error) {
	if err == io.EOF && (d.pos > 0 || d.skip > 0) {
		err = io.ErrUnexpectedEOF
	}
	if d.ioErr == nil {
		d.ioErr = err
	}
	if d.err == nil {
		d.err = err
	}
}

// skipBody discards what is left of the body of the current literal.
func (d *Decoder) skipBody() bool {
	for d.skip > 0 {
		n, err := d.r.Discard(int(min(d.skip, 1<<30)))
		d.skip -= int64(n)
		d.pos += int64(n)
		if err != nil {
			d.ioError(err)
			return false
		}
	}
	return true
}

func (d *Decoder) readByte() (byte, bool) {
	if d.err != nil || !d.skipBody() {
		return 0, false
	}
	if d.seg >= d.maxLine() {
		d.err = &SyntaxError{Pos: d.pos, Msg: "line exceeds " + strconv.Itoa(d.maxLine()) + " octets", Err: ErrLineTooLong}
		return 0, false
	}
	c, err := d.r.ReadByte()
	if err != nil {
		d.ioError(err)
		return 0, false
	}
	d.seg++
	d.pos++
	d.prevEol = d.eol
	d.eol = c == '\n'
	return c, true
}

// unreadByte returns the octet just read by readByte to the stream.
func (d *Decoder) unreadByte() {
	_ = d.r.UnreadByte()
	d.seg--
	d.pos--
	d.eol = d.prevEol
}

func (d *Decoder) peekByte() (byte, bool) {
	c, ok := d.readByte()
	if ok {
		d.unreadByte()
	}
	return c, ok
}

// token reads the longest run of octets accepted by class; the result is only
// valid until the next call. After an error it is empty.
func (d *Decoder) token(class func(byte) bool) []byte {
	d.buf = d.buf[:0]
	for {
		c, ok := d.readByte()
		if !ok {
			return d.buf[:0]
		}
		if !class(c) {
			d.unreadByte()
			return d.buf
		}
		d.buf = append(d.buf, c)
	}
}

// Peek reports whether the next octet is c, without consuming it.
func (d *Decoder) Peek(c byte) bool {
	got, ok := d.peekByte()
	return ok && got == c
}

// ExpectByte consumes the octet c.
func (d *Decoder) ExpectByte(c byte) bool {
	got, ok := d.readByte()
	if !ok {
		return false
	}
	if got != c {
		d.unreadByte()
		return d.fail("expected " + describe(c) + ", found " + describe(got))
	}
	return true
}

// SP consumes one space.
func (d *Decoder) SP() bool { return d.ExpectByte(' ') }

// CRLF consumes the CRLF that ends a command, after which the next command
// starts: positions in errors count from it.
func (d *Decoder) CRLF() bool {
	if !d.ExpectByte('\r') || !d.ExpectByte('\n') {
		return false
	}
	d.startCommand()
	return true
}

func (d *Decoder) startCommand() {
	d.pos = 0
	d.seg = 0
	d.eol = false
	d.prevEol = false
	d.depth = 0
}

// Atom reads an atom (RFC 3501 §9: 1*ATOM-CHAR).
func (d *Decoder) Atom(s *string) bool {
	tok := d.token(isAtomChar)
	if len(tok) == 0 {
		return d.expected("atom")
	}
	*s = string(tok)
	return true
}

// expected records "expected what, found …" for the next octet.
func (d *Decoder) expected(what string) bool {
	if d.err != nil {
		return false
	}
	if c, ok := d.peekByte(); ok {
		return d.fail("expected " + what + ", found " + describe(c))
	}
	return false
}

// Keyword reads an atom that ends before "[", such as the name of a FETCH
// data item ("BODY.PEEK" in "BODY.PEEK[TEXT]") or of a search key.
func (d *Decoder) Keyword(s *string) bool {
	tok := d.token(func(c byte) bool { return isAtomChar(c) && c != '[' })
	if len(tok) == 0 {
		return d.expected("keyword")
	}
	*s = string(tok)
	return true
}

// Tag reads a command tag (RFC 3501 §9: 1*<any ASTRING-CHAR except "+">).
func (d *Decoder) Tag(s *string) bool {
	tok := d.token(isTagChar)
	if len(tok) == 0 {
		return d.expected("tag")
	}
	*s = string(tok)
	return true
}

// Text reads the rest of the line up to, not including, its CRLF: a possibly
// empty run of TEXT-CHAR (RFC 3501 §9), such as a client's AUTHENTICATE
// response line.
func (d *Decoder) Text(s *string) bool {
	tok := d.token(isTextChar)
	if d.err != nil {
		return false
	}
	if c, ok := d.peekByte(); ok && c != '\r' {
		return d.fail("expected TEXT-CHAR or CRLF, found " + describe(c))
	}
	*s = string(tok)
	return d.err == nil
}

// digits reads 1*DIGIT as a number no larger than limit.
func (d *Decoder) digits(limit uint64, what string) (uint64, bool) {
	start := d.pos
	tok := d.token(isDigit)
	if len(tok) == 0 {
		return 0, d.expected(what)
	}
	var n uint64
	for _, c := range tok {
		n = n*10 + uint64(c-'0')
		if n > limit {
			return 0, d.failAt(start, what+" out of range")
		}
	}
	return n, true
}

// Number reads a number (RFC 3501 §9: 1*DIGIT, below 2^32).
func (d *Decoder) Number(n *uint32) bool {
	v, ok := d.digits(1<<32-1, "number")
	if ok {
		*n = uint32(v)
	}
	return ok
}

// Number64 reads a number below 2^63 (RFC 9051 number64, used by RFC 7162
// mod-sequences and RFC 7888 literals).
func (d *Decoder) Number64(n *uint64) bool {
	v, ok := d.digits(1<<63-1, "number")
	if ok {
		*n = v
	}
	return ok
}

// NzNumber reads a non-zero number (RFC 3501 §9: digit-nz *DIGIT).
func (d *Decoder) NzNumber(n *uint32) bool {
	if c, ok := d.peekByte(); ok && c == '0' {
		return d.fail("expected non-zero number, found \"0\"")
	}
	return d.Number(n)
}

// Quoted reads a quoted string (RFC 3501 §9): the escapes \" and \\ are the
// only ones, and CR, LF, NUL and 8-bit octets are not allowed.
func (d *Decoder) Quoted(s *string) bool {
	if !d.ExpectByte('"') {
		return false
	}
	var b strings.Builder
	for {
		c, ok := d.readByte()
		if !ok {
			return false
		}
		switch {
		case c == '"':
			*s = b.String()
			return true
		case c == '\\':
			e, ok := d.readByte()
			if !ok {
				return false
			}
			if e != '"' && e != '\\' {
				d.unreadByte()
				return d.fail("invalid escape in quoted string: \\" + describe(e))
			}
			b.WriteByte(e)
		case c == '\r' || c == '\n' || c == 0 || c >= 0x80:
			d.unreadByte()
			return d.fail(describe(c) + " in quoted string")
		default:
			b.WriteByte(c)
		}
	}
}

// Literal is an announced literal. Its Read method returns the literal's body:
// exactly Size octets, then io.EOF. A body that is not read to the end is
// skipped by the decoder before its next token.
type Literal struct {
	Size    int64
	NonSync bool // "{n+}" (RFC 7888)
	Binary  bool // "~{n}", literal8 (RFC 3516): NUL octets allowed

	d   *Decoder
	gen int
}

// Read reads from the literal's body.
func (l *Literal) Read(p []byte) (int, error) {
	d := l.d
	if d == nil || d.litGen != l.gen || d.skip == 0 {
		return 0, io.EOF
	}
	if d.err != nil {
		return 0, d.err
	}
	if int64(len(p)) > d.skip {
		p = p[:d.skip]
	}
	n, err := d.r.Read(p)
	d.skip -= int64(n)
	d.pos += int64(n)
	if !l.Binary {
		for i, c := range p[:n] {
			if c == 0 {
				d.failAt(d.pos-int64(n-i), "NUL octet in literal")
				return i, d.err
			}
		}
	}
	if err == io.EOF && d.skip > 0 {
		d.ioError(io.ErrUnexpectedEOF)
		return n, d.err
	}
	if err != nil && err != io.EOF {
		d.ioError(err)
		return n, err
	}
	return n, nil
}

// Literal reads a literal's announcement, "{n}" or "{n+}" or "~{n}" and its
// CRLF, consults LiteralFunc and leaves the body to be read through lit (an
// APPEND message is streamed this way).
func (d *Decoder) Literal(lit *Literal) bool {
	binary := d.Peek('~')
	if binary {
		d.ExpectByte('~')
	}
	var size uint64
	if !d.ExpectByte('{') || !d.Number64(&size) {
		return false
	}
	nonSync := d.Peek('+')
	if nonSync {
		d.ExpectByte('+')
	}
	if !d.ExpectByte('}') || !d.ExpectByte('\r') || !d.ExpectByte('\n') {
		return false
	}
	d.seg = 0 // the next line segment starts after the body
	if d.LiteralFunc != nil {
		if err := d.LiteralFunc(int64(size), nonSync, binary); err != nil {
			d.err = err
			if nonSync {
				// The client sends the body and the rest of the command anyway.
				d.skip = int64(size)
				d.eol = false
			}
			return false
		}
	}
	// The command goes on after the body.
	d.eol = false
	d.litGen++
	d.skip = int64(size)
	*lit = Literal{Size: int64(size), NonSync: nonSync, Binary: binary, d: d, gen: d.litGen}
	return true
}

// literalString reads a literal into memory.
func (d *Decoder) literalString(s *string) bool {
	var lit Literal
	if !d.Literal(&lit) {
		return false
	}
	var b strings.Builder
	if _, err := io.Copy(&b, &lit); err != nil {
		if d.err == nil {
			d.err = err
		}
		return false
	}
	*s = b.String()
	return true
}

// String reads a string: quoted or literal (RFC 3501 §9).
func (d *Decoder) String(s *string) bool {
	c, ok := d.peekByte()
	if !ok {
		return false
	}
	switch c {
	case '"':
		return d.Quoted(s)
	case '{':
		return d.literalString(s)
	}
	return d.fail("expected string, found " + describe(c))
}

// AString reads an astring (RFC 3501 §9: 1*ASTRING-CHAR / string).
func (d *Decoder) AString(s *string) bool {
	c, ok := d.peekByte()
	if !ok {
		return false
	}
	if c == '"' || c == '{' {
		return d.String(s)
	}
	tok := d.token(isAStringChar)
	if len(tok) == 0 {
		return d.expected("astring")
	}
	*s = string(tok)
	return true
}

// NString reads an nstring (RFC 3501 §9: string / nil); NIL sets *s to nil.
func (d *Decoder) NString(s **string) bool {
	c, ok := d.peekByte()
	if !ok {
		return false
	}
	if c == 'N' || c == 'n' {
		start := d.pos
		tok := d.token(isAtomChar)
		if !strings.EqualFold(string(tok), "NIL") {
			return d.failAt(start, "expected string or NIL")
		}
		*s = nil
		return true
	}
	var v string
	if !d.String(&v) {
		return false
	}
	*s = &v
	return true
}

// List reads a parenthesised list, calling item for each element; elements
// are separated by one SP and the list may be empty. item may read nested
// lists.
func (d *Decoder) List(item func() bool) bool {
	if !d.ExpectByte('(') {
		return false
	}
	if d.depth >= maxListDepth {
		return d.fail("lists nested too deeply")
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.Peek(')') {
		return d.ExpectByte(')')
	}
	for {
		if !item() {
			return d.expected("list element")
		}
		if d.Peek(')') {
			return d.ExpectByte(')')
		}
		if !d.SP() {
			return false
		}
	}
}

// Mailbox reads a mailbox name (RFC 3501 §9 mailbox, §5.1): an astring whose
// modified UTF-7 (§5.1.3) is decoded to UTF-8. INBOX in any case becomes
// "INBOX".
func (d *Decoder) Mailbox(name *string) bool {
	start := d.pos
	var s string
	if !d.AString(&s) {
		return false
	}
	return d.mailboxName(start, s, name)
}

// ListMailbox reads a LIST or LSUB pattern (RFC 3501 §9 list-mailbox:
// 1*list-char / string), its modified UTF-7 decoded to UTF-8. The wildcards
// "%" and "*" are kept.
func (d *Decoder) ListMailbox(pattern *string) bool {
	start := d.pos
	c, ok := d.peekByte()
	if !ok {
		return false
	}
	var s string
	if c == '"' || c == '{' {
		if !d.String(&s) {
			return false
		}
	} else {
		tok := d.token(isListChar)
		if len(tok) == 0 {
			return d.expected("mailbox pattern")
		}
		s = string(tok)
	}
	return d.mailboxName(start, s, pattern)
}

func (d *Decoder) mailboxName(start int64, s string, name *string) bool {
	if strings.EqualFold(s, "INBOX") {
		*name = "INBOX"
		return true
	}
	u, err := DecodeMailboxName(s)
	if err != nil {
		return d.failAt(start, err.Error())
	}
	*name = u
	return true
}

// systemFlags maps the lower-case form of each RFC 3501 §2.3.2 system flag to
// its canonical spelling.
var systemFlags = map[string]imap.Flag{
	`\answered`: imap.FlagAnswered,
	`\flagged`:  imap.FlagFlagged,
	`\deleted`:  imap.FlagDeleted,
	`\seen`:     imap.FlagSeen,
	`\draft`:    imap.FlagDraft,
	`\recent`:   FlagRecent,
}

// FlagRecent is the \Recent system flag of RFC 3501 §2.3.2, which IMAP4rev2
// (and so go-imap's imap package) no longer has.
const FlagRecent imap.Flag = `\Recent`

// Flag reads a flag (RFC 3501 §9 flag: "\" atom or a keyword atom). System
// flags, which are case-insensitive, are returned in their canonical spelling.
func (d *Decoder) Flag(f *imap.Flag) bool {
	system := d.Peek('\\')
	if system {
		d.ExpectByte('\\')
	}
	var a string
	if !d.Atom(&a) {
		return false
	}
	if !system {
		*f = imap.Flag(a)
		return true
	}
	a = `\` + a
	if canon, ok := systemFlags[strings.ToLower(a)]; ok {
		*f = canon
	} else {
		*f = imap.Flag(a)
	}
	return true
}

// FlagList reads a flag-list (RFC 3501 §9: "(" [flag *(SP flag)] ")").
func (d *Decoder) FlagList(flags *[]imap.Flag) bool {
	var list []imap.Flag
	ok := d.List(func() bool {
		var f imap.Flag
		if !d.Flag(&f) {
			return false
		}
		list = append(list, f)
		return true
	})
	if ok {
		*flags = list
	}
	return ok
}

// SeqSet reads a sequence-set (RFC 3501 §9), including RFC 5182's "$".
func (d *Decoder) SeqSet(set *SeqSet) bool {
	start := d.pos
	tok := d.token(isSeqSetChar)
	if len(tok) == 0 {
		return d.expected("sequence set")
	}
	s, err := ParseSeqSet(string(tok))
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			return d.failAt(start+se.Pos, se.Msg)
		}
		return d.failAt(start, err.Error())
	}
	*set = s
	return true
}

var months = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// month reads date-month (case-insensitive, RFC 3501 §9).
func (d *Decoder) month(m *time.Month) bool {
	start := d.pos
	tok := d.token(isAlpha)
	if d.err != nil {
		return false
	}
	for i, name := range months {
		if strings.EqualFold(string(tok), name) {
			*m = time.Month(i + 1)
			return true
		}
	}
	return d.failAt(start, "expected month name")
}

// fixedDigits reads exactly n digits.
func (d *Decoder) fixedDigits(n int, v *int) bool {
	start := d.pos
	r := 0
	for range n {
		c, ok := d.readByte()
		if !ok {
			return false
		}
		if !isDigit(c) {
			d.unreadByte()
			return d.failAt(start, "expected "+strconv.Itoa(n)+" digits")
		}
		r = r*10 + int(c-'0')
	}
	*v = r
	return true
}

// Date reads a date (RFC 3501 §9: date-text, or date-text in double quotes),
// as used by SEARCH. The result is midnight UTC of that day.
func (d *Decoder) Date(t *time.Time) bool {
	quoted := d.Peek('"')
	if quoted {
		d.ExpectByte('"')
	}
	start := d.pos
	var day, year int
	var month time.Month
	if !d.dayOfMonth(&day, false) || !d.ExpectByte('-') || !d.month(&month) ||
		!d.ExpectByte('-') || !d.fixedDigits(4, &year) {
		return false
	}
	if quoted && !d.ExpectByte('"') {
		return false
	}
	if day > daysIn(month, year) {
		return d.failAt(start, "no such day")
	}
	*t = time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	return true
}

// daysIn returns the number of days in a month.
func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayOfMonth reads date-day (1*2DIGIT) or, when fixed, date-day-fixed
// ((SP DIGIT) / 2DIGIT); a single digit is also accepted there.
func (d *Decoder) dayOfMonth(day *int, fixed bool) bool {
	if fixed && d.Peek(' ') {
		d.ExpectByte(' ')
		return d.fixedDigits(1, day)
	}
	start := d.pos
	v, ok := d.digits(99, "day")
	if !ok {
		return false
	}
	if d.pos-start > 2 || v < 1 || v > 31 {
		return d.failAt(start, "invalid day")
	}
	*day = int(v)
	return true
}

// DateTime reads a date-time (RFC 3501 §9), as used by APPEND: DQUOTE
// date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.
func (d *Decoder) DateTime(t *time.Time) bool {
	if !d.ExpectByte('"') {
		return false
	}
	start := d.pos
	var day, year, hour, minute, sec, zh, zm int
	var month time.Month
	if !d.dayOfMonth(&day, true) || !d.ExpectByte('-') || !d.month(&month) ||
		!d.ExpectByte('-') || !d.fixedDigits(4, &year) || !d.SP() ||
		!d.fixedDigits(2, &hour) || !d.ExpectByte(':') || !d.fixedDigits(2, &minute) ||
		!d.ExpectByte(':') || !d.fixedDigits(2, &sec) || !d.SP() {
		return false
	}
	sign, ok := d.readByte()
	if !ok {
		return false
	}
	if sign != '+' && sign != '-' {
		d.unreadByte()
		return d.fail("expected zone sign, found " + describe(sign))
	}
	if !d.fixedDigits(2, &zh) || !d.fixedDigits(2, &zm) || !d.ExpectByte('"') {
		return false
	}
	if day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 60 || zh > 23 || zm > 59 {
		return d.failAt(start, "invalid date-time")
	}
	offset := (zh*60 + zm) * 60
	if sign == '-' {
		offset = -offset
	}
	*t = time.Date(year, month, day, hour, minute, sec, 0, time.FixedZone("", offset))
	return true
}

// SectionPart reads a section-part (RFC 3501 §9: nz-number *("." nz-number)),
// as used alone by RFC 3516's section-binary.
func (d *Decoder) SectionPart(part *[]int) bool {
	var p []int
	for {
		var n uint32
		if !d.NzNumber(&n) {
			return false
		}
		p = append(p, int(n))
		if !d.Peek('.') {
			*part = p
			return true
		}
		d.ExpectByte('.')
	}
}

// Section reads a FETCH section (RFC 3501 §9: "[" [section-spec] "]").
func (d *Decoder) Section(s *Section) bool {
	if !d.ExpectByte('[') {
		return false
	}
	var sec Section
	if d.Peek(']') {
		d.ExpectByte(']')
		*s = sec
		return true
	}
	if c, ok := d.peekByte(); ok && isDigit(c) {
		dot := false // a "." that a section-text must follow
		for {
			var n uint32
			if !d.NzNumber(&n) {
				return false
			}
			sec.Part = append(sec.Part, int(n))
			if dot = d.Peek('.'); !dot {
				break
			}
			d.ExpectByte('.')
			if c, ok := d.peekByte(); !ok || !isDigit(c) {
				break
			}
		}
		if d.err != nil {
			return false
		}
		if !dot {
			*s = sec
			return d.ExpectByte(']')
		}
	}
	start := d.pos
	tok := d.token(isAtomChar)
	if len(tok) == 0 {
		return d.expected("section specifier")
	}
	switch spec := strings.ToUpper(string(tok)); spec {
	case SectionHeader, SectionText:
		sec.Specifier = spec
	case SectionMIME:
		if len(sec.Part) == 0 {
			return d.failAt(start, "MIME needs a part number")
		}
		sec.Specifier = spec
	case SectionHeaderFields, SectionHeaderFieldsNot:
		sec.Specifier = spec
		if !d.SP() || !d.List(func() bool {
			var f string
			if !d.AString(&f) {
				return false
			}
			sec.Fields = append(sec.Fields, f)
			return true
		}) {
			return false
		}
		if len(sec.Fields) == 0 {
			return d.failAt(start, "empty header-list")
		}
	default:
		return d.failAt(start, "unknown section specifier "+quoteForError(spec))
	}
	if !d.ExpectByte(']') {
		return false
	}
	*s = sec
	return true
}

// Partial reads a partial range (RFC 3501 §6.4.5 "<" number "." nz-number ">";
// the 63-bit numbers of RFC 9051 are accepted).
func (d *Decoder) Partial(p *Partial) bool {
	var off, count uint64
	if !d.ExpectByte('<') || !d.Number64(&off) || !d.ExpectByte('.') {
		return false
	}
	if d.Peek('0') {
		return d.fail("expected non-zero number, found \"0\"")
	}
	if !d.Number64(&count) || !d.ExpectByte('>') {
		return false
	}
	*p = Partial{Offset: int64(off), Count: int64(count)}
	return true
}

// DiscardLine recovers from an error: it clears the error and skips the rest
// of the command, including the body of a non-synchronising literal still to
// come and any further lines that such literals join to the command. A command
// that stopped at a synchronising literal's announcement ends there: the
// client waits for a continuation request that does not come. I/O errors
// are returned and not cleared.
func (d *Decoder) DiscardLine() error {
	if d.ioErr != nil {
		return d.ioErr
	}
	d.err = nil
	for {
		if !d.skipBody() {
			return d.err
		}
		if d.eol {
			break
		}
		var ann announcementScanner
		for {
			chunk, err := d.r.ReadSlice('\n')
			d.pos += int64(len(chunk))
			ann.scan(chunk)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				d.ioError(err)
				return d.err
			}
			break
		}
		n, ok := ann.literal()
		if !ok {
			break
		}
		d.skip = n // the command goes on after the literal
	}
	d.startCommand()
	return nil
}

// announcementScanner finds whether a line of a command ends with the
// announcement of a non-synchronizing literal, "{n+}" CRLF or "~{n+}" CRLF
// (RFC 7888 §8), whatever the line's length. n is read as Literal reads it
// (Number64: leading zeros allowed, at most 2^63-1), so that DiscardLine
// skips exactly the literals that Literal would have taken: a literal it
// missed would have its octets read as commands.
type announcementScanner struct {
	state int // octets of the announcement matched so far: 0 none, 1 "{", 2 digits, 3 "+", 4 "}", 5 CR, 6 LF
	n     uint64
	over  bool // n exceeds 2^63-1
}

func (a *announcementScanner) scan(b []byte) {
	for _, c := range b {
		switch {
		case a.state == 1 && isDigit(c), a.state == 2 && isDigit(c):
			d := uint64(c - '0')
			if a.n > (1<<63-1-d)/10 {
				a.over = true
			}
			a.n = a.n*10 + d
			a.state = 2
		case a.state == 2 && c == '+', a.state == 3 && c == '}', a.state == 4 && c == '\r', a.state == 5 && c == '\n':
			a.state++
		case c == '{':
			a.state, a.n, a.over = 1, 0, false
		default:
			a.state = 0
		}
	}
}

// literal reports whether the octets scanned ended with an announcement,
// and its size.
func (a *announcementScanner) literal() (int64, bool) {
	if a.state != 6 || a.over {
		return 0, false
	}
	return int64(a.n), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isAtomChar reports ATOM-CHAR: any CHAR except atom-specials (RFC 3501 §9).
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// isAStringChar reports ASTRING-CHAR: ATOM-CHAR / resp-specials.
func isAStringChar(c byte) bool { return isAtomChar(c) || c == ']' }

// isTagChar reports the octets of a tag: ASTRING-CHAR except "+".
func isTagChar(c byte) bool { return isAStringChar(c) && c != '+' }

// isListChar reports list-char: ATOM-CHAR / list-wildcards / resp-specials.
func isListChar(c byte) bool { return isAStringChar(c) || c == '%' || c == '*' }

// isTextChar reports TEXT-CHAR: any CHAR except CR and LF.
func isTextChar(c byte) bool { return c >= 0x01 && c <= 0x7f && c != '\r' && c != '\n' }

func isSeqSetChar(c byte) bool { return isDigit(c) || c == ':' || c == ',' || c == '*' || c == '$' }

// quoteForError shortens and quotes client input for an error message.
func quoteForError(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 0x7f || c == '"' || c == '\\' {
			b.WriteString(describe(c))
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// Fail records a syntax error with the message msg at the next unconsumed
// octet, for a grammar built on the decoder that finds an element it
// cannot accept (an extension's keyword, an empty list where one element
// is required). It returns false, so that it ends a decoding chain.
func (d *Decoder) Fail(msg string) bool { return d.fail(msg) }
