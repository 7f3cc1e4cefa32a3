// Package rfc4959 is the index entry of the IMAP extension for SASL initial
// client response (SASL-IR, RFC 4959): an optional second argument of
// AUTHENTICATE, base64 or "=" for an empty response (§3). It holds no code.
//
// Status: full for the mechanisms Loft offers, PLAIN (RFC 4616) and LOGIN.
// Server side: server/imap/saslir.go (reading the initial response, strict
// base64 as §3 asks, "=" for empty) and AUTHENTICATE in
// server/imap/auth.go; the capability is announced with the AUTH=
// mechanisms (capAuth), before login and where they may be used. LOGIN
// takes the user name as its initial response and then asks for the
// password. Data that is not base64 is BAD, as a bad response in the
// exchange is. Transcripts: conformance/testdata/rfc4959/ (§4's examples;
// EXTERNAL is not offered and is refused with NO).
package rfc4959
