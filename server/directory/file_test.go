package directory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
)

// testParams makes hashing cheap: these tests check behaviour, not cost.
var testParams = argonParams{memory: 64, time: 1, threads: 1}

// openTest opens the file directory in dir with cheap password hashing.
func openTest(t testing.TB, dir string) *File {
	t.Helper()
	f, err := OpenFile(dir)
	if err != nil {
		t.Fatalf("OpenFile(%s): %v", dir, err)
	}
	f.params = testParams
	t.Cleanup(func() { f.Close() })
	return f
}

func newTest(t testing.TB) *File {
	t.Helper()
	return openTest(t, filepath.Join(t.TempDir(), "directory"))
}

func mustAdd(t testing.TB, f *File, spec UserSpec) {
	t.Helper()
	if err := f.AddUser(spec); err != nil {
		t.Fatalf("AddUser(%q): %v", spec.Login, err)
	}
}

func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func TestAddLookupAuthenticate(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{
		Login:         "alice",
		Password:      "correct horse",
		Addresses:     []string{"Alice@Example.ORG", "a.smith@example.org", "alice@example.org"},
		QuotaStorage:  1 << 30,
		QuotaMessages: 5000,
	})
	want := &Account{
		Login:         "alice",
		Addresses:     []string{"alice@example.org", "a.smith@example.org"},
		QuotaStorage:  1 << 30,
		QuotaMessages: 5000,
		Enabled:       true,
		Groups:        []string{},
	}

	got, err := f.LookupLogin(ctx, "alice")
	if err != nil {
		t.Fatalf("LookupLogin: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LookupLogin (-want +got):\n%s", diff)
	}
	for _, addr := range []string{"alice@example.org", "ALICE@EXAMPLE.ORG", "A.Smith@Example.Org"} {
		got, err := f.LookupAddress(ctx, addr)
		if err != nil {
			t.Fatalf("LookupAddress(%q): %v", addr, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LookupAddress(%q) (-want +got):\n%s", addr, diff)
		}
	}
	got, err = f.Authenticate(ctx, "alice", "correct horse")
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Authenticate (-want +got):\n%s", diff)
	}

	for _, login := range []string{"Alice", "alice ", "bob"} {
		_, err := f.LookupLogin(ctx, login)
		wantErr(t, "LookupLogin("+login+")", err, ErrNotFound)
	}
	for _, addr := range []string{"bob@example.org", "alice+x@example.org", "alice@example.org.", "not an address", ""} {
		_, err := f.LookupAddress(ctx, addr)
		wantErr(t, "LookupAddress("+addr+")", err, ErrNotFound)
	}

	users, err := f.Users()
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	if diff := cmp.Diff([]Account{*want}, users); diff != "" {
		t.Errorf("Users (-want +got):\n%s", diff)
	}
}

func TestAuthenticateFailures(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "secret"})
	mustAdd(t, f, UserSpec{Login: "carol", Password: "secret", Disabled: true})
	mustAdd(t, f, UserSpec{Login: "nopass"})

	for _, tc := range []struct{ login, password string }{
		{"alice", "Secret"},
		{"alice", "secret "},
		{"alice", ""},
		{"Alice", "secret"},
		{"bob", "secret"},
		{"", "secret"},
		{"../alice", "secret"},
		{"alice", strings.Repeat("x", MaxPasswordLen+1)},
		{"carol", "secret"},
		{"nopass", "x"},
		{"nopass", ""},
	} {
		acct, err := f.Authenticate(ctx, tc.login, tc.password)
		if !errors.Is(err, ErrAuthFailed) || acct != nil {
			t.Errorf("Authenticate(%q, %q) = %v, %v; want nil, ErrAuthFailed", tc.login, tc.password, acct, err)
		}
	}

	// A disabled account is still found, and mail can still reach it.
	acct, err := f.LookupLogin(ctx, "carol")
	if err != nil || acct.Enabled {
		t.Fatalf("LookupLogin(carol) = %+v, %v; want a disabled account", acct, err)
	}
	if err := f.SetEnabled("carol", true); err != nil {
		t.Fatalf("SetEnabled: %v", err)
	}
	if _, err := f.Authenticate(ctx, "carol", "secret"); err != nil {
		t.Errorf("Authenticate after enabling: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Authenticate(cancelled, "alice", "secret"); !errors.Is(err, context.Canceled) {
		t.Errorf("Authenticate with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := f.LookupLogin(cancelled, "alice"); !errors.Is(err, context.Canceled) {
		t.Errorf("LookupLogin with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestPasswordStorage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "directory")
	f, err := OpenFile(dir) // the production parameters
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const password = "Tr0ub4dor&3-unique-marker"
	mustAdd(t, f, UserSpec{Login: "alice", Password: password})
	data, err := os.ReadFile(filepath.Join(dir, "users", "alice.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), password) || strings.Contains(string(data), "unique-marker") {
		t.Fatalf("the user file holds the password in clear:\n%s", data)
	}
	rec, err := parseUser(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rec.Password, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("stored hash %q is not argon2id with the default parameters", rec.Password)
	}
	if _, err := f.Authenticate(context.Background(), "alice", password); err != nil {
		t.Errorf("Authenticate: %v", err)
	}

	// A new password replaces the old one, with a new salt.
	if err := f.SetPassword("alice", password); err != nil {
		t.Fatal(err)
	}
	rec2, err := f.readUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	if rec2.Password == rec.Password {
		t.Error("SetPassword with the same password stored the same hash: the salt was reused")
	}
	wantErr(t, "SetPassword empty", f.SetPassword("alice", ""), ErrInvalid)
	wantErr(t, "SetPassword unknown", f.SetPassword("bob", "x"), ErrNotFound)
}

func TestBcryptHashesVerify(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "imported", Password: "placeholder"})
	hash, err := bcrypt.GenerateFromPassword([]byte("old system password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.readUser("imported")
	if err != nil {
		t.Fatal(err)
	}
	rec = rec.clone()
	rec.Password = string(hash)
	if err := f.writeUser(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Authenticate(ctx, "imported", "old system password"); err != nil {
		t.Errorf("Authenticate with a bcrypt hash: %v", err)
	}
	_, err = f.Authenticate(ctx, "imported", "placeholder")
	wantErr(t, "Authenticate with the wrong password", err, ErrAuthFailed)

	// A damaged hash is the server's problem, not a wrong password.
	rec = rec.clone()
	rec.Password = "plain text by mistake"
	if err := f.writeUser(rec); err != nil {
		t.Fatal(err)
	}
	_, err = f.Authenticate(ctx, "imported", "plain text by mistake")
	wantErr(t, "Authenticate with a damaged hash", err, ErrUnavailable)
	if strings.Contains(err.Error(), "mistake") {
		t.Errorf("error %q shows the stored value", err)
	}
}

func TestDuplicates(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "a", Addresses: []string{"alice@example.org"}})

	wantErr(t, "AddUser same login", f.AddUser(UserSpec{Login: "alice", Password: "b"}), ErrExists)
	err := f.AddUser(UserSpec{Login: "bob", Password: "b", Addresses: []string{"bob@example.org", "ALICE@example.org"}})
	wantErr(t, "AddUser taken address", err, ErrExists)
	if _, err := f.LookupLogin(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob exists after a refused AddUser: %v", err)
	}
	if _, err := f.LookupAddress(ctx, "bob@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob's address resolves after a refused AddUser: %v", err)
	}
	acct, err := f.LookupAddress(ctx, "alice@example.org")
	if err != nil || acct.Login != "alice" {
		t.Fatalf("LookupAddress(alice) = %+v, %v", acct, err)
	}

	// A case variant of a login is another account.
	mustAdd(t, f, UserSpec{Login: "Alice", Password: "c"})
	if _, err := f.Authenticate(ctx, "Alice", "a"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("Alice authenticated with alice's password: %v", err)
	}

	// Once alice gives the address up, bob can have it.
	if err := f.SetAddresses("alice", []string{"alice2@example.org"}); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, f, UserSpec{Login: "bob", Password: "b", Addresses: []string{"alice@example.org"}})
	acct, err = f.LookupAddress(ctx, "Alice@Example.org")
	if err != nil || acct.Login != "bob" {
		t.Fatalf("LookupAddress after the move = %+v, %v; want bob", acct, err)
	}
	acct, err = f.User("alice")
	if err != nil || !slices.Equal(acct.Addresses, []string{"alice2@example.org"}) {
		t.Fatalf("alice = %+v, %v", acct, err)
	}
}

func TestUpdateUser(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "a", Addresses: []string{"alice@example.org", "old@example.org"}})
	mustAdd(t, f, UserSpec{Login: "bob", Password: "b", Addresses: []string{"bob@example.org"}})

	err := f.UpdateUser("alice", func(c *UserChange) error {
		c.Addresses = []string{"NEW@example.org", "alice@example.org"}
		c.QuotaStorage = 2048
		c.QuotaMessages = 10
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	acct, err := f.LookupAddress(ctx, "new@example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := &Account{Login: "alice", Addresses: []string{"new@example.org", "alice@example.org"},
		QuotaStorage: 2048, QuotaMessages: 10, Enabled: true, Groups: []string{}}
	if diff := cmp.Diff(want, acct); diff != "" {
		t.Errorf("after UpdateUser (-want +got):\n%s", diff)
	}
	if _, err := f.LookupAddress(ctx, "old@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old address still resolves: %v", err)
	}
	if owner, _, err := f.claimOwner("old@example.org"); err != nil || owner != "" {
		t.Errorf("old address's claim names %q (%v); want it released", owner, err)
	}

	// An address of bob's: refused, and alice stays as she was.
	err = f.UpdateUser("alice", func(c *UserChange) error {
		c.Addresses = append(c.Addresses, "bob@example.org")
		c.QuotaStorage = 1
		return nil
	})
	wantErr(t, "UpdateUser with bob's address", err, ErrExists)
	acct, err = f.User("alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, acct); diff != "" {
		t.Errorf("after a refused UpdateUser (-want +got):\n%s", diff)
	}

	// An error from fn changes nothing and comes back as it is.
	errMine := errors.New("no thanks")
	if err := f.UpdateUser("alice", func(c *UserChange) error { c.QuotaStorage = 9; return errMine }); err != errMine {
		t.Errorf("UpdateUser returned %v, want fn's error", err)
	}
	for _, tc := range []struct {
		name string
		fn   func(*UserChange)
		want error
	}{
		{"negative quota", func(c *UserChange) { c.QuotaMessages = -1 }, ErrInvalid},
		{"bad address", func(c *UserChange) { c.Addresses = []string{"no at sign"} }, ErrInvalid},
	} {
		err := f.UpdateUser("alice", func(c *UserChange) error { tc.fn(c); return nil })
		wantErr(t, tc.name, err, tc.want)
	}
	wantErr(t, "UpdateUser unknown", f.SetQuota("nobody", 1, 1), ErrNotFound)
	wantErr(t, "UpdateUser invalid login", f.SetQuota("a/b", 1, 1), ErrInvalid)
	acct, err = f.User("alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, acct); diff != "" {
		t.Errorf("after refused updates (-want +got):\n%s", diff)
	}
}

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "a", Addresses: []string{"alice@example.org"}})
	mustAdd(t, f, UserSpec{Login: "bob", Password: "b"})
	if err := f.AddGroup("staff", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := f.DeleteUser("alice"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := f.LookupLogin(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupLogin after delete: %v", err)
	}
	if _, err := f.LookupAddress(ctx, "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupAddress after delete: %v", err)
	}
	if _, err := f.Authenticate(ctx, "alice", "a"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("Authenticate after delete: %v", err)
	}
	g, err := f.Group("staff")
	if err != nil || !slices.Equal(g.Members, []string{"bob"}) {
		t.Errorf("staff after deleting alice = %+v, %v; want bob alone", g, err)
	}
	wantErr(t, "DeleteUser again", f.DeleteUser("alice"), ErrNotFound)
	wantErr(t, "DeleteUser hostile", f.DeleteUser("../users/bob"), ErrInvalid)

	// A new alice starts afresh: no old groups, and the address is free.
	mustAdd(t, f, UserSpec{Login: "carol", Password: "c", Addresses: []string{"alice@example.org"}})
	mustAdd(t, f, UserSpec{Login: "alice", Password: "new"})
	acct, err := f.User("alice")
	if err != nil || len(acct.Groups) != 0 || len(acct.Addresses) != 0 {
		t.Errorf("new alice = %+v, %v", acct, err)
	}
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)
	for _, l := range []string{"alice", "bob", "carol"} {
		mustAdd(t, f, UserSpec{Login: l, Password: "x"})
	}
	if err := f.AddGroup("staff", []string{"carol", "alice", "carol"}); err != nil {
		t.Fatal(err)
	}
	if err := f.AddGroup("empty", nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "AddGroup existing", f.AddGroup("staff", nil), ErrExists)
	wantErr(t, "AddGroup unknown member", f.AddGroup("ghosts", []string{"alice", "nobody"}), ErrNotFound)
	wantErr(t, "AddGroup bad name", f.AddGroup("a/b", nil), ErrInvalid)
	wantErr(t, "AddGroup bad member", f.AddGroup("g", []string{"a b"}), ErrInvalid)
	if _, err := f.Group("ghosts"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused AddGroup left group ghosts: %v", err)
	}

	groups, err := f.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{{Name: "empty", Members: []string{}}, {Name: "staff", Members: []string{"alice", "carol"}}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}
	acct, err := f.User("carol")
	if err != nil || !slices.Equal(acct.Groups, []string{"staff"}) {
		t.Errorf("carol = %+v, %v; want in staff", acct, err)
	}

	if err := f.AddGroupMembers("empty", "bob", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveGroupMembers("staff", "alice", "bob"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "AddGroupMembers unknown", f.AddGroupMembers("staff", "nobody"), ErrNotFound)
	wantErr(t, "AddGroupMembers no group", f.AddGroupMembers("nogroup", "alice"), ErrNotFound)
	wantErr(t, "RemoveGroupMembers no group", f.RemoveGroupMembers("nogroup", "alice"), ErrNotFound)
	acct, err = f.User("alice")
	if err != nil || !slices.Equal(acct.Groups, []string{"empty"}) {
		t.Errorf("alice = %+v, %v; want in empty only", acct, err)
	}
	if err := f.SetGroupMembers("staff", []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "SetGroupMembers no group", f.SetGroupMembers("nogroup", nil), ErrNotFound)
	if err := f.DeleteGroup("empty"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteGroup again", f.DeleteGroup("empty"), ErrNotFound)
	groups, err = f.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want = []Group{{Name: "staff", Members: []string{"bob"}}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("Groups after edits (-want +got):\n%s", diff)
	}
	// The caller's copy is its own.
	groups[0].Members[0] = "mallory"
	g, err := f.Group("staff")
	if err != nil || !slices.Equal(g.Members, []string{"bob"}) {
		t.Errorf("changing Groups' result changed the directory: %+v, %v", g, err)
	}
}

// TestSecondInstance checks that a File sees, at its next lookup, what
// another File (standing for another process) changed.
func TestSecondInstance(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "directory")
	admin := openTest(t, dir)
	server := openTest(t, dir)

	// Warm the server's caches with misses and an empty group list.
	if _, err := server.LookupLogin(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := server.LookupAddress(ctx, "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if g, err := server.Groups(ctx); err != nil || len(g) != 0 {
		t.Fatal(g, err)
	}

	mustAdd(t, admin, UserSpec{Login: "alice", Password: "one", Addresses: []string{"alice@example.org"}})
	mustAdd(t, admin, UserSpec{Login: "bob", Password: "b"})
	if _, err := server.Authenticate(ctx, "alice", "one"); err != nil {
		t.Fatalf("server does not see the new account: %v", err)
	}
	if a, err := server.LookupAddress(ctx, "alice@example.org"); err != nil || a.Login != "alice" {
		t.Fatalf("server does not see the new address: %+v, %v", a, err)
	}

	if err := admin.SetPassword("alice", "two"); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Authenticate(ctx, "alice", "one"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("server accepts the old password: %v", err)
	}
	if _, err := server.Authenticate(ctx, "alice", "two"); err != nil {
		t.Errorf("server refuses the new password: %v", err)
	}

	if err := admin.SetAddresses("alice", []string{"alice.smith@example.org"}); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetAddresses("bob", []string{"alice@example.org"}); err != nil {
		t.Fatal(err)
	}
	if a, err := server.LookupAddress(ctx, "alice@example.org"); err != nil || a.Login != "bob" {
		t.Errorf("server: alice@example.org = %+v, %v; want bob", a, err)
	}
	if a, err := server.LookupAddress(ctx, "alice.smith@example.org"); err != nil || a.Login != "alice" {
		t.Errorf("server: alice.smith@example.org = %+v, %v; want alice", a, err)
	}

	for i := range 3 {
		members := []string{"alice"}
		if i%2 == 1 {
			members = []string{"bob"}
		}
		if i == 0 {
			if err := admin.AddGroup("staff", members); err != nil {
				t.Fatal(err)
			}
		} else if err := admin.SetGroupMembers("staff", members); err != nil {
			t.Fatal(err)
		}
		g, err := server.Groups(ctx)
		if err != nil || len(g) != 1 || !slices.Equal(g[0].Members, members) {
			t.Errorf("edit %d: server sees groups %+v, %v; want staff = %v", i, g, err, members)
		}
	}

	if err := admin.SetEnabled("alice", false); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Authenticate(ctx, "alice", "two"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("server lets a disabled account in: %v", err)
	}
	if err := admin.DeleteUser("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := server.LookupAddress(ctx, "alice.smith@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("server still resolves a deleted account's address: %v", err)
	}
}

// TestStaleClaims checks what a crash between writing an account's file and
// claiming its address, or the reverse, leaves, and that it is repaired.
func TestStaleClaims(t *testing.T) {
	ctx := context.Background()
	f := newTest(t)

	// A claim by an account that does not exist (AddUser crashed after
	// claiming, or DeleteUser before releasing): the address is free.
	if err := f.claimAddress("ghost@example.org", "ghost"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.LookupAddress(ctx, "ghost@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a stale claim resolves: %v", err)
	}
	mustAdd(t, f, UserSpec{Login: "alice", Password: "a", Addresses: []string{"ghost@example.org"}})
	if a, err := f.LookupAddress(ctx, "ghost@example.org"); err != nil || a.Login != "alice" {
		t.Errorf("reclaimed address = %+v, %v; want alice", a, err)
	}

	// An account whose file lists an address it never claimed (crash
	// between the two steps): the address does not resolve and is not
	// shown, and the next update claims it.
	rec, err := f.readUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	rec = rec.clone()
	rec.Addresses = append(rec.Addresses, "unclaimed@example.org")
	if err := f.writeUser(rec); err != nil {
		t.Fatal(err)
	}
	acct, err := f.User("alice")
	if err != nil || !slices.Equal(acct.Addresses, []string{"ghost@example.org"}) {
		t.Errorf("alice = %+v, %v; want the claimed address only", acct, err)
	}
	if _, err := f.LookupAddress(ctx, "unclaimed@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unclaimed address resolves: %v", err)
	}
	if err := f.SetQuota("alice", 100, 0); err != nil {
		t.Fatal(err)
	}
	if a, err := f.LookupAddress(ctx, "unclaimed@example.org"); err != nil || a.Login != "alice" {
		t.Errorf("after an update, unclaimed@ = %+v, %v; want alice", a, err)
	}

	// An address alice lists but bob validly owns: the update drops it
	// from alice instead of failing.
	mustAdd(t, f, UserSpec{Login: "bob", Password: "b", Addresses: []string{"bob@example.org"}})
	rec, err = f.readUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	rec = rec.clone()
	rec.Addresses = append(rec.Addresses, "bob@example.org")
	if err := f.writeUser(rec); err != nil {
		t.Fatal(err)
	}
	if err := f.SetQuota("alice", 200, 0); err != nil {
		t.Fatalf("SetQuota with a wrongly listed address: %v", err)
	}
	rec, err = f.readUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	if rec.lists("bob@example.org") || rec.QuotaStorage != 200 {
		t.Errorf("alice's file after repair: %+v", rec)
	}
	if a, err := f.LookupAddress(ctx, "bob@example.org"); err != nil || a.Login != "bob" {
		t.Errorf("bob@ = %+v, %v; want bob", a, err)
	}
}

func TestHostileNames(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "directory")
	f := openTest(t, dir)
	for _, login := range []string{
		"", "a/b", "../x", "/etc/passwd", "a\x00b", "a b", "a\tb", "a\nb", "a\rb",
		"\u202eevil", "zero\u200bwidth", "\xff\xfe", strings.Repeat("a", MaxLoginLen+1),
	} {
		wantErr(t, "AddUser("+login+")", f.AddUser(UserSpec{Login: login, Password: "x"}), ErrInvalid)
		wantErr(t, "AddGroup("+login+")", f.AddGroup(login, nil), ErrInvalid)
	}
	// Odd but valid names stay inside the directory and stay distinct.
	odd := []string{".", "..", ".hidden", "..x", "a.b", "a%2Eb", "%41lice", "Alice", "~root", "a:b", "日本", "a@b", strings.Repeat("é", MaxLoginLen/2)}
	for i, login := range odd {
		mustAdd(t, f, UserSpec{Login: login, Password: "pw" + login, Addresses: []string{"u" + string(rune('a'+i)) + "@example.org"}})
	}
	for _, login := range odd {
		if _, err := f.Authenticate(context.Background(), login, "pw"+login); err != nil {
			t.Errorf("Authenticate(%q): %v", login, err)
		}
	}
	users, err := f.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(odd) {
		t.Errorf("Users returned %d accounts, want %d", len(users), len(odd))
	}
	// Nothing was written outside the directory.
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 1 {
		t.Errorf("%s holds %v (%v), want the directory alone", root, entries, err)
	}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != dir && (strings.HasPrefix(name, ".") || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r > '~' })) {
			t.Errorf("unsafe file name %q", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "directory")
	f := openTest(t, dir)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "x"})

	// A temporary file left by a crash long ago is removed; a recent one,
	// maybe still being written, is kept.
	old := filepath.Join(dir, "tmp", "t.old")
	recent := filepath.Join(dir, "tmp", "t.recent")
	for _, p := range []string{old, recent} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * tmpMaxAge)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	f2 := openTest(t, dir)
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old temporary file: %v, want it removed", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent temporary file: %v, want it kept", err)
	}
	if _, err := f2.User("alice"); err != nil {
		t.Errorf("reopened directory: %v", err)
	}

	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "format"), []byte("something else\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(other); !errors.Is(err, ErrInvalid) {
		t.Errorf("OpenFile of a foreign directory: %v, want ErrInvalid", err)
	}
	if _, err := OpenFile(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("OpenFile(\"\"): %v, want ErrInvalid", err)
	}
}

func TestDamagedFiles(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "directory")
	f := openTest(t, dir)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "x"})
	path := filepath.Join(dir, "users", "alice.toml")
	for _, content := range []string{
		"not toml [",
		"format = 2\nlogin = \"alice\"\n",
		"format = 1\nlogin = \"bob\"\n",
		"format = 1\nlogin = \"alice\"\nunknown = 1\n",
		"format = 1\nlogin = \"alice\"\naddresses = [\"Alice@example.org\"]\n",
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := f.LookupLogin(ctx, "alice"); !errors.Is(err, ErrUnavailable) {
			t.Errorf("LookupLogin with %q: %v, want ErrUnavailable", content, err)
		}
		if _, err := f.Authenticate(ctx, "alice", "x"); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Authenticate with %q: %v, want ErrUnavailable", content, err)
		}
	}
}
