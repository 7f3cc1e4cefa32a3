// Package rfc5429 is the index entry of the Sieve reject and ereject
// extensions (RFC 5429, Sieve Email Filtering: Reject and Extended Reject
// Extensions).
//
// Status: the language side is full: reject (§2.2) and ereject (§2.1)
// become an rfc5228.Reject action that cancels the implicit keep. §2.4's
// compatibility rules are run-time errors: a second reject, reject with
// vacation, and — as the section recommends — reject with keep, fileinto
// or redirect (before or after it), so that a message is either delivered
// or refused. Refusing in LMTP, or sending the MDN/DSN, is the delivery's
// (server/sieve).
//
// Tests: testdata/*.txt, the examples of §2.1 and §2.2.
package rfc5429

import "github.com/loftmail/loft/rfc/rfc5228"

// Reject is "reject" (RFC 5429 §2.2) and Ereject is "ereject" (§2.1).
const (
	Reject  = rfc5228.Capability("reject")
	Ereject = rfc5228.Capability("ereject")
)
