package rfc4315

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Capability is the name that CAPABILITY announces (§1).
const Capability = "UIDPLUS"

// Response code names (§3, resp-code-apnd and resp-code-copy).
const (
	CodeAppendUID = "APPENDUID"
	CodeCopyUID   = "COPYUID"
)

// ErrSyntax reports a uid-set or a response code that does not follow the
// grammar of §4.
var ErrSyntax = errors.New("rfc4315: syntax error")

// FormatUIDSet writes uids as a uid-set (§4), keeping their order: each run of
// consecutive ascending UIDs becomes a range, so 3, 4, 5, 9 is "3:5,9". The
// order matters for COPYUID, whose two sets correspond position by position.
// It returns "" for no UIDs, which is not a uid-set.
func FormatUIDSet(uids []uint32) string {
	var b strings.Builder
	for i := 0; i < len(uids); {
		j := i
		for j+1 < len(uids) && uids[j] != ^uint32(0) && uids[j+1] == uids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(uids[i]), 10))
		if j > i {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(uids[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

// ParseUIDSet reads a uid-set (§4) and returns its UIDs in the order the set
// lists them, each range in ascending order ("4:2" is 2, 3, 4, as §4 says
// that 2:4 and 4:2 are equivalent). A uid-set has no "*" and no zero.
func ParseUIDSet(s string) ([]uint32, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty uid-set", ErrSyntax)
	}
	var uids []uint32
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := parseUniqueID(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseUniqueID(hi); err != nil {
				return nil, err
			}
		}
		if a > b {
			a, b = b, a
		}
		for u := uint64(a); u <= uint64(b); u++ {
			uids = append(uids, uint32(u))
		}
	}
	return uids, nil
}

// parseUniqueID reads a uniqueid (RFC 3501 §9: nz-number).
func parseUniqueID(s string) (uint32, error) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, fmt.Errorf("%w: %q is not a uniqueid", ErrSyntax, s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a uniqueid", ErrSyntax, s)
	}
	return uint32(n), nil
}

// AppendUID is the APPENDUID response code (§3): the UIDVALIDITY of the
// destination mailbox and the UID the appended message got.
type AppendUID struct {
	UIDValidity uint32
	UID         uint32
}

// Args returns the code's arguments as they follow "APPENDUID SP".
func (a AppendUID) Args() string {
	return strconv.FormatUint(uint64(a.UIDValidity), 10) + " " + strconv.FormatUint(uint64(a.UID), 10)
}

// String returns the code as it stands between the brackets.
func (a AppendUID) String() string { return CodeAppendUID + " " + a.Args() }

// ParseAppendUID reads the text between the brackets of an APPENDUID code,
// such as "APPENDUID 38505 3955".
func ParseAppendUID(s string) (AppendUID, error) {
	f := strings.Split(s, " ")
	if len(f) != 3 || !strings.EqualFold(f[0], CodeAppendUID) {
		return AppendUID{}, fmt.Errorf("%w: %q is not an APPENDUID code", ErrSyntax, s)
	}
	v, err := parseUniqueID(f[1])
	if err != nil {
		return AppendUID{}, err
	}
	u, err := parseUniqueID(f[2])
	if err != nil {
		return AppendUID{}, err
	}
	return AppendUID{UIDValidity: v, UID: u}, nil
}

// CopyUID is the COPYUID response code (§3): the UIDVALIDITY of the
// destination mailbox, the source UIDs that were copied and the UIDs of their
// copies, position by position.
type CopyUID struct {
	UIDValidity uint32
	Src, Dst    []uint32
}

// Args returns the code's arguments as they follow "COPYUID SP".
func (c CopyUID) Args() string {
	return strconv.FormatUint(uint64(c.UIDValidity), 10) + " " + FormatUIDSet(c.Src) + " " + FormatUIDSet(c.Dst)
}

// String returns the code as it stands between the brackets.
func (c CopyUID) String() string { return CodeCopyUID + " " + c.Args() }

// ParseCopyUID reads the text between the brackets of a COPYUID code, such as
// "COPYUID 38505 304,319:320 3956:3958". The two sets must have as many UIDs
// each.
func ParseCopyUID(s string) (CopyUID, error) {
	f := strings.Split(s, " ")
	if len(f) != 4 || !strings.EqualFold(f[0], CodeCopyUID) {
		return CopyUID{}, fmt.Errorf("%w: %q is not a COPYUID code", ErrSyntax, s)
	}
	v, err := parseUniqueID(f[1])
	if err != nil {
		return CopyUID{}, err
	}
	src, err := ParseUIDSet(f[2])
	if err != nil {
		return CopyUID{}, err
	}
	dst, err := ParseUIDSet(f[3])
	if err != nil {
		return CopyUID{}, err
	}
	if len(src) != len(dst) {
		return CopyUID{}, fmt.Errorf("%w: %q has %d source and %d destination UIDs", ErrSyntax, s, len(src), len(dst))
	}
	return CopyUID{UIDValidity: v, Src: src, Dst: dst}, nil
}
