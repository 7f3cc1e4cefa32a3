// Package rfc5229 is the index entry of the Sieve variables extension
// (RFC 5229, Sieve Email Filtering: Variables Extension).
//
// Status: full. "${name}" and "${namespace.name}" references in every
// string a run uses (§3); match variables ${0}…${9} set by a successful
// :matches, non-greedy (§3.2); set with :lower, :upper, :lowerfirst,
// :upperfirst, :quotewildcard and :length applied in §4.1's order; the
// string test (§5). Variable names, comparator names and relational
// matches must be constant. The namespace "global" comes with "include"
// (RFC 6609); any other namespace is a compile-time error, and so is a
// match variable beyond ${9} (§6). The case modifiers change ASCII letters
// only (§4.1.3). A variable holds at most rfc5228.MaxVariableSize octets;
// a longer value is truncated at a character boundary, not an error (§6).
// The compiler is rfc/rfc5228's (strval.go, commands.go).
//
// Tests: testdata/*.txt, the examples of §3, §3.1, §3.2, §4, §4.1 and
// §5 (§3.1's encoded-character example with the ";" it lacks).
package rfc5229

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "variables" (RFC 5229 §2).
const Extension = rfc5228.Capability("variables")
