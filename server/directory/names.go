package directory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on names, in octets of UTF-8.
const (
	// MaxLoginLen is the longest login or group name.
	MaxLoginLen = 64
	// MaxAddressLen is the longest address: RFC 5321 §4.5.3.1.3 allows
	// 256 octets for a path, which includes the angle brackets.
	MaxAddressLen = 254
	// maxLocalLen is the longest local part (RFC 5321 §4.5.3.1.1).
	maxLocalLen = 64
	// maxLabelLen is the longest domain label (RFC 1035 §2.3.4).
	maxLabelLen = 63
)

// CheckLogin reports whether login is a valid login name: 1 to 64 octets
// of UTF-8 with no white space, no control or formatting characters (so no
// NUL, no line breaks, no bidirectional overrides) and no "/". Login names
// are case-sensitive and stored as given. Group names follow the same
// rules. The error wraps ErrInvalid.
func CheckLogin(login string) error {
	if login == "" {
		return fmt.Errorf("%w: empty name", ErrInvalid)
	}
	if len(login) > MaxLoginLen {
		return fmt.Errorf("%w: name longer than %d octets", ErrInvalid, MaxLoginLen)
	}
	if !utf8.ValidString(login) {
		return fmt.Errorf("%w: name is not valid UTF-8", ErrInvalid)
	}
	for _, r := range login {
		if r == '/' || unsafeRune(r) {
			return fmt.Errorf("%w: name %q contains %U", ErrInvalid, login, r)
		}
	}
	return nil
}

// unsafeRune reports white space, control and formatting characters, which
// are never part of a name or address that Loft accepts.
func unsafeRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// CanonicalAddress checks a mail address and returns its canonical form,
// which is the form the directory stores and compares: the whole address in
// lower case. The address must be local@domain with a dot-atom local part
// of at most 64 octets (RFC 5322 §3.4.1; quoted local parts are not
// accepted) and a domain name of labels of letters, digits, "-" and "_"
// (or non-ASCII letters, RFC 6531), 254 octets in all. Domain literals
// ("[192.0.2.1]") are not accepted. The error wraps ErrInvalid.
func CanonicalAddress(address string) (string, error) {
	if !utf8.ValidString(address) {
		return "", fmt.Errorf("%w: address is not valid UTF-8", ErrInvalid)
	}
	a := strings.ToLower(address)
	if len(a) > MaxAddressLen {
		return "", fmt.Errorf("%w: address longer than %d octets", ErrInvalid, MaxAddressLen)
	}
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		return "", fmt.Errorf("%w: address %q has no @", ErrInvalid, address)
	}
	if err := checkLocalPart(local); err != nil {
		return "", fmt.Errorf("%w: address %q: %v", ErrInvalid, address, err)
	}
	if err := checkDomain(domain); err != nil {
		return "", fmt.Errorf("%w: address %q: %v", ErrInvalid, address, err)
	}
	return a, nil
}

func checkLocalPart(local string) error {
	if local == "" {
		return fmt.Errorf("empty local part")
	}
	if len(local) > maxLocalLen {
		return fmt.Errorf("local part longer than %d octets", maxLocalLen)
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return fmt.Errorf("misplaced dot in local part")
	}
	for _, r := range local {
		if unsafeRune(r) || strings.ContainsRune(`"(),:;<>@[\]`, r) {
			return fmt.Errorf("local part contains %U", r)
		}
	}
	return nil
}

func checkDomain(domain string) error {
	if domain == "" {
		return fmt.Errorf("empty domain")
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" {
			return fmt.Errorf("empty domain label")
		}
		if len(label) > maxLabelLen {
			return fmt.Errorf("domain label longer than %d octets", maxLabelLen)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("domain label %q begins or ends with a hyphen", label)
		}
		for _, r := range label {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			default:
				return fmt.Errorf("domain contains %U", r)
			}
		}
	}
	return nil
}

// maxEncodedLen is the longest encoded name used as it is; a longer one is
// shortened and completed with a hash (see encodeName). With ".toml"
// appended it stays well under NAME_MAX (255) of common file systems.
const maxEncodedLen = 200

// encodeName maps a name (login, group name or canonical address) to a
// file name that is safe in any directory:
//
//	enc-name = 1*( safe / "%" 2HEXDIG ) [ "~" 64HEXDIG ]
//	safe     = ALPHA / DIGIT / "-" / "_" / "+" / "=" / "," / "@" / "."
//
// Every octet outside safe is written %XX (upper-case hex), and so is a "."
// in first position: an encoded name never contains "/" or NUL or a control
// character, never begins with ".", and so is never "." or "..". The
// mapping is one-to-one for names whose encoding is at most maxEncodedLen
// octets; a longer encoding is cut (at an octet boundary of the encoding)
// and followed by "~" and the SHA-256 of the name, and "~" appears in no
// other encoding. Callers validate the name first; the empty name encodes
// to "%" + "00" so that even it never yields an empty file name.
func encodeName(name string) string {
	if name == "" {
		return "%00"
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if safeByte(c) && !(c == '.' && i == 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&0xf])
	}
	enc := b.String()
	if len(enc) <= maxEncodedLen {
		return enc
	}
	cut := maxEncodedLen - 1 - sha256.Size*2
	// Do not cut inside a %XX triple.
	if i := strings.LastIndexByte(enc[:cut], '%'); i >= 0 && i+3 > cut {
		cut = i
	}
	sum := sha256.Sum256([]byte(name))
	return enc[:cut] + "~" + hex.EncodeToString(sum[:])
}

const hexUpper = "0123456789ABCDEF"

func safeByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-_+=,@.", c) >= 0
}
