// Package rfc6851 is the index entry of the IMAP MOVE extension (RFC 6851):
// MOVE and UID MOVE, whose arguments are COPY's (§5); it holds no code.
//
// Status: full. Server side: server/imap/move.go, the "MOVE" row (which
// announces the capability) and the "UID MOVE" row of the command table;
// the arguments are decoded and checked as COPY's are (copyArgs in
// server/imap/copy.go: TRYCREATE, EXPUNGEISSUED). The answer is an untagged
// OK with COPYUID (RFC 4315; §4.3's advice), then the EXPUNGE responses,
// then the tagged OK, as in §3.3's example. The store moves the messages one
// at a time, each by copying it and then expunging it (store.Mailbox.MoveTo);
// store/FORMAT.md "Move" says what other sessions can see at each step and
// after a crash: never a message in neither mailbox (§3.3's MUST), and in
// both only for one message at a time while a MOVE runs, or after a crash
// during one until `loft adm check --repair` completes it. \Deleted is never set and no
// FETCH is sent for it (§3.3). A message expunged or moved by another
// session during the MOVE is not moved by it; the others are, and the
// command ends NO [EXPUNGEISSUED]. QUOTA (§4.1): MOVE checks no quota. ACL
// (§4.2) and QRESYNC (§4.4) are not offered.
//
// Transcripts: conformance/testdata/rfc6851/ (§3.3's example).
package rfc6851
