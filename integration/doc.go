// Package integration drives the assembled Loft server with real clients
// from Debian's packages: Python's smtplib (LMTP) and imaplib (IMAP), curl
// (POP3, POP3S, IMAP and IMAPS), fetchmail, swaks, mbsync (isync), mutt
// driven through tmux, sieve-connect (ManageSieve), and the loft binary
// itself. The tests start the server in-process with conformance/harness,
// except those that build and run `loft serve` (serveLoft in
// loftbin_test.go).
//
// A test whose client program is missing skips, saying which package to
// install; with CI=true in the environment it fails instead, so that CI
// cannot pass without running it. scripts/test-deps installs the programs.
package integration
