// Package rfc6154 implements the IMAP LIST Extension for Special-Use
// Mailboxes (RFC 6154): the special-use attributes of §2, the SPECIAL-USE
// selection and return options of LIST-EXTENDED (§2), CREATE's USE
// parameter (§3, §6) and the USEATTR response code.
//
// Status: full. The attributes are kept per mailbox by the store (store/
// FORMAT.md, "Special use"): a RENAME keeps them, a DELETE removes them.
// Every LIST, extended or not, sends them (§2 allows it; the return option
// asks for what is sent anyway); (SPECIAL-USE) lists only mailboxes that
// have one. CREATE-SPECIAL-USE accepts \Archive, \Drafts, \Junk, \Sent and
// \Trash, on any number of mailboxes (§3 allows several mailboxes with one
// use); \All and \Flagged describe virtual mailboxes, which Loft does not
// have, so CREATE with them, or with an attribute not in §2, is refused
// with NO [USEATTR] and creates nothing (§3, §5.3). New accounts get Drafts,
// Sent, Trash, Junk and Archive with their attributes, named in the
// configuration's [mailboxes] table (server/config.go); `loft adm mailbox
// special-use` changes a mailbox's attributes. METADATA (§4) is not
// implemented, so they cannot be changed over IMAP, and §5.4's example has
// no transcript.
//
// Server side: server/imap/list.go (the options in the LIST tables),
// server/imap/mailbox.go (CREATE). Transcripts:
// conformance/testdata/rfc6154/.
package rfc6154
