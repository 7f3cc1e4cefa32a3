package rfc3848

import (
	"fmt"
	"net/netip"
	"strings"
)

// Limits of RFC 5321 §4.5.3.1.
const (
	maxLocalPart = 64  // §4.5.3.1.1
	maxDomain    = 255 // §4.5.3.1.2
	maxLabel     = 63  // RFC 1035 §2.3.4, which §4.5.3.1.2 defers to
)

// IsDomain reports whether s is a Domain of RFC 5321 §4.1.2:
// sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str], no longer
// than 255 octets (§4.5.3.1.2) with labels of at most 63.
func IsDomain(s string) bool {
	if s == "" || len(s) > maxDomain {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !isLdhLabel(label) {
			return false
		}
	}
	return true
}

// isLdhLabel reports whether s is Let-dig [Ldh-str], at most 63 octets.
func isLdhLabel(s string) bool {
	if s == "" || len(s) > maxLabel || !isLetDig(s[0]) || !isLetDig(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isLetDig(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func isLetDig(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// IsAddressLiteral reports whether s is an address-literal of RFC 5321
// §4.1.3: "[" IPv4-address-literal / IPv6-address-literal /
// General-address-literal "]".
func IsAddressLiteral(s string) bool {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	inner := s[1 : len(s)-1]
	if v6, ok := strings.CutPrefix(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	if a, err := netip.ParseAddr(inner); err == nil {
		return a.Is4()
	}
	// General-address-literal = Standardized-tag ":" 1*dcontent, with
	// Standardized-tag = Ldh-str.
	tag, content, ok := strings.Cut(inner, ":")
	if !ok || content == "" || tag == "" || !isLetDig(tag[len(tag)-1]) {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if !isLetDig(tag[i]) && tag[i] != '-' {
			return false
		}
	}
	for i := 0; i < len(content); i++ {
		c := content[i]
		if c < 33 || c > 126 || c == '[' || c == '\\' || c == ']' {
			return false
		}
	}
	// "IPv6" is the standardized tag for IPv6; a literal using it that
	// failed to parse above is not a valid address.
	return !strings.EqualFold(tag, "IPv6")
}

// AddressLiteral formats an IP address as an RFC 5321 §4.1.3
// address-literal: [192.0.2.1] or [IPv6:2001:db8::1]. An IPv4 address
// mapped into IPv6 is written as IPv4. The zone of an IPv6 address is
// dropped, as the literal has no place for it.
func AddressLiteral(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "[" + a.String() + "]"
	}
	return "[IPv6:" + a.String() + "]"
}

// isAtext reports whether c is atext (RFC 5322 §3.2.3), which RFC 5321
// §4.1.2 uses for Atom.
func isAtext(c byte) bool {
	if isLetDig(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// IsAtom reports whether s is an Atom (RFC 5321 §4.1.2: 1*atext).
func IsAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// isDotString reports whether s is a Dot-string: Atom *("." Atom).
func isDotString(s string) bool {
	for atom := range strings.SplitSeq(s, ".") {
		if !IsAtom(atom) {
			return false
		}
	}
	return true
}

// FormatLocalPart writes a local part in the form RFC 5321 §4.1.2 wants
// on the wire: as a Dot-string when it is one, otherwise as a
// Quoted-string, with "\" before each DQUOTE and backslash
// (quoted-pairSMTP). Octets outside printable US-ASCII and space have no
// representation without SMTPUTF8, and an empty local part none at all:
// both are errors, as is a local part longer than 64 octets
// (§4.5.3.1.1).
func FormatLocalPart(local string) (string, error) {
	if local == "" {
		return "", fmt.Errorf("rfc3848: empty local part")
	}
	if len(local) > maxLocalPart {
		return "", fmt.Errorf("rfc3848: local part of %d octets, more than %d", len(local), maxLocalPart)
	}
	if isDotString(local) {
		return local, nil
	}
	var b strings.Builder
	b.Grow(len(local) + 4)
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c < 32 || c > 126 {
			return "", fmt.Errorf("rfc3848: local part %q: octet %#02x at offset %d cannot be written without SMTPUTF8", local, c, i)
		}
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String(), nil
}

// FormatMailbox writes local@domain as an RFC 5321 §4.1.2 Mailbox,
// given a mailbox whose local part is unquoted (as an SMTP server library
// hands it over): the domain is the text after the last "@" and must be a
// Domain or an address-literal.
func FormatMailbox(mailbox string) (string, error) {
	at := strings.LastIndexByte(mailbox, '@')
	if at < 0 {
		return "", fmt.Errorf("rfc3848: mailbox %q has no domain", mailbox)
	}
	local, domain := mailbox[:at], mailbox[at+1:]
	if !IsDomain(domain) && !IsAddressLiteral(domain) {
		return "", fmt.Errorf("rfc3848: mailbox %q: %q is not a domain or address literal", mailbox, domain)
	}
	l, err := FormatLocalPart(local)
	if err != nil {
		return "", err
	}
	return l + "@" + domain, nil
}

// FormatPath writes a mailbox as an RFC 5321 §4.1.2 Path, "<" Mailbox ">".
func FormatPath(mailbox string) (string, error) {
	m, err := FormatMailbox(mailbox)
	if err != nil {
		return "", err
	}
	return "<" + m + ">", nil
}

// ReturnPath formats the Return-Path line that RFC 5321 §4.4 asks the
// server making final delivery to put at the start of the message:
// Return-Path-line = "Return-Path:" FWS Reverse-path <CRLF>. An empty
// reversePath is the null path "<>" (§4.5.5).
func ReturnPath(reversePath string) (string, error) {
	p := "<>"
	if reversePath != "" {
		var err error
		if p, err = FormatPath(reversePath); err != nil {
			return "", err
		}
	}
	return "Return-Path: " + p + "\r\n", nil
}
