package directory_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// The LDAP tests share one slapd; each has a subtree of its own.
var (
	slapd     ldaptest.Shared
	slapdStop sync.Once
)

// openLDAP opens an LDAP directory on a fresh subtree of the shared slapd;
// edit changes its options first.
func openLDAP(t *testing.T, edit func(*directory.LDAPOptions)) (*directory.LDAP, *ldaptest.Tree, *ldaptest.Server) {
	t.Helper()
	slapdStop.Do(func() { directory.AfterTests = append(directory.AfterTests, slapd.Close) })
	s := slapd.Get(t)
	tree := ldaptest.NewTree(t, s)
	o := s.Options(tree)
	if edit != nil {
		edit(&o)
	}
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, tree, s
}

func mustAdd(t *testing.T, d directory.Admin, spec directory.UserSpec) {
	t.Helper()
	if err := d.AddUser(spec); err != nil {
		t.Fatalf("AddUser %s: %v", spec.Login, err)
	}
}

func TestLDAPAuthenticateAndLookup(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-secret",
		Addresses: []string{"Alice@Example.org", "a.smith@example.org"}, QuotaStorage: 1 << 20, QuotaMessages: 50})
	mustAdd(t, d, directory.UserSpec{Login: "carol", Password: "carol-secret", Addresses: []string{"carol@example.org"}, Disabled: true})

	want := &directory.Account{Login: "alice", Addresses: []string{"alice@example.org", "a.smith@example.org"},
		QuotaStorage: 1 << 20, QuotaMessages: 50, Enabled: true, Groups: []string{}}
	got, err := d.Authenticate(ctx, "alice", "alice-secret")
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Authenticate (-want +got):\n%s", diff)
	}
	for _, addr := range []string{"alice@example.org", "A.SMITH@example.ORG"} {
		got, err := d.LookupAddress(ctx, addr)
		if err != nil || got.Login != "alice" {
			t.Errorf("LookupAddress(%q) = %v, %v; want alice", addr, got, err)
		}
	}
	if got, err := d.LookupLogin(ctx, "alice"); err != nil || got.Login != "alice" {
		t.Errorf("LookupLogin(alice) = %v, %v", got, err)
	}

	for _, tc := range []struct {
		login, password string
		want            error
	}{
		{"alice", "wrong", directory.ErrAuthFailed},
		{"alice", "", directory.ErrAuthFailed},
		{"Alice", "alice-secret", directory.ErrAuthFailed}, // login names are case-sensitive
		{"nobody", "alice-secret", directory.ErrAuthFailed},
		{"carol", "carol-secret", directory.ErrAuthFailed}, // disabled
		{"", "x", directory.ErrAuthFailed},
	} {
		if _, err := d.Authenticate(ctx, tc.login, tc.password); !errors.Is(err, tc.want) {
			t.Errorf("Authenticate(%q, %q) = %v, want %v", tc.login, tc.password, err, tc.want)
		}
	}
	for _, login := range []string{"Alice", "nobody", "ali*"} {
		if _, err := d.LookupLogin(ctx, login); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("LookupLogin(%q) = %v, want ErrNotFound", login, err)
		}
	}
	if _, err := d.LookupAddress(ctx, "nobody@example.org"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("LookupAddress(nobody) = %v, want ErrNotFound", err)
	}
	// A disabled account is found: mail is still its.
	if got, err := d.LookupAddress(ctx, "carol@example.org"); err != nil || got.Enabled {
		t.Errorf("LookupAddress(carol) = %+v, %v; want a disabled account", got, err)
	}
}

// An empty password is refused before any bind is sent: to slapd it
// would be an unauthenticated bind, which succeeds (RFC 4513 §5.1.2).
func TestLDAPEmptyPasswordNeverSent(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "alice-secret"})
	before := d.Stats().Binds
	if _, err := d.Authenticate(context.Background(), "alice", ""); !errors.Is(err, directory.ErrAuthFailed) {
		t.Fatalf("Authenticate with empty password = %v, want ErrAuthFailed", err)
	}
	if n := d.Stats().Binds - before; n != 0 {
		t.Errorf("%d binds sent for an empty password, want 0", n)
	}
}

// Login names and addresses that would change a filter's structure if
// they were not escaped authenticate no one and find no one.
func TestLDAPInjection(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "admin", Password: "same-secret", Addresses: []string{"admin@example.org"}})
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "same-secret", Addresses: []string{"alice@example.org"}})
	for _, login := range []string{
		"*", "*)(uid=*", "admin)(|(a=b", "admin)(uid=*)", "ali*", "*)(|(objectClass=*", `admin\2a`,
		"admin\x00", "(uid=admin)", "admin)(&", "*))%00",
	} {
		if acct, err := d.Authenticate(ctx, login, "same-secret"); !errors.Is(err, directory.ErrAuthFailed) {
			t.Errorf("Authenticate(%q) = %v, %v; want ErrAuthFailed", login, acct, err)
		}
		if acct, err := d.LookupLogin(ctx, login); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("LookupLogin(%q) = %v, %v; want ErrNotFound", login, acct, err)
		}
	}
	for _, addr := range []string{"*@example.org", "*)(mail=*@example.org", "admin@example.org)(|(mail=*"} {
		if acct, err := d.LookupAddress(ctx, addr); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("LookupAddress(%q) = %v, %v; want ErrNotFound", addr, acct, err)
		}
	}
	// And the real ones still work.
	if _, err := d.Authenticate(ctx, "admin", "same-secret"); err != nil {
		t.Errorf("Authenticate(admin): %v", err)
	}
}

func TestLDAPProvisioning(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw-1", Addresses: []string{"alice@example.org"}})
	mustAdd(t, d, directory.UserSpec{Login: "bob", Password: "pw-b", Addresses: []string{"bob@example.org"}})

	if err := d.AddUser(directory.UserSpec{Login: "alice", Password: "x"}); !errors.Is(err, directory.ErrExists) {
		t.Errorf("AddUser(alice) again = %v, want ErrExists", err)
	}
	if err := d.AddUser(directory.UserSpec{Login: "eve", Password: "x", Addresses: []string{"ALICE@example.org"}}); !errors.Is(err, directory.ErrExists) {
		t.Errorf("AddUser(eve) with alice's address = %v, want ErrExists", err)
	}
	if err := d.AddUser(directory.UserSpec{Login: "bad name", Password: "x"}); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("AddUser(bad name) = %v, want ErrInvalid", err)
	}

	if err := d.SetPassword("alice", "pw-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", "pw-1"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("old password: %v, want ErrAuthFailed", err)
	}
	if _, err := d.Authenticate(ctx, "alice", "pw-2"); err != nil {
		t.Errorf("new password: %v", err)
	}

	err := d.UpdateUser("alice", func(c *directory.UserChange) error {
		c.Addresses = append(c.Addresses, "alias@example.org")
		c.QuotaStorage = 5000
		c.Disabled = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.User("alice")
	if err != nil {
		t.Fatal(err)
	}
	want := &directory.Account{Login: "alice", Addresses: []string{"alice@example.org", "alias@example.org"},
		QuotaStorage: 5000, Enabled: false, Groups: []string{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	if _, err := d.Authenticate(ctx, "alice", "pw-2"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("disabled account: %v, want ErrAuthFailed", err)
	}
	err = d.UpdateUser("alice", func(c *directory.UserChange) error {
		c.Addresses = append(c.Addresses, "bob@example.org")
		return nil
	})
	if !errors.Is(err, directory.ErrExists) {
		t.Errorf("UpdateUser taking bob's address = %v, want ErrExists", err)
	}

	users, err := d.Users()
	if err != nil {
		t.Fatal(err)
	}
	var logins []string
	for _, u := range users {
		logins = append(logins, u.Login)
	}
	if !slices.Equal(logins, []string{"alice", "bob"}) {
		t.Errorf("Users = %v, want [alice bob]", logins)
	}

	if err := d.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LookupLogin(ctx, "alice"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("LookupLogin after DeleteUser = %v, want ErrNotFound", err)
	}
	if err := d.DeleteUser("alice"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("DeleteUser again = %v, want ErrNotFound", err)
	}
}

func TestLDAPGroups(t *testing.T) {
	for _, mode := range []string{"memberOf", "search"} {
		t.Run(mode, func(t *testing.T) {
			d, _, _ := openLDAP(t, func(o *directory.LDAPOptions) {
				o.CacheTTL = 0
				if mode == "search" {
					o.MemberOfAttr = ""
				}
			})
			ctx := context.Background()
			for _, l := range []string{"alice", "bob", "carol"} {
				mustAdd(t, d, directory.UserSpec{Login: l, Password: "pw"})
			}
			if err := d.AddGroup("staff", []string{"bob", "alice"}); err != nil {
				t.Fatal(err)
			}
			if err := d.AddGroup("ops", []string{"carol"}); err != nil {
				t.Fatal(err)
			}
			if err := d.AddGroup("empty", nil); !errors.Is(err, directory.ErrInvalid) {
				t.Errorf("AddGroup without members = %v, want ErrInvalid", err)
			}
			if err := d.AddGroup("staff", []string{"carol"}); !errors.Is(err, directory.ErrExists) {
				t.Errorf("AddGroup(staff) again = %v, want ErrExists", err)
			}
			if err := d.AddGroupMembers("ops", "alice"); err != nil {
				t.Fatal(err)
			}
			groups, err := d.Groups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []directory.Group{{Name: "ops", Members: []string{"alice", "carol"}}, {Name: "staff", Members: []string{"alice", "bob"}}}
			if diff := cmp.Diff(want, groups); diff != "" {
				t.Errorf("Groups (-want +got):\n%s", diff)
			}
			a, err := d.LookupLogin(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Groups, []string{"ops", "staff"}) {
				t.Errorf("alice's groups = %v, want [ops staff]", a.Groups)
			}
			if err := d.RemoveGroupMembers("ops", "alice"); err != nil {
				t.Fatal(err)
			}
			if err := d.RemoveGroupMembers("ops", "carol"); !errors.Is(err, directory.ErrInvalid) {
				t.Errorf("removing the last member = %v, want ErrInvalid", err)
			}
			// Deleting carol removes ops, of which she is the last member.
			if err := d.DeleteUser("carol"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Group("ops"); !errors.Is(err, directory.ErrNotFound) {
				t.Errorf("Group(ops) after its last member went = %v, want ErrNotFound", err)
			}
			if err := d.DeleteGroup("staff"); err != nil {
				t.Fatal(err)
			}
			if a, err := d.LookupLogin(ctx, "alice"); err != nil || len(a.Groups) != 0 {
				t.Errorf("alice after the groups went: %+v, %v", a, err)
			}
		})
	}
}

// The account's Sieve script and the shared settings entry: the global
// script and the default quotas, seen after Reload.
func TestLDAPSieveAndSettings(t *testing.T) {
	d, tree, s := openLDAP(t, nil)
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw"})
	mustAdd(t, d, directory.UserSpec{Login: "bob", Password: "pw", QuotaStorage: 7})
	c, err := s.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const script = "require \"fileinto\";\r\nif header :contains \"subject\" \"[list]\" { fileinto \"Lists\"; }\r\n"
	mod := ldap.NewModifyRequest("uid=alice,"+tree.UserBase, nil)
	mod.Replace("loftSieveScript", []string{script})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	const global = "if exists \"x-spam\" { discard; }"
	mod = ldap.NewModifyRequest(tree.SettingsDN, nil)
	mod.Replace("loftGlobalSieveScript", []string{global})
	mod.Replace("loftDefaultQuotaStorage", []string{"1000000"})
	mod.Replace("loftDefaultQuotaMessages", []string{"500"})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := d.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(directory.Settings{GlobalSieveScript: global, DefaultQuotaStorage: 1000000, DefaultQuotaMessages: 500}, st); diff != "" {
		t.Errorf("Settings (-want +got):\n%s", diff)
	}
	a, err := d.LookupLogin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.SieveScript != script || a.QuotaStorage != 1000000 || a.QuotaMessages != 500 {
		t.Errorf("alice = %+v; want her script and the default quotas", a)
	}
	b, err := d.LookupLogin(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if b.SieveScript != "" || b.QuotaStorage != 7 || b.QuotaMessages != 500 {
		t.Errorf("bob = %+v; want no script, his own storage quota, the default message quota", b)
	}
}

// A burst of lookups makes one search while the cache holds the entry, and
// one search each without the cache.
func TestLDAPCache(t *testing.T) {
	for _, ttl := range []time.Duration{time.Hour, 0} {
		d, _, _ := openLDAP(t, func(o *directory.LDAPOptions) { o.CacheTTL = ttl })
		mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw", Addresses: []string{"alice@example.org"}})
		ctx := context.Background()
		before := d.Stats().Searches
		const burst = 20
		for range burst {
			if _, err := d.LookupAddress(ctx, "alice@example.org"); err != nil {
				t.Fatal(err)
			}
		}
		n := d.Stats().Searches - before
		// Two searches per lookup that reaches the server: by address,
		// and by the login name found, which must be no other entry's.
		want := uint64(2)
		if ttl == 0 {
			want = 2 * burst
		}
		if n != want {
			t.Errorf("cache_ttl %v: %d searches for %d lookups, want %d", ttl, n, burst, want)
		}
	}
}

// The LDAP server stopped: authentication and lookups are temporary
// failures, never "wrong password" or "no such user"; started again: the
// same directory value works, without being reopened.
func TestLDAPServerDownAndBack(t *testing.T) {
	s := ldaptest.Start(t) // its own slapd: this test stops it
	tree := ldaptest.NewTree(t, s)
	o := s.Options(tree)
	o.CacheTTL = 0
	o.DialTimeout = 30 * time.Second
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw", Addresses: []string{"alice@example.org"}})
	if _, err := d.Authenticate(ctx, "alice", "pw"); err != nil {
		t.Fatal(err)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", "pw"); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Authenticate with slapd stopped = %v, want ErrUnavailable", err)
	}
	if _, err := d.Authenticate(ctx, "alice", "wrong"); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Authenticate (wrong password) with slapd stopped = %v, want ErrUnavailable", err)
	}
	if _, err := d.LookupAddress(ctx, "alice@example.org"); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("LookupAddress with slapd stopped = %v, want ErrUnavailable", err)
	}
	if _, err := d.Groups(ctx); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Groups with slapd stopped = %v, want ErrUnavailable", err)
	}

	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "alice", "pw"); err != nil {
		t.Errorf("Authenticate after slapd came back: %v", err)
	}
	if _, err := d.LookupAddress(ctx, "alice@example.org"); err != nil {
		t.Errorf("LookupAddress after slapd came back: %v", err)
	}
}

// With several URLs, a server that cannot be reached is passed over.
func TestLDAPFailover(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "ldap://" + dead.Addr().String()
	dead.Close() // nothing listens there now: connections are refused
	d, _, s := openLDAP(t, func(o *directory.LDAPOptions) {
		o.URLs = append([]string{deadURL}, o.URLs...)
	})
	_ = s
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw"})
	if _, err := d.Authenticate(context.Background(), "alice", "pw"); err != nil {
		t.Fatalf("Authenticate with the first server down: %v", err)
	}
}

// A server that accepts connections and never answers makes a temporary
// failure once the request timeout has passed.
func TestLDAPServerSilent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns sync.WaitGroup
	done := make(chan struct{})
	conns.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				<-done // read nothing, answer nothing
				c.Close()
			})
		}
	})
	defer func() { close(done); ln.Close(); conns.Wait() }()
	o := directory.DefaultLDAPOptions()
	o.URLs = []string{"ldap://" + ln.Addr().String()}
	o.BindDN = ldaptest.ServiceDN
	o.BindPassword = ldaptest.ServicePassword
	o.UserBase = "ou=people," + ldaptest.Suffix
	o.GroupBase = "ou=groups," + ldaptest.Suffix
	o.RequestTimeout = time.Second // the outcome is the same however slow the machine
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Authenticate(context.Background(), "alice", "pw"); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Authenticate against a silent server = %v, want ErrUnavailable", err)
	}
}

func TestLDAPOptionsCheck(t *testing.T) {
	good := directory.DefaultLDAPOptions()
	good.URLs = []string{"ldap://127.0.0.1:389", "ldaps://ldap.example.org"}
	good.UserBase = "ou=people,dc=example,dc=org"
	good.GroupBase = "ou=groups,dc=example,dc=org"
	if err := good.Check(); err != nil {
		t.Fatalf("Check(good) = %v", err)
	}
	for name, edit := range map[string]func(*directory.LDAPOptions){
		"no urls":            func(o *directory.LDAPOptions) { o.URLs = nil },
		"http url":           func(o *directory.LDAPOptions) { o.URLs = []string{"http://x"} },
		"url with dn":        func(o *directory.LDAPOptions) { o.URLs = []string{"ldap://x/dc=a?uid"} },
		"bad base":           func(o *directory.LDAPOptions) { o.UserBase = "not a dn" },
		"no group base":      func(o *directory.LDAPOptions) { o.GroupBase = "" },
		"filter without %s":  func(o *directory.LDAPOptions) { o.UserFilter = "(uid=alice)" },
		"unbalanced filter":  func(o *directory.LDAPOptions) { o.AddressFilter = "(|(mail=%s)" },
		"bind without pw":    func(o *directory.LDAPOptions) { o.BindDN = "cn=x"; o.BindPassword = "" },
		"pool size 0":        func(o *directory.LDAPOptions) { o.PoolSize = 0 },
		"zero timeout":       func(o *directory.LDAPOptions) { o.RequestTimeout = 0 },
		"negative cache ttl": func(o *directory.LDAPOptions) { o.CacheTTL = -time.Second },
	} {
		o := good
		o.URLs = slices.Clone(good.URLs)
		edit(&o)
		if err := o.Check(); !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%s: Check = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := directory.OpenLDAP(directory.LDAPOptions{}); !errors.Is(err, directory.ErrInvalid) || !strings.Contains(err.Error(), "urls") {
		t.Errorf("OpenLDAP(zero options) = %v, want ErrInvalid naming urls", err)
	}
}

// The settings entry is read again every SettingsInterval, without Reload.
func TestLDAPSettingsInterval(t *testing.T) {
	d, tree, s := openLDAP(t, func(o *directory.LDAPOptions) { o.SettingsInterval = 50 * time.Millisecond })
	ctx := context.Background()
	if st, err := d.Settings(ctx); err != nil || st != (directory.Settings{}) {
		t.Fatalf("Settings = %+v, %v; want the empty entry", st, err)
	}
	c, err := s.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mod := ldap.NewModifyRequest(tree.SettingsDN, nil)
	mod.Replace("loftDefaultQuotaMessages", []string{"42"})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	// Wait for the change on a condition, with a deadline no loaded
	// machine reaches.
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := d.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.DefaultQuotaMessages == 42 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("settings not re-read within a minute: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ldaps:// and StartTLS, verified against ca_file; a server whose
// certificate cannot be verified is unavailable, and nothing is sent to it
// in clear.
func TestLDAPTLS(t *testing.T) {
	ldaptest.SkipIfMissing(t)
	dir := t.TempDir()
	certFile, keyFile, _, err := harness.WriteCertificate(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ldaptest.StartTLSIn(filepath.Join(dir, "slapd"), certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	tree := ldaptest.NewTree(t, s)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		url      string
		startTLS bool
		ca       string
		want     error
	}{
		{"ldaps", s.TLSURL, false, certFile, nil},
		{"starttls", s.URL, true, certFile, nil},
		{"ldaps-unverified", s.TLSURL, false, "", directory.ErrUnavailable},
		{"starttls-unverified", s.URL, true, "", directory.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := s.Options(tree)
			o.URLs = []string{tc.url}
			o.StartTLS = tc.startTLS
			o.CAFile = tc.ca
			d, err := directory.OpenLDAP(o)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if tc.want == nil {
				if _, err := d.LookupLogin(ctx, "tls-user"); errors.Is(err, directory.ErrNotFound) {
					mustAdd(t, d, directory.UserSpec{Login: "tls-user", Password: "pw"})
				}
			}
			_, err = d.Authenticate(ctx, "tls-user", "pw")
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Authenticate = %v, want %v", err, tc.want)
			}
		})
	}
}

// Many goroutines share a small pool: every call gets its answer.
func TestLDAPConcurrent(t *testing.T) {
	d, _, _ := openLDAP(t, func(o *directory.LDAPOptions) { o.PoolSize = 2; o.CacheTTL = 0 })
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw", Addresses: []string{"alice@example.org"}})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16*10)
	for g := range 16 {
		wg.Go(func() {
			for i := range 10 {
				var err error
				switch (g + i) % 3 {
				case 0:
					_, err = d.Authenticate(ctx, "alice", "pw")
				case 1:
					if _, e := d.Authenticate(ctx, "alice", "wrong"); !errors.Is(e, directory.ErrAuthFailed) {
						err = fmt.Errorf("wrong password: %v", e)
					}
				case 2:
					_, err = d.LookupAddress(ctx, "alice@example.org")
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := d.Stats().Dials; n > 4 {
		t.Errorf("%d connections dialled for a pool of 2 (and 2 for binds)", n)
	}
}

// A deadline that passes while the directory has not answered is a
// temporary failure; a cancelled context is the caller's.
func TestLDAPContext(t *testing.T) {
	d, _, _ := openLDAP(t, nil)
	mustAdd(t, d, directory.UserSpec{Login: "alice", Password: "pw"})
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := d.LookupLogin(ctx, "alice"); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("LookupLogin with a passed deadline = %v, want ErrUnavailable and context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := d.Authenticate(ctx, "alice", "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Authenticate with a cancelled context = %v, want context.Canceled", err)
	}
}
