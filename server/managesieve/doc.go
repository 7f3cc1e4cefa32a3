// Package managesieve is Loft's ManageSieve server (RFC 5804): users upload,
// list, download, check, activate, rename and delete their Sieve scripts,
// which the store keeps per account (store.Account's Sieve methods) and the
// Sieve engine runs at delivery.
//
// One connection loop (conn.go) reads commands with rfc/rfc5804's decoder and
// runs them through one command table (commands.go), which gives each
// command's states and arguments; handlers live in one file per family:
// auth.go (AUTHENTICATE with PLAIN, LOGIN, SCRAM-SHA-1 and SCRAM-SHA-256,
// STARTTLS, UNAUTHENTICATE), scripts.go (HAVESPACE, PUTSCRIPT, CHECKSCRIPT, LISTSCRIPTS, SETACTIVE,
// GETSCRIPT, DELETESCRIPT, RENAMESCRIPT). errors.go maps store and directory
// errors to NO responses and their codes in one function.
//
// Scripts are checked by a Checker, a narrow interface that the Sieve engine
// satisfies; quotas on the size and number of scripts are the server's
// (QUOTA/MAXSIZE, QUOTA/MAXSCRIPTS). Passwords are refused without TLS unless
// the configuration allows them (ENCRYPT-NEEDED), as IMAP and POP3 do.
//
// Transcripts: conformance/testdata/rfc5804/.
package managesieve
