// Package integration drives the assembled Loft server with real clients
// from Debian's packages: Python's smtplib (LMTP), curl (POP3 and POP3S),
// fetchmail, swaks, and the loft binary itself. The tests start the server
// in-process with conformance/harness, except the one that builds and runs
// `loft serve`.
//
// A test whose client program is missing skips, saying which package to
// install; with CI=true in the environment it fails instead, so that CI
// cannot pass without running it. scripts/test-deps installs the programs.
package integration
