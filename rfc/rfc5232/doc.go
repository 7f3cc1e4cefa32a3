// Package rfc5232 is the index entry of the Sieve imap4flags extension
// (RFC 5232, Sieve Email Filtering: Imap4flags Extension).
//
// Status: full. setflag, addflag and removeflag on the internal variable
// or, with "variables", on a named one (§3); hasflag (§4); :flags on keep
// and fileinto (§5); keep, fileinto and the implicit keep without :flags
// carry the internal variable's flags. Flag lists are split at spaces,
// repetitions dropped ASCII case-insensitively, and flags that are not
// IMAP flags, or \Recent, ignored (§2). hasflag splits its keys at spaces
// too, and :count counts distinct flags (§4). When duplicate keep or
// fileinto actions are merged, the last flag list wins (§3). The compiler
// is rfc/rfc5228's (commands.go, tests.go); the store sets the flags.
//
// Tests: testdata/*.txt, the examples of §3, §4 and §9 (the §9 example
// with its two misprints corrected: "anyof" without parentheses and
// "remove"; as printed it is refused, see 9-extended-as-printed).
package rfc5232

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "imap4flags" (RFC 5232 §2).
const Extension = rfc5228.Capability("imap4flags")
