package rfc3501

import "strings"

// Address is an address structure of an ENVELOPE (RFC 3501 §7.4.2): the
// display name, the at-domain-list (source route), the local part and the
// domain, all as the header has them but with RFC 5322 quoting removed;
// encoded words stay encoded. An empty field is sent as NIL.
//
// Groups (RFC 5322 §3.4) appear as markers around their members: a start
// marker has the group's display name in Mailbox and an empty Host, an end
// marker is the zero Address. So that Host is empty in markers only, an
// address without a domain gets MissingHost, and one with a domain but no
// local part gets MissingMailbox.
type Address struct {
	Name, ADL, Mailbox, Host string
}

// Placeholders for the parts of a malformed address.
const (
	MissingHost    = "MISSING_DOMAIN"
	MissingMailbox = "MISSING_MAILBOX"
)

// IsGroupStart reports whether a is the start of a group.
func (a Address) IsGroupStart() bool { return a.Host == "" && a.Mailbox != "" }

// IsGroupEnd reports whether a is the end of a group.
func (a Address) IsGroupEnd() bool { return a.Host == "" && a.Mailbox == "" }

// addrToken is a lexical token of an address header: a word (atom), a quoted
// string, a domain literal, a comment, or one of the specials < > @ , ; : .
type addrToken struct {
	kind  byte // 'a' atom, 'q' quoted string, 'd' domain literal, 'c' comment, or the special itself
	text  string
	space bool // white space or a comment came before it
}

// tokenizeAddresses splits an address header value. It accepts any input.
func tokenizeAddresses(s string) []addrToken {
	var toks []addrToken
	l := lexer{s: s}
	space := false
	for !l.end() {
		c := l.s[l.i]
		switch c {
		case ' ', '\t', '\r', '\n':
			l.i++
			space = true
			continue
		case '(':
			toks = append(toks, addrToken{kind: 'c', text: strings.TrimSpace(l.comment()), space: space})
			space = true
			continue
		case '"':
			toks = append(toks, addrToken{kind: 'q', text: l.quoted(), space: space})
		case '[':
			end := strings.IndexByte(l.s[l.i:], ']')
			if end < 0 {
				end = len(l.s) - l.i - 1
			}
			toks = append(toks, addrToken{kind: 'd', text: l.s[l.i : l.i+end+1], space: space})
			l.i += end + 1
		case '<', '>', '@', ',', ';', ':', '.':
			toks = append(toks, addrToken{kind: c, text: string(c), space: space})
			l.i++
		default:
			// Anything else, a stray ")" or "]" included, is atom text.
			start := l.i
			l.i++
			for !l.end() && strings.IndexByte(" \t\r\n(\"[<>@,;:.", l.s[l.i]) < 0 {
				l.i++
			}
			toks = append(toks, addrToken{kind: 'a', text: l.s[start:l.i], space: space})
		}
		space = false
	}
	return toks
}

// addrParser turns tokens into ENVELOPE addresses, leniently: what cannot be
// understood is skipped up to the next comma.
type addrParser struct {
	toks    []addrToken
	i       int
	comment string // the last comment passed, a display name of last resort
	out     []Address
}

// parseAddressList parses an address-list (RFC 5322 §3.4) for ENVELOPE.
func parseAddressList(s string) []Address {
	p := addrParser{toks: tokenizeAddresses(s)}
	for p.skipComments(); p.i < len(p.toks); p.skipComments() {
		before := p.i
		p.address(false)
		if p.i == before {
			p.i++ // no progress: drop the token
		}
	}
	return p.out
}

func (p *addrParser) skipComments() {
	for p.i < len(p.toks) && p.toks[p.i].kind == 'c' {
		p.comment = p.toks[p.i].text
		p.i++
	}
}

// peek returns the kind of the next token that is not a comment, 0 at the end.
func (p *addrParser) peek() byte {
	p.skipComments()
	if p.i >= len(p.toks) {
		return 0
	}
	return p.toks[p.i].kind
}

// words collects the tokens of a phrase or a local part.
func (p *addrParser) words() []addrToken {
	var w []addrToken
	for {
		switch p.peek() {
		case 'a', 'q', '.':
			w = append(w, p.toks[p.i])
			p.i++
		default:
			return w
		}
	}
}

// phrase renders a display name: words separated by one space where the
// header had white space, quotes removed.
func phrase(w []addrToken) string {
	var b strings.Builder
	for i, t := range w {
		if i > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// joined renders a local part or a domain: the tokens without spaces.
func joined(w []addrToken) string {
	var b strings.Builder
	for _, t := range w {
		b.WriteString(t.text)
	}
	return b.String()
}

// domain reads a domain: atoms, dots and domain literals, up to white space
// that is not followed by a dot.
func (p *addrParser) domain() string {
	var w []addrToken
	for p.peek() != 0 {
		t := p.toks[p.i]
		if t.kind != 'a' && t.kind != '.' && t.kind != 'd' {
			break
		}
		if len(w) > 0 && t.space && t.kind != '.' && w[len(w)-1].kind != '.' {
			break
		}
		w = append(w, t)
		p.i++
	}
	return joined(w)
}

// skipTo skips to, not past, the next "," (or ";" inside a group).
func (p *addrParser) skipTo(inGroup bool) {
	for p.i < len(p.toks) {
		k := p.toks[p.i].kind
		if k == ',' || inGroup && k == ';' {
			return
		}
		if k == 'c' {
			p.comment = p.toks[p.i].text
		}
		p.i++
	}
}

// add appends a mailbox, with the placeholders for missing parts and the
// last comment as display name when there is none. A mailbox with neither
// local part nor domain ("<>") is dropped.
func (p *addrParser) add(name, adl, local, domain string) {
	if local == "" && domain == "" {
		return
	}
	if name == "" {
		name = p.comment
	}
	if local == "" {
		local = MissingMailbox
	}
	if domain == "" {
		domain = MissingHost
	}
	p.out = append(p.out, Address{Name: name, ADL: adl, Mailbox: local, Host: domain})
}

// address reads one mailbox or group and the comma after it.
func (p *addrParser) address(inGroup bool) {
	p.comment = ""
	w := p.words()
	switch p.peek() {
	case ':':
		p.i++
		if inGroup {
			return // a group inside a group: ignore the second opening
		}
		// A group without a name keeps its members but has no markers, as
		// a start marker with an empty name would read as an end marker.
		name := phrase(w)
		if name != "" {
			p.out = append(p.out, Address{Mailbox: name})
		}
		end := func() {
			if name != "" {
				p.out = append(p.out, Address{})
			}
		}
		for {
			switch p.peek() {
			case 0:
				end()
				return
			case ';':
				p.i++
				end()
				p.skipTo(false)
				if p.peek() == ',' {
					p.i++
				}
				return
			case ',':
				p.i++
			default:
				before := p.i
				p.address(true)
				if p.i == before {
					p.i++
				}
			}
		}
	case '<':
		p.i++
		adl := p.route()
		local := joined(p.words())
		domain := ""
		if p.peek() == '@' {
			p.i++
			domain = p.domain()
		}
		p.skipTo(inGroup)
		p.add(phrase(w), adl, local, domain)
	case '@':
		p.i++
		domain := p.domain()
		p.skipTo(inGroup)
		p.add("", "", joined(w), domain)
	default:
		// A bare word list ("undisclosed-recipients") or garbage.
		if len(w) > 0 {
			p.skipTo(inGroup)
			p.add("", "", phrase(w), "")
		}
	}
	if p.peek() == ',' {
		p.i++
	}
}

// route reads an obsolete source route "@a,@b:" (RFC 5322 §4.4) in an
// angle address, returning "@a,@b".
func (p *addrParser) route() string {
	if p.peek() != '@' {
		return ""
	}
	start := p.i
	for j := p.i; j < len(p.toks); j++ {
		switch p.toks[j].kind {
		case ':':
			var b strings.Builder
			for _, t := range p.toks[start:j] {
				if t.kind != 'c' {
					b.WriteString(t.text)
				}
			}
			p.i = j + 1
			return b.String()
		case '>', '<', ';':
			return ""
		}
	}
	return ""
}
