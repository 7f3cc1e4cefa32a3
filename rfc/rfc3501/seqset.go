package rfc3501

import (
	"iter"
	"slices"
	"strconv"
	"strings"
)

// Range is a seq-range or a single seq-number of a sequence set (RFC 3501 §9).
// Zero stands for "*", the largest number in use; Start may be above Stop, as
// "4:2" is the same range as "2:4". A single number n is Range{n, n}.
type Range struct {
	Start, Stop uint32
}

// SeqSet is a sequence-set (RFC 3501 §9) of message sequence numbers or UIDs.
type SeqSet struct {
	// Ranges as written, in order; zero stands for "*".
	Ranges []Range
	// Dollar is set by RFC 5182's "$": the saved result of the last SEARCH
	// (SEARCHRES), which the engine adds to the set. The other methods of
	// SeqSet look at Ranges only.
	Dollar bool
}

// SeqSetOf returns the set of the given numbers, sorted and with consecutive
// numbers joined into ranges. Zero, which is no message's number, is left out.
func SeqSetOf(nums ...uint32) SeqSet {
	var s SeqSet
	for _, n := range nums {
		if n != 0 {
			s.Ranges = append(s.Ranges, Range{n, n})
		}
	}
	s.Ranges = normalize(s.Ranges)
	return s
}

// ParseSeqSet parses a sequence-set such as "1:5,7,*:10" or, with RFC 5182,
// "$" (alone or as one element). Numbers are nz-number: no zero, no leading
// zeros, below 2^32. The error is a *SyntaxError whose Pos is an offset in s.
func ParseSeqSet(s string) (SeqSet, error) {
	var set SeqSet
	if s == "" {
		return set, &SyntaxError{Pos: 0, Msg: "empty sequence set"}
	}
	pos := 0
	for elem := range strings.SplitSeq(s, ",") {
		if elem == "$" {
			set.Dollar = true
			pos += 2
			continue
		}
		first, second, isRange := strings.Cut(elem, ":")
		a, err := parseSeqNumber(first, pos)
		if err != nil {
			return SeqSet{}, err
		}
		b := a
		if isRange {
			if b, err = parseSeqNumber(second, pos+len(first)+1); err != nil {
				return SeqSet{}, err
			}
		}
		set.Ranges = append(set.Ranges, Range{a, b})
		pos += len(elem) + 1
	}
	return set, nil
}

// parseSeqNumber parses seq-number: nz-number / "*" (returned as 0).
func parseSeqNumber(s string, pos int) (uint32, error) {
	if s == "*" {
		return 0, nil
	}
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, &SyntaxError{Pos: int64(pos), Msg: "expected non-zero number or \"*\" in sequence set"}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, &SyntaxError{Pos: int64(pos), Msg: "invalid number in sequence set"}
	}
	return uint32(n), nil
}

// resolve returns r with "*" replaced by max and Start <= Stop; ok is false
// when nothing of r remains (only possible with max 0). Zero, which no message
// has, is left out.
func (r Range) resolve(max uint32) (Range, bool) {
	if r.Start == 0 {
		r.Start = max
	}
	if r.Stop == 0 {
		r.Stop = max
	}
	if r.Start > r.Stop {
		r.Start, r.Stop = r.Stop, r.Start
	}
	if r.Start == 0 {
		r.Start = 1
	}
	return r, r.Stop != 0
}

// normalize sorts ranges without "*" by start, swaps reversed ones and joins
// those that overlap or touch.
func normalize(rs []Range) []Range {
	out := make([]Range, 0, len(rs))
	for _, r := range rs {
		if r.Start > r.Stop {
			r.Start, r.Stop = r.Stop, r.Start
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Range) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && uint64(r.Start) <= uint64(merged[n-1].Stop)+1 {
			merged[n-1].Stop = max(merged[n-1].Stop, r.Stop)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// Resolve returns the numbers of the set, "*" standing for max (the number of
// messages, or the mailbox's highest UID), as sorted, disjoint, non-adjacent
// ranges without zero. As RFC 3501 §9 says of seq-range, "n:*" includes max
// even when n is larger. Resolve does not clamp to max: a command that uses a
// sequence number beyond it earns a BAD (RFC 3501 §9 seq-number), a UID beyond
// it matches no message.
func (s SeqSet) Resolve(max uint32) []Range {
	rs := make([]Range, 0, len(s.Ranges))
	for _, r := range s.Ranges {
		if r, ok := r.resolve(max); ok {
			rs = append(rs, r)
		}
	}
	return normalize(rs)
}

// Contains reports whether n is in the set, "*" standing for max.
func (s SeqSet) Contains(n, max uint32) bool {
	if n == 0 {
		return false
	}
	for _, r := range s.Ranges {
		if r, ok := r.resolve(max); ok && r.Start <= n && n <= r.Stop {
			return true
		}
	}
	return false
}

// All yields the numbers of the set in increasing order, "*" standing for
// max. For UID sets, which may span billions of numbers, prefer Contains on
// the UIDs that exist.
func (s SeqSet) All(max uint32) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for _, r := range s.Resolve(max) {
			for n := r.Start; ; n++ {
				if !yield(n) {
					return
				}
				if n == r.Stop {
					break
				}
			}
		}
	}
}

// Dynamic reports whether the set uses "*" or "$", so that its meaning depends
// on the mailbox.
func (s SeqSet) Dynamic() bool {
	if s.Dollar {
		return true
	}
	for _, r := range s.Ranges {
		if r.Start == 0 || r.Stop == 0 {
			return true
		}
	}
	return false
}

// String returns the set in a canonical form: the ranges without "*" sorted
// and joined, then the ranges "n:*" in order of n (with a lone "*" left out
// when one of them is there, as it always includes the largest number), then
// "$". Parsing the result gives a set with the same members for every value of
// "*". The empty set, which has no sequence-set syntax, is "".
func (s SeqSet) String() string {
	var fixed []Range
	var starFrom []uint32 // n of each "n:*"; 0 for a lone "*"
	for _, r := range s.Ranges {
		switch {
		case r.Start != 0 && r.Stop != 0:
			fixed = append(fixed, r)
		case r.Start == 0:
			starFrom = append(starFrom, r.Stop)
		default:
			starFrom = append(starFrom, r.Start)
		}
	}
	slices.Sort(starFrom)
	starFrom = slices.Compact(starFrom)
	if len(starFrom) > 1 && starFrom[0] == 0 {
		starFrom = starFrom[1:]
	}
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
	}
	for _, r := range normalize(fixed) {
		sep()
		b.WriteString(strconv.FormatUint(uint64(r.Start), 10))
		if r.Stop != r.Start {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(r.Stop), 10))
		}
	}
	for _, n := range starFrom {
		sep()
		if n != 0 {
			b.WriteString(strconv.FormatUint(uint64(n), 10))
			b.WriteByte(':')
		}
		b.WriteByte('*')
	}
	if s.Dollar {
		sep()
		b.WriteByte('$')
	}
	return b.String()
}
