package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Name limits (FORMAT.md, "File-name grammar").
const (
	maxNameOctets      = 1024 // a whole mailbox name, in octets
	maxComponentOctets = 200  // one encoded level or account name
	maxEncodedPath     = 2048 // all encoded levels of one name, with their "_" prefixes and "/"s
	hierarchyDelimiter = "/"
	inboxName          = "INBOX"
)

// isSafe reports whether octet c may appear unencoded in a file name
// (FORMAT.md: safe = ALPHA / DIGIT / "-" / "_" / "+" / "=" / ",").
func isSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-' || c == '_' || c == '+' || c == '=' || c == ',':
		return true
	}
	return false
}

const upperHex = "0123456789ABCDEF"

// encodeName returns the enc-name of s: every octet outside the safe set
// becomes "%" and two uppercase hex digits. The result never contains "/" or
// ".", so it is never "." or "..", never absolute, and has no NUL or control
// characters. s must not be empty.
func encodeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeName inverts encodeName. It accepts only the canonical encoding (a
// safe octet is never escaped, hex is uppercase), so that one name has exactly
// one file name; anything else is ErrInvalid.
func decodeName(e string) (string, error) {
	if e == "" {
		return "", fmt.Errorf("%w: empty encoded name", ErrInvalid)
	}
	var b strings.Builder
	b.Grow(len(e))
	for i := 0; i < len(e); i++ {
		c := e[i]
		if isSafe(c) {
			b.WriteByte(c)
			continue
		}
		if c != '%' || i+2 >= len(e) {
			return "", fmt.Errorf("%w: bad encoded name %q", ErrInvalid, e)
		}
		hi, ok1 := unhex(e[i+1])
		lo, ok2 := unhex(e[i+2])
		v := hi<<4 | lo
		if !ok1 || !ok2 || isSafe(v) {
			return "", fmt.Errorf("%w: bad encoded name %q", ErrInvalid, e)
		}
		b.WriteByte(v)
		i += 2
	}
	return b.String(), nil
}

// checkText rejects what no account or mailbox name may contain: invalid
// UTF-8, NUL and other control characters (C0, DEL and C1).
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: name is not UTF-8", ErrInvalid)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Errorf("%w: control character in name", ErrInvalid)
		}
	}
	return nil
}

// encodeAccount validates a login name and returns its directory name.
// Errors: ErrInvalid for an empty name, invalid UTF-8, control characters or
// an encoding longer than 200 octets.
func encodeAccount(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty account name", ErrInvalid)
	}
	if err := checkText(name); err != nil {
		return "", err
	}
	e := encodeName(name)
	if len(e) > maxComponentOctets {
		return "", fmt.Errorf("%w: account name too long", ErrInvalid)
	}
	return e, nil
}

// mailboxName is a validated mailbox name: its canonical form (INBOX in upper
// case when it is the first level) and its levels.
type mailboxName struct {
	name   string   // canonical, levels joined by "/"
	levels []string // decoded levels
	rel    string   // relative path under names/: "_<enc>/_<enc>…"
}

func (n mailboxName) isInbox() bool { return n.name == inboxName }

// parseMailboxName validates name and computes its path under names/.
//
// A name is split on "/" (the hierarchy delimiter, RFC 3501 §5.1.1). Its first
// level is INBOX, canonically upper case, when it equals "INBOX" in any case
// (RFC 3501 §5.1: INBOX is case-insensitive); other levels are case-sensitive.
// ErrInvalid: empty name or level (so also a leading, trailing or doubled
// "/"), more than 1024 octets, invalid UTF-8, control characters, a level
// whose encoding exceeds 200 octets, or an encoded path over 2048 octets.
func parseMailboxName(name string) (mailboxName, error) {
	if name == "" {
		return mailboxName{}, fmt.Errorf("%w: empty mailbox name", ErrInvalid)
	}
	if len(name) > maxNameOctets {
		return mailboxName{}, fmt.Errorf("%w: mailbox name longer than %d octets", ErrInvalid, maxNameOctets)
	}
	if err := checkText(name); err != nil {
		return mailboxName{}, err
	}
	levels := strings.Split(name, hierarchyDelimiter)
	if strings.EqualFold(levels[0], inboxName) {
		levels[0] = inboxName
	}
	parts := make([]string, len(levels))
	total := 0
	for i, l := range levels {
		if l == "" {
			return mailboxName{}, fmt.Errorf("%w: empty level in mailbox name %q", ErrInvalid, name)
		}
		e := encodeName(l)
		if len(e) > maxComponentOctets {
			return mailboxName{}, fmt.Errorf("%w: mailbox name level too long", ErrInvalid)
		}
		parts[i] = "_" + e
		total += len(parts[i]) + 1
	}
	if total > maxEncodedPath {
		return mailboxName{}, fmt.Errorf("%w: mailbox name too long once encoded", ErrInvalid)
	}
	return mailboxName{
		name:   strings.Join(levels, hierarchyDelimiter),
		levels: levels,
		rel:    filepath.Join(parts...),
	}, nil
}

// decodeComponent turns a names/ directory entry ("_<enc-name>") back into a
// level; ok is false for entries that are not levels (the box file, strays).
func decodeComponent(entry string) (string, bool) {
	if len(entry) < 2 || entry[0] != '_' {
		return "", false
	}
	s, err := decodeName(entry[1:])
	if err != nil {
		return "", false
	}
	return s, true
}
