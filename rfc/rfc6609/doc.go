// Package rfc6609 is the index entry of the Sieve include extension (RFC
// 6609, Sieve Email Filtering: Include Extension).
//
// Status: the language side is full: include with :personal (the
// default) or :global, :once and :optional (§3.2); return (§3.3); global
// and the "global" variable namespace (§3.3, §3.4). The included script is
// asked of rfc5228.Env.Include, compiled by the caller; it runs with its
// own local variables and shares the actions, the implicit keep, the
// flags and the global variables. An include of a script already on the
// include stack (a loop) and nesting beyond Options.MaxIncludeDepth are
// run-time errors; a missing script is one too, unless :optional. stop in
// an included script ends the whole run. The compiler is rfc/rfc5228's
// (commands.go). Loading and caching scripts is server/sieve's.
//
// Tests: testdata/*.txt, the examples of §3.
package rfc6609

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "include" (RFC 6609 §3.1).
const Extension = rfc5228.Capability("include")
