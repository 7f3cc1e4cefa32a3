package rfc5228

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// strVal is a string argument as the interpreter sees it: a constant, or,
// when the script requires "variables", the parts between which RFC 5229
// §3 substitutes variable values at run time.
type strVal struct {
	pos   pos
	raw   string    // the value as written (after encoded-character)
	parts []strPart // nil for a constant
}

type strPart struct {
	lit   string
	ref   bool
	name  string // lower-case variable name, namespace included ("global.x")
	match int    // ≥ 0 for a match variable
}

// expand substitutes the variables. What the variables add to a string is
// bounded by MaxVariableSize, so that a script of many references cannot
// build strings larger than its own text and one variable.
func (s *strVal) expand(f *frame) string {
	if s.parts == nil {
		return s.raw
	}
	var b strings.Builder
	budget := MaxVariableSize
	for _, p := range s.parts {
		if !p.ref {
			b.WriteString(p.lit)
			continue
		}
		v := f.variable(p)
		if len(v) > budget {
			v = truncate(v, budget)
		}
		budget -= len(v)
		b.WriteString(v)
	}
	return b.String()
}

// truncate cuts s to at most n octets, at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// expandAll expands a list of strings.
func expandAll(f *frame, ss []*strVal) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.expand(f)
	}
	return out
}

// str compiles one string: encoded-character (RFC 5228 §2.4.2.4) is
// decoded now, variable references (RFC 5229 §3) are found now and
// substituted at run time.
func (c *checker) str(l strLit) *strVal {
	v := l.value
	if c.exts["encoded-character"] {
		var err string
		v, err = decodeEncodedCharacters(v)
		if err != "" {
			c.errorf(l.pos, "%s", err)
		}
	}
	s := &strVal{pos: l.pos, raw: v}
	if c.exts["variables"] && strings.Contains(v, "${") {
		s.parts = c.refs(l.pos, v)
	}
	return s
}

func (c *checker) strs(a argument) []*strVal {
	out := make([]*strVal, len(a.strs))
	for i, l := range a.strs {
		out[i] = c.str(l)
	}
	return out
}

// constStr is a string that must not depend on variables; ok is false
// (and the error reported) when it does.
func (c *checker) constStr(l strLit, what string) (string, bool) {
	s := c.str(l)
	if s.parts != nil {
		c.errorf(l.pos, "%s must be a constant string", what)
		return "", false
	}
	return s.raw, true
}

// refs splits a string at its variable references (RFC 5229 §3):
//
//	variable-ref   = "${" [namespace] variable-name "}"
//	namespace      = identifier "." *sub-namespace
//	variable-name  = num-variable / identifier
//
// A "${" that does not begin a well-formed reference is text.
func (c *checker) refs(at pos, v string) []strPart {
	var parts []strPart
	lit := 0
	for i := 0; i < len(v); {
		j := strings.Index(v[i:], "${")
		if j < 0 {
			break
		}
		i += j
		end := strings.IndexByte(v[i+2:], '}')
		if end < 0 {
			break
		}
		name := v[i+2 : i+2+end]
		p, ok := c.ref(at, name)
		if !ok {
			i += 2
			continue
		}
		if lit < i {
			parts = append(parts, strPart{lit: v[lit:i]})
		}
		parts = append(parts, p)
		i += 2 + end + 1
		lit = i
	}
	if lit < len(v) {
		parts = append(parts, strPart{lit: v[lit:]})
	}
	if parts == nil {
		parts = []strPart{}
	}
	return parts
}

// ref parses the inside of "${…}"; ok is false when it is not a
// reference. A reference into a namespace no extension defines is an
// error (RFC 5229 §3).
func (c *checker) ref(at pos, name string) (strPart, bool) {
	if name == "" {
		return strPart{}, false
	}
	if isDigits(name) {
		n := strings.TrimLeft(name, "0")
		if len(n) > 1 {
			// RFC 5229 §6: an index beyond those supported is an error.
			c.errorf(at, "match variable ${%s}: only ${0} to ${9} exist (RFC 5229 §6)", name)
			return strPart{}, false
		}
		idx, _ := strconv.Atoi("0" + n)
		return strPart{ref: true, match: idx}, true
	}
	segs := strings.Split(name, ".")
	for _, s := range segs {
		if !isIdentifier(s) {
			return strPart{}, false
		}
	}
	lower := strings.ToLower(name)
	if len(segs) > 1 {
		if !(segs[0] == "global" || strings.EqualFold(segs[0], "global")) || len(segs) != 2 || !c.exts["include"] {
			c.errorf(at, "variable namespace %q is not known", segs[0])
			return strPart{}, false
		}
	}
	return strPart{ref: true, name: lower, match: -1}, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// isIdentifier reports whether s is an identifier of RFC 5228 §8.1.
func isIdentifier(s string) bool {
	if s == "" || !(isAlpha(s[0]) || s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// variable returns a variable's value ("" when unset, RFC 5229 §3).
func (f *frame) variable(p strPart) string {
	if p.match >= 0 {
		if p.match < len(f.match) {
			return f.match[p.match]
		}
		return ""
	}
	if g, ok := strings.CutPrefix(p.name, "global."); ok {
		return f.globals[g]
	}
	if f.script.globals[p.name] {
		return f.globals[p.name]
	}
	return f.vars[p.name]
}

// MaxVariableSize is the most octets a variable holds, and the most that
// variable references add to one expanded string; a longer value is
// truncated at a character boundary, not an error (RFC 5229 §6 asks for
// at least 4000 characters).
const MaxVariableSize = 64 << 10

// setVariable sets a variable (RFC 5229 §4, RFC 6609 §3.3 for globals).
func (f *frame) setVariable(name, value string) {
	value = truncate(value, MaxVariableSize)
	if g, ok := strings.CutPrefix(name, "global."); ok {
		f.globals[g] = value
		return
	}
	if f.script.globals[name] {
		f.globals[name] = value
		return
	}
	if f.vars == nil {
		f.vars = map[string]string{}
	}
	f.vars[name] = value
}

// decodeEncodedCharacters replaces "${hex:…}" and "${unicode:…}" (RFC 5228
// §2.4.2.4); a malformed sequence is left as it is, an invalid code point
// is an error.
func decodeEncodedCharacters(v string) (string, string) {
	if !strings.Contains(v, "${") {
		return v, ""
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String(), ""
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			b.WriteString(v)
			return b.String(), ""
		}
		inner := v[i+2 : i+end]
		kind, body, ok := strings.Cut(inner, ":")
		var decoded string
		if ok {
			var bad string
			decoded, ok, bad = decodeEncoded(strings.ToLower(kind), body)
			if bad != "" {
				return "", bad
			}
		}
		if !ok {
			b.WriteString(v[:i+2])
			v = v[i+2:]
			continue
		}
		b.WriteString(v[:i])
		b.WriteString(decoded)
		v = v[i+end+1:]
	}
}

func decodeEncoded(kind, body string) (string, bool, string) {
	if kind != "hex" && kind != "unicode" {
		return "", false, ""
	}
	words := strings.FieldsFunc(body, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
	if len(words) == 0 {
		return "", false, ""
	}
	var b strings.Builder
	for _, w := range words {
		if kind == "hex" && len(w) > 2 {
			return "", false, ""
		}
		bits := 8
		if kind == "unicode" {
			bits = 32
		}
		n, err := strconv.ParseUint(w, 16, bits)
		if err != nil {
			return "", false, ""
		}
		if kind == "hex" {
			b.WriteByte(byte(n))
			continue
		}
		if n > utf8.MaxRune || n >= 0xD800 && n <= 0xDFFF {
			return "", false, "\"${unicode:" + body + "}\" names an invalid code point (RFC 5228 §2.4.2.4)"
		}
		b.WriteRune(rune(n))
	}
	return b.String(), true, ""
}
