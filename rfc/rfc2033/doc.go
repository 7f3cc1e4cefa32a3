// Package rfc2033 implements the rules of the Local Mail Transfer
// Protocol (RFC 2033), LMTP, that differ from SMTP: the LHLO greeting, and
// one reply per accepted recipient after the message data.
//
// Status: full. The text of RFC 2033 is not in shared/rfc; MISSING.md
// there summarises it, and section numbers here follow the RFC.
//
// What LMTP changes in SMTP, and where Loft does it:
//
//   - The client greets with LHLO; HELO and EHLO are refused (§4.1).
//     github.com/emersion/go-smtp in LMTP mode answers them with 500 5.5.1.
//   - After the final "." of DATA (§4.2), or after BDAT LAST with CHUNKING
//     (§4.3), the server sends one reply for each RCPT that it accepted, in
//     the order of those RCPTs, even when two of them name the same
//     recipient; each reply stands alone, so one recipient can fail while
//     another succeeds. Transaction models that bookkeeping for clients;
//     server/lmtp/session.go produces the replies through go-smtp's
//     LMTPData and StatusCollector.
//   - With no accepted recipient, DATA fails (§4.2). go-smtp answers
//     502 5.5.1 where the RFC says 503: a deviation of the library, kept
//     because its DATA handling is not replaceable from outside.
//   - The server keeps no queue: a 2xx for a recipient means the message is
//     delivered (§1, §4.2). Loft answers 250 only after the store has made
//     the message durable (DESIGN rule 6).
//   - PIPELINING and ENHANCEDSTATUSCODES must be offered, 8BITMIME should be
//     (§5): packages rfc2920, rfc2034 and rfc6152, all advertised.
//   - LMTP must not run on TCP port 25 (§5): Loft's default LMTP port is
//     2424, and a Unix-domain socket serves as well.
//
// Server side: server/lmtp. Transcripts: conformance/testdata/rfc2033/.
package rfc2033
