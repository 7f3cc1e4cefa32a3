// Package rfc5804 implements the grammar of ManageSieve, "A Protocol for
// Remotely Managing Sieve Scripts" (RFC 5804): decoding client commands and
// SASL responses (atoms, numbers, quoted strings, and literals in both forms,
// "{n+}" and "{n}"), encoding server responses (OK, NO and BYE with the
// response codes of §1.3, strings as quoted or literal, capability and
// LISTSCRIPTS lines), and the client's side of both for tests.
//
// Status: full for the grammar of §4. The Sieve URL scheme of §3 is not
// parsed (Loft never sends a REFERRAL; a REFERRAL argument is carried as
// text).
//
// Deliberate choices:
//   - A client literal "{n}" (literal-s2c's form, which §4 reserves for the
//     server) is accepted like "{n+}": ManageSieve has no continuation
//     request, and clients in the wild send both.
//   - A literal longer than the server's limit is read past (its octets
//     discarded) up to a second, larger limit, so that the session goes on
//     and the command gets NO (QUOTA/MAXSIZE); beyond that the server can
//     only answer BYE, because the client sends a "{n+}" literal's octets
//     without waiting.
//   - ManageSieve has no BAD response: a command that does not parse gets
//     NO, and the rest of its line is skipped.
//
// Server side: server/managesieve (connection loop, command table, one file
// per command family). Transcripts: conformance/testdata/rfc5804/.
package rfc5804
