// Package rfc4315 implements the syntax of the IMAP UIDPLUS extension (RFC
// 4315): the uid-set of §4 and the two response codes a server sends on a
// tagged OK, APPENDUID after APPEND (§3) and COPYUID after COPY and UID COPY
// (§3), with FormatUIDSet writing a set as compact ranges ("3:5,9").
//
// Status: full for a server whose UIDs are persistent. UID EXPUNGE (§2.1),
// APPENDUID and COPYUID are sent by server/imap: the "UID EXPUNGE" row of the
// command table (server/imap/expunge.go) carries the UIDPLUS capability;
// APPENDUID is in APPEND's handler (server/imap/mailbox.go), COPYUID in
// COPY's (server/imap/copy.go). Transcripts: conformance/testdata/rfc4315/.
//
// Loft's UIDs are always persistent, so every mailbox has a UIDVALIDITY,
// APPENDUID and COPYUID are always sent on success, and UIDNOTSTICKY (§3) is
// never sent. Every mailbox that can be appended or copied to can be selected
// too, so §3's case of a mailbox that must not be disclosed does not arise.
// A COPY that copies nothing (UIDs that name no message) completes with a
// plain OK, as the example of §3 does.
package rfc4315
