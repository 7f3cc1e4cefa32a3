// Package rfc5183 is the index entry of the Sieve environment extension
// (RFC 5183, Sieve Email Filtering: Environment Extension).
//
// Status: full on the language side: the environment test (§4) matches an
// item that rfc5228.Env.Environment answers; an item the delivery does not
// know makes the test false, even with "" as key, and counts 0 for
// :count. Which items exist ("domain", "host",
// "location", "name", "phase", "remote-host", "remote-ip", "version", §4.1)
// is the delivery's to say. The compiler is rfc/rfc5228's (tests.go).
//
// Tests: testdata/*.txt, the examples of §5.
package rfc5183

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "environment" (RFC 5183 §3).
const Extension = rfc5228.Capability("environment")
