// Package rfc5161 is the index entry of the IMAP ENABLE extension (RFC
// 5161). Its grammar, "ENABLE" 1*(SP capability) and the ENABLED response
// (§4), is atoms only; this package holds no code.
//
// Status: full. Server side: server/imap/enable.go: the "ENABLE" row of the
// command table (valid after authentication, §3.1; announced then), the
// connection's set of enabled extensions (conn.enabled), and the table of
// extensions that ENABLE can enable (Server.enableable), into which the
// extensions that need ENABLE (CONDSTORE, QRESYNC, UTF8=ACCEPT) add their
// rows; each then tests c.enabled in its branch of the base handlers. Loft
// offers none of them yet, so every name is ignored as §3.1 requires and
// ENABLED is empty (§3.2 allows it). Each ENABLED lists only what its own
// command enabled (§3.1 SHOULD); CAPABILITY never changes (§3.1).
//
// Transcripts: conformance/testdata/rfc5161/ (§3.1's examples).
package rfc5161
