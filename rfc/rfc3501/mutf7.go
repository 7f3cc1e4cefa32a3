package rfc3501

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// mbase64 is the modified BASE64 of RFC 3501 §5.1.3: RFC 2045's alphabet with
// "," instead of "/", and no padding.
var mbase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding).Strict()

// EncodeMailboxName encodes a UTF-8 mailbox name in modified UTF-7 (RFC 3501
// §5.1.3): printable US-ASCII other than "&" stands for itself, "&" becomes
// "&-", and every run of other characters becomes "&", the modified BASE64 of
// its UTF-16BE form, and "-". Invalid UTF-8 octets are encoded as U+FFFD.
func EncodeMailboxName(name string) string {
	var b strings.Builder
	var run []uint16
	flush := func() {
		if len(run) == 0 {
			return
		}
		buf := make([]byte, 0, 2*len(run))
		for _, u := range run {
			buf = append(buf, byte(u>>8), byte(u))
		}
		b.WriteByte('&')
		b.WriteString(mbase64.EncodeToString(buf))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range name {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		run = utf16.AppendRune(run, r)
	}
	flush()
	return b.String()
}

// Errors of DecodeMailboxName.
var (
	errMUTF7Raw        = errors.New("mailbox name: character outside printable US-ASCII must be in modified BASE64")
	errMUTF7Open       = errors.New("mailbox name: \"&\" shift not terminated by \"-\"")
	errMUTF7Base64     = errors.New("mailbox name: invalid modified BASE64")
	errMUTF7UTF16      = errors.New("mailbox name: modified BASE64 is not valid UTF-16")
	errMUTF7ASCII      = errors.New("mailbox name: printable US-ASCII character in modified BASE64")
	errMUTF7Contiguous = errors.New("mailbox name: adjacent modified BASE64 runs must be one run")
)

// DecodeMailboxName decodes a modified UTF-7 mailbox name (RFC 3501 §5.1.3)
// to UTF-8. Only the canonical encoding, the one EncodeMailboxName produces,
// is accepted: raw characters outside printable US-ASCII, an unterminated
// shift, BASE64 with non-zero pad bits or an incomplete UTF-16 unit, unpaired
// surrogates, printable US-ASCII inside a shift ("&AGE-" for "a", which §5.1.3
// forbids) and two shifts in a row that should have been one are errors. "&-"
// is the only empty shift and stands for "&".
func DecodeMailboxName(s string) (string, error) {
	if !strings.ContainsRune(s, '&') {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return "", errMUTF7Raw
			}
		}
		return s, nil
	}
	var b strings.Builder
	afterShift := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", errMUTF7Raw
		}
		if c != '&' {
			b.WriteByte(c)
			afterShift = false
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", errMUTF7Open
		}
		enc := s[i+1 : i+1+end]
		i += end + 2
		if enc == "" {
			b.WriteByte('&')
			afterShift = false
			continue
		}
		if afterShift {
			return "", errMUTF7Contiguous
		}
		if err := decodeShift(&b, enc); err != nil {
			return "", err
		}
		afterShift = true
	}
	return b.String(), nil
}

// decodeShift decodes the modified BASE64 between "&" and "-".
func decodeShift(b *strings.Builder, enc string) error {
	raw, err := mbase64.DecodeString(enc)
	if err != nil {
		return errMUTF7Base64
	}
	if len(raw)%2 != 0 {
		return errMUTF7UTF16
	}
	for j := 0; j < len(raw); j += 2 {
		u := rune(raw[j])<<8 | rune(raw[j+1])
		switch {
		case utf16.IsSurrogate(u):
			if u >= 0xdc00 || j+3 >= len(raw) {
				return errMUTF7UTF16
			}
			lo := rune(raw[j+2])<<8 | rune(raw[j+3])
			r := utf16.DecodeRune(u, lo)
			if r == utf8.RuneError {
				return errMUTF7UTF16
			}
			b.WriteRune(r)
			j += 2
		case u >= 0x20 && u <= 0x7e:
			return errMUTF7ASCII
		default:
			b.WriteRune(u)
		}
	}
	return nil
}
