// Package rfc3691 is the index entry of the IMAP UNSELECT command (RFC
// 3691), which adds a command without arguments and no grammar; this
// package holds no code.
//
// Status: full. Server side: server/imap/unselect.go, the "UNSELECT" row
// of the command table (selected state only, so that UNSELECT without a
// selected mailbox is BAD, §2), which announces the capability. UNSELECT
// returns to the authenticated state and expunges nothing, also after
// EXAMINE. Transcripts: conformance/testdata/rfc3691/ (§2's example).
package rfc3691
