// Package rfc5260 is the index entry of the Sieve date and index
// extensions (RFC 5260, Sieve Email Filtering: Date and Index Extensions).
//
// Status: full. The date test (§4) on the first field of a name, or on
// the one :index selects, with the date-time of RFC 5322 that is the whole
// field or follows its last ";" (as in Received:); currentdate (§5) on the
// delivery's time; :zone and :originalzone (§4.1); every date part of
// §4.2 (year, month, day, date, julian, hour, minute, second, time,
// iso8601, std11, zone, weekday). :index and :last (§6) on header, address
// and date, counting the named fields in the order of the header list.
// The compiler is rfc/rfc5228's (date.go).
//
// Choice: without :zone or :originalzone "the local time zone" (§4.1) is
// the location of rfc5228.Env.Now, so that the delivery decides it and
// tests are deterministic.
//
// Tests: testdata/*.txt, every example of RFC 5260 (the §6.1 example with
// its stray comma removed: as printed it is a syntax error).
package rfc5260

import "github.com/loftmail/loft/rfc/rfc5228"

// Date is "date" (RFC 5260 §3) and Index is "index" (§6).
const (
	Date  = rfc5228.Capability("date")
	Index = rfc5228.Capability("index")
)
