// Package rfc3463 implements the Enhanced Mail System Status Codes of
// RFC 3463: the status-code syntax (§2), its three sub-codes, and named
// values for the codes Loft's LMTP server sends (§3).
//
// Status: full for the syntax; the named constants cover the codes Loft
// uses, any other code is still representable as a Code.
//
// RFC 2034 (package rfc2034) carries these codes in SMTP and LMTP replies.
// Server side: server/lmtp maps store and directory outcomes to codes in
// one place (server/lmtp/status.go). Transcripts:
// conformance/testdata/rfc3463/.
package rfc3463
