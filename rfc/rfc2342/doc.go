// Package rfc2342 implements the syntax of the IMAP4 Namespace extension (RFC
// 2342): the NAMESPACE response that lists the personal, other users' and
// shared namespaces, each with its prefix, hierarchy delimiter and response
// extensions (§5).
//
// Status: full. Response.Encode writes the response; ParseResponse reads one,
// as a client would, and is checked against the examples of §5. Prefixes are
// UTF-8 in Go and modified UTF-7 on the wire (§5, "string").
//
// Deviation: ParseResponse accepts more than one space between the three
// namespaces, as Example 5.5 has "NIL  NIL"; Encode writes one.
//
// Loft has one personal namespace, prefix "" and delimiter "/", and neither
// other users' nor shared namespaces. Server side: server/imap/namespace.go.
// Transcripts: conformance/testdata/rfc2342/.
package rfc2342
