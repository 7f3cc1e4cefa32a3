package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClaimVacation(t *testing.T) {
	_, a := newTestAccount(t)
	t0 := time.Unix(1_700_000_000, 0)
	day := 24 * time.Hour
	steps := []struct {
		handle, sender string
		at             time.Time
		want           bool
	}{
		{"h", "bob@example.org", t0, true},
		{"h", "bob@example.org", t0.Add(time.Hour), false},           // within the period
		{"h", "carol@example.org", t0.Add(time.Hour), true},          // another sender
		{"other", "bob@example.org", t0.Add(time.Hour), true},        // another handle (RFC 5230 §4.2)
		{"h", "bob@example.org", t0.Add(7*day - time.Second), false}, // last second of the period
		{"h", "bob@example.org", t0.Add(7 * day), true},              // the period has ended
		{"h", "bob@example.org", t0.Add(8 * day), false},             // a new period began at 7 days
		// The length-prefixed key keeps ("hb", "ob…") apart from ("h", "bob…").
		{"hb", "ob@example.org", t0.Add(8 * day), true},
	}
	for i, s := range steps {
		_, ok, err := a.ClaimVacation(s.handle, s.sender, s.at, 7*day)
		if err != nil || ok != s.want {
			t.Errorf("step %d: ClaimVacation(%q, %q, +%v) = %v, %v; want %v", i, s.handle, s.sender, s.at.Sub(t0), ok, err, s.want)
		}
	}
	if _, _, err := a.ClaimVacation("h", "x@example.org", t0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("ClaimVacation with period 0: err = %v, want ErrInvalid", err)
	}
	// Only the newest generation of a pair is kept.
	dir := a.path(vacationDirName, vacationKey("h", "bob@example.org"))
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 || ents[0].Name() != "2" {
		t.Errorf("%s holds %v (%v); want only generation 2", dir, ents, err)
	}
}

func TestVacationRelease(t *testing.T) {
	_, a := newTestAccount(t)
	now := time.Unix(1_700_000_000, 0)
	c, ok, err := a.ClaimVacation("h", "bob@example.org", now, time.Hour)
	if err != nil || !ok {
		t.Fatalf("ClaimVacation = %v, %v", ok, err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.ClaimVacation("h", "bob@example.org", now, time.Hour); err != nil || !ok {
		t.Fatalf("ClaimVacation after Release = %v, %v; want true", ok, err)
	}
	// A stale claim's Release leaves the newer record alone.
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.ClaimVacation("h", "bob@example.org", now, time.Hour); ok {
		t.Fatal("a released stale claim removed the newer record")
	}
}

// TestClaimVacationConcurrent: of many deliveries asking at once, across
// two Store instances on one directory, exactly one may answer.
func TestClaimVacationConcurrent(t *testing.T) {
	s1, root := newTestStore(t)
	if err := s1.CreateAccount("alice"); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	now := time.Unix(1_700_000_000, 0)
	for round := range 5 {
		at := now.Add(time.Duration(round) * 2 * time.Hour)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			st := s1
			if i%2 == 1 {
				st = s2
			}
			wg.Go(func() {
				a, err := st.Account("alice")
				if err != nil {
					t.Error(err)
					return
				}
				_, ok, err := a.ClaimVacation("h", "bob@example.org", at, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("round %d: %d deliveries may answer, want exactly 1", round, n)
		}
	}
}

func TestSweepVacation(t *testing.T) {
	_, a := newTestAccount(t)
	if n, err := a.SweepVacation(time.Now()); err != nil || n != 0 {
		t.Fatalf("SweepVacation of an account without records = %d, %v", n, err)
	}
	now := time.Unix(1_700_000_000, 0)
	a.ClaimVacation("h", "old@example.org", now, time.Hour)
	a.ClaimVacation("h", "new@example.org", now.Add(2*time.Hour), time.Hour)
	// At now+2h30 the first period ended 1h30 ago (past the grace), the
	// second has not ended.
	n, err := a.SweepVacation(now.Add(2*time.Hour + 30*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("SweepVacation = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(a.path(vacationDirName, vacationKey("h", "old@example.org"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("expired record not removed: %v", err)
	}
	if _, ok, _ := a.ClaimVacation("h", "new@example.org", now.Add(2*time.Hour+30*time.Minute), time.Hour); ok {
		t.Error("SweepVacation forgot a response still in its period")
	}
	// A record a delivery makes while the sweep runs is kept: a newer
	// generation than the one read as expired makes the rmdir fail.
	dir := a.path(vacationDirName, vacationKey("h", "new@example.org"))
	removeOlderVacations(dir, 1)
	if _, err := os.Stat(filepath.Join(dir, "1")); err != nil {
		t.Errorf("removeOlderVacations(dir, 1) removed generation 1: %v", err)
	}
	if os.Remove(dir) == nil {
		t.Error("rmdir of a directory holding a record succeeded")
	}
}

// TestVacationDamagedRecord: a record that does not parse counts as
// ended, and the next claim replaces it.
func TestVacationDamagedRecord(t *testing.T) {
	_, a := newTestAccount(t)
	now := time.Unix(1_700_000_000, 0)
	if _, ok, err := a.ClaimVacation("h", "bob@example.org", now, time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	p := filepath.Join(a.path(vacationDirName, vacationKey("h", "bob@example.org")), "1")
	if err := os.WriteFile(p, []byte("garbage"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.ClaimVacation("h", "bob@example.org", now, time.Hour); err != nil || !ok {
		t.Fatalf("ClaimVacation over a damaged record = %v, %v; want true", ok, err)
	}
	if _, ok, _ := a.ClaimVacation("h", "bob@example.org", now, time.Hour); ok {
		t.Fatal("the replacing record is not remembered")
	}
}
