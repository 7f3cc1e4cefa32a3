package rfc3501

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// fieldID names a header field that the message scanner keeps.
type fieldID int

const (
	fContentType fieldID = iota
	fContentTransferEncoding
	fContentID
	fContentDescription
	fContentMD5
	fContentDisposition
	fContentLanguage
	fContentLocation
	fDate
	fSubject
	fFrom
	fSender
	fReplyTo
	fTo
	fCc
	fBcc
	fInReplyTo
	fMessageID
	numFields
)

var fieldNames = [numFields]string{
	"Content-Type", "Content-Transfer-Encoding", "Content-ID", "Content-Description",
	"Content-MD5", "Content-Disposition", "Content-Language", "Content-Location",
	"Date", "Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"In-Reply-To", "Message-ID",
}

// lookupField returns the id of a kept field name (case-insensitive).
func lookupField(name []byte) (fieldID, bool) {
	for i, n := range fieldNames {
		if len(n) == len(name) && bytes.EqualFold(name, []byte(n)) {
			return fieldID(i), true
		}
	}
	return 0, false
}

// fields holds the first occurrence of each kept field of one header: the
// raw octets after the colon, line breaks of folded lines included.
type fields struct {
	val  [numFields][]byte
	seen [numFields]bool
}

// value returns the field's unfolded value (RFC 5322 §2.2.3: line breaks
// removed) without leading and trailing white space. NUL, which no IMAP
// string can hold (RFC 3501 §9 CHAR8), becomes U+FFFD.
func (f *fields) value(id fieldID) string {
	v := f.val[id]
	if bytes.IndexAny(v, "\r\n\x00") >= 0 {
		var b []byte
		for _, c := range v {
			switch c {
			case '\r', '\n':
			case 0:
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
		}
		v = b
	}
	return string(bytes.Trim(v, " \t"))
}

// nstring returns the value, or nil for an absent field.
func (f *fields) nstring(id fieldID) *string {
	if !f.seen[id] {
		return nil
	}
	v := f.value(id)
	return &v
}

// fieldName returns the name of a header line "name: value" (white space
// before the colon is obsolete syntax, RFC 5322 §4.5), or false for a line
// without a colon or with an empty name.
func fieldName(line []byte) ([]byte, int, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, 0, false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return nil, 0, false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return nil, 0, false
		}
	}
	return name, colon, true
}

// Param is a parameter of a Content-Type or Content-Disposition field, as
// BODYSTRUCTURE sends it: the attribute in upper case, the value as written
// (quotes removed). RFC 2231 continuations are joined: "name*0", "name*1" …
// become "NAME", or "NAME*" with the "charset'language'%XX" form of §4 when a
// segment is encoded.
type Param struct {
	Name, Value string
}

// lexer reads structured header values: RFC 2045 tokens, quoted strings and
// RFC 5322 comments. It accepts anything, never failing.
type lexer struct {
	s string
	i int
}

func (l *lexer) end() bool { return l.i >= len(l.s) }

func (l *lexer) peek() byte {
	if l.end() {
		return 0
	}
	return l.s[l.i]
}

// skipCFWS skips white space, line breaks and (nested) comments.
func (l *lexer) skipCFWS() {
	for !l.end() {
		switch l.s[l.i] {
		case ' ', '\t', '\r', '\n':
			l.i++
		case '(':
			l.comment()
		default:
			return
		}
	}
}

// comment skips a comment at l.i and returns its text; an unterminated
// comment runs to the end.
func (l *lexer) comment() string {
	var b strings.Builder
	depth := 0
	for !l.end() {
		c := l.s[l.i]
		l.i++
		switch c {
		case '(':
			if depth > 0 {
				b.WriteByte(c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return b.String()
			}
			b.WriteByte(c)
		case '\\':
			if !l.end() {
				b.WriteByte(l.s[l.i])
				l.i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quoted reads a quoted string at l.i, removing quoted-pairs; an
// unterminated one runs to the end.
func (l *lexer) quoted() string {
	var b strings.Builder
	l.i++ // opening quote
	for !l.end() {
		c := l.s[l.i]
		l.i++
		switch c {
		case '"':
			return b.String()
		case '\\':
			if !l.end() {
				b.WriteByte(l.s[l.i])
				l.i++
			}
		case '\r', '\n':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isTSpecial reports RFC 2045 tspecials.
func isTSpecial(c byte) bool {
	return strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0
}

// token reads an RFC 2045 token.
func (l *lexer) token() string {
	start := l.i
	for !l.end() {
		c := l.s[l.i]
		if c <= ' ' || c == 0x7f || isTSpecial(c) {
			break
		}
		l.i++
	}
	return l.s[start:l.i]
}

// value reads a parameter value: a quoted string, or (leniently, since
// unquoted "=" and "/" are common) everything up to ";", white space or a
// comment.
func (l *lexer) value() string {
	if l.peek() == '"' {
		return l.quoted()
	}
	start := l.i
	for !l.end() {
		c := l.s[l.i]
		if c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' {
			break
		}
		l.i++
	}
	return l.s[start:l.i]
}

// params reads "; attribute=value" pairs, skipping anything malformed.
func (l *lexer) params() []Param {
	var raw []Param
	for {
		l.skipCFWS()
		if l.end() {
			break
		}
		if l.peek() != ';' {
			// A parameter whose ";" is missing, a common mistake, or
			// garbage up to the next ";".
			start := l.i
			if name := l.token(); name != "" {
				l.skipCFWS()
				if l.peek() == '=' {
					l.i++
					l.skipCFWS()
					raw = append(raw, Param{Name: name, Value: l.value()})
					continue
				}
			}
			next := strings.IndexByte(l.s[start:], ';')
			if next < 0 {
				break
			}
			l.i = start + next
		}
		l.i++
		l.skipCFWS()
		name := l.token()
		l.skipCFWS()
		if name == "" || l.peek() != '=' {
			continue
		}
		l.i++
		l.skipCFWS()
		raw = append(raw, Param{Name: name, Value: l.value()})
	}
	return joinRFC2231(raw)
}

// parseMediaType parses a Content-Type value "type/subtype; params" (RFC 2045
// §5.1). ok is false when the syntax is invalid, in which case RFC 2045 §5.2
// has the default apply.
func parseMediaType(v string) (typ, sub string, params []Param, ok bool) {
	l := lexer{s: v}
	l.skipCFWS()
	typ = l.token()
	l.skipCFWS()
	if typ == "" || l.peek() != '/' {
		return "", "", nil, false
	}
	l.i++
	l.skipCFWS()
	sub = l.token()
	if sub == "" {
		return "", "", nil, false
	}
	return strings.ToUpper(typ), strings.ToUpper(sub), l.params(), true
}

// Disposition is a Content-Disposition (RFC 2183): its type in upper case and
// its parameters.
type Disposition struct {
	Value  string
	Params []Param
}

// parseDisposition parses a Content-Disposition value, or returns nil when it
// has no disposition type.
func parseDisposition(v string) *Disposition {
	l := lexer{s: v}
	l.skipCFWS()
	typ := l.token()
	if typ == "" {
		return nil
	}
	return &Disposition{Value: strings.ToUpper(typ), Params: l.params()}
}

// parseLanguage splits a Content-Language value (RFC 3282) into its tags.
func parseLanguage(v string) []string {
	var tags []string
	l := lexer{s: v}
	for {
		l.skipCFWS()
		if l.end() {
			return tags
		}
		if l.peek() == ',' {
			l.i++
			continue
		}
		tok := l.token()
		if tok == "" {
			l.i++ // skip an octet that cannot start a tag
			continue
		}
		tags = append(tags, tok)
	}
}

// parseEncoding returns the Content-Transfer-Encoding mechanism in upper
// case, or "7BIT", RFC 2045 §6.1's default, when there is none.
func parseEncoding(v string) string {
	l := lexer{s: v}
	l.skipCFWS()
	if tok := l.token(); tok != "" {
		return strings.ToUpper(tok)
	}
	return "7BIT"
}

// joinRFC2231 joins RFC 2231 §3 continuations, upper-cases the names and
// keeps the first of parameters with the same name, in order of first
// appearance.
func joinRFC2231(raw []Param) []Param {
	type segment struct {
		n       int
		encoded bool
		value   string
	}
	type key struct {
		group, n int
	}
	var out []Param
	segs := map[int][]segment{} // index in out → segments of a continued parameter
	groupAt := map[string]int{} // base name → index in out
	have := map[key]bool{}      // segments met
	for _, p := range raw {
		base, n, encoded, isSeg := splitContinuation(p.Name)
		if !isSeg {
			out = append(out, Param{Name: strings.ToUpper(p.Name), Value: p.Value})
			continue
		}
		base = strings.ToUpper(base)
		i, ok := groupAt[base]
		if !ok {
			i = len(out)
			groupAt[base] = i
			out = append(out, Param{Name: base})
		}
		if !have[key{i, n}] {
			have[key{i, n}] = true
			segs[i] = append(segs[i], segment{n, encoded, p.Value})
		}
	}
	for i, ss := range segs {
		slices.SortFunc(ss, func(a, b segment) int { return a.n - b.n })
		anyEncoded := slices.ContainsFunc(ss, func(s segment) bool { return s.encoded })
		var b strings.Builder
		for j, s := range ss {
			switch {
			case !anyEncoded || s.encoded:
				b.WriteString(s.value)
			case j == 0:
				b.WriteString("''")
				b.WriteString(percentEncode(s.value))
			default:
				b.WriteString(percentEncode(s.value))
			}
		}
		if anyEncoded {
			out[i].Name += "*"
		}
		out[i].Value = b.String()
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(p Param) bool {
		if seen[p.Name] {
			return true
		}
		seen[p.Name] = true
		return false
	})
}

// splitContinuation splits "base*N" or "base*N*" (RFC 2231 §3, §4.1).
func splitContinuation(name string) (base string, n int, encoded, ok bool) {
	s := name
	encoded = strings.HasSuffix(s, "*")
	if encoded {
		s = s[:len(s)-1]
	}
	star := strings.LastIndexByte(s, '*')
	if star <= 0 {
		return "", 0, false, false
	}
	digits := s[star+1:]
	if digits == "" || len(digits) > 4 || (len(digits) > 1 && digits[0] == '0') {
		return "", 0, false, false
	}
	v, err := strconv.Atoi(digits)
	if err != nil {
		return "", 0, false, false
	}
	return s[:star], v, encoded, true
}

// percentEncode encodes what RFC 2231 §7's attribute-char excludes.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '*' && c != '\'' && c != '%' && !isTSpecial(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
