package directory_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

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

// ldapModify applies one change to dn as the service account.
func ldapModify(t *testing.T, s *ldaptest.Server, dn string, edit func(*ldap.ModifyRequest)) {
	t.Helper()
	c, err := s.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := ldap.NewModifyRequest(dn, nil)
	edit(req)
	if err := c.Modify(req); err != nil {
		t.Fatalf("modify %s: %v", dn, err)
	}
}

// A slapd that is stopped with SIGSTOP accepts connections and answers
// nothing. Every call then fails with ErrUnavailable within the time one
// call may take (DialTimeout + RequestTimeout), however many callers there
// are for how few connections: callers do not queue behind each other for
// a request timeout each. Accounts found before are still served from the
// cache; when slapd continues, the directory works again and holds no
// goroutines for the calls that failed.
func TestLDAPPausedServer(t *testing.T) {
	s := ldaptest.Start(t) // its own slapd: this test pauses it
	tree := ldaptest.NewTree(t, s)
	o := s.Options(tree)
	o.PoolSize = 1
	o.DialTimeout = 5 * time.Second
	o.RequestTimeout = 5 * time.Second
	o.CacheTTL = time.Hour
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-pw", Addresses: []string{"alice@example.org"}})
	mustAdd(t, d, directory.UserSpec{Login: "bob", Password: "bob-pw", Addresses: []string{"bob@example.org"}})
	if _, err := d.LookupAddress(ctx, "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	baseline := runtime.NumGoroutine()

	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			s.Resume()
		}
	}()

	// Served from the cache while slapd is paused.
	if a, err := d.LookupAddress(ctx, "alice@example.org"); err != nil || a.Login != "alice" {
		t.Errorf("LookupAddress of a cached account with slapd paused = %v, %v", a, err)
	}

	// Many more callers than connections. Before each call had its own
	// bound, the last of them waited for every one before it: about
	// callers × (DialTimeout + RequestTimeout) with one connection.
	const callers = 12
	budget := o.DialTimeout + o.RequestTimeout
	limit := budget + 30*time.Second // generous for a loaded machine, far below callers × budget
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			start := time.Now()
			var err error
			switch i % 3 {
			case 0:
				_, err = d.Authenticate(ctx, "bob", "bob-pw")
			case 1:
				_, err = d.Authenticate(ctx, "bob", "wrong")
			default:
				_, err = d.LookupAddress(ctx, "bob@example.org")
			}
			if !errors.Is(err, directory.ErrUnavailable) {
				t.Errorf("caller %d with slapd paused: %v, want ErrUnavailable", i, err)
			}
			if took := time.Since(start); took > limit {
				t.Errorf("caller %d with slapd paused answered after %v; one call may take %v", i, took, budget)
			}
		})
	}
	wg.Wait()

	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	waitFor(t, "bob logs in after slapd continued", func() bool {
		_, err := d.Authenticate(ctx, "bob", "bob-pw")
		return err == nil
	})
	if _, err := d.Authenticate(ctx, "bob", "wrong"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("wrong password after slapd continued: %v, want ErrAuthFailed", err)
	}
	waitFor(t, "goroutines of the failed calls to end", func() bool {
		runtime.GC()
		return runtime.NumGoroutine() <= baseline+8
	})
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

// A first server that accepts connections and never answers is passed
// over: after it has failed a request, connections go to the next server.
// Before, users' binds stayed on it for good (connecting to it succeeds,
// and only a failed connect moved on).
func TestLDAPFailoverSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	done := make(chan struct{})
	conns.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				<-done
				c.Close()
			})
		}
	})
	defer func() { close(done); ln.Close(); conns.Wait() }()

	d, _, _ := openLDAP(t, func(o *directory.LDAPOptions) {
		o.URLs = append([]string{"ldap://" + ln.Addr().String()}, o.URLs...)
		o.RequestTimeout = 2 * time.Second // each failure costs this; the outcome does not depend on it
		o.DialTimeout = 30 * time.Second
	})
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-pw", Addresses: []string{"alice@example.org"}})
	failures := 0
	waitFor(t, "alice logs in through the second server", func() bool {
		_, err := d.Authenticate(ctx, "alice", "alice-pw")
		if err != nil && !errors.Is(err, directory.ErrUnavailable) {
			t.Fatalf("Authenticate with a silent first server: %v, want nil or ErrUnavailable", err)
		}
		if err != nil {
			failures++
		}
		return err == nil
	})
	if failures > 2 {
		t.Errorf("%d logins failed before the silent server was passed over", failures)
	}
	for range 3 {
		if _, err := d.Authenticate(ctx, "alice", "alice-pw"); err != nil {
			t.Errorf("Authenticate after fail-over: %v", err)
		}
		if _, err := d.Authenticate(ctx, "alice", "wrong"); !errors.Is(err, directory.ErrAuthFailed) {
			t.Errorf("wrong password after fail-over: %v, want ErrAuthFailed", err)
		}
	}
}

// Login names that two entries hold, or an entry with two login names,
// fail closed: no login, no delivery, to either (the mailbox is filed
// under the login name, so mail for one entry would land in the other's).
func TestLDAPAmbiguousEntries(t *testing.T) {
	d, tree, s := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-pw", Addresses: []string{"alice@example.org"}})
	c, err := s.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, e := range []struct {
		rdn, mail, pw string
		uids          []string
	}{
		{"cn=alice-again", "alice2@example.org", "other-pw", []string{"alice"}},
		{"cn=two-names", "two@example.org", "two-pw", []string{"carol", "dave"}},
	} {
		req := ldap.NewAddRequest(e.rdn+","+tree.UserBase, nil)
		req.Attribute("objectClass", []string{"inetOrgPerson", "loftAccount"})
		req.Attribute("cn", []string{strings.TrimPrefix(e.rdn, "cn=")})
		req.Attribute("sn", []string{"x"})
		req.Attribute("uid", e.uids)
		req.Attribute("mail", []string{e.mail})
		req.Attribute("userPassword", []string{e.pw})
		if err := c.Add(req); err != nil {
			t.Fatal(err)
		}
	}
	for _, pw := range []string{"alice-pw", "other-pw"} {
		if a, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, directory.ErrUnavailable) {
			t.Errorf("Authenticate(alice, %s) with two alice entries = %v, %v; want ErrUnavailable", pw, a, err)
		}
	}
	for _, addr := range []string{"alice@example.org", "alice2@example.org", "two@example.org"} {
		if a, err := d.LookupAddress(ctx, addr); err == nil {
			t.Errorf("LookupAddress(%s) = account %q; want an error", addr, a.Login)
		} else if errors.Is(err, directory.ErrNotFound) && addr != "two@example.org" {
			t.Errorf("LookupAddress(%s) = %v; want ErrUnavailable (a temporary failure, not unknown)", addr, err)
		}
	}
	for _, login := range []string{"carol", "dave"} {
		if a, err := d.Authenticate(ctx, login, "two-pw"); err == nil {
			t.Errorf("Authenticate(%s) on an entry with two login names = %q", login, a.Login)
		}
	}
}

// Login names that differ from the account's only by case, spaces or
// encoding, and over-long ones, never log in (LDAP compares uid
// ignoring case and insignificant spaces; Loft's names are exact).
func TestLDAPOddLogins(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-pw", Addresses: []string{"alice@example.org"}})
	for _, login := range []string{
		"Alice", "ALICE", "alice ", " alice", "al ice", "alice\t", "al\xffice", "alice\x00",
		strings.Repeat("a", 300), "alice" + strings.Repeat(" ", 300),
	} {
		if a, err := d.Authenticate(ctx, login, "alice-pw"); !errors.Is(err, directory.ErrAuthFailed) {
			t.Errorf("Authenticate(%q) = %v, %v; want ErrAuthFailed", login, a, err)
		}
	}
	for _, pw := range []string{"", "alice-pw\x00", "alice-pw\x00x", " alice-pw", strings.Repeat("p", 100_000)} {
		if a, err := d.Authenticate(ctx, "alice", pw); !errors.Is(err, directory.ErrAuthFailed) {
			t.Errorf("Authenticate(alice, %.20q) = %v, %v; want ErrAuthFailed", pw, a, err)
		}
	}
	if _, err := d.Authenticate(ctx, "alice", "alice-pw"); err != nil {
		t.Errorf("Authenticate(alice): %v", err)
	}
}

// The cache holds entries (DN, addresses, quotas, enabled), never the
// outcome of a bind: a password changed in the directory by another
// program takes effect at once, whatever the TTL; an account disabled so
// is refused once its entry expires from the cache.
func TestLDAPCacheAndChangedPasswords(t *testing.T) {
	d, tree, s := openLDAP(t, func(o *directory.LDAPOptions) { o.CacheTTL = 2 * time.Second })
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "old-pw", Addresses: []string{"alice@example.org"}})
	if _, err := d.Authenticate(ctx, "alice", "old-pw"); err != nil {
		t.Fatal(err)
	}
	dn := "uid=alice," + tree.UserBase
	ldapModify(t, s, dn, func(r *ldap.ModifyRequest) { r.Replace("userPassword", []string{"new-pw"}) })
	if _, err := d.Authenticate(ctx, "alice", "old-pw"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("old password right after it was changed: %v, want ErrAuthFailed", err)
	}
	if _, err := d.Authenticate(ctx, "alice", "new-pw"); err != nil {
		t.Errorf("new password: %v", err)
	}
	ldapModify(t, s, dn, func(r *ldap.ModifyRequest) { r.Replace("loftEnabled", []string{"FALSE"}) })
	waitFor(t, "the disabled account to be refused", func() bool {
		_, err := d.Authenticate(ctx, "alice", "new-pw")
		return errors.Is(err, directory.ErrAuthFailed)
	})
}
