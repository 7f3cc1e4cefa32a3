// Package rfc5173 is the index entry of the Sieve body extension (RFC
// 5173, Sieve Email Filtering: Body Extension).
//
// Status: full for leaf parts. The body test (§4) with the transforms
// :raw, :content and :text (§5): :raw matches the body's octets undecoded;
// :content matches each MIME part of a listed type ("type", "type/subtype"
// or "" for all), decoded from its transfer encoding and, for text, to
// UTF-8 from its charset; :text is :content "text". Multipart containers
// are walked, not matched (their prologue and epilogue are not
// searched). Parts are read with go-message; a malformed part is read as
// far as it goes. The compiler is rfc/rfc5228's (body.go).
//
// Tests: testdata/*.txt, the examples of §7.
package rfc5173

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "body" (RFC 5173 §3).
const Extension = rfc5228.Capability("body")
