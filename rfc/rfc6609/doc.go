// Package rfc6609 is the index entry of the Sieve include extension (RFC
// 6609, Sieve Email Filtering: Include Extension).
//
// Status: the language side is full: include with :personal (the
// default) or :global, :once and :optional (§3.2); return (§3.3); global
// and the "global" variable namespace (§3.3, §3.4). The included script is
// asked of rfc5228.Env.Include, compiled by the caller; it runs with its
// own local variables and shares the actions, the implicit keep, the
// flags and the global variables. An include of a script already on the
// include stack (a loop), nesting beyond Options.MaxIncludeDepth and more
// than Options.MaxIncludes includes in one run are run-time errors, and so is a missing script unless :optional; :once
// skips a script included before or being included, without error. stop
// in an included script ends the whole run. Script names must be constant
// and valid names of RFC 5804 §1.6. global refuses a name the script set
// before declaring it (§3.4.1). A run-time error inside an included script
// is reported at the include command, the included script's position in
// the message. The compiler is rfc/rfc5228's (commands.go). Loading,
// compiling and caching scripts is server/sieve's.
//
// Tests: testdata/*.txt, the examples of §3.
package rfc6609

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "include" (RFC 6609 §3.1).
const Extension = rfc5228.Capability("include")
