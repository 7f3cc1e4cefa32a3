package sieve

import (
	"context"
	"slices"
	"testing"

	"github.com/loftmail/loft/server/directory"
)

// settingsDirectory is a directory whose shared settings are given, or
// fail; the rest of directory.Directory is not used.
type settingsDirectory struct {
	directory.Directory
	settings directory.Settings
	err      error
}

func (d *settingsDirectory) Settings(context.Context) (directory.Settings, error) {
	return d.settings, d.err
}

// TestDirectorySource: scripts the directory keeps win (the settings
// entry's global script, the account entry's personal one); where it has
// none, the global file and the store's active script apply; a directory
// that cannot give its settings keeps the message in INBOX.
func TestDirectorySource(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `require ["fileinto", "mailbox", "copy"]; fileinto :copy :create "FromFile";`)
	sd := &settingsDirectory{}
	x := newFixture(t, withConfig(func(c *Config) { c.Scripts = DirectorySource(sd, global) }))
	x.activate(`require ["fileinto", "mailbox"]; fileinto :create "FromStore";`)

	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"FromFile", "FromStore"}) {
		t.Errorf("without directory scripts: %v", out.Mailboxes)
	}
	sd.settings.GlobalSieveScript = `require ["fileinto", "mailbox", "copy"]; fileinto :copy :create "FromLDAP";`
	x.acct.SieveScript = `require ["fileinto", "mailbox"]; fileinto :create "AliceLDAP";`
	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"FromLDAP", "AliceLDAP"}) {
		t.Errorf("with directory scripts: %v", out.Mailboxes)
	}
	sd.err = directory.ErrUnavailable
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Contains(out.Mailboxes, "INBOX") {
		t.Errorf("directory failing: %v, want the message kept in INBOX", out.Mailboxes)
	}
}
