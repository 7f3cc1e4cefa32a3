// Package rfc4731 implements the IMAP4 extension to SEARCH for controlling
// what kind of information is returned (RFC 4731, ESEARCH): the result
// options MIN, MAX, ALL and COUNT of §3.1 in RFC 4466's search-return-opts
// syntax, and the untagged ESEARCH response (RFC 4466 §2.6.2) that answers
// them, with ALL's sequence-set written as compact ranges.
//
// Status: full. SEARCH and UID SEARCH with RETURN (…) answer with one
// ESEARCH response carrying the command's tag (TAG "…") and, for UID
// SEARCH, the UID indicator (§3.1); RETURN () means RETURN (ALL). An option
// named twice counts once; an option Loft does not know is a BAD response.
// §3.2 (MODSEQ) applies with CONDSTORE, which Loft does not offer.
//
// Server side: server/imap/search.go (the "SEARCH" row of the command table
// announces ESEARCH; the result options are a table there, which RFC 5182's
// SAVE joins). Transcripts: conformance/testdata/rfc4731/.
package rfc4731
