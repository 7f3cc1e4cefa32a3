package main

import (
	"path/filepath"
	"testing"
)

// TestMailboxSpecialUse: `loft adm user add` makes the new account's
// mailboxes with their special use; `loft adm mailbox special-use` changes
// it, and `loft adm mailbox list` shows it.
func TestMailboxSpecialUse(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	ok(t, "pw\n", adm(data, "user", "add", "alice")...)
	want := "Archive\t\\Archive\nDrafts\t\\Drafts\nINBOX\t\nJunk\t\\Junk\nSent\t\\Sent\nTrash\t\\Trash\n"
	if got := ok(t, "", adm(data, "mailbox", "list", "alice")...); got != want {
		t.Errorf("mailbox list:\n%s\nwant:\n%s", got, want)
	}
	ok(t, "", adm(data, "mailbox", "special-use", "alice", "Archive")...)
	ok(t, "", adm(data, "mailbox", "special-use", "alice", "INBOX", `\archive`, `\Junk`)...)
	want = "Archive\t\nDrafts\t\\Drafts\nINBOX\t\\Archive \\Junk\nJunk\t\\Junk\nSent\t\\Sent\nTrash\t\\Trash\n"
	if got := ok(t, "", adm(data, "mailbox", "list", "alice")...); got != want {
		t.Errorf("mailbox list after special-use:\n%s\nwant:\n%s", got, want)
	}
	fails(t, 2, `\\All`, "", adm(data, "mailbox", "special-use", "alice", "Archive", `\All`)...)
	fails(t, 1, `not found`, "", adm(data, "mailbox", "special-use", "alice", "Nothing", `\Sent`)...)
	fails(t, 1, `not found`, "", adm(data, "mailbox", "list", "nobody")...)
}
