package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// writeLDAPConfig writes a configuration file whose directory is tree on
// slapd, with extra appended, and returns its path.
func writeLDAPConfig(t *testing.T, slapd *ldaptest.Server, tree *ldaptest.Tree, extra string) string {
	t.Helper()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "ldap-password")
	if err := os.WriteFile(pwFile, []byte(ldaptest.ServicePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "loft.toml")
	toml := fmt.Sprintf(`data_dir = %q
[directory]
backend = "ldap"
[directory.ldap]
urls = [%q]
bind_dn = %q
bind_password_file = %q
user_base = %q
group_base = %q
settings_dn = %q
request_timeout = "60s"
dial_timeout = "60s"
`, filepath.Join(dir, "var"), slapd.URL, ldaptest.ServiceDN, pwFile, tree.UserBase, tree.GroupBase, tree.SettingsDN)
	if err := os.WriteFile(conf, []byte(toml+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestServeLDAP runs `loft serve` with an LDAP directory: an account that
// `loft adm` provisions logs in over POP3, and SIGHUP reloads the
// directory's settings without stopping the server.
func TestServeLDAP(t *testing.T) {
	slapd := ldaptest.Start(t)
	tree := ldaptest.NewTree(t, slapd)
	conf := writeLDAPConfig(t, slapd, tree, `[auth]
failure_delay = 0
[lmtp]
listen = []
[imap]
listen = []
[imaps]
listen = []
[pop3]
listen = ["127.0.0.1:0"]
[pop3s]
listen = []
[managesieve]
listen = []
`)
	p := startServe(t, conf, "")
	ok(t, "pop-secret\n", "adm", "--config", conf, "user", "add", "alice")
	pop3Login(t, p.pop3Addr, "alice", "pop-secret")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, `msg="directory reloaded"`)
	pop3Login(t, p.pop3Addr, "alice", "pop-secret")
	p.stop(t)
}

// TestAdmLDAP runs `loft adm user …` and `loft adm group …` against a real
// slapd: with backend = "ldap" they provision entries in the directory.
func TestAdmLDAP(t *testing.T) {
	slapd := ldaptest.Start(t)
	tree := ldaptest.NewTree(t, slapd)
	conf := writeLDAPConfig(t, slapd, tree, "")
	adm := func(args ...string) []string { return append([]string{"adm", "--config", conf}, args...) }

	ok(t, "s3cret\n", adm("user", "add", "alice", "--password-stdin", "--address", "alice@example.org", "--address", "a.smith@example.org", "--quota-storage", "1MiB")...)
	ok(t, "pw\n", adm("user", "add", "bob", "--password-stdin", "--address", "bob@example.org")...)
	fails(t, 1, `already exists`, "x\n", adm("user", "add", "alice", "--password-stdin")...)
	fails(t, 1, `already exists.*alice@example\.org`, "x\n", adm("user", "add", "carol", "--password-stdin", "--address", "ALICE@example.org")...)
	if got, want := ok(t, "", adm("user", "list")...), "alice\tenabled\talice@example.org a.smith@example.org\nbob\tenabled\tbob@example.org\n"; got != want {
		t.Errorf("user list:\n%q\nwant\n%q", got, want)
	}
	show := ok(t, "", adm("user", "show", "alice")...)
	for _, want := range []string{"login: alice\n", "\naddress: a.smith@example.org\n", "\nquota-storage: 1048576 (1MiB)\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user show alice lacks %q:\n%s", want, show)
		}
	}
	ok(t, "n3w\n", adm("user", "passwd", "alice", "--password-stdin")...)
	ok(t, "", adm("user", "set", "bob", "--quota-messages", "10", "--disable")...)
	ok(t, "", adm("group", "add", "staff", "alice", "bob")...)
	if got, want := ok(t, "", adm("group", "list")...), "staff\talice bob\n"; got != want {
		t.Errorf("group list:\n%q\nwant %q", got, want)
	}

	// What the servers see.
	o := slapd.Options(tree)
	d, err := directory.OpenLDAP(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if _, err := d.Authenticate(ctx, "alice", "s3cret"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("old password: %v, want ErrAuthFailed", err)
	}
	a, err := d.Authenticate(ctx, "alice", "n3w")
	if err != nil {
		t.Fatalf("new password: %v", err)
	}
	if a.QuotaStorage != 1<<20 || strings.Join(a.Groups, ",") != "staff" {
		t.Errorf("alice = %+v", a)
	}
	b, err := d.LookupAddress(ctx, "BOB@example.org")
	if err != nil || b.Enabled || b.QuotaMessages != 10 {
		t.Errorf("bob = %+v, %v; want disabled with 10 messages", b, err)
	}

	ok(t, "", adm("user", "del", "bob")...)
	if got, want := ok(t, "", adm("group", "list")...), "staff\talice\n"; got != want {
		t.Errorf("group list after deleting bob:\n%q\nwant %q", got, want)
	}
	if _, err := d.User("bob"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("bob after user del: %v, want ErrNotFound", err)
	}
}
