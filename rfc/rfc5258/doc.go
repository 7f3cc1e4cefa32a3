// Package rfc5258 implements the IMAP4 LIST Command Extensions (RFC 5258,
// LIST-EXTENDED): the extended syntax of LIST (selection options, a list of
// patterns, return options; §6), the tables of options a server supports
// and the rules of §3 on which of them go together, and the algorithm of
// §3.3 and §3.5 that decides which names a LIST returns and which carry the
// CHILDINFO extended data item under RECURSIVEMATCH.
//
// Status: full. Selection options SUBSCRIBED, REMOTE and RECURSIVEMATCH
// (§3.1); return options SUBSCRIBED and CHILDREN (§3.2, §4); several
// patterns; the attributes \NonExistent, \Subscribed, \HasChildren and
// \HasNoChildren; CHILDINFO. Extensions add their options to a server's
// tables: RFC 5819's STATUS return option, RFC 6154's SPECIAL-USE
// selection and return options.
//
// Choices: Loft has no remote mailboxes, so REMOTE is accepted and changes
// nothing, and \Remote is never sent. A name that matches the pattern but
// not the criteria is returned with CHILDINFO only when a descendant that
// meets them is not returned itself (§3.5's SHOULD; §5 example 9's second
// listing shows the redundant form). Loft computes \HasChildren and
// \HasNoChildren for every LIST, so CHILDREN changes nothing on the wire.
//
// Server side: server/imap/list.go (LIST, LSUB; the option tables are
// listSelectOptions and listReturnOptions). Transcripts:
// conformance/testdata/rfc5258/.
package rfc5258
