// Package rfc6152 implements the SMTP Service Extension for 8-bit MIME
// Transport (RFC 6152), 8BITMIME, as LMTP uses it: the keyword, the BODY
// parameter of MAIL (§2 item 4) and a check for octets above 127.
//
// Status: full. RFC 2033 §5 (see package rfc2033) says an LMTP server
// should support 8BITMIME; Loft does.
//
// Behaviour, and where it lives:
//
//   - The LHLO reply advertises 8BITMIME with no parameter (§2 items 2, 3).
//   - MAIL accepts BODY=7BIT and BODY=8BITMIME, case-insensitively, at most
//     once (§2 item 4, §3); any other value is refused with 501 5.5.4 (by
//     github.com/emersion/go-smtp; server/lmtp/session.go checks the value
//     again with ParseBody). BODY=BINARYMIME belongs to RFC 3030, which Loft
//     does not offer: 504 5.5.4.
//   - All bits of every octet are kept (§3): the store receives the
//     octets as sent, after dot-unstuffing. A message sent as BODY=7BIT (or
//     without BODY) that still holds 8-bit octets is stored as sent too,
//     and server/lmtp logs it; refusing it would lose mail for no gain.
//   - Lines remain subject to the server's line-length limit (§3); Loft's
//     is documented in server/lmtp.
//
// Server side: server/lmtp. Transcripts: conformance/testdata/rfc6152/.
package rfc6152
