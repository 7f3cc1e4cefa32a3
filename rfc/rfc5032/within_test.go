package rfc5032

import (
	"testing"
	"time"
)

// TestWithin checks §2's comparisons at and around the target time, and §4's
// interval of three days.
func TestWithin(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 700e6, time.UTC)
	target := Target(now, 259200) // §4: three days
	if want := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC); !target.Equal(want) {
		t.Fatalf("Target = %v, want %v", target, want)
	}
	for _, tc := range []struct {
		date           time.Time
		older, younger bool
	}{
		{target, true, true}, // "or equal" on both sides
		{target.Add(-time.Second), true, false},
		{target.Add(time.Second), false, true},
		{target.Add(999 * time.Millisecond), true, true}, // to the second
		{target.In(time.FixedZone("", -8*3600)), true, true},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), true, false},
		{now.Add(time.Hour), false, true},
	} {
		if got := Older(tc.date, target); got != tc.older {
			t.Errorf("Older(%v) = %v", tc.date, got)
		}
		if got := Younger(tc.date, target); got != tc.younger {
			t.Errorf("Younger(%v) = %v", tc.date, got)
		}
	}
}
