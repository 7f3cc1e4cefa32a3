// Package rfc3848 implements the ESMTP and LMTP Transmission Types
// Registration (RFC 3848): the "with" values of a Received header field
// that say a message came over LMTP, over TLS, or from an authenticated
// client. With them it formats the trace fields that RFC 5321 §4.4 asks a
// server to add on delivery: the Received (time-stamp) line and the
// Return-Path line, with the RFC 5321 §4.1.2 path syntax they need.
//
// Status: full. The text of RFC 3848 is not in shared/rfc; MISSING.md
// there summarises it. The registered values are ESMTPA, ESMTPS, ESMTPSA,
// LMTP, LMTPA, LMTPS and LMTPSA.
//
// Deliberate choices, all within RFC 5321 §4.4's grammar:
//
//   - The FROM clause names the client by its LHLO argument when that is a
//     syntactically valid Domain, and adds the TCP-info address literal of
//     the peer when the connection has an IP address. A client that gave no
//     valid name is named by its address literal; a Unix-socket client with
//     no valid name is "localhost", which is where it is.
//   - No reverse DNS is done: TCP-info is the address literal alone.
//   - The date is local time with a numeric offset, as §4.4 recommends.
//   - The field is folded at spaces between clauses so that no line is
//     longer than 78 characters where that is possible (RFC 5322 §2.1.1).
//
// Server side: server/lmtp/deliver.go adds Return-Path and Received to each
// delivered copy. Transcripts: conformance/testdata/rfc3848/.
package rfc3848
