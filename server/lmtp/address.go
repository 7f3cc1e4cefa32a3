package lmtp

import (
	"errors"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3848"
)

// address is a recipient's forward-path as go-smtp hands it over: the
// local part unquoted, then "@" and the domain; or, for <Postmaster>
// (RFC 5321 §4.1.1.3), a bare local part with no domain.
type address struct {
	local  string
	domain string // lower case; empty for a bare local part
}

// errAddressSyntax is returned for a forward-path Loft cannot look up.
var errAddressSyntax = errors.New("lmtp: bad recipient address syntax")

// maxAddress is the longest forward-path accepted: RFC 5321 §4.5.3.1.3
// allows 256 octets for a path including its angle brackets.
const maxAddress = 254

// parseAddress splits and checks a forward-path. The domain is the text
// after the last "@" (a quoted local part may itself hold "@") and must be
// a Domain or an address-literal (RFC 5321 §4.1.2); it is lowered, since
// domains compare case-insensitively (RFC 5321 §2.4). The local part is
// kept as given: the directory compares it case-insensitively. Octets
// outside printable US-ASCII are refused: without SMTPUTF8 (not offered),
// addresses are ASCII (RFC 5321 §4.1.2), and no control character may reach
// a lookup or a header.
func parseAddress(s string) (address, error) {
	if s == "" || len(s) > maxAddress {
		return address{}, errAddressSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			return address{}, errAddressSyntax
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return address{local: s}, nil
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local == "" || len(local) > 64 {
		return address{}, errAddressSyntax
	}
	if !rfc3848.IsDomain(domain) && !rfc3848.IsAddressLiteral(domain) {
		return address{}, errAddressSyntax
	}
	return address{local: local, domain: domain}, nil
}

// String returns the address as a lookup key: local@domain, or the bare
// local part.
func (a address) String() string {
	if a.domain == "" {
		return a.local
	}
	return a.local + "@" + a.domain
}

// withoutDetail returns the address with the detail removed from its local
// part: everything from the first occurrence of sep on ("user+detail" with
// sep "+" is "user"). ok is false when sep is empty (details disabled), does
// not occur, or would leave an empty user part: "+detail@example.org" is
// taken as it is.
func (a address) withoutDetail(sep string) (address, bool) {
	user, _, ok := splitDetail(a.local, sep)
	if !ok {
		return a, false
	}
	return address{local: user, domain: a.domain}, true
}

// splitDetail splits a local part at the first sep into user and detail
// (the subaddress of RFC 5233 §2's "user+detail" convention).
func splitDetail(local, sep string) (user, detail string, ok bool) {
	if sep == "" {
		return local, "", false
	}
	i := strings.Index(local, sep)
	if i <= 0 {
		return local, "", false
	}
	return local[:i], local[i+len(sep):], true
}
