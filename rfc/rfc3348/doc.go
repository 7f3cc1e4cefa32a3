// Package rfc3348 is the index entry of the IMAP4 Child Mailbox Extension
// (RFC 3348, CHILDREN): the LIST attributes \HasChildren and \HasNoChildren
// (§3), which RFC 5258 §4 folds into LIST-EXTENDED as the CHILDREN return
// option.
//
// Status: full. Every LIST response, extended or not, carries exactly one
// of \HasChildren and \HasNoChildren (§3: never both), computed from the
// account's hierarchy at the time of the command; a level that is not a
// mailbox but has children (\Noselect, or \NonExistent in an extended LIST)
// has \HasChildren. Every name may have children, so \Noinferiors is never
// sent (and never with \HasChildren, §3). The CHILDREN capability is
// announced (§3). LSUB responses carry no child attributes: they describe
// subscriptions, which need not follow the hierarchy (§3).
//
// Server side: server/imap/list.go. Transcripts:
// conformance/testdata/rfc3348/ and the LIST transcripts of
// conformance/testdata/rfc3501/.
package rfc3348

// Capability is the capability name of the extension (§3).
const Capability = "CHILDREN"
