package rfc4731

import (
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Capability is the name CAPABILITY announces (§4).
const Capability = "ESEARCH"

// The result options of §3.1 (search-return-opt), in upper case.
const (
	Min   = "MIN"
	Max   = "MAX"
	All   = "ALL"
	Count = "COUNT"
)

// ReadReturnOpts reads what follows the keyword RETURN of an extended SEARCH
// (RFC 4466 §2.6.1 search-return-opts): SP "(" [search-return-opt *(SP
// search-return-opt)] ")". It returns the option names in upper case, in the
// order given, possibly none (RETURN (), which §3.1 makes RETURN (ALL)).
// Every option defined so far (§3.1; RFC 5182's SAVE) is a bare
// search-modifier-name, so each element is read as an atom: the caller
// refuses the names it does not know, which include the parameters of an
// option it does not know. The error is the decoder's.
func ReadReturnOpts(dec *rfc3501.Decoder, opts *[]string) bool {
	var names []string
	if !dec.SP() {
		return false
	}
	ok := dec.List(func() bool {
		var name string
		if !dec.Atom(&name) {
			return false
		}
		names = append(names, strings.ToUpper(name))
		return true
	})
	if ok {
		*opts = names
	}
	return ok
}

// Result is the data of one ESEARCH response (RFC 4466 §2.6.2
// esearch-response, RFC 4731 §3.1 search-return-data). Tag is the command's
// tag (the search correlator); UID marks numbers that are UIDs. Found are
// the numbers that matched, ascending. Options says which of MIN, MAX, ALL
// and COUNT to return; the others are left out.
type Result struct {
	Tag     string
	UID     bool
	Found   []uint32
	Options []string
}

// has reports whether the option name was requested.
func (r *Result) has(name string) bool {
	for _, o := range r.Options {
		if o == name {
			return true
		}
	}
	return false
}

// Encode writes the ESEARCH response, "* ESEARCH" up to and including its
// CRLF. The return data come in the order MIN, MAX, ALL, COUNT (the order of
// RFC 5182 §2.4's examples), ALL as a sequence-set with each run of
// consecutive numbers joined into a range ("2,10:11", §3.1). MIN, MAX and ALL
// are left out when nothing was found; COUNT is always there when requested
// (§3.1).
func (r *Result) Encode(enc *rfc3501.Encoder) {
	enc.Untagged().Atom("ESEARCH")
	if r.Tag != "" {
		enc.SP().Atom("(TAG").SP().String(r.Tag).Atom(")")
	}
	if r.UID {
		enc.SP().Atom("UID")
	}
	if n := len(r.Found); n > 0 {
		if r.has(Min) {
			enc.SP().Atom(Min).SP().Number(r.Found[0])
		}
		if r.has(Max) {
			enc.SP().Atom(Max).SP().Number(r.Found[n-1])
		}
		if r.has(All) {
			enc.SP().Atom(All).SP().Atom(rfc3501.SeqSetOf(r.Found...).String())
		}
	}
	if r.has(Count) {
		enc.SP().Atom(Count).SP().Number(uint32(len(r.Found)))
	}
	enc.CRLF()
}
