package directory_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// waitFor calls cond until it reports true, failing t after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slapd killed while binds are waiting for their answer: they fail with
// ErrUnavailable, never ErrAuthFailed, and once slapd is started again
// the same directory value logs users in.
func TestLDAPKilledDuringBind(t *testing.T) {
	s := ldaptest.Start(t)
	tree := ldaptest.NewTree(t, s)
	o := s.Options(tree)
	o.CacheTTL = time.Hour // the entries are found before: only the binds are in flight
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-pw"})
	if _, err := d.Authenticate(ctx, "alice", "alice-pw"); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	before := d.Stats().Binds
	const callers = 4
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			pw := "alice-pw"
			if i%2 == 1 {
				pw = "wrong"
			}
			if _, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, directory.ErrUnavailable) {
				t.Errorf("bind %d when slapd was killed: %v, want ErrUnavailable", i, err)
			}
		})
	}
	waitFor(t, "the binds to be sent", func() bool { return d.Stats().Binds >= before+callers })
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "alice logs in after slapd was started again", func() bool {
		_, err := d.Authenticate(ctx, "alice", "alice-pw")
		return err == nil
	})
}
