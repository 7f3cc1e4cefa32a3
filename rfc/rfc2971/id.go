package rfc2971

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// The limits of §3.3.
const (
	MaxFieldLen = 30   // octets of a field string
	MaxValueLen = 1024 // octets of a value string
	MaxPairs    = 30   // field-value pairs in one list
)

// Capability is the capability name (§3).
const Capability = "ID"

// Param is one field-value pair. A nil Value is NIL (§3.1: the sender
// cannot or will not say).
type Param struct {
	Field string
	Value *string
}

// Params is an id_params_list (§4). A nil Params is NIL; an empty non-nil
// one is "()".
type Params []Param

// LimitError is a list that breaks a limit of §3.3.
type LimitError struct {
	Msg string
}

func (e *LimitError) Error() string { return "ID: " + e.Msg + " (RFC 2971 §3.3)" }

// Parse reads an id_params_list (§4: "(" pairs ")" or NIL) from dec, the
// decoder positioned at it, and checks it against §3.3. Field names are
// compared without regard to case (§3.3: "Strings are not case-sensitive").
// It returns dec's error when the syntax is wrong (a *rfc3501.SyntaxError or
// an I/O error, also in dec.Err()); a string in place of the list (a
// *rfc3501.SyntaxError that dec.Err() does not hold) and a *LimitError
// leave the decoder after the argument, ready for what follows.
func Parse(dec *rfc3501.Decoder) (Params, error) {
	if !dec.Peek('(') {
		var nilValue *string
		if !dec.NString(&nilValue) {
			return nil, dec.Err()
		}
		if nilValue != nil {
			// A string where the list or NIL belongs: the decoder has
			// read it whole, and the caller goes on from there.
			return nil, &rfc3501.SyntaxError{Msg: "expected a parenthesised list or NIL"}
		}
		return nil, nil
	}
	p := Params{}
	var limit *LimitError
	ok := dec.List(func() bool {
		var field string
		var value *string
		if !dec.String(&field) || !dec.SP() || !dec.NString(&value) {
			return false
		}
		if limit != nil {
			return true
		}
		switch {
		case len(p) == MaxPairs:
			limit = &LimitError{Msg: fmt.Sprintf("more than %d field-value pairs", MaxPairs)}
		case len(field) > MaxFieldLen:
			limit = &LimitError{Msg: fmt.Sprintf("field longer than %d octets", MaxFieldLen)}
		case value != nil && len(*value) > MaxValueLen:
			limit = &LimitError{Msg: fmt.Sprintf("value of %q longer than %d octets", Printable(field, MaxFieldLen), MaxValueLen)}
		case p.has(field):
			limit = &LimitError{Msg: fmt.Sprintf("field %q sent twice", Printable(field, MaxFieldLen))}
		default:
			p = append(p, Param{Field: field, Value: value})
		}
		return true
	})
	if !ok {
		return nil, dec.Err()
	}
	if limit != nil {
		return nil, limit
	}
	return p, nil
}

func (p Params) has(field string) bool {
	for _, f := range p {
		if strings.EqualFold(f.Field, field) {
			return true
		}
	}
	return false
}

// Get returns the value of a field, compared without regard to case, and
// whether the field is present (with a non-NIL value).
func (p Params) Get(field string) (string, bool) {
	for _, f := range p {
		if strings.EqualFold(f.Field, field) && f.Value != nil {
			return *f.Value, true
		}
	}
	return "", false
}

// Encode writes the list as the ID response's argument (§3.2): NIL for a nil
// Params, else the pairs in order.
func (p Params) Encode(enc *rfc3501.Encoder) {
	if p == nil {
		enc.NIL()
		return
	}
	enc.List(len(p), func(i int) {
		enc.String(p[i].Field).SP()
		if v := p[i].Value; v != nil {
			enc.String(*v)
		} else {
			enc.NIL()
		}
	})
}

// String renders the list for a log: "NIL", or field=value pairs with every
// field and value made Printable, so that what a client sends can neither
// forge log lines nor grow them beyond about MaxPairs × 80 octets.
func (p Params) String() string {
	if p == nil {
		return "NIL"
	}
	var b strings.Builder
	for i, f := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Printable(f.Field, MaxFieldLen))
		b.WriteByte('=')
		if f.Value == nil {
			b.WriteString("NIL")
		} else {
			b.WriteString(fmt.Sprintf("%q", Printable(*f.Value, 64)))
		}
	}
	return b.String()
}

// Printable returns s with every control character, and every octet that is
// not part of valid UTF-8, replaced by U+FFFD, cut to at most max runes
// ("…" marks a cut).
func Printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteRune('…')
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
