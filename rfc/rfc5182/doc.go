// Package rfc5182 implements the IMAP extension for referencing the last
// SEARCH result (RFC 5182, SEARCHRES): the SAVE result option, the "$"
// marker (seq-last-command) that stands for the saved result wherever a
// sequence-set is accepted, and which messages a SAVE keeps when it is
// combined with RFC 4731's MIN, MAX, ALL and COUNT (§2.4).
//
// Status: full. The search result variable is kept per session as UIDs
// (server/imap/searchres.go), so a message that is expunged drops out of it
// by itself (§2.1) and "$" means the same messages in FETCH, STORE, COPY,
// MOVE, SEARCH, UID EXPUNGE and every UID form (§2.1's implementation
// note); it
// lives with the selected mailbox, so SELECT, EXAMINE and CLOSE reset it to
// the empty sequence (§2.1), and so does deselection by any other means. A
// SEARCH with SAVE that fails with NO empties it; one that fails with BAD
// leaves it alone (§2.1). "$" naming no message is a valid set that matches
// nothing: FETCH $ answers OK with no data, even in an empty mailbox (§2.1,
// Example 6). "$" may only stand alone as the whole sequence-set (§3
// sequence-set =/ seq-last-command): "1,$" is a BAD response, and SEARCH
// combines it with other sets through OR (Example 4). Commands run in the
// order received (§2.3), so pipelined commands see the result of every SAVE
// before them. Loft never refuses to save, so NOTSAVED (§2.5) is not sent; a
// UIDVALIDITY never changes under an open session, so §2.1's reset for it
// does not arise.
//
// Server side: server/imap/searchres.go ("$" resolution, the one function
// every handler that takes a sequence set calls through
// selected.resolve), server/imap/search.go (SAVE). Transcripts:
// conformance/testdata/rfc5182/.
package rfc5182
