// Package rfc5233 is the index entry of the Sieve subaddress extension
// (RFC 5233, Sieve Email Filtering: Subaddress Extension).
//
// Status: full. The address parts :user and :detail (§4) on address and
// envelope. The separator is rfc5228.Options.SubaddressSeparator ("+" by
// default), and the detail follows its first occurrence in the local part;
// an address without the separator has no :detail and so fails to match
// it, and an empty detail is "" (§4). The compiler is rfc/rfc5228's
// (message.go).
//
// Tests: testdata/*.txt, every example of RFC 5233.
package rfc5233

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "subaddress" (RFC 5233 §3).
const Extension = rfc5228.Capability("subaddress")
