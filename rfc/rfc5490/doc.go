// Package rfc5490 is the index entry of the Sieve "mailbox" extension of
// RFC 5490 (The Sieve Mail-Filtering Language — Extensions for Checking
// Mailbox Status and Accessing Mailbox Metadata).
//
// Status: partial. "mailbox" is full: the mailboxexists test (§3.1),
// answered by rfc5228.Env.MailboxExists, and :create on fileinto (§3.2,
// rfc5228.FileInto.Create). "mboxmetadata" and "servermetadata" (§3.3,
// §3.4: metadata, metadataexists, servermetadata, servermetadataexists)
// are not offered: Loft keeps no mailbox or server annotations (RFC
// 5464). The compiler is rfc/rfc5228's.
//
// Tests: testdata/*.txt, the example of §4.
package rfc5490

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "mailbox" (RFC 5490 §3).
const Extension = rfc5228.Capability("mailbox")
