package rfc2033

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsGreeting(t *testing.T) {
	tests := map[string]bool{
		"LHLO client.example": true,
		"lhlo client.example": true,
		"LHLO":                true,
		"EHLO client.example": false,
		"HELO client.example": false,
		"LHLOX foo":           false,
		"":                    false,
	}
	for in, want := range tests {
		if got := IsGreeting(in); got != want {
			t.Errorf("IsGreeting(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTransaction(t *testing.T) {
	// The transaction of the RFC 2033 §4.2 example: three RCPTs, one
	// refused; then the data gets two replies, in RCPT order.
	var tr Transaction
	if tr.DataAllowed() {
		t.Fatal("empty transaction allows DATA")
	}
	tr.Rcpt("pat@foo.edu", 250)
	tr.Rcpt("jones@foo.edu", 550)
	tr.Rcpt("green@foo.edu", 250)
	if diff := cmp.Diff([]string{"pat@foo.edu", "green@foo.edu"}, tr.Accepted()); diff != "" {
		t.Errorf("Accepted (-want +got):\n%s", diff)
	}
	if tr.DataReplies() != 2 || !tr.DataAllowed() {
		t.Errorf("DataReplies = %d, DataAllowed = %v", tr.DataReplies(), tr.DataAllowed())
	}

	// The same recipient twice gets two replies (§4.2).
	tr.Reset()
	tr.Rcpt("a@x", 250)
	tr.Rcpt("a@x", 250)
	tr.Rcpt("b@x", 452)
	if diff := cmp.Diff([]string{"a@x", "a@x"}, tr.Accepted()); diff != "" {
		t.Errorf("after Reset, Accepted (-want +got):\n%s", diff)
	}

	// With every RCPT refused, DATA must fail (§4.2).
	tr.Reset()
	tr.Rcpt("x@y", 550)
	tr.Rcpt("z@y", 451)
	if tr.DataAllowed() || tr.DataReplies() != 0 {
		t.Errorf("all refused: DataAllowed = %v, DataReplies = %d", tr.DataAllowed(), tr.DataReplies())
	}
}
