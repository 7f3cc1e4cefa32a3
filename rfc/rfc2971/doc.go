// Package rfc2971 implements the IMAP4 ID extension (RFC 2971): the
// id_params_list of the ID command and the ID response (§4), with the limits
// of §3.3 (fields of at most 30 octets, values of at most 1024, at most 30
// pairs, no field twice), and a bounded, printable rendering of a client's
// list for logs.
//
// Status: full. Server side: server/imap/id.go, the "ID" row of the command
// table, valid in every state (§3.1); the server answers with its name and
// version (§3.2, §3.3 "name", "version"), and only logs what the client sent
// (§3: no operational change is made on it). Transcripts:
// conformance/testdata/rfc2971/.
//
// Deviations: §4 writes the list as "#(string SPACE nstring)", whose "#"
// would be a comma-separated list in RFC 822's notation; every example and
// every client separates the pairs with one space, which is what Parse
// accepts and Encode writes. A list that breaks §3.3's limits, which are
// written for the sender, is refused (*LimitError), so a server never keeps
// more than 30 × (30 + 1024) octets of it.
package rfc2971
