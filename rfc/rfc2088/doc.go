// Package rfc2088 is the index entry of IMAP4 non-synchronizing literals:
// LITERAL+ (RFC 2088) and LITERAL- (RFC 7888, which obsoletes RFC 2088 and
// adds LITERAL-). The grammar, "{" number "+}" CRLF (RFC 7888 §8), is read
// by rfc/rfc3501's Decoder (Decoder.Literal, and DiscardLine, which skips a
// refused literal's octets and the lines it joins, RFC 7888 §3); this
// package holds no code.
//
// Status: full. Server side: server/imap/literal.go (the capability row,
// and the refusals) and conn.literal in server/imap/conn.go (the policy).
// Loft announces one of the two, never both (RFC 7888 §5): LITERAL- by
// default, LITERAL+ with limits.imap_literal_plus. LITERAL- is the default
// because Loft bounds literals (limits.max_literal_size for APPEND,
// limits.max_line_length otherwise): under LITERAL- a client sends anything
// over 4096 octets synchronizing, so an APPEND over the limit is refused
// before its octets travel (RFC 7888 §4's problem does not arise).
//
// A non-synchronizing literal gets no continuation request. One that is
// refused is read to its end and thrown away, then the command is answered
// (RFC 7888 §4's first choice; the connection stays usable): under LITERAL-
// one over 4096 octets is BAD, with [TOOBIG] in APPEND (§5); otherwise the
// limits of synchronizing literals apply, NO [TOOBIG] for an APPEND over
// max_literal_size, BAD for another command's literal over max_line_length.
// Non-synchronizing literal8 (RFC 7888 §6) comes with BINARY, which Loft
// does not announce.
//
// Transcripts: conformance/testdata/rfc2088/ (RFC 7888 §3's example, both
// capabilities, the limits).
package rfc2088
