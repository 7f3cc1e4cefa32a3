// Package rfc2920 implements the rules of the SMTP Service Extension for
// Command Pipelining (RFC 2920), PIPELINING, as LMTP uses it: which
// commands may be followed by more commands in one group (§3.1).
//
// Status: full. RFC 2033 §5 (see package rfc2033) requires every LMTP
// server to support pipelining.
//
// What the server must do (RFC 2920 §3.2) and where Loft does it:
//
//   - Answer commands in the order received (§3.2 (1)) and never lose
//     buffered input (§3.2 (9)): github.com/emersion/go-smtp reads one
//     command at a time from a buffered reader and answers each before
//     reading the next.
//   - Answer DATA positively only if a recipient was accepted (§3.2 (3)):
//     go-smtp refuses DATA with no accepted RCPT.
//   - Send pending replies when the input buffer empties (§3.2 (7)) and
//     never buffer replies to LHLO, DATA, QUIT, NOOP or unknown commands
//     (§3.2 (5), (6)): go-smtp flushes every reply as it is written, which
//     satisfies both; it does not use the permission of §3.2 (2) to batch
//     MAIL and RCPT replies.
//
// Server side: server/lmtp (server.go sets up go-smtp; lmtp_test.go sends
// whole transactions in one write). Transcripts:
// conformance/testdata/rfc2920/.
package rfc2920
