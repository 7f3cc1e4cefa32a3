package store

import (
	"fmt"
	"slices"
	"strings"
)

// System flags (RFC 3501 §2.3.2, RFC 9051 §2.3.2) in their canonical spelling.
// \Recent is not stored: it is a property of a session, not of a message.
var systemFlags = []string{`\Answered`, `\Deleted`, `\Draft`, `\Flagged`, `\Seen`}

const maxFlagOctets = 250

// isAtomChar reports whether c is an ATOM-CHAR (RFC 3501 §9: any CHAR except
// atom-specials "(" ")" "{" SP CTL list-wildcards quoted-specials
// resp-specials).
func isAtomChar(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// canonicalFlag validates one flag and returns its canonical spelling.
//
// A flag is a system flag ("\" followed by Seen, Answered, Flagged, Deleted or
// Draft, in any case; returned in the spelling above) or a keyword: an atom
// (RFC 3501 §9 flag-keyword) of at most 250 octets, kept as given. \Recent and
// other "\" names are ErrInvalid, as is anything that is not an atom.
func canonicalFlag(f string) (string, error) {
	if f == "" {
		return "", fmt.Errorf("%w: empty flag", ErrInvalid)
	}
	if f[0] == '\\' {
		for _, s := range systemFlags {
			if strings.EqualFold(f, s) {
				return s, nil
			}
		}
		return "", fmt.Errorf("%w: flag %q is not a storable system flag", ErrInvalid, f)
	}
	if len(f) > maxFlagOctets {
		return "", fmt.Errorf("%w: flag longer than %d octets", ErrInvalid, maxFlagOctets)
	}
	for i := 0; i < len(f); i++ {
		if !isAtomChar(f[i]) {
			return "", fmt.Errorf("%w: flag %q is not an atom", ErrInvalid, f)
		}
	}
	return f, nil
}

// normalizeFlags validates flags and returns them sorted and unique. Flags
// compare case-insensitively (RFC 3501 §9 note 1): of two spellings of one
// keyword the first given is kept. The result is a new slice, nil if empty.
func normalizeFlags(flags []string) ([]string, error) {
	var out []string
	for _, f := range flags {
		c, err := canonicalFlag(f)
		if err != nil {
			return nil, err
		}
		if !containsFlag(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out, nil
}

func containsFlag(set []string, f string) bool {
	for _, s := range set {
		if strings.EqualFold(s, f) {
			return true
		}
	}
	return false
}

// applyFlagOp returns the flag set that op with flags makes of cur, and
// whether it differs from cur. cur and flags are normalized; cur is not
// modified, and is returned itself when nothing changes.
func applyFlagOp(cur []string, op StoreOp, flags []string) ([]string, bool) {
	switch op {
	case AddFlags:
		var out []string
		for _, f := range flags {
			if !containsFlag(cur, f) {
				if out == nil {
					out = slices.Clone(cur)
				}
				out = append(out, f)
			}
		}
		if out == nil {
			return cur, false
		}
		slices.Sort(out)
		return out, true
	case RemoveFlags:
		var out []string
		changed := false
		for _, f := range cur {
			if containsFlag(flags, f) {
				changed = true
				continue
			}
			out = append(out, f)
		}
		if !changed {
			return cur, false
		}
		return out, true
	case ReplaceFlags:
		if len(cur) == len(flags) {
			same := true
			for i := range cur {
				if cur[i] != flags[i] {
					same = false
					break
				}
			}
			if same {
				return cur, false
			}
		}
		return slices.Clone(flags), true
	}
	return cur, false
}
