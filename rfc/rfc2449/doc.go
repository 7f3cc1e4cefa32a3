// Package rfc2449 implements the POP3 Extension Mechanism (RFC 2449): the CAPA
// response, capability tags and their syntax, the extended response codes of §8
// (IN-USE, LOGIN-DELAY), and the command and response length limits of §4. It
// also holds the SYS/TEMP, SYS/PERM and AUTH response codes and the
// AUTH-RESP-CODE capability of RFC 3206 (The SYS and AUTH POP Response Codes),
// which only add entries to the registries this RFC creates.
//
// Status: full. Loft announces TOP, USER (only where plaintext authentication is
// allowed on the connection), SASL, RESP-CODES, AUTH-RESP-CODE, PIPELINING, UIDL,
// IMPLEMENTATION and STLS (RFC 2595). It does not announce LOGIN-DELAY (§6.5:
// Loft enforces no delay between logins) nor EXPIRE (§6.7: whether messages
// expire is site policy set with "loft adm", which the POP3 engine does not
// know), and never answers IN-USE, because it takes no maildrop lock (see
// package rfc1939).
//
// Server side: server/pop3/commands.go (the command table, from which CAPA is
// built) and server/pop3/errors.go (the one function that maps store and
// directory errors to response codes). Transcripts: conformance/testdata/rfc2449/.
package rfc2449
