package rfc1939

import (
	"fmt"
	"strconv"
	"strings"
)

// ValidUniqueID reports whether s is a valid unique-id (§7 UIDL: one to 70
// characters in the range 0x21 to 0x7E).
func ValidUniqueID(s string) bool {
	if len(s) == 0 || len(s) > MaxUniqueIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsVCHAR(s[i]) {
			return false
		}
	}
	return true
}

// UniqueID returns Loft's unique-id for the message with the given UID in a
// mailbox with the given UIDVALIDITY: both in decimal, joined by ".". It is at
// most 21 characters, all digits and ".", so it is always valid (§7); see the
// package documentation for why it is stable and never reused.
func UniqueID(uidValidity, uid uint32) string {
	var b [21]byte
	out := strconv.AppendUint(b[:0], uint64(uidValidity), 10)
	out = append(out, '.')
	out = strconv.AppendUint(out, uint64(uid), 10)
	return string(out)
}

// ParseUniqueID is the inverse of UniqueID.
func ParseUniqueID(s string) (uidValidity, uid uint32, err error) {
	v, u, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, fmt.Errorf("unique-id %q: missing \".\"", s)
	}
	vv, err1 := parseUint32(v)
	uu, err2 := parseUint32(u)
	if err1 != nil || err2 != nil || vv == 0 || uu == 0 {
		return 0, 0, fmt.Errorf("unique-id %q: not UIDVALIDITY.UID", s)
	}
	return vv, uu, nil
}

func parseUint32(s string) (uint32, error) {
	if !allDigits(s) || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("not a canonical decimal number")
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err
}
