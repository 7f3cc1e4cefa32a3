// Package rfc5231 is the index entry of the Sieve relational extension
// (RFC 5231, Sieve Email Filtering: Relational Extension).
//
// Status: full. The match types :count and :value with the relational
// matches "gt", "ge", "lt", "le", "eq" and "ne" (§5) on address, envelope,
// header, and every test of the other extensions that takes MATCH-TYPE;
// with the comparators i;octet, i;ascii-casemap and i;ascii-numeric
// (RFC 4790 §9.1, positive infinity for a value that does not begin with a
// digit). :count counts the addresses of address and envelope and the
// fields of header (§4.1). The compiler is rfc/rfc5228's (match.go).
//
// Tests: testdata/*.txt, every example of RFC 5231.
package rfc5231

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "relational" (RFC 5231 §3).
const Extension = rfc5228.Capability("relational")
