// Package rfc5032 implements the WITHIN search extension to IMAP (RFC 5032):
// the search keys OLDER and YOUNGER, whose interval in seconds is compared
// with the internal date (§2, §3 search-key =/ ( "OLDER" / "YOUNGER" ) SP
// nz-number).
//
// Status: full. The target time is the server's current time, read through
// the engine's clock (server/imap Config.Now, settable in tests), less the
// interval; the comparison is exact to the second (§2), and internal dates
// are kept to the second. Loft has no CONTEXT (RFC 5267), so §2's dynamic
// evaluation does not arise.
//
// Server side: the OLDER and YOUNGER rows of the search key table in
// server/imap/search.go, whose "SEARCH" command row announces WITHIN.
// Transcripts: conformance/testdata/rfc5032/.
package rfc5032
