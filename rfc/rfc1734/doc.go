// Package rfc1734 implements the syntax of the POP3 AUTHentication command
// (RFC 1734, POP3 AUTHentication command), as updated by RFC 5034 (The Post
// Office Protocol (POP3) Simple Authentication and Security Layer (SASL)
// Authentication Mechanism): the AUTH command's arguments including the
// optional initial response, the "+ " server challenge, client responses in
// base64, and the "*" that cancels an exchange.
//
// Status: full for the syntax. Where RFC 5034 changed RFC 1734, RFC 5034's rules
// are implemented: the initial response as a second argument of AUTH, "=" for an
// empty initial response, and a challenge line of "+" SP base64 (an empty
// challenge is "+ "). No security layer is ever negotiated: Loft's mechanisms
// (PLAIN and LOGIN) have none, and TLS provides confidentiality.
//
// "AUTH" without arguments, answered with the list of mechanisms as a
// multi-line response, is not in either RFC; it predates the CAPA command and
// clients still send it, so Loft answers it (RFC 2449's SASL capability lists the
// same mechanisms).
//
// Server side: server/pop3/auth.go (the AUTH command and the SASL exchange, with
// go-sasl's PLAIN server and Loft's own LOGIN server). Transcripts:
// conformance/testdata/rfc1734/.
package rfc1734
