package rfc5182

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// TestSavedExample10 is §2.4's table and Example 10: the matches are
// 2,10:15,21.
func TestSavedExample10(t *testing.T) {
	found := []uint32{2, 10, 11, 12, 13, 14, 15, 21}
	for _, tc := range []struct {
		opts []string
		want []uint32
	}{
		{[]string{"ALL", "SAVE"}, found},                  // C283
		{[]string{"SAVE", "MIN"}, []uint32{2}},            // C284
		{[]string{"MAX", "SAVE"}, []uint32{21}},           // table: SAVE MAX
		{[]string{"MAX", "SAVE", "MIN"}, []uint32{2, 21}}, // C285
		{[]string{"MAX", "SAVE", "MIN", "COUNT"}, found},  // C286
		{[]string{"ALL", "SAVE", "MIN"}, found},           // the second C286
		{[]string{"SAVE"}, found},                         // §2.1
		{[]string{"SAVE", "COUNT"}, found},
	} {
		if diff := cmp.Diff(tc.want, Saved(tc.opts, found)); diff != "" {
			t.Errorf("%v: (-want +got)\n%s", tc.opts, diff)
		}
	}
	// One match: MIN and MAX are the same message, saved once.
	if diff := cmp.Diff([]uint32{7}, Saved([]string{"MIN", "MAX", "SAVE"}, []uint32{7})); diff != "" {
		t.Errorf("MIN MAX of one: %s", diff)
	}
	// §2.1: no match saves the empty list.
	if got := Saved([]string{"SAVE", "MIN"}, nil); len(got) != 0 {
		t.Errorf("no match saved %v", got)
	}
}

func TestCheckSet(t *testing.T) {
	for _, tc := range []struct {
		set string
		ok  bool
	}{
		{"$", true},
		{"1:*", true},
		{"1,$", false},
		{"$,3:4", false},
		{"$,$", true}, // one "$" twice is still "$" alone: ParseSeqSet merges it
	} {
		set, err := rfc3501.ParseSeqSet(tc.set)
		if err != nil {
			t.Fatalf("%s: %v", tc.set, err)
		}
		err = CheckSet(set)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.set, err)
		}
		if err != nil && !errors.Is(err, ErrMixed) {
			t.Errorf("%s: %v is not ErrMixed", tc.set, err)
		}
	}
}
