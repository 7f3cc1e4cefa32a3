package rfc5228

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Comparators (RFC 5228 §2.7.3, RFC 4790 §9) and match types (RFC 5228
// §2.7.1, RFC 5231 §4).

type comparator int

const (
	cmpOctet   comparator = iota // "i;octet" (RFC 4790 §9.3)
	cmpCasemap                   // "i;ascii-casemap" (RFC 4790 §9.2)
	cmpNumeric                   // "i;ascii-numeric" (RFC 4790 §9.1)
)

var comparatorNames = map[string]comparator{
	"i;octet":         cmpOctet,
	"i;ascii-casemap": cmpCasemap,
	"i;ascii-numeric": cmpNumeric,
}

// foldASCII maps A–Z to a–z and leaves every other octet alone, so that
// offsets in the result are offsets in s.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (c comparator) fold(s string) string {
	if c == cmpCasemap {
		return foldASCII(s)
	}
	return s
}

// compare orders a and b: negative, zero or positive.
func (c comparator) compare(a, b string) int {
	if c == cmpNumeric {
		return compareNumeric(a, b)
	}
	return strings.Compare(c.fold(a), c.fold(b))
}

// compareNumeric is i;ascii-numeric's ordering (RFC 4790 §9.1): the
// decimal number at the start of each string, and a string that does not
// begin with a digit is positive infinity, equal to every other such.
func compareNumeric(a, b string) int {
	da, db := leadingDigits(a), leadingDigits(b)
	switch {
	case da == "" && db == "":
		return 0
	case da == "":
		return 1
	case db == "":
		return -1
	}
	da, db = trimZeros(da), trimZeros(db)
	if len(da) != len(db) {
		return len(da) - len(db)
	}
	return strings.Compare(da, db)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

type matchKind int

const (
	matchIs matchKind = iota
	matchContains
	matchMatches
	matchCount // RFC 5231 §4.1
	matchValue // RFC 5231 §4.2
)

// relation is one of RFC 5231 §5's relational-match values.
type relation int

const (
	relGT relation = iota
	relGE
	relLT
	relLE
	relEQ
	relNE
)

var relations = map[string]relation{"gt": relGT, "ge": relGE, "lt": relLT, "le": relLE, "eq": relEQ, "ne": relNE}

func (r relation) holds(c int) bool {
	switch r {
	case relGT:
		return c > 0
	case relGE:
		return c >= 0
	case relLT:
		return c < 0
	case relLE:
		return c <= 0
	case relEQ:
		return c == 0
	}
	return c != 0
}

// matcher is a compiled COMPARATOR and MATCH-TYPE with the key list.
type matcher struct {
	cmp      comparator
	kind     matchKind
	rel      relation
	keys     []*strVal
	captures bool // set match variables (RFC 5229 §3.2)
	// For constant keys, compiled once: the key as the comparator sees
	// it, and its :matches pattern.
	folded []string
	globs  [][]globTok
}

// prepare compiles the constant keys.
func (m *matcher) prepare() {
	m.folded = make([]string, len(m.keys))
	m.globs = make([][]globTok, len(m.keys))
	for i, k := range m.keys {
		if k.parts == nil {
			m.folded[i] = m.cmp.fold(k.raw)
			if m.kind == matchMatches {
				m.globs[i] = compileGlob(m.folded[i])
			}
		}
	}
}

// matchTags are the tags of COMPARATOR and MATCH-TYPE.
var matchTags = []tagSpec{
	{name: "comparator", group: "comparator", param: pString},
	{name: "is", group: "match"},
	{name: "contains", group: "match"},
	{name: "matches", group: "match"},
	{name: "count", group: "match", ext: "relational", param: pString},
	{name: "value", group: "match", ext: "relational", param: pString},
}

// matcher builds the matcher of a call from its tags and key list.
func (c *checker) matcher(k *call, keys argument) (*matcher, bool) {
	m := &matcher{cmp: cmpCasemap, keys: c.strs(keys), captures: c.exts["variables"]}
	ok := true
	if a, has := k.tags["comparator"]; has {
		name, isConst := c.constStr(a.strs[0], "a comparator name")
		cmp, known := comparatorNames[strings.ToLower(name)]
		switch {
		case !isConst:
			ok = false
		case !known:
			c.errorf(a.pos, "unknown comparator %q (RFC 5228 §2.7.3)", name)
			ok = false
		case cmp == cmpNumeric && !c.exts["comparator-i;ascii-numeric"]:
			c.errorf(a.pos, "comparator %q needs require \"comparator-%s\"", name, name)
			ok = false
		}
		m.cmp = cmp
	}
	switch {
	case k.has("contains"):
		m.kind = matchContains
	case k.has("matches"):
		m.kind = matchMatches
	case k.has("count"), k.has("value"):
		tag := "count"
		m.kind = matchCount
		if k.has("value") {
			tag, m.kind = "value", matchValue
		}
		a := k.tags[tag]
		name, isConst := c.constStr(a.strs[0], "a relational match")
		rel, known := relations[strings.ToLower(name)]
		if isConst && !known {
			c.errorf(a.pos, "unknown relational match %q (RFC 5231 §5)", name)
		}
		ok = ok && isConst && known
		m.rel = rel
	}
	if m.cmp == cmpNumeric && (m.kind == matchContains || m.kind == matchMatches) {
		c.errorf(k.pos, "comparator \"i;ascii-numeric\" cannot do substring matches (RFC 5228 §2.7.3)")
		ok = false
	}
	m.prepare()
	return m, ok
}

// match reports whether any value matches any key. For :count, the
// values are counted (RFC 5231 §4.1). A successful :matches sets the
// match variables.
func (m *matcher) match(f *frame, values []string) bool {
	if m.kind == matchCount {
		n := strconv.Itoa(len(values))
		for _, k := range m.keys {
			if m.rel.holds(m.cmp.compare(n, k.expand(f))) {
				return true
			}
		}
		return false
	}
	for i, k := range m.keys {
		key, folded, pat := k.raw, m.folded[i], m.globs[i]
		if k.parts != nil {
			key = k.expand(f)
			folded = m.cmp.fold(key)
			if m.kind == matchMatches {
				pat = compileGlob(folded)
			}
		}
		for _, v := range values {
			switch m.kind {
			case matchIs:
				if m.cmp.compare(v, key) == 0 {
					return true
				}
			case matchContains:
				if strings.Contains(m.cmp.fold(v), folded) {
					return true
				}
			case matchValue:
				if m.rel.holds(m.cmp.compare(v, key)) {
					return true
				}
			case matchMatches:
				if caps, ok := glob(pat, v, m.cmp.fold(v), m.captures); ok {
					if m.captures {
						f.match = caps
					}
					return true
				}
			}
		}
	}
	return false
}

// matchKeys is match with keys given at run time.
func (m *matcher) matchKeys(f *frame, values, keys []string) bool {
	n := &matcher{cmp: m.cmp, kind: m.kind, rel: m.rel, captures: m.captures}
	for _, k := range keys {
		n.keys = append(n.keys, &strVal{raw: k})
	}
	n.prepare()
	return n.match(f, values)
}

// globTok is one token of a :matches pattern (RFC 5228 §2.7.1): "*", "?"
// or literal text, in which "\" has quoted the next character.
type globTok struct {
	kind byte // '*', '?' or 'l'
	lit  string
}

func compileGlob(p string) []globTok {
	var toks []globTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, globTok{kind: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*', '?':
			flush()
			toks = append(toks, globTok{kind: c})
		case '\\':
			if i+1 < len(p) {
				i++
				lit.WriteByte(p[i])
			}
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return toks
}

// glob matches a pattern against a value; folded is the value as the
// comparator sees it, with the same offsets. "?" is one UTF-8 character.
// The wildcards match as little as possible (RFC 5229 §3.2): with
// captures, the result holds the whole value and then what each wildcard
// matched, in order.
func glob(toks []globTok, value, folded string, captures bool) ([]string, bool) {
	start := make([]int, len(toks)+1)
	pi, vi := 0, 0
	starPi, starVi := -1, 0
	for {
		if pi < len(toks) {
			t := toks[pi]
			switch t.kind {
			case '*':
				start[pi] = vi
				starPi, starVi = pi, vi
				pi++
				continue
			case '?':
				if vi < len(folded) {
					_, n := utf8.DecodeRuneInString(folded[vi:])
					start[pi] = vi
					vi += n
					pi++
					continue
				}
			default:
				if strings.HasPrefix(folded[vi:], t.lit) {
					start[pi] = vi
					vi += len(t.lit)
					pi++
					continue
				}
			}
		} else if vi == len(folded) {
			break
		}
		if starPi < 0 || starVi >= len(folded) {
			return nil, false
		}
		_, n := utf8.DecodeRuneInString(folded[starVi:])
		starVi += n
		vi, pi = starVi, starPi+1
	}
	if !captures {
		return nil, true
	}
	start[len(toks)] = len(folded)
	caps := []string{value}
	for i, t := range toks {
		if t.kind != 'l' {
			caps = append(caps, value[start[i]:start[i+1]])
		}
	}
	return caps, true
}
