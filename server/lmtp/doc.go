// Package lmtp is Loft's LMTP server (RFC 2033): a mail transfer agent
// hands it messages over TCP or a Unix-domain socket, and it delivers each
// into the INBOX of every recipient's account in the store, answering once
// per recipient.
//
// It runs on github.com/emersion/go-smtp v0.26 in LMTP mode, which does
// the command loop, LHLO, PIPELINING (RFC 2920), ENHANCEDSTATUSCODES
// (RFC 2034), 8BITMIME (RFC 6152) and CHUNKING (RFC 3030). This package
// adds recipient lookup, quota, delivery and the status of each recipient,
// and an adapter under go-smtp for what go-smtp gets wrong (below).
//
// # Recipients
//
// RCPT TO looks the forward-path up in the directory (recipient.go): the
// whole address first, then the address without its detail ("user+detail"
// is delivered to "user" when the detail separator is "+"). Mail for
// postmaster, which RFC 5321 §4.5.1 requires every server to accept
// (<Postmaster>, and the local part "postmaster" in any case at any
// domain), that no account owns by address goes to the account
// Config.Postmaster names; operators must create it, and until they do
// such mail is refused as unknown and a warning is logged. Unknown: 550
// 5.1.1. Directory down: 451 4.4.3. Disabled account: 550 5.2.1. Already
// over quota: 452 4.2.2, or 552 5.2.2 with Config.OverQuotaPermanent. Two
// RCPTs that reach one account get one delivery and the same status.
//
// # Delivery
//
// After the data, each account gets its own copy (deliver.go): a
// Return-Path line and a Received line (RFC 5321 §4.4, with the RFC 3848
// type LMTP, or LMTPS over TLS, and "for" naming that copy's recipient),
// then the octets the client sent, after dot-unstuffing, with each bare LF
// turned into CRLF. A CR that is not followed by LF is kept as it is: it is
// a single octet of content, which the store keeps exactly, and guessing
// what a client meant by it would change the message. With one account the
// message streams into the store; with several it is spooled once (in
// memory up to 1 MiB, then in a temporary file that is unlinked at once)
// and appended from the spool to each. Quota (messages and octets) is
// checked against the account's usage with the exact size of that copy.
// A recipient gets 250 2.0.0 only after the store's Append has returned,
// when the message is durable (DESIGN rule 6); a recipient that fails does
// not fail the others.
//
// # Sieve
//
// With Config.Filter set (server.New sets the Sieve engine, server/sieve,
// unless sieve.enabled is false), each account's copy is handed to the
// Filter after the data instead of being appended to INBOX (filter.go):
// the message is then always spooled, since a script needs all of it
// before it decides, and the Filter stores the copies where the scripts
// say, durable before it returns. Its outcome is the account's reply: 250
// when delivered (or discarded, or redirected); 550 5.7.1 with the
// script's reason when a reject or ereject refused the message (RFC 5429
// §2.1.1, §2.5: LMTP refuses per recipient, so the other recipients are
// not affected); over quota and store failures as above.
//
// # The message data
//
// The message of DATA is read by this package, not by go-smtp (dotreader.go):
// the data is lines ended by CRLF up to a line that is a single ".", and a
// "." that begins any other line is removed (RFC 5321 §4.5.2). A line
// starts after every CRLF, also one that follows a bare CR: in "a" CR CR LF
// "." CR LF the data ends. BDAT chunks (RFC 3030) are read by go-smtp, as
// they are.
//
// # Limits
//
// Config.MaxMessageBytes (default 50 MiB) is advertised as SIZE (RFC
// 1870) and is exact: a message of that many octets is accepted, one of
// one octet more is refused with 552 5.3.4 and nothing is stored. The
// octets counted are those RFC 1870 defines as the message size: for DATA,
// the message after dot-unstuffing, with the CRLF of every line and
// without the final "." line; for BDAT, the sum of the chunk sizes. The
// Return-Path and Received fields Loft adds, and the CR it puts before a
// bare LF, are not counted. A MAIL whose SIZE= is over the limit is
// refused at once, 552 5.3.4 (go-smtp); a BDAT chunk that would take the
// message over it is refused with its reply (go-smtp); DATA is refused
// after its final ".", one reply per recipient (RFC 2033 §4.2).
//
// A command line may be Config.MaxLineLength octets with its CRLF (default
// 8192; RFC 5321 §4.5.3.1.4 requires 512). The connection hands go-smtp a
// command line only once it has the whole line, so it buffers no more than
// that of a line; a longer one is answered 500 5.5.2 before go-smtp sees
// any of it, and the connection is closed (where the next command starts
// is lost). Closing, the server first shuts its output and drops what the
// client still sends for a moment, so that the reply is not lost to a
// connection reset. A line of message data may be 1 MiB with its line end
// (RFC 5321 §4.5.3.1.6 requires 1000; RFC 6152 §3 leaves the limit to the
// server): the data is streamed, never held a line at a time, so this
// limit costs no memory. In the data, each LF ends a line as it is stored;
// a longer line fails the message for every recipient, 500 5.5.2, and the
// session goes on. BDAT chunks are octets, not lines (RFC 3030 §2): no
// line limit applies to them.
//
// Config.MaxConnections bounds open connections; one more is answered
// 421 4.3.2 and closed. Config.MaxConnectionsPerIP bounds those of one
// client IP address (Unix-domain connections are not counted); one more
// is answered 421 4.7.0 and closed. LMTP has no login, so there is no
// login timeout; ReadTimeout is an idle timeout, renewed by every
// read, so a long transfer that keeps moving is never cut off; its
// default is 5 minutes.
//
// # The adapter under go-smtp
//
// go-smtp writes some replies itself that the RFCs do not allow, and
// offers no option or interface to change them. go-smtp therefore runs on
// a connection of this package (conn.go) that:
//
//   - rewrites go-smtp's replies line by line from a table keyed on the
//     exact lines go-smtp v0.26 writes, each rule citing its RFC
//     (replies.go): 503, not 502, for commands out of sequence (RFC 5321
//     §4.3.2, RFC 2033 §4.2); 2.1.0 and 2.1.5 for MAIL and RCPT (RFC 3463
//     §3.2); the server's name first in the LHLO reply (RFC 5321
//     §4.1.1.1); 500 5.5.2 for unrecognised commands and long lines (RFC
//     5321 §4.2.4, RFC 3463 §3.6). Every other line passes octet for
//     octet, and a line is held back only while its start could still
//     match a rule, never past its CRLF;
//   - hands go-smtp its input one whole line at a time, so that go-smtp
//     holds no input beyond the command it answers, and refuses a line
//     over the limit before go-smtp sees it (go-smtp's own limit lets a
//     long line, cut at the limit, run as a command);
//   - reads the message of DATA itself after go-smtp's 354, and gives
//     go-smtp an empty message in its place;
//   - does STARTTLS itself (RFC 3207; go-smtp is given no TLS
//     configuration), so that it sees the plaintext over TLS too. After the
//     handshake the session goes on on a new go-smtp connection, which has
//     no state, as RFC 3207 §4.2 requires; input that came with the
//     STARTTLS line is discarded and logged.
//
// What remains of go-smtp's own behaviour that the RFCs do not ask for is
// listed in package rfc2033's doc.
//
// # Shutdown
//
// Shutdown stops accepting, answers "421 4.3.2 <hostname> shutting down"
// (RFC 5321 §3.8; RFC 3463 §3.4 X.3.2) to connections with no transaction
// open, lets open transactions finish (their recipients get their replies),
// then closes those connections with the same 421; at the deadline it
// closes what is left. go-smtp answers the drained read as an idle timeout
// (421 4.4.2); the adapter turns that into the shutdown's reply.
//
// Server errors are mapped to replies in one place, status.go.
package lmtp
