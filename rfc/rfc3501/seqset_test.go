package rfc3501

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSeqSet(t *testing.T) {
	tests := []struct {
		in   string
		want SeqSet
		str  string
	}{
		{"1", SeqSet{Ranges: []Range{{1, 1}}}, "1"},
		{"1:5,7,*:10,$", SeqSet{Ranges: []Range{{1, 5}, {7, 7}, {0, 10}}, Dollar: true}, "1:5,7,10:*,$"},
		{"$", SeqSet{Dollar: true}, "$"},
		{"4:2", SeqSet{Ranges: []Range{{4, 2}}}, "2:4"},
		{"*", SeqSet{Ranges: []Range{{0, 0}}}, "*"},
		{"*:*", SeqSet{Ranges: []Range{{0, 0}}}, "*"},
		{"1:*,*", SeqSet{Ranges: []Range{{1, 0}, {0, 0}}}, "1:*"},
		{"3,1,2,5:6,4", SeqSet{Ranges: []Range{{3, 3}, {1, 1}, {2, 2}, {5, 6}, {4, 4}}}, "1:6"},
		{"7:9,1:3,8", SeqSet{Ranges: []Range{{7, 9}, {1, 3}, {8, 8}}}, "1:3,7:9"},
		{"4294967295", SeqSet{Ranges: []Range{{4294967295, 4294967295}}}, "4294967295"},
		{"1:4294967295,2", SeqSet{Ranges: []Range{{1, 4294967295}, {2, 2}}}, "1:4294967295"},
		// RFC 3501 §9 sequence-set example.
		{"2,4:7,9,12:*", SeqSet{Ranges: []Range{{2, 2}, {4, 7}, {9, 9}, {12, 0}}}, "2,4:7,9,12:*"},
	}
	for _, tt := range tests {
		got, err := ParseSeqSet(tt.in)
		if err != nil {
			t.Errorf("ParseSeqSet(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSeqSet(%q) (-want +got):\n%s", tt.in, diff)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseSeqSet(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
	}
}

func TestParseSeqSetInvalid(t *testing.T) {
	tests := []struct {
		in  string
		pos int64
	}{
		{"", 0},
		{"0", 0},
		{"01", 0},
		{"1,", 2},
		{",1", 0},
		{"1:", 2},
		{":1", 0},
		{"1::2", 2},
		{"1:2:3", 2},
		{"4294967296", 0},
		{"$:3", 0},
		{"1,$:3", 2},
		{"1,2,x", 4},
		{"3:0", 2},
	}
	for _, tt := range tests {
		_, err := ParseSeqSet(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseSeqSet(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos {
			t.Errorf("ParseSeqSet(%q): error at %d, want %d (%v)", tt.in, se.Pos, tt.pos, err)
		}
	}
}

func TestSeqSetResolve(t *testing.T) {
	tests := []struct {
		set  string
		max  uint32
		want []Range
	}{
		// RFC 3501 §9: "2,4:7,9,12:*" in a mailbox of 15 messages is
		// 2,4,5,6,7,9,12,13,14,15.
		{"2,4:7,9,12:*", 15, []Range{{2, 2}, {4, 7}, {9, 9}, {12, 15}}},
		// RFC 3501 §9 seq-range: 2:4 and 4:2 are the same.
		{"4:2", 10, []Range{{2, 4}}},
		// RFC 3501 §9 seq-range: 3291:* includes the last UID even below 3291.
		{"3291:*", 3000, []Range{{3000, 3291}}},
		{"*", 7, []Range{{7, 7}}},
		{"*", 0, []Range{}},
		{"1:*", 0, []Range{{1, 1}}},
		{"5,1:3,4", 9, []Range{{1, 5}}},
		{"$", 9, []Range{}},
		{"1:4294967295,7", 9, []Range{{1, 4294967295}}},
	}
	for _, tt := range tests {
		set, err := ParseSeqSet(tt.set)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, set.Resolve(tt.max)); diff != "" {
			t.Errorf("%q.Resolve(%d) (-want +got):\n%s", tt.set, tt.max, diff)
		}
		// Contains and All agree with Resolve.
		var fromAll []uint32
		for n := range set.All(tt.max) {
			fromAll = append(fromAll, n)
			if len(fromAll) > 100 {
				break
			}
		}
		for n := uint32(0); n <= 40; n++ {
			want := slices.ContainsFunc(tt.want, func(r Range) bool { return r.Start <= n && n <= r.Stop })
			if got := set.Contains(n, tt.max); got != want {
				t.Errorf("%q.Contains(%d, %d) = %v, want %v", tt.set, n, tt.max, got, want)
			}
			if want && n > 0 && !slices.Contains(fromAll, n) && len(fromAll) <= 100 {
				t.Errorf("%q.All(%d) misses %d", tt.set, tt.max, n)
			}
		}
	}
}

func TestSeqSetAll(t *testing.T) {
	set, _ := ParseSeqSet("9,2:4,*")
	got := slices.Collect(set.All(12))
	if diff := cmp.Diff([]uint32{2, 3, 4, 9, 12}, got); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	top, _ := ParseSeqSet("4294967294:*")
	if got := slices.Collect(top.All(4294967295)); !slices.Equal(got, []uint32{4294967294, 4294967295}) {
		t.Errorf("All at the top of the range = %v", got)
	}
}

func TestSeqSetOf(t *testing.T) {
	s := SeqSetOf(5, 1, 2, 3, 9, 0, 10, 2)
	if got := s.String(); got != "1:3,5,9:10" {
		t.Errorf("SeqSetOf(...).String() = %q", got)
	}
	if s.Dynamic() {
		t.Error("SeqSetOf(...) is dynamic")
	}
	if got := SeqSetOf().String(); got != "" {
		t.Errorf("SeqSetOf().String() = %q", got)
	}
}

// sameMembers reports whether two sets have the same members for max values
// around the numbers they mention.
func sameMembers(a, b SeqSet) bool {
	if a.Dollar != b.Dollar {
		return false
	}
	maxes := []uint32{0, 1, 2, 3, 4294967295}
	for _, r := range append(slices.Clone(a.Ranges), b.Ranges...) {
		for _, n := range []uint32{r.Start, r.Stop} {
			maxes = append(maxes, n, n+1, n-1)
		}
	}
	for _, m := range maxes {
		if !slices.Equal(a.Resolve(m), b.Resolve(m)) {
			return false
		}
	}
	return true
}

func FuzzSeqSet(f *testing.F) {
	for _, s := range []string{"1:5,7,*:10,$", "2,4:7,9,12:*", "*", "$", "4294967295:1", "1,1,1", "0", "1:", "3:*,1:*,*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSeqSet(s)
		if err != nil {
			return
		}
		str := set.String()
		again, err := ParseSeqSet(str)
		if err != nil {
			t.Fatalf("ParseSeqSet(%q).String() = %q, which does not parse: %v", s, str, err)
		}
		if !sameMembers(set, again) {
			t.Fatalf("ParseSeqSet(%q) and ParseSeqSet(%q) differ", s, str)
		}
		if again.String() != str {
			t.Fatalf("String is not canonical: %q then %q", str, again.String())
		}
	})
}
