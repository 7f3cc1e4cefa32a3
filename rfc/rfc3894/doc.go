// Package rfc3894 is the index entry of the Sieve copy extension (RFC
// 3894, Sieve Extension: Copying Without Side Effects).
//
// Status: full. :copy on fileinto and redirect (§3): the action does not
// cancel the implicit keep (rfc5228.FileInto.Copy, rfc5228.Redirect.Copy).
// The compiler is rfc/rfc5228's (commands.go).
//
// Tests: testdata/*.txt, the example of §3 and the cases of §3's text.
package rfc3894

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "copy" (RFC 3894 §2).
const Extension = rfc5228.Capability("copy")
