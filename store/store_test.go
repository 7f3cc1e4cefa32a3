package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAccounts(t *testing.T) {
	s, root := newTestStore(t)
	if err := s.CreateAccount("bob@example.org"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CreateAccount("bob@example.org"), ErrExists)
	if err := s.CreateAccount("alice"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alice", "bob@example.org"}, got); diff != "" {
		t.Errorf("Accounts (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(root, "accounts", "bob%40example%2Eorg", "account")); err != nil {
		t.Errorf("encoded account directory: %v", err)
	}
	ok, err := s.AccountExists("alice")
	if err != nil || !ok {
		t.Errorf("AccountExists(alice) = %v, %v", ok, err)
	}
	a, err := s.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "alice" {
		t.Errorf("Name() = %q", a.Name())
	}
	boxes, err := a.Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]MailboxInfo{{Name: "INBOX", Selectable: true}}, boxes); diff != "" {
		t.Errorf("new account's mailboxes (-want +got):\n%s", diff)
	}
	inbox := mustMailbox(t, a, "INBOX")
	mustAppend(t, inbox, "Subject: x\r\n\r\nhello\r\n")
	if err := s.DeleteAccount("alice"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteAccount("alice"), ErrNotFound)
	_, err = s.Account("alice")
	wantErr(t, err, ErrNotFound)
	_, err = inbox.Append(strings.NewReader("x"), AppendOptions{})
	wantErr(t, err, ErrNotFound)
	_, err = inbox.Snapshot()
	wantErr(t, err, ErrNotFound)
	ok, _ = s.AccountExists("alice")
	if ok {
		t.Error("deleted account still exists")
	}
	// Recreating gives a fresh, empty INBOX.
	if err := s.CreateAccount("alice"); err != nil {
		t.Fatal(err)
	}
	a, _ = s.Account("alice")
	if n := len(mustSnapshot(t, mustMailbox(t, a, "inbox")).Messages); n != 0 {
		t.Errorf("recreated INBOX has %d messages", n)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "trash"))
	if len(ents) != 0 {
		t.Errorf("trash not emptied: %v", ents)
	}
	for _, bad := range []string{"", "a\x00b", "tab\tname", strings.Repeat("x", 201)} {
		wantErr(t, s.CreateAccount(bad), ErrInvalid)
	}
}

func TestMailboxHierarchy(t *testing.T) {
	_, a := newTestAccount(t)
	for _, n := range []string{"Work/Projects/Loft", "Archive", "inbox/Sub"} {
		if err := a.CreateMailbox(n); err != nil {
			t.Fatalf("CreateMailbox(%q): %v", n, err)
		}
	}
	wantErr(t, a.CreateMailbox("Archive"), ErrExists)
	wantErr(t, a.CreateMailbox("INBOX"), ErrExists)
	wantErr(t, a.CreateMailbox("Inbox"), ErrExists)
	for _, bad := range []string{"", "/x", "x/", "a//b", "x\x01"} {
		wantErr(t, a.CreateMailbox(bad), ErrInvalid)
	}
	list := func() []MailboxInfo {
		t.Helper()
		l, err := a.Mailboxes()
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	want := []MailboxInfo{
		{Name: "Archive", Selectable: true},
		{Name: "INBOX", Selectable: true, HasChildren: true},
		{Name: "INBOX/Sub", Selectable: true},
		{Name: "Work", HasChildren: true},
		{Name: "Work/Projects", HasChildren: true},
		{Name: "Work/Projects/Loft", Selectable: true},
	}
	if diff := cmp.Diff(want, list()); diff != "" {
		t.Errorf("Mailboxes (-want +got):\n%s", diff)
	}
	_, err := a.Mailbox("Work")
	wantErr(t, err, ErrNotFound)
	_, err = a.Mailbox("Nope")
	wantErr(t, err, ErrNotFound)
	// Creating a level makes it selectable.
	if err := a.CreateMailbox("Work"); err != nil {
		t.Fatal(err)
	}
	loft := mustMailbox(t, a, "Work/Projects/Loft")
	msg := mustAppend(t, loft, "Subject: loft\r\n\r\nbody\r\n")
	uv := mustSnapshot(t, loft).UIDValidity

	// Rename moves children and keeps GUID and UIDVALIDITY.
	wantErr(t, a.RenameMailbox("INBOX", "Other"), ErrPermission)
	wantErr(t, a.RenameMailbox("Nope", "Other"), ErrNotFound)
	wantErr(t, a.RenameMailbox("Work", "Archive"), ErrExists)
	wantErr(t, a.RenameMailbox("Work", "Work/Below"), ErrInvalid)
	wantErr(t, a.RenameMailbox("Work", "inbox"), ErrExists)
	if err := a.RenameMailbox("Work", "Old/Work"); err != nil {
		t.Fatal(err)
	}
	moved := mustMailbox(t, a, "Old/Work/Projects/Loft")
	if moved.GUID() != loft.GUID() {
		t.Errorf("GUID changed by rename")
	}
	snap := mustSnapshot(t, moved)
	if snap.UIDValidity != uv || len(snap.Messages) != 1 || snap.Messages[0].UID != msg.UID {
		t.Errorf("renamed mailbox state %+v", snap)
	}
	// The old handle keeps working on the same mailbox.
	mustAppend(t, loft, "Subject: 2\r\n\r\nbody\r\n")
	if n := len(mustSnapshot(t, moved).Messages); n != 2 {
		t.Errorf("after append through old handle: %d messages", n)
	}
	want = []MailboxInfo{
		{Name: "Archive", Selectable: true},
		{Name: "INBOX", Selectable: true, HasChildren: true},
		{Name: "INBOX/Sub", Selectable: true},
		{Name: "Old", HasChildren: true},
		{Name: "Old/Work", Selectable: true, HasChildren: true},
		{Name: "Old/Work/Projects", HasChildren: true},
		{Name: "Old/Work/Projects/Loft", Selectable: true},
	}
	if diff := cmp.Diff(want, list()); diff != "" {
		t.Errorf("after rename (-want +got):\n%s", diff)
	}
	// Rename onto an empty level left behind is allowed; create again at
	// the old name gives a new UIDVALIDITY.
	if err := a.CreateMailbox("Work/Projects/Loft"); err != nil {
		t.Fatal(err)
	}
	if nuv := mustSnapshot(t, mustMailbox(t, a, "Work/Projects/Loft")).UIDValidity; nuv <= uv {
		t.Errorf("re-created mailbox UIDVALIDITY %d, not above %d", nuv, uv)
	}

	// Delete keeps children, removes the mailbox's messages.
	wantErr(t, a.DeleteMailbox("INBOX"), ErrPermission)
	wantErr(t, a.DeleteMailbox("Old"), ErrNotFound)
	if err := a.DeleteMailbox("Old/Work"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, a.DeleteMailbox("Old/Work"), ErrNotFound)
	_, err = a.Mailbox("Old/Work")
	wantErr(t, err, ErrNotFound)
	if n := len(mustSnapshot(t, moved).Messages); n != 2 {
		t.Errorf("child lost messages: %d", n)
	}
	if err := a.DeleteMailbox("Old/Work/Projects/Loft"); err != nil {
		t.Fatal(err)
	}
	_, err = moved.Snapshot()
	wantErr(t, err, ErrNotFound)
	_, err = moved.Append(strings.NewReader("x"), AppendOptions{})
	wantErr(t, err, ErrNotFound)
	want = []MailboxInfo{
		{Name: "Archive", Selectable: true},
		{Name: "INBOX", Selectable: true, HasChildren: true},
		{Name: "INBOX/Sub", Selectable: true},
		{Name: "Work", HasChildren: true},
		{Name: "Work/Projects", HasChildren: true},
		{Name: "Work/Projects/Loft", Selectable: true},
	}
	if diff := cmp.Diff(want, list()); diff != "" {
		t.Errorf("after deletes (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(a.path("names", "_Old")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty levels not pruned: %v", err)
	}
	rep, err := a.Check(false)
	if err != nil || !rep.Clean() {
		t.Errorf("Check: %+v, %v", rep, err)
	}
}

func TestSubscriptions(t *testing.T) {
	_, a := newTestAccount(t)
	long := strings.Repeat("Ünïcode/", 100) + "end"
	for _, n := range []string{"inbox", "Nonexistent/Box", long, "Work"} {
		if err := a.Subscribe(n); err != nil {
			t.Fatalf("Subscribe(%q): %v", n, err)
		}
	}
	if err := a.Subscribe("Work"); err != nil {
		t.Errorf("subscribing twice: %v", err)
	}
	wantErr(t, a.Subscribe("a//b"), ErrInvalid)
	got, err := a.Subscriptions()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"INBOX", "Nonexistent/Box", "Work", long}, got); diff != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", diff)
	}
	if err := a.Unsubscribe("Work"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, a.Unsubscribe("Work"), ErrNotFound)
	got, _ = a.Subscriptions()
	if diff := cmp.Diff([]string{"INBOX", "Nonexistent/Box", long}, got); diff != "" {
		t.Errorf("after Unsubscribe (-want +got):\n%s", diff)
	}
}

// TestHostileNames tries names meant to escape the account directory and
// checks that nothing appears outside it.
func TestHostileNames(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	s, err := Open(root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hostile := []string{
		"../x", "../../x", "/etc", "/etc/passwd", "a\x00b", ".", "..", "a//b",
		"a/../../b", "./a", "a/.", "a/..", "..%2F..", "%2e%2e", "\\..\\x", "a/b/../../..",
		strings.Repeat("a", 5000), strings.Repeat("../", 500), "x\x7f", "x\u0085y", "\xff\xfe",
	}
	for _, n := range hostile {
		err := s.CreateAccount(n)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateAccount(%q): %v", n, err)
		}
	}
	if err := s.CreateAccount("victim"); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Account("victim")
	for _, n := range hostile {
		for _, op := range []func(string) error{
			a.CreateMailbox,
			func(n string) error { return a.RenameMailbox("INBOX/x", n) },
			a.Subscribe,
			a.DeleteMailbox,
			func(n string) error { _, err := a.Mailbox(n); return err },
		} {
			err := op(n)
			if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrExists) {
				t.Errorf("op(%q): unexpected error %v", n, err)
			}
		}
	}
	if err := a.CreateMailbox("src"); err != nil {
		t.Fatal(err)
	}
	for _, n := range hostile {
		if err := a.RenameMailbox("src", n); err == nil {
			if err := a.RenameMailbox(n, "src"); err != nil {
				t.Fatalf("renaming back from %q: %v", n, err)
			}
		}
	}
	// Everything must be inside root, and names must stay inside names/.
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 || ents[0].Name() != "root" {
		t.Errorf("files outside the store root: %v", ents)
	}
	ents, _ = os.ReadDir(filepath.Join(root, "accounts"))
	var accts []string
	for _, e := range ents {
		accts = append(accts, e.Name())
	}
	for _, e := range accts {
		if e == "." || e == ".." || strings.ContainsAny(e, "/.\x00") {
			t.Errorf("unsafe account directory %q", e)
		}
	}
	filepath.WalkDir(filepath.Join(root, "accounts", "victim", "names"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if b := filepath.Base(p); d.IsDir() && b != "names" && (!strings.HasPrefix(b, "_") || strings.Contains(b, ".")) {
			t.Errorf("unsafe level %q", p)
		}
		return nil
	})
	got, err := a.Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if _, err := parseMailboxName(m.Name); err != nil {
			t.Errorf("listed name %q does not parse: %v", m.Name, err)
		}
	}
}

// TestOpenAccount: OpenAccount creates a missing account with its INBOX,
// returns an existing one unchanged, and refuses an invalid name.
func TestOpenAccount(t *testing.T) {
	s, _ := newTestStore(t)
	a, err := s.OpenAccount("carol")
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, mustMailbox(t, a, "INBOX"), "Subject: x\r\n\r\nbody\r\n")
	again, err := s.OpenAccount("carol")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(mustSnapshot(t, mustMailbox(t, again, "INBOX")).Messages); got != 1 {
		t.Errorf("reopened INBOX has %d messages, want 1", got)
	}
	if _, err := s.OpenAccount("a\x00b"); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid name: %v, want ErrInvalid", err)
	}
}
