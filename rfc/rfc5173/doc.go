// Package rfc5173 is the index entry of the Sieve body extension (RFC
// 5173, Sieve Email Filtering: Body Extension).
//
// Status: full. The body test (§4) with the transforms :raw, :content and
// :text (§5): :raw matches the body's octets undecoded, as one string;
// :content matches each MIME part of a listed type ("type",
// "type/subtype", "" for all; a type beginning or ending with "/" or
// holding two selects none), found recursively through multipart and
// message/rfc822 parts: a multipart part by its prologue and its epilogue,
// a message/rfc822 part by its header, any other by its content, decoded
// from quoted-printable or base64 and, for text, converted to UTF-8 from
// any charset go-message knows; :text is :content "text" (§5.3 allows
// it). A message without an empty line after its header has no body, and
// every body test on it is false. Malformed MIME never fails a test: it is
// read as far as it goes, within limits on the number and nesting of
// parts. The compiler is rfc/rfc5228's (body.go).
//
// Tests: testdata/*.txt, the examples of §7.
package rfc5173

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "body" (RFC 5173 §3).
const Extension = rfc5228.Capability("body")
