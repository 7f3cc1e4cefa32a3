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
//   - With no accepted recipient, DATA fails (§4.2): go-smtp refuses it,
//     with 502 where the RFC says 503 (see Deviations).
//   - The server keeps no queue: a 2xx for a recipient means the message is
//     delivered (§1, §4.2). Loft answers 250 only after the store has made
//     the message durable (DESIGN rule 6).
//   - PIPELINING and ENHANCEDSTATUSCODES must be offered, 8BITMIME should be
//     (§5): packages rfc2920, rfc2034 and rfc6152, all advertised.
//   - LMTP must not run on TCP port 25 (§5): Loft's default LMTP port is
//     2424, and a Unix-domain socket serves as well.
//
// # Deviations
//
// server/lmtp runs on github.com/emersion/go-smtp v0.26, which writes these
// replies itself, with no hook to change them; they are the library's, not
// choices of Loft:
//
//   - Commands out of sequence (MAIL before LHLO, RCPT before MAIL, DATA
//     or BDAT with no MAIL or no accepted RCPT) get 502 5.5.1, where RFC
//     5321 §4.3.2 and RFC 2033 §4.2 say 503. A second MAIL inside a
//     transaction does get 503 5.5.1: Loft's session checks that itself.
//   - MAIL and RCPT succeed with 250 2.0.0; RFC 3463 §3.2's 2.1.0 and 2.1.5
//     would say more, but 2.0.0 is a valid code for them.
//   - The first line of the LHLO reply is "250-Hello" and the client's
//     name; RFC 5321 §4.1.1.1 puts the server's Domain there.
//   - A command line over the limit gets 500 5.4.0 and the connection is
//     closed; 5.5.2 would be the code of RFC 3463 §3.6. Command lines shorter
//     than four octets, or whose verb is not followed by a space, get
//     501 5.5.2 rather than 500.
//   - In DATA, a CR directly before CRLF ("\r\r\n") keeps the reader from
//     seeing the start of the next line: a dot that begins it is not
//     removed, and a "." line after it does not end the data, so the
//     transaction fails only when the read timeout expires (451 for each
//     recipient, nothing stored). RFC 5321 §2.3.8 forbids a CR outside
//     CRLF, so conforming clients never send this.
//   - A DATA message of exactly the SIZE limit is refused as too big; one
//     octet less is accepted. BDAT is exact.
//
// Server side: server/lmtp. Transcripts: conformance/testdata/rfc2033/.
package rfc2033
