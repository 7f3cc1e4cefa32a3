package rfc2342

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Capability is the capability that announces NAMESPACE (§4).
const Capability = "NAMESPACE"

// Namespace is one namespace of a NAMESPACE response (§5): a prefix that the
// names in it begin with, its hierarchy delimiter, and response extensions.
type Namespace struct {
	// Prefix is in UTF-8; it is sent in modified UTF-7.
	Prefix string
	// Delimiter is the hierarchy delimiter, or 0 for none (NIL).
	Delimiter byte
	// Extensions are the Namespace_Response_Extensions, in order.
	Extensions []Extension
}

// Extension is a Namespace_Response_Extension (§5): a name and one or more
// values, such as "X-PARAM" ("FLAG1" "FLAG2") in Example 5.6.
type Extension struct {
	Name   string
	Values []string
}

// Response is the NAMESPACE response (§5): the personal namespaces, the other
// users' namespaces and the shared namespaces. A nil or empty list is NIL.
type Response struct {
	Personal, Other, Shared []Namespace
}

// Encode writes the response after "* ": "NAMESPACE" SP Namespace SP
// Namespace SP Namespace, without the CRLF.
func (r Response) Encode(enc *rfc3501.Encoder) *rfc3501.Encoder {
	enc.Atom("NAMESPACE")
	for _, list := range [][]Namespace{r.Personal, r.Other, r.Shared} {
		enc.SP()
		encodeList(enc, list)
	}
	return enc
}

func encodeList(enc *rfc3501.Encoder, list []Namespace) {
	if len(list) == 0 {
		enc.NIL()
		return
	}
	enc.Atom("(")
	for _, ns := range list {
		enc.Atom("(").String(rfc3501.EncodeMailboxName(ns.Prefix)).SP()
		if ns.Delimiter == 0 {
			enc.NIL()
		} else {
			enc.String(string(ns.Delimiter))
		}
		for _, ext := range ns.Extensions {
			enc.SP().String(ext.Name).SP().List(len(ext.Values), func(i int) { enc.String(ext.Values[i]) })
		}
		enc.Atom(")")
	}
	enc.Atom(")")
}

// ParseResponse parses a NAMESPACE response line, "* NAMESPACE …" without
// its CRLF. Errors are *rfc3501.SyntaxError values, or wrap ErrSyntax.
func ParseResponse(line string) (Response, error) {
	p := &parser{dec: rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(line + "\r\n")))}
	r, ok := p.response()
	if !ok {
		if p.err != nil {
			return Response{}, p.err
		}
		return Response{}, p.dec.Err()
	}
	return r, nil
}

// ErrSyntax is wrapped by the errors for responses that are made of valid
// tokens but break §5's grammar.
var ErrSyntax = errors.New("rfc2342: bad NAMESPACE response")

type parser struct {
	dec *rfc3501.Decoder
	err error
}

func (p *parser) fail(format string, args ...any) bool {
	if p.err == nil {
		p.err = fmt.Errorf("%w: %s", ErrSyntax, fmt.Sprintf(format, args...))
	}
	return false
}

func (p *parser) response() (Response, bool) {
	dec := p.dec
	var r Response
	var name string
	if !dec.ExpectByte('*') || !dec.SP() || !dec.Atom(&name) {
		return r, false
	}
	if !strings.EqualFold(name, "NAMESPACE") {
		return r, p.fail("not a NAMESPACE response: %q", name)
	}
	for _, list := range []*[]Namespace{&r.Personal, &r.Other, &r.Shared} {
		if !dec.SP() {
			return r, false
		}
		for dec.Peek(' ') {
			dec.SP() // Example 5.5's "NIL  NIL"
		}
		if !p.list(list) {
			return r, false
		}
	}
	return r, dec.CRLF()
}

// list reads a Namespace: nil, or a parenthesised run of descriptors with
// nothing between them.
func (p *parser) list(list *[]Namespace) bool {
	dec := p.dec
	if !dec.Peek('(') {
		var s *string
		if !dec.NString(&s) {
			return false
		}
		if s != nil {
			return p.fail("expected NIL or a namespace list")
		}
		return true
	}
	dec.ExpectByte('(')
	for {
		ns, ok := p.descriptor()
		if !ok {
			return false
		}
		*list = append(*list, ns)
		if dec.Peek(')') {
			return dec.ExpectByte(')')
		}
	}
}

// descriptor reads "(" string SP (delimiter / nil) *extension ")".
func (p *parser) descriptor() (Namespace, bool) {
	dec := p.dec
	var ns Namespace
	var prefix string
	if !dec.ExpectByte('(') || !dec.String(&prefix) || !dec.SP() {
		return ns, false
	}
	pfx, err := rfc3501.DecodeMailboxName(prefix)
	if err != nil {
		return ns, p.fail("namespace prefix: %v", err)
	}
	ns.Prefix = pfx
	var delim *string
	if !dec.NString(&delim) {
		return ns, false
	}
	if delim != nil {
		if len(*delim) != 1 {
			return ns, p.fail("hierarchy delimiter %q is not one character", *delim)
		}
		ns.Delimiter = (*delim)[0]
	}
	for dec.Peek(' ') {
		var ext Extension
		ok := dec.SP() && dec.String(&ext.Name) && dec.SP() && dec.List(func() bool {
			var v string
			if !dec.String(&v) {
				return false
			}
			ext.Values = append(ext.Values, v)
			return true
		})
		if !ok {
			return ns, false
		}
		if len(ext.Values) == 0 {
			return ns, p.fail("extension %q without values", ext.Name)
		}
		ns.Extensions = append(ns.Extensions, ext)
	}
	return ns, dec.ExpectByte(')')
}
