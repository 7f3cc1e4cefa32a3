package rfc5228

import (
	"mime"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Message access for the tests: header values unfolded and decoded
// (RFC 5228 §2.7.2, §5.7), and addresses split into their parts (§2.7.4).

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// unfold removes the line ends of a folded header value (RFC 5322 §2.2.3)
// and the white space around the value (RFC 5228 §5.7).
func unfold(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(v)
	}
	return strings.Trim(v, " \t")
}

// decodeHeader decodes RFC 2047 encoded words; text that cannot be
// decoded (an unknown charset, a malformed word) stays as it is.
func decodeHeader(v string) string {
	v = unfold(v)
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// headerValues returns the decoded values of the named fields, cached for
// the run.
func (f *frame) headerValues(name string) []string {
	key := strings.ToLower(name)
	if vs, ok := f.headers[key]; ok {
		return vs
	}
	raw := f.env.Header(name)
	vs := make([]string, len(raw))
	for i, r := range raw {
		vs[i] = decodeHeader(r)
	}
	if f.headers == nil {
		f.headers = map[string][]string{}
	}
	f.headers[key] = vs
	return vs
}

// address is one address of a header or the envelope. valid is false for
// text that is no address: it has only its raw text, for :all.
type address struct {
	all    string // local@domain, or the raw text
	local  string
	domain string
	valid  bool
	hasAt  bool
	null   bool // the null reverse-path
}

// addressPart is an ADDRESS-PART (RFC 5228 §2.7.4, RFC 5233 §4).
type addressPart int

const (
	partAll addressPart = iota
	partLocal
	partDomain
	partUser
	partDetail
)

var addressPartTags = []tagSpec{
	{name: "all", group: "address-part"},
	{name: "localpart", group: "address-part"},
	{name: "domain", group: "address-part"},
	{name: "user", group: "address-part", ext: "subaddress"},
	{name: "detail", group: "address-part", ext: "subaddress"},
}

func (c *checker) addressPart(k *call) addressPart {
	switch {
	case k.has("localpart"):
		return partLocal
	case k.has("domain"):
		return partDomain
	case k.has("user"):
		return partUser
	case k.has("detail"):
		return partDetail
	}
	return partAll
}

// of returns the part of an address; ok is false when it has none: an
// invalid address has only :all (RFC 5228 §2.7.4), an address without a
// separator has no :detail (RFC 5233 §4). The separator is sep's first
// occurrence in the local part.
func (p addressPart) of(a address, sep string) (string, bool) {
	if a.null {
		return "", true
	}
	if !a.valid {
		return a.all, p == partAll
	}
	switch p {
	case partLocal:
		return a.local, true
	case partDomain:
		return a.domain, a.hasAt
	case partUser, partDetail:
		i := strings.Index(a.local, sep)
		if i < 0 {
			return a.local, p == partUser
		}
		if p == partUser {
			return a.local[:i], true
		}
		return a.local[i+len(sep):], true
	}
	return a.all, true
}

var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// addressesOf returns the addresses of a raw header value, cached for the
// run.
func (f *frame) addressesOf(v string) []address {
	if as, ok := f.addresses[v]; ok {
		return as
	}
	as := parseAddresses(v)
	if f.addresses == nil {
		f.addresses = map[string][]address{}
	}
	f.addresses[v] = as
	return as
}

// parseAddresses reads the addresses of one header value (an address-list
// of RFC 5322 §3.4, groups included). Malformed input never fails: each
// comma-separated element that does not parse on its own is kept as raw
// text, or as its "<…>" part when it has one.
func parseAddresses(v string) []address {
	v = unfold(v)
	if list, err := addressParser.ParseList(v); err == nil {
		out := make([]address, 0, len(list))
		for _, a := range list {
			out = append(out, splitAddress(a.Address))
		}
		return out
	}
	var out []address
	for _, part := range splitTopLevel(v) {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		if a, err := addressParser.Parse(part); err == nil {
			out = append(out, splitAddress(a.Address))
			continue
		}
		if i := strings.LastIndexByte(part, '<'); i >= 0 {
			if j := strings.IndexByte(part[i:], '>'); j > 0 {
				if spec := strings.TrimSpace(part[i+1 : i+j]); strings.Contains(spec, "@") {
					out = append(out, envelopeAddress(spec)) // drops an obsolete route
					continue
				}
			}
		}
		out = append(out, address{all: part})
	}
	return out
}

// splitTopLevel splits at commas outside quoted strings, comments and
// angle brackets.
func splitTopLevel(v string) []string {
	var parts []string
	depth, angle, quoted, start := 0, false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == ',' && depth == 0 && !angle:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

// splitAddress splits an addr-spec at its last "@".
func splitAddress(spec string) address {
	i := strings.LastIndexByte(spec, '@')
	if i < 0 {
		return address{all: spec, local: spec, valid: true}
	}
	return address{all: spec, local: spec[:i], domain: spec[i+1:], valid: true, hasAt: true}
}

// envelopeAddress reads an envelope path: a source route ("@a,@b:") is
// dropped, and the null path is "" for every address part (RFC 5228 §5.4).
func envelopeAddress(p string) address {
	p = strings.TrimSpace(p)
	p = strings.TrimSuffix(strings.TrimPrefix(p, "<"), ">")
	if strings.HasPrefix(p, "@") {
		if i := strings.IndexByte(p, ':'); i >= 0 {
			p = p[i+1:]
		}
	}
	if p == "" {
		return address{valid: true, null: true}
	}
	return splitAddress(p)
}
