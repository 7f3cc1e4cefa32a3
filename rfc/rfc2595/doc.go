// Package rfc2595 holds the POP3 part of Using TLS with IMAP, POP3 and ACAP
// (RFC 2595): the STLS command (§4), its STLS capability, and the rules a
// server follows around it. The IMAP part (§3, STARTTLS and LOGINDISABLED) is
// used by server/imap; ACAP (§5) is outside Loft. The PLAIN mechanism of §6
// is now RFC 4616 and comes from go-sasl.
//
// Status: full for POP3. What STLS requires of a server, and how Loft meets it:
//
//   - STLS takes no arguments and is valid only in the AUTHORIZATION state
//     (§4); the session stays in that state after the handshake.
//   - STLS while TLS is active (after an earlier STLS, or on an implicit-TLS
//     connection, RFC 8314 §3.1) answers "-ERR Command not permitted when TLS
//     active" (§4's example).
//   - The handshake begins right after the CRLF of the +OK (§4). The client must
//     not send anything after STLS before the handshake (§4), so any octets that
//     arrived after the STLS line were sent in the clear by someone, perhaps an
//     attacker injecting commands to be run as if they came over TLS: the server
//     discards them before the handshake.
//   - After TLS, clients must forget the capabilities they saw before (§4, §9),
//     and the server may announce different ones: Loft removes STLS and adds
//     USER and the SASL mechanisms that send passwords (PLAIN, LOGIN), which it
//     announces without TLS only where configured to allow plaintext
//     authentication (§2.3: servers must be configurable to refuse clear-text
//     logins without an encryption layer; §9: PLAIN must not be advertised
//     without TLS unless backwards compatibility dictates).
//   - Implicit TLS (RFC 8314 §3.1, the pop3s service of §7) runs the same session
//     inside TLS from the first octet; the connection is closed with a TLS
//     close alert (RFC 8314 §3.4).
//
// Server side: server/pop3/auth.go (stls) and server/pop3/conn.go (switching the
// connection to TLS). Transcripts: conformance/testdata/rfc2595/.
package rfc2595
