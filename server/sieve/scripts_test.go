package sieve

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/loftmail/loft/server/directory"
)

// fakeDirectory holds a global script and per-login scripts, or fails.
type fakeDirectory struct {
	global   []byte
	personal map[string][]byte
	err      error
}

func (f *fakeDirectory) GlobalSieveScript(context.Context) (string, []byte, error) {
	return "ldap-global", f.global, f.err
}

func (f *fakeDirectory) SieveScript(_ context.Context, acct *directory.Account) (string, []byte, error) {
	return "ldap-" + acct.Login, f.personal[acct.Login], f.err
}

// TestDirectorySource: scripts from the directory win; where it has none,
// the global file and the store's active script apply; a directory that
// fails keeps the message in INBOX.
func TestDirectorySource(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `require ["fileinto", "mailbox", "copy"]; fileinto :copy :create "FromFile";`)
	fd := &fakeDirectory{personal: map[string][]byte{}}
	x := newFixture(t, withConfig(func(c *Config) { c.Scripts = DirectorySource(fd, global) }))
	x.activate(`require ["fileinto", "mailbox"]; fileinto :create "FromStore";`)

	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"FromFile", "FromStore"}) {
		t.Errorf("without directory scripts: %v", out.Mailboxes)
	}
	fd.global = []byte(`require ["fileinto", "mailbox", "copy"]; fileinto :copy :create "FromLDAP";`)
	fd.personal["alice"] = []byte(`require ["fileinto", "mailbox"]; fileinto :create "AliceLDAP";`)
	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"FromLDAP", "AliceLDAP"}) {
		t.Errorf("with directory scripts: %v", out.Mailboxes)
	}
	fd.err = errors.New("ldap down")
	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("directory failing: %v, want INBOX", out.Mailboxes)
	}
}
