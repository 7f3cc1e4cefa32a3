package rfc3848

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// MaxLine is the length RFC 5322 §2.1.1 says a header line SHOULD not
// exceed, without its CRLF.
const MaxLine = 78

// DateTimeLayout formats an RFC 5322 §3.3 date-time with a numeric zone,
// the form RFC 5321 §4.4 requires in a Received field (no obs- forms).
const DateTimeLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// Received holds the clauses of a Received header field (RFC 5321 §4.4
// Time-stamp-line).
type Received struct {
	// Helo is the name the client gave in LHLO (EHLO in SMTP).
	Helo string
	// Peer is the client's IP address as seen on the connection; the zero
	// Addr for a Unix-domain socket.
	Peer netip.Addr
	// By is the receiving server's host name, a Domain.
	By string
	// With is the protocol, such as WithType's result.
	With string
	// ID identifies the transaction at the receiver: an Atom.
	ID string
	// For is the one recipient this copy is for, as a mailbox with its
	// local part unquoted; empty leaves out the FOR clause. RFC 5321 §4.4
	// allows exactly one path there.
	For string
	// Date is the time of receipt.
	Date time.Time
}

// Field formats r as a complete Received header field, folded with CRLF
// and a tab between clauses so that lines stay within MaxLine where the
// clauses allow it, and ending in CRLF:
//
//	Received: from client.example ([192.0.2.1])
//		by mail.example.org with LMTP id 7GQ2Y4K1
//		for <alice@example.org>; Tue, 02 Jan 2024 15:04:05 +0100
//
// It follows the Stamp grammar of RFC 5321 §4.4: From-domain By-domain
// [With] [ID] [For] ";" date-time. By must be a Domain, With and ID Atoms,
// and For a mailbox FormatPath can write; an error says which is not.
func (r Received) Field() (string, error) {
	if !IsDomain(r.By) {
		return "", fmt.Errorf("rfc3848: Received: by %q is not a domain", r.By)
	}
	if r.Date.IsZero() {
		return "", fmt.Errorf("rfc3848: Received: no date")
	}
	// Each unit is a clause, kept on one line when it fits.
	units := []string{"from " + r.fromDomain(), "by " + r.By}
	if r.With != "" {
		if !IsAtom(r.With) {
			return "", fmt.Errorf("rfc3848: Received: with %q is not an atom", r.With)
		}
		units = append(units, "with "+r.With)
	}
	if r.ID != "" {
		if !IsAtom(r.ID) {
			return "", fmt.Errorf("rfc3848: Received: id %q is not an atom", r.ID)
		}
		units = append(units, "id "+r.ID)
	}
	if r.For != "" {
		p, err := FormatPath(r.For)
		if err != nil {
			return "", fmt.Errorf("rfc3848: Received: for: %w", err)
		}
		units = append(units, "for "+p)
	}
	// [CFWS] ";" FWS date-time: the semicolon ends the last clause.
	units[len(units)-1] += ";"
	units = append(units, r.Date.Format(DateTimeLayout))
	return fold("Received:", units), nil
}

// fromDomain returns the Extended-Domain of the FROM clause (RFC 5321
// §4.4): Domain, or Domain or address-literal followed by "(" TCP-info ")".
func (r Received) fromDomain() string {
	if !r.Peer.IsValid() {
		if IsDomain(r.Helo) {
			return r.Helo
		}
		// A bare address literal is not an Extended-Domain; a Unix-socket
		// peer is on this host.
		return "localhost"
	}
	tcp := "(" + AddressLiteral(r.Peer) + ")"
	if IsDomain(r.Helo) {
		return r.Helo + " " + tcp
	}
	return AddressLiteral(r.Peer) + " " + tcp
}

// fold writes name and units separated by single spaces, starting a new
// line (CRLF and a tab, which is FWS) before a unit that would take the
// line past MaxLine. A unit longer than a line on its own is broken at its
// spaces the same way.
func fold(name string, units []string) string {
	var b strings.Builder
	b.WriteString(name)
	col := len(name)
	put := func(word string) {
		if col+1+len(word) > MaxLine && col > 1 {
			b.WriteString("\r\n\t")
			b.WriteString(word)
			col = 1 + len(word) // a tab counts as one
			return
		}
		b.WriteByte(' ')
		b.WriteString(word)
		col += 1 + len(word)
	}
	for _, u := range units {
		if col+1+len(u) <= MaxLine || 1+len(u) <= MaxLine {
			put(u)
			continue
		}
		for w := range strings.SplitSeq(u, " ") {
			put(w)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}
