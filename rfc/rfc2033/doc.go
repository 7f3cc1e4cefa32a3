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
//   - With no accepted recipient, DATA fails with 503 (§4.2), 5.5.1: go-smtp
//     refuses it, and server/lmtp/replies.go makes its 502 the 503 the RFC
//     requires. So for every command out of sequence (RFC 5321 §4.3.2).
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
// server/lmtp runs on github.com/emersion/go-smtp v0.26, which writes some
// replies itself. server/lmtp adapts them on the way out (replies.go: 503
// for commands out of sequence, 2.1.0 and 2.1.5 for MAIL and RCPT, the
// server's name first in the LHLO reply, 500 5.5.2 for unrecognised
// commands and long lines), reads the message of DATA itself (so that a CR
// before CRLF hides no line start and a message of exactly the SIZE limit
// is accepted) and does STARTTLS itself (so that all this holds over TLS).
// What go-smtp still does that RFC 5321, which LMTP inherits, does not ask
// for:
//
//   - After a command line over the limit (answered 500 5.5.2, RFC 5321
//     §4.5.3.1.9), go-smtp closes the connection, its reader no longer
//     knowing where the next command starts; §3.8 does not list this among
//     the reasons a server may close.
//   - After its reply to the fourth command it does not recognise, go-smtp
//     closes the connection, where §3.8 asks a server to put up with
//     unknown commands. server/lmtp turns go-smtp's last line into a 421,
//     so that the close is announced as §3.8 requires of any close by the
//     server.
//
// Server side: server/lmtp. Transcripts: conformance/testdata/rfc2033/.
package rfc2033
