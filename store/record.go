package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Record kinds (FORMAT.md, "A record").
const (
	kindAppend  = 'A'
	kindStub    = 'S'
	kindFlags   = 'F'
	kindExpunge = 'X'
	kindCommit  = 'C'
	// kindSeen changes one user's own \Seen state (FORMAT.md, "Per-user
	// \Seen"): it never changes the messages' shared flags.
	kindSeen = 'U'
)

const (
	recordMagic = "LOFT1"
	nonceLen    = 32
	// sizeWidth is the width to which writers zero-pad the size of append
	// and stub records, so that a message of unknown length can be streamed
	// after a header whose length is fixed before the octets are read.
	sizeWidth = 12
	// maxSize is the largest size sizeWidth digits can hold.
	maxSize = 999_999_999_999
	// maxHeaderLen bounds a header line, CRLF excluded. Writers split flag
	// changes and expunges so that their uid-sets stay below maxUIDSetLen.
	maxHeaderLen = 1 << 20
	maxUIDSetLen = 256 << 10
)

// uidRange is an inclusive range of UIDs, lo <= hi.
type uidRange struct{ lo, hi uint32 }

// record is one parsed record header (FORMAT.md grammar "header").
type record struct {
	nonce string
	kind  byte
	// append and stub
	date  time.Time
	size  int64
	flags []string    // normalized; also the flag-list of a flags record
	from  *moveOrigin // append and stub made by a move: the source message
	// flags and expunge
	uids           []uidRange // ascending, disjoint, not adjacent
	op             StoreOp
	unchangedSince uint64 // 0: unconditional
	// per-user seen: the user whose \Seen state changes; op is AddFlags
	// or RemoveFlags
	user string
}

// moveOrigin names the source of a moved message (FORMAT.md, "Move"): the
// source mailbox's GUID and UIDVALIDITY, the message's UID there, and its
// mod-sequence when it was copied.
type moveOrigin struct {
	guid        string
	uidValidity uint32
	uid         uint32
	modSeq      uint64
}

func (o *moveOrigin) marshal(b []byte) []byte {
	b = append(b, " from="...)
	b = append(b, o.guid...)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(o.uidValidity), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(o.uid), 10)
	b = append(b, '/')
	return strconv.AppendUint(b, o.modSeq, 10)
}

// parseOrigin parses guid "/" uidvalidity "/" uid "/" modseq.
func parseOrigin(b []byte) (*moveOrigin, error) {
	parts := bytes.Split(b, []byte{'/'})
	if len(parts) != 4 || len(parts[0]) != 32 || !isLowerHex(parts[0]) {
		return nil, headerError("bad move origin")
	}
	uv, err1 := parseCanonicalUint(parts[1], 32)
	uid, err2 := parseCanonicalUint(parts[2], 32)
	ms, err3 := parseCanonicalUint(parts[3], 64)
	if err1 != nil || err2 != nil || err3 != nil || uv == 0 || uid == 0 || ms == 0 {
		return nil, headerError("bad move origin")
	}
	return &moveOrigin{guid: string(parts[0]), uidValidity: uint32(uv), uid: uint32(uid), modSeq: ms}, nil
}

// newNonce returns 32 lowercase hex digits of fresh randomness.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// appendDate formats t as FORMAT.md's internal-date: Unix seconds (floor,
// possibly negative), ".", nine digits of nanoseconds.
func appendDate(b []byte, t time.Time) []byte {
	sec := t.Unix()
	ns := t.Nanosecond()
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, '.')
	s := strconv.Itoa(ns)
	for i := len(s); i < 9; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendFlagList(b []byte, flags []string) []byte {
	b = append(b, '(')
	for i, f := range flags {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, f...)
	}
	return append(b, ')')
}

// appendUIDSet formats ranges as "a:b,c,d:e".
func appendUIDSet(b []byte, uids []uidRange) []byte {
	for i, r := range uids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(r.lo), 10)
		if r.hi != r.lo {
			b = append(b, ':')
			b = strconv.AppendUint(b, uint64(r.hi), 10)
		}
	}
	return b
}

// marshal returns the header line followed by CRLF.
func (r *record) marshal() []byte {
	b := make([]byte, 0, 128)
	b = append(b, recordMagic...)
	b = append(b, ' ')
	b = append(b, r.nonce...)
	b = append(b, ' ', r.kind, ' ')
	switch r.kind {
	case kindAppend, kindStub:
		b = appendDate(b, r.date)
		b = append(b, ' ')
		s := strconv.FormatInt(r.size, 10)
		for i := len(s); i < sizeWidth; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
		b = append(b, ' ')
		b = appendFlagList(b, r.flags)
		if r.from != nil {
			b = r.from.marshal(b)
		}
	case kindFlags:
		b = appendUIDSet(b, r.uids)
		b = append(b, ' ', "+-="[r.op], ' ')
		b = appendFlagList(b, r.flags)
		if r.unchangedSince != 0 {
			b = append(b, " unchangedsince="...)
			b = strconv.AppendUint(b, r.unchangedSince, 10)
		}
	case kindExpunge, kindCommit:
		b = appendUIDSet(b, r.uids)
	case kindSeen:
		b = append(b, encodeName(r.user)...)
		b = append(b, ' ')
		b = appendUIDSet(b, r.uids)
		b = append(b, ' ', "+-"[r.op])
	}
	return append(b, '\r', '\n')
}

// headerError describes a header that does not parse.
func headerError(format string, args ...any) error {
	return fmt.Errorf("store: bad record header: "+format, args...)
}

// parseRecordHeader parses one header line (without its CRLF). It never
// panics, and returns an error for anything outside FORMAT.md's grammar:
// unknown kind, non-canonical numbers, bad flags, a uid-set that is not
// ascending and disjoint, UID 0, sizes above 999999999999.
func parseRecordHeader(line []byte) (*record, error) {
	if len(line) > maxHeaderLen {
		return nil, headerError("longer than %d octets", maxHeaderLen)
	}
	p := line
	word := func() ([]byte, bool) {
		i := bytes.IndexByte(p, ' ')
		if i < 0 {
			w := p
			p = nil
			return w, len(w) > 0
		}
		w := p[:i]
		p = p[i+1:]
		return w, len(w) > 0 && len(p) > 0
	}
	magic, ok := word()
	if !ok || string(magic) != recordMagic {
		return nil, headerError("no %s magic", recordMagic)
	}
	nonce, ok := word()
	if !ok || len(nonce) != nonceLen || !isLowerHex(nonce) {
		return nil, headerError("bad nonce")
	}
	kind, ok := word()
	if !ok || len(kind) != 1 {
		return nil, headerError("bad kind")
	}
	r := &record{nonce: string(nonce), kind: kind[0]}
	switch r.kind {
	case kindAppend, kindStub:
		d, ok := word()
		if !ok {
			return nil, headerError("missing date")
		}
		date, err := parseDate(d)
		if err != nil {
			return nil, err
		}
		s, ok := word()
		if !ok || len(s) > sizeWidth || !isDigits(s) {
			return nil, headerError("bad size")
		}
		n, _ := strconv.ParseInt(string(s), 10, 64)
		if n == 0 {
			return nil, headerError("size 0")
		}
		r.date, r.size = date, n
		list := p
		const from = " from="
		if i := bytes.LastIndexByte(p, ')'); i >= 0 && i+1 < len(p) {
			list = p[:i+1]
			rest := p[i+1:]
			if !bytes.HasPrefix(rest, []byte(from)) {
				return nil, headerError("trailing data after flag-list")
			}
			o, err := parseOrigin(rest[len(from):])
			if err != nil {
				return nil, err
			}
			r.from = o
		}
		flags, err := parseFlagList(list)
		if err != nil {
			return nil, err
		}
		r.flags = flags
	case kindFlags:
		set, ok := word()
		if !ok {
			return nil, headerError("missing uid-set")
		}
		uids, err := parseUIDSet(set)
		if err != nil {
			return nil, err
		}
		op, ok := word()
		if !ok || len(op) != 1 {
			return nil, headerError("bad flag operation")
		}
		switch op[0] {
		case '+':
			r.op = AddFlags
		case '-':
			r.op = RemoveFlags
		case '=':
			r.op = ReplaceFlags
		default:
			return nil, headerError("bad flag operation %q", op)
		}
		list := p
		const cond = " unchangedsince="
		if i := bytes.LastIndexByte(p, ')'); i >= 0 && i+1 < len(p) {
			list = p[:i+1]
			rest := p[i+1:]
			if !bytes.HasPrefix(rest, []byte(cond)) {
				return nil, headerError("trailing data after flag-list")
			}
			v, err := parseCanonicalUint(rest[len(cond):], 64)
			if err != nil || v == 0 {
				return nil, headerError("bad unchangedsince")
			}
			r.unchangedSince = v
		}
		flags, err := parseFlagList(list)
		if err != nil {
			return nil, err
		}
		r.flags, r.uids = flags, uids
	case kindExpunge, kindCommit:
		uids, err := parseUIDSet(p)
		if err != nil {
			return nil, err
		}
		r.uids = uids
	case kindSeen:
		u, ok := word()
		if !ok {
			return nil, headerError("missing user")
		}
		user, err := decodeName(string(u))
		if err != nil || user == "" {
			return nil, headerError("bad user")
		}
		set, ok := word()
		if !ok {
			return nil, headerError("missing uid-set")
		}
		uids, err := parseUIDSet(set)
		if err != nil {
			return nil, err
		}
		switch string(p) {
		case "+":
			r.op = AddFlags
		case "-":
			r.op = RemoveFlags
		default:
			return nil, headerError("bad seen operation %q", p)
		}
		r.user, r.uids = user, uids
	default:
		return nil, headerError("unknown kind %q", kind)
	}
	return r, nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseCanonicalUint parses a decimal number without sign or leading zeros
// that fits in bits.
func parseCanonicalUint(b []byte, bits int) (uint64, error) {
	if !isDigits(b) || (len(b) > 1 && b[0] == '0') {
		return 0, headerError("bad number %q", b)
	}
	v, err := strconv.ParseUint(string(b), 10, bits)
	if err != nil {
		return 0, headerError("bad number %q", b)
	}
	return v, nil
}

// parseDate parses internal-date: ["-"] 1*18DIGIT "." 9DIGIT.
func parseDate(b []byte) (time.Time, error) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	dot := bytes.IndexByte(b, '.')
	if dot < 1 || dot > 18 || len(b)-dot-1 != 9 || !isDigits(b[:dot]) || !isDigits(b[dot+1:]) {
		return time.Time{}, headerError("bad internal date")
	}
	if len(b[:dot]) > 1 && b[0] == '0' || neg && string(b[:dot]) == "0" {
		return time.Time{}, headerError("bad internal date")
	}
	sec, _ := strconv.ParseInt(string(b[:dot]), 10, 64)
	ns, _ := strconv.ParseInt(string(b[dot+1:]), 10, 64)
	if neg {
		sec = -sec
	}
	return time.Unix(sec, ns).UTC(), nil
}

// parseFlagList parses "(" [flag *(SP flag)] ")"; flags must be canonical
// (system flags spelt as in systemFlags), sorted and unique.
func parseFlagList(b []byte) ([]string, error) {
	if len(b) < 2 || b[0] != '(' || b[len(b)-1] != ')' {
		return nil, headerError("bad flag-list")
	}
	b = b[1 : len(b)-1]
	if len(b) == 0 {
		return nil, nil
	}
	var flags []string
	for _, f := range bytes.Split(b, []byte{' '}) {
		c, err := canonicalFlag(string(f))
		if err != nil || c != string(f) {
			return nil, headerError("bad flag %q", f)
		}
		if n := len(flags); n > 0 && (flags[n-1] >= c || containsFlag(flags, c)) {
			return nil, headerError("flag-list not sorted and unique")
		}
		flags = append(flags, c)
	}
	return flags, nil
}

// parseUIDSet parses uid-set: ranges in ascending order, disjoint and not
// adjacent (the canonical form makeUIDSet produces).
func parseUIDSet(b []byte) ([]uidRange, error) {
	if len(b) == 0 || len(b) > maxHeaderLen {
		return nil, headerError("bad uid-set")
	}
	var out []uidRange
	for len(b) > 0 {
		i := bytes.IndexByte(b, ',')
		var item []byte
		if i < 0 {
			item, b = b, nil
		} else {
			item, b = b[:i], b[i+1:]
			if len(b) == 0 {
				return nil, headerError("bad uid-set")
			}
		}
		var r uidRange
		if j := bytes.IndexByte(item, ':'); j >= 0 {
			lo, err1 := parseCanonicalUint(item[:j], 32)
			hi, err2 := parseCanonicalUint(item[j+1:], 32)
			if err1 != nil || err2 != nil || lo >= hi {
				return nil, headerError("bad uid range %q", item)
			}
			r = uidRange{uint32(lo), uint32(hi)}
		} else {
			v, err := parseCanonicalUint(item, 32)
			if err != nil {
				return nil, headerError("bad uid %q", item)
			}
			r = uidRange{uint32(v), uint32(v)}
		}
		if r.lo == 0 {
			return nil, headerError("uid 0")
		}
		if n := len(out); n > 0 && uint64(r.lo) <= uint64(out[n-1].hi)+1 {
			return nil, headerError("uid-set not ascending and disjoint")
		}
		out = append(out, r)
	}
	return out, nil
}

// makeUIDSet returns the canonical ranges of a sorted, duplicate-free list
// of non-zero UIDs.
func makeUIDSet(uids []uint32) []uidRange {
	var out []uidRange
	for _, u := range uids {
		if n := len(out); n > 0 && out[n-1].hi+1 == u {
			out[n-1].hi = u
			continue
		}
		out = append(out, uidRange{u, u})
	}
	return out
}

// splitUIDSet cuts ranges into pieces whose encodings stay under
// maxUIDSetLen octets.
func splitUIDSet(rs []uidRange) [][]uidRange {
	var out [][]uidRange
	start, n := 0, 0
	const l = len("4294967295:4294967295,") // the longest encoded range
	for i := range rs {
		if n+l > maxUIDSetLen && i > start {
			out = append(out, rs[start:i])
			start, n = i, 0
		}
		n += l
	}
	if start < len(rs) {
		out = append(out, rs[start:])
	}
	return out
}
