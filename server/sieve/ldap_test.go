package sieve

import (
	"context"
	"slices"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// TestLDAPScripts runs deliveries against a real slapd: the global script
// of the LDAP settings entry (loftGlobalSieveScript) and the personal
// script of the account's entry (loftSieveScript) are the ones that run.
func TestLDAPScripts(t *testing.T) {
	s := ldaptest.Start(t)
	tree := ldaptest.NewTree(t, s)
	d, err := directory.OpenLDAP(s.Options(tree))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.AddUser(directory.UserSpec{Login: "alice", Password: "pw", Addresses: []string{"alice@example.org"}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Conn()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mod := ldap.NewModifyRequest(tree.SettingsDN, nil)
	mod.Replace("loftGlobalSieveScript", []string{`require ["fileinto", "mailbox", "copy"]; fileinto :copy :create "Seen-by-site";`})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	mod = ldap.NewModifyRequest("uid=alice,"+tree.UserBase, nil)
	mod.Replace("loftSieveScript", []string{`require ["fileinto", "mailbox"]; if header :contains "subject" "hello" { fileinto :create "Hello"; }`})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	x := newFixture(t, withConfig(func(c *Config) { c.Scripts = DirectorySource(d, "") }))
	// The store's script is not the one that runs: the directory has one.
	x.activate(`discard;`)
	acct, err := d.LookupAddress(ctx, "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	x.acct = acct
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if want := []string{"Seen-by-site", "Hello"}; !slices.Equal(out.Mailboxes, want) {
		t.Errorf("went to %v, want %v", out.Mailboxes, want)
	}
}
