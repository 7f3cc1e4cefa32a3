package rfc5182

import (
	"errors"
	"slices"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4731"
)

// Capability is the name CAPABILITY announces (§3).
const Capability = "SEARCHRES"

// Save is the SAVE result option (§3 search-return-opt).
const Save = "SAVE"

// CodeNotSaved is the response code of §2.5, sent by a server that refuses to
// save a result (Loft does not).
const CodeNotSaved = "NOTSAVED"

// ErrMixed is returned by CheckSet for a sequence set that has "$" beside
// other elements.
var ErrMixed = errors.New(`"$" must be the whole sequence set`)

// CheckSet reports whether set follows §3's grammar, in which "$"
// (seq-last-command) is an alternative to a whole sequence-set and never one
// element of it: "$" alone and sets without "$" are valid, "1,$" and "$,1:3"
// are not.
func CheckSet(set rfc3501.SeqSet) error {
	if set.Dollar && len(set.Ranges) > 0 {
		return ErrMixed
	}
	return nil
}

// Saved returns what a SEARCH with the result options opts (upper case, SAVE
// among them) saves of found, its matches in ascending order (§2.4): with MIN
// and/or MAX and neither ALL nor COUNT, only the messages MIN and MAX return;
// otherwise every message found.
func Saved(opts []string, found []uint32) []uint32 {
	min, max := slices.Contains(opts, rfc4731.Min), slices.Contains(opts, rfc4731.Max)
	if !min && !max || slices.Contains(opts, rfc4731.All) || slices.Contains(opts, rfc4731.Count) || len(found) == 0 {
		return slices.Clone(found)
	}
	var out []uint32
	if min {
		out = append(out, found[0])
	}
	if max && (!min || len(found) > 1) {
		out = append(out, found[len(found)-1])
	}
	return out
}
