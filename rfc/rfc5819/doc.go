// Package rfc5819 implements the IMAP4 Extension for Returning STATUS
// Information in Extended LIST (RFC 5819, LIST-STATUS): the STATUS return
// option of LIST-EXTENDED and its item list (§2, §4).
//
// Status: full. For each name a LIST returns that is a selectable mailbox
// and meets the selection criteria, the STATUS response follows its LIST
// response at once (§2). A name returned only for CHILDINFO, a \Noselect
// level and a \NonExistent name get no STATUS response. The STATUS is
// computed before the LIST response is written, so that a mailbox deleted
// in between is listed \Noselect without STATUS, as §2
// requires; another failure to read it drops the STATUS response and the
// LIST still completes with OK (§2 allows it). The items are those of the
// STATUS command (server/imap/mailbox.go's table); an unknown item is BAD.
//
// Server side: server/imap/list.go. Transcripts:
// conformance/testdata/rfc5819/.
package rfc5819
