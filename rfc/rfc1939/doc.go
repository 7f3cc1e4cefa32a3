// Package rfc1939 implements the syntax of the Post Office Protocol - Version 3
// (RFC 1939): command lines, single-line and multi-line responses with
// byte-stuffing, message numbers, the TOP header/body split and UIDL unique-ids.
//
// Status: full, except APOP (§7), which Loft does not offer because it needs the
// shared secret in plain text and Loft's directory stores only password hashes.
// The RFC 2449 extension mechanism (CAPA, response codes, 255-octet commands) is
// in package rfc2449, AUTH (RFC 1734, RFC 5034) in rfc1734, STLS (RFC 2595) in
// rfc2595.
//
// Server side: server/pop3 (conn.go reads command lines, commands.go is the
// command table, auth.go holds USER, PASS and APOP, transaction.go holds STAT,
// LIST, RETR, DELE, NOOP, RSET, TOP, UIDL and QUIT with the UPDATE state).
// Tests: server/pop3/session_test.go, concurrency_test.go. Transcripts:
// conformance/testdata/rfc1939/.
//
// # Deliberate deviations and choices
//
//   - Command lines (§3) may end in a bare LF as well as CRLF. Parameters may
//     contain octets above 0x7E (user names and passwords in UTF-8); control
//     octets are refused. The 40-character limit on arguments of §3 is replaced by
//     the line-length limit of RFC 2449 §4.
//   - PASS (§7) takes the rest of the line as its argument, spaces included, as
//     §7 permits.
//   - Byte-stuffing (§3) is applied at the start of every line of a message,
//     where a line starts after any LF, bare or preceded by CR. A stored message
//     should use CRLF throughout; when it does not, a client that splits lines on
//     LF and one that splits on CRLF both still find the terminating "." only at
//     the end. A message is sent exactly as stored; when its last octets are not
//     CRLF, a CRLF is added before the terminating line so that the terminator
//     stands on a line of its own. The size that LIST and STAT report (§11) is the
//     stored size, which is the size sent for every message that ends in CRLF.
//   - TOP (§7) counts lines up to each LF, so that a message with bare-LF line
//     ends is split at its first empty line too.
//
// # Unique-ids
//
// UIDL (§7) requires a unique-id of 1 to 70 characters in 0x21-0x7E that never
// changes for a message and is never reused in a maildrop. Loft derives it from
// the IMAP identity of the message: the decimal UIDVALIDITY of the mailbox, a
// ".", and the decimal UID, for example "1700000000.42". The store never reuses a
// UID within a UIDVALIDITY and gives a re-created mailbox a larger UIDVALIDITY,
// so the unique-id is stable across sessions and across every server that shares
// the store, and is never reused. Two copies of one message have different
// unique-ids.
//
// # Two sessions on one maildrop
//
// §4 expects a server to take an exclusive lock on the maildrop at login, and
// RFC 2449 §8.1.2 gives IN-USE for when it cannot. Loft's store takes no locks,
// so Loft never answers IN-USE and lets any number of sessions open one
// maildrop. Each session numbers the messages of the snapshot taken when it
// entered the TRANSACTION state: messages delivered later are not in it, and
// messages that another session removes stay numbered. DELE only marks a message
// of the session; at QUIT the UPDATE state (§6) removes the marked messages in
// one durable store operation and answers +OK only after it. So, with two
// sessions A and B on one maildrop:
//
//   - B's deletions become visible to A only in A's next session.
//   - A RETR or TOP by A of a message that B has already removed answers
//     "-ERR no such message: it was deleted by another session" (no response
//     code: it is not a system error). The store frees a message's octets when
//     the expunge returns, so this holds from B's "+OK" to QUIT on. LIST, STAT
//     and UIDL of A still show the message, because they describe A's snapshot.
//     A DELE of such a message succeeds: the message is gone either way.
//   - When both sessions delete messages and quit, the union of their deletions is
//     removed; removing a message the other session already removed is not an
//     error.
//   - A message is only ever removed because a session that had it in its
//     snapshot marked it with DELE and then quit. A session that ends without QUIT
//     removes nothing (§6). So no message is lost: in particular a message
//     delivered while a session is open is never touched by that session.
package rfc1939
