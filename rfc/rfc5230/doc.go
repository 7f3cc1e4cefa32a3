// Package rfc5230 is the index entry of the Sieve vacation extension (RFC
// 5230, Sieve Email Filtering: Vacation Extension) and of RFC 6131 (Sieve
// Vacation Extension: "Seconds" Parameter).
//
// Status: the language side is full: vacation with :days, :subject, :from
// (checked as an address when constant, §4.4), :addresses, :mime and
// :handle, RFC 6131's :seconds, and the handle synthesised from :subject,
// :from, :mime and the reason as written, before variable expansion (§4.2).
// Vacation may be taken once per run; with reject or ereject it is a
// run-time error (§4.7, RFC 5429 §2.4). The compiler and interpreter are
// rfc/rfc5228's (cmdVacation), producing an rfc5228.Vacation action whose
// Period is :days or :seconds as a duration (7 days by default, §4.1).
//
// Not here: the reply memory (§4.2), the checks that decide whether to
// reply at all (§4.5, §4.6), the site's minimum and maximum period, and the
// reply message (§5) belong to the delivery, server/sieve.
//
// Tests: testdata/*.txt, every example of RFC 5230 and RFC 6131, read by
// rfc5228's corpus runner.
package rfc5230

import "github.com/loftmail/loft/rfc/rfc5228"

// Extension is "vacation" (RFC 5230 §3).
const Extension = rfc5228.Capability("vacation")

// Seconds is "vacation-seconds" (RFC 6131 §2); requiring it implies
// "vacation".
const Seconds = rfc5228.Capability("vacation-seconds")
