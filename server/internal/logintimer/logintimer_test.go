package logintimer

import (
	"testing"
	"time"
)

func TestTimer(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	lt := Start(t0, 30*time.Second)
	cases := []struct {
		name    string
		now     time.Time
		idle    time.Duration
		pending bool
		want    time.Time
		expired bool
	}{
		{"login end first", t0, time.Minute, true, t0.Add(30 * time.Second), false},
		{"idle first", t0, 10 * time.Second, true, t0.Add(10 * time.Second), false},
		{"authenticated: idle only", t0, time.Minute, false, t0.Add(time.Minute), false},
		{"at the end", t0.Add(30 * time.Second), time.Minute, true, t0.Add(30 * time.Second), true},
		{"authenticated after the end", t0.Add(40 * time.Second), time.Minute, false, t0.Add(100 * time.Second), false},
	}
	for _, c := range cases {
		if got := lt.Deadline(c.now, c.idle, c.pending); !got.Equal(c.want) {
			t.Errorf("%s: Deadline = %v, want %v", c.name, got, c.want)
		}
		if got := lt.Expired(c.now, c.pending); got != c.expired {
			t.Errorf("%s: Expired = %v, want %v", c.name, got, c.expired)
		}
	}
	none := Start(t0, 0)
	if got := none.Deadline(t0, time.Minute, true); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("no login timeout: Deadline = %v", got)
	}
	if none.Expired(t0.Add(time.Hour), true) {
		t.Error("no login timeout: Expired")
	}
}
