package imap

import (
	"slices"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc5182"
)

// The search result variable of SEARCHRES (RFC 5182 §2.1) and the "$"
// marker.
//
// The variable is kept in the selected mailbox as UIDs, ascending: a message
// that is expunged (and announced) is no longer in the view, so it drops out
// of "$" by itself, as §2.1 requires, and "$" names the same messages whether
// a command takes sequence numbers or UIDs (§2.1's implementation note). A
// new selected mailbox starts with it empty (§2.1: reset by SELECT and
// EXAMINE), and CLOSE ends it with the mailbox.

// setSaved sets the search result variable to the messages seqs (ascending
// sequence numbers of the view).
func (s *selected) setSaved(seqs []uint32) {
	s.saved = s.uids(seqs)
}

// clearSaved sets the search result variable to the empty sequence (RFC 5182
// §2.1: a SEARCH with SAVE that fails with NO).
func (s *selected) clearSaved() { s.saved = nil }

// inSaved reports whether the message with the given UID is in the search
// result variable.
func (s *selected) inSaved(uid uint32) bool {
	_, found := slices.BinarySearch(s.saved, uid)
	return found
}

// resolveSaved is what "$" names (RFC 5182 §2.1): the sequence numbers,
// ascending, of the saved messages still in the view. It is never a BAD
// response: an empty "$" is "a valid, but non-matching list of messages",
// even in an empty mailbox.
func (s *selected) resolveSaved() []uint32 {
	var seqs []uint32
	for _, uid := range s.saved {
		if seq := s.seqOf(uid); seq != 0 {
			seqs = append(seqs, seq)
		}
	}
	return seqs
}

// checkDollar refuses "$" beside other elements of a sequence set (RFC 5182
// §3: seq-last-command is a whole sequence-set) with a BAD response.
func checkDollar(set rfc3501.SeqSet) *response {
	if err := rfc5182.CheckSet(set); err != nil {
		return bad("%v; combine it with other messages through SEARCH OR", err)
	}
	return nil
}
