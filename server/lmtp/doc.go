// Package lmtp is Loft's LMTP server (RFC 2033): a mail transfer agent
// hands it messages over TCP or a Unix-domain socket, and it delivers each
// into the INBOX of every recipient's account in the store, answering once
// per recipient.
//
// It runs on github.com/emersion/go-smtp in LMTP mode, which does the
// command loop, LHLO, PIPELINING (RFC 2920), ENHANCEDSTATUSCODES
// (RFC 2034), 8BITMIME (RFC 6152), CHUNKING and STARTTLS. This package
// adds recipient lookup, quota, delivery and the status of each recipient.
//
// # Recipients
//
// RCPT TO looks the forward-path up in the directory (recipient.go): the
// whole address first, then the address without its detail ("user+detail"
// is delivered to "user" when the detail separator is "+"), then, for a
// path without "@" (only <Postmaster> gets past the parser), as a login
// name. Unknown: 550 5.1.1. Directory down: 451 4.4.3. Disabled account:
// 550 5.2.1. Already over quota: 452 4.2.2, or 552 5.2.2 with
// Config.OverQuotaPermanent. Two RCPTs that reach one account get one
// delivery and the same status.
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
// # Limits
//
// Config.MaxMessageBytes (default 50 MiB) is advertised as SIZE and
// enforced by go-smtp while the data is read: 552 5.3.4, nothing stored
// (go-smtp's DATA reader refuses a message of exactly the limit; BDAT is
// exact). Lines may be up to 1 MiB (RFC 5321
// §4.5.3.1.6 requires 1000; RFC 6152 §3 leaves the limit to the server).
// Config.MaxConnections bounds open connections; one more is answered
// 421 4.3.2 and closed. ReadTimeout is an idle timeout, renewed by every
// read, so a long transfer that keeps moving is never cut off; its
// default is 5 minutes.
//
// Replies that go-smtp writes itself differ from the RFCs in a few
// places (502 for commands out of sequence, the first LHLO line, a CR just
// before CRLF in DATA); package rfc2033 lists them.
//
// # Shutdown
//
// Shutdown stops accepting, answers 421 to connections with no transaction
// open, lets open transactions finish (their recipients get their replies),
// then closes those connections; at the deadline it closes what is left.
//
// Server errors are mapped to replies in one place, status.go.
package lmtp
