// Package rfc2034 implements the SMTP Service Extension for Returning
// Enhanced Error Codes (RFC 2034), ENHANCEDSTATUSCODES, as LMTP uses it.
//
// Status: full. The package parses reply lines (RFC 5321 §4.2 with the
// RFC 2034 §4 status-code prefix) and checks the rule that the code agrees
// with the reply's class; the codes themselves are package rfc3463.
//
// Usage notes, from RFC 2034 §3 and §4:
//
//   - The LHLO reply advertises the keyword ENHANCEDSTATUSCODES, which has
//     no parameter (§3 items 2 and 3).
//   - Every 2xx, 4xx and 5xx reply line other than the greeting and the
//     reply to LHLO (HELO or EHLO in SMTP) begins its text with a status
//     code followed by one or more spaces (§3 item 4, §4). 3xx replies, such
//     as 354 to DATA, carry none.
//   - The code agrees with the reply: 2xx with 2.X.X, 4xx with 4.X.X, 5xx
//     with 5.X.X (§4).
//   - Each line of a multi-line reply repeats the same code (§4).
//   - A server sends the codes whether or not the client asked (§5). RFC 2033
//     §5 (see package rfc2033) makes the extension mandatory for LMTP.
//
// Server side: server/lmtp advertises the keyword and produces every reply
// through github.com/emersion/go-smtp, which prefixes each 2xx/4xx/5xx reply
// with the code the server chose (server/lmtp/status.go); the server tests
// check each reply they read with ParseReplyLine and CheckReplyLine.
// Transcripts: conformance/testdata/rfc2034/.
package rfc2034
