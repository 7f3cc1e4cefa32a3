// Package rfc2177 is the index entry of the IMAP4 IDLE command (RFC 2177).
// IDLE adds a command and no grammar beyond "IDLE" CRLF "DONE" (§4), so this
// package holds no code.
//
// Status: full. Server side: server/imap/idle.go, the "IDLE" row of the
// command table (authenticated and selected states, §4), which announces
// the capability. While a client idles in the selected state, EXISTS (with
// RECENT), EXPUNGE and FETCH FLAGS are sent as the changes happen, whichever
// session, process or server made them (store.Mailbox.Watch: inotify, and a
// re-scan that finds other NFS clients' changes); changes pending when IDLE
// starts come before "+ idling", as in §3's example. "DONE" is accepted in
// any case (ABNF strings are case-insensitive); any other line ends IDLE
// with a tagged BAD and the session goes on. The autologout timer of RFC
// 3501 §5.4 (limits.imap_idle_timeout, at least 30 minutes) keeps running
// while the client idles, as §3 allows: a client that re-issues IDLE within
// it, as §3 advises, is never logged out. Shutdown and the deletion of the
// selected mailbox end IDLE with "* BYE".
//
// Transcripts: conformance/testdata/rfc2177/ (§3's example, driven by LMTP
// deliveries and a second session). Tests: server/imap/idle_test.go (another
// server on the same store), integration/idle_test.go (Python's imaplib
// against the loft binary, with delivery by a second loft process), and
// server/imap/idlemem_test.go (memory per idling session).
package rfc2177
