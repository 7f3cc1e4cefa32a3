package rfc5228

import (
	"strings"
	"unicode/utf8"
)

// The lexical grammar is RFC 5228 §8.1. A script's lines may end in CRLF
// or, as files written on Unix do, in LF alone; a CR elsewhere is an error.

type tokKind int

const (
	tokEOF        tokKind = iota
	tokIdentifier         // identifier
	tokTag                // ":" identifier, text holds the identifier in lower case
	tokNumber             // number with its quantifier applied
	tokString             // quoted-string or multi-line, text holds the value
	tokPunct              // one of [ ] ( ) , ; { }
)

type token struct {
	kind tokKind
	pos  pos
	text string // identifier (lower case), tag, string value, or the punctuation
	num  int64
}

// lexer turns a script into tokens. The first error stops it.
type lexer struct {
	src  string
	off  int
	line int
	col  int
	err  *Error
}

// newLexer starts a lexer. NUL is never permitted in a script (RFC 5228
// §2.2), in strings and comments included: a NUL stops the lexer at its
// position.
func newLexer(src string) *lexer {
	l := &lexer{src: src, line: 1, col: 1}
	if i := strings.IndexByte(src, 0); i >= 0 {
		at := &lexer{src: src, line: 1, col: 1}
		at.advance(i)
		l.err = at.here().errorf("NUL in the script")
	}
	return l
}

func (l *lexer) here() pos { return pos{l.line, l.col} }

// advance moves past n octets, keeping line and column.
func (l *lexer) advance(n int) {
	for i := 0; i < n; i++ {
		c := l.src[l.off]
		l.off++
		switch {
		case c == '\n':
			l.line++
			l.col = 1
		case c&0xC0 != 0x80:
			l.col++
		}
	}
}

func (l *lexer) fail(p pos, format string, args ...any) token {
	if l.err == nil {
		l.err = p.errorf(format, args...)
	}
	return token{kind: tokEOF, pos: p}
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lineEnd reports the length of the line end at off: 2 for CRLF, 1 for LF,
// 0 for none.
func (l *lexer) lineEnd(off int) int {
	if off < len(l.src) && l.src[off] == '\n' {
		return 1
	}
	if off+1 < len(l.src) && l.src[off] == '\r' && l.src[off+1] == '\n' {
		return 2
	}
	return 0
}

// skip passes white space and comments (RFC 5228 §2.3).
func (l *lexer) skip() bool {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			l.advance(1)
		case c == '\r':
			if l.lineEnd(l.off) == 0 {
				l.fail(l.here(), "carriage return without line feed")
				return false
			}
			l.advance(2)
		case c == '#':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && strings.HasPrefix(l.src[l.off:], "/*"):
			p := l.here()
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				l.fail(p, "bracket comment not closed")
				return false
			}
			l.advance(end + 4)
		default:
			return true
		}
	}
	return true
}

// next returns the next token; tokEOF at the end or after an error.
func (l *lexer) next() token {
	if l.err != nil || !l.skip() || l.off >= len(l.src) {
		return token{kind: tokEOF, pos: l.here()}
	}
	p := l.here()
	c := l.src[l.off]
	switch {
	case strings.IndexByte("[](),;{}", c) >= 0:
		l.advance(1)
		return token{kind: tokPunct, pos: p, text: string(c)}
	case c == '"':
		return l.quoted(p)
	case c == ':':
		l.advance(1)
		if l.off >= len(l.src) || !(isAlpha(l.src[l.off]) || l.src[l.off] == '_') {
			return l.fail(p, "\":\" not followed by a tag name")
		}
		return token{kind: tokTag, pos: p, text: strings.ToLower(l.ident())}
	case isDigit(c):
		return l.number(p)
	case isAlpha(c) || c == '_':
		id := l.ident()
		if strings.EqualFold(id, "text") && l.off < len(l.src) && l.src[l.off] == ':' {
			l.advance(1)
			return l.multiline(p)
		}
		return token{kind: tokIdentifier, pos: p, text: strings.ToLower(id)}
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return l.fail(p, "unexpected character %q", r)
}

func (l *lexer) ident() string {
	start := l.off
	for l.off < len(l.src) {
		c := l.src[l.off]
		if !isAlpha(c) && !isDigit(c) && c != '_' {
			break
		}
		l.off++
		l.col++
	}
	return l.src[start:l.off]
}

// maxNumber is the largest number a script may write: RFC 5228 §2.4.1
// requires at least 2^31-1; Loft takes 63 bits.
const maxNumber = 1<<63 - 1

func (l *lexer) number(p pos) token {
	var n int64
	for l.off < len(l.src) && isDigit(l.src[l.off]) {
		d := int64(l.src[l.off] - '0')
		if n > (maxNumber-d)/10 {
			return l.fail(p, "number too large")
		}
		n = n*10 + d
		l.advance(1)
	}
	if l.off < len(l.src) {
		var shift uint
		switch l.src[l.off] {
		case 'K', 'k':
			shift = 10
		case 'M', 'm':
			shift = 20
		case 'G', 'g':
			shift = 30
		}
		if shift != 0 {
			if n > maxNumber>>shift {
				return l.fail(p, "number too large")
			}
			n <<= shift
			l.advance(1)
		}
	}
	if l.off < len(l.src) && (isAlpha(l.src[l.off]) || l.src[l.off] == '_') {
		return l.fail(p, "number followed by a letter")
	}
	return token{kind: tokNumber, pos: p, num: n}
}

// quoted reads a quoted-string (RFC 5228 §2.4.2): "\" quotes the next
// character, which stands for itself; line ends are kept as CRLF.
func (l *lexer) quoted(p pos) token {
	l.advance(1)
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return l.fail(p, "string not closed")
		}
		c := l.src[l.off]
		switch {
		case c == '"':
			l.advance(1)
			return l.str(p, b.String())
		case c == '\\':
			l.advance(1)
			if l.off >= len(l.src) {
				return l.fail(p, "string not closed")
			}
			c = l.src[l.off]
			if c == '\r' || c == '\n' {
				continue // the line end is copied below
			}
			b.WriteByte(c)
			l.advance(1)
		case c == '\r' || c == '\n':
			n := l.lineEnd(l.off)
			if n == 0 {
				return l.fail(l.here(), "carriage return without line feed")
			}
			b.WriteString("\r\n")
			l.advance(n)
		default:
			b.WriteByte(c)
			l.advance(1)
		}
	}
}

// multiline reads the rest of a multi-line string after "text:" (RFC 5228
// §2.4.2, §8.1): optional blanks and a hash comment or a line end, then
// lines up to one holding a single ".", with the leading "." of
// dot-stuffed lines removed. Each line of the value ends in CRLF.
func (l *lexer) multiline(p pos) token {
	for l.off < len(l.src) && (l.src[l.off] == ' ' || l.src[l.off] == '\t') {
		l.advance(1)
	}
	if l.off < len(l.src) && l.src[l.off] == '#' {
		for l.off < len(l.src) && l.src[l.off] != '\n' {
			l.advance(1)
		}
	}
	n := l.lineEnd(l.off)
	if n == 0 {
		return l.fail(l.here(), "\"text:\" must end its line")
	}
	l.advance(n)
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return l.fail(p, "multi-line string not closed by a line holding \".\"")
		}
		end := strings.IndexByte(l.src[l.off:], '\n')
		var line string
		if end < 0 {
			line = l.src[l.off:]
		} else {
			line = l.src[l.off : l.off+end]
		}
		line = strings.TrimSuffix(line, "\r")
		if strings.IndexByte(line, '\r') >= 0 {
			return l.fail(l.here(), "carriage return without line feed")
		}
		if end < 0 {
			return l.fail(p, "multi-line string not closed by a line holding \".\"")
		}
		l.advance(end + 1)
		if line == "." {
			return l.str(p, b.String())
		}
		b.WriteString(strings.TrimPrefix(line, "."))
		b.WriteString("\r\n")
	}
}

// str makes a string token. Its value may be any octets but NUL: RFC 5228
// §2.4.2 requires accepting strings that are not UTF-8; the commands that
// need UTF-8 (fileinto's mailbox) check for it.
func (l *lexer) str(p pos, s string) token {
	return token{kind: tokString, pos: p, text: s}
}
