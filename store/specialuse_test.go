package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// uses returns name's SpecialUse as Mailboxes lists it, and whether it is
// listed as a mailbox.
func uses(t *testing.T, a *Account, name string) ([]string, bool) {
	t.Helper()
	infos, err := a.Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Name == name && info.Selectable {
			return info.SpecialUse, true
		}
	}
	return nil, false
}

// TestSpecialUse: a mailbox created with special-use attributes lists them
// (sorted, once each); RENAME keeps them, DELETE removes them (a new mailbox
// at the name has none), SetSpecialUse replaces or removes them.
func TestSpecialUse(t *testing.T) {
	_, a := newTestAccount(t)
	if err := a.CreateSpecialMailbox("Mine", []string{`\Sent`, `\Drafts`, `\Sent`}); err != nil {
		t.Fatal(err)
	}
	got, ok := uses(t, a, "Mine")
	if !ok {
		t.Fatal("Mine is not listed")
	}
	if diff := cmp.Diff([]string{`\Drafts`, `\Sent`}, got); diff != "" {
		t.Errorf("special use (-want +got):\n%s", diff)
	}
	if got, _ := uses(t, a, "INBOX"); got != nil {
		t.Errorf("INBOX has special use %q", got)
	}

	if err := a.RenameMailbox("Mine", "Parent/Renamed"); err != nil {
		t.Fatal(err)
	}
	if got, _ := uses(t, a, "Parent/Renamed"); !cmp.Equal(got, []string{`\Drafts`, `\Sent`}) {
		t.Errorf("after RENAME: %q", got)
	}

	if err := a.SetSpecialUse("Parent/Renamed", []string{`\Trash`}); err != nil {
		t.Fatal(err)
	}
	if got, _ := uses(t, a, "Parent/Renamed"); !cmp.Equal(got, []string{`\Trash`}) {
		t.Errorf("after SetSpecialUse: %q", got)
	}
	if err := a.SetSpecialUse("Parent/Renamed", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := uses(t, a, "Parent/Renamed"); got != nil {
		t.Errorf("after SetSpecialUse(nil): %q", got)
	}
	if err := a.SetSpecialUse("Parent/Renamed", []string{`\Junk`}); err != nil {
		t.Fatal(err)
	}

	if err := a.DeleteMailbox("Parent/Renamed"); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateMailbox("Parent/Renamed"); err != nil {
		t.Fatal(err)
	}
	if got, ok := uses(t, a, "Parent/Renamed"); !ok || got != nil {
		t.Errorf("re-created mailbox: listed %v, special use %q; want listed, none", ok, got)
	}

	if err := a.SetSpecialUse("Nothing", []string{`\Junk`}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetSpecialUse of a missing mailbox: %v, want ErrNotFound", err)
	}
	for _, bad := range [][]string{{`Sent`}, {`\`}, {`\Se nt`}, {`\Sent1`}} {
		if err := a.CreateSpecialMailbox("Bad", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateSpecialMailbox(%q): %v, want ErrInvalid", bad, err)
		}
	}
	if _, ok := uses(t, a, "Bad"); ok {
		t.Error("a refused CreateSpecialMailbox left a mailbox")
	}
	if err := a.CreateSpecialMailbox("INBOX", []string{`\Sent`}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateSpecialMailbox(INBOX): %v, want ErrExists", err)
	}
}

// TestSpecialUseDamaged: a special-use file that does not parse is read as
// no attributes; the mailbox stays listed.
func TestSpecialUseDamaged(t *testing.T) {
	_, a := newTestAccount(t)
	if err := a.CreateSpecialMailbox("Sent", []string{`\Sent`}); err != nil {
		t.Fatal(err)
	}
	m := mustMailbox(t, a, "Sent")
	p := filepath.Join(a.dir, "boxes", m.GUID(), specialUseFile)
	if rep, err := a.Check(false); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("Check of a good special-use file: %+v %v", rep.Problems, err)
	}
	for _, content := range []string{"", `\Sent`, "\\Sent \\Drafts\n", "\\Sent\n\\Sent\n", "Sent\n"} {
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if got, ok := uses(t, a, "Sent"); !ok || got != nil {
			t.Errorf("file %q: listed %v, special use %q; want listed, none", content, ok, got)
		}
		rep, err := a.Check(true)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Kind != ProblemBadSpecialUse || rep.Problems[0].Repaired {
			t.Errorf("file %q: Check found %+v, want one unrepaired %s", content, rep.Problems, ProblemBadSpecialUse)
		}
	}
}

// defaultBoxes are the new-account mailboxes of the tests below.
var defaultBoxes = []NewMailbox{
	{Name: "Drafts", SpecialUse: []string{`\Drafts`}},
	{Name: "Sent", SpecialUse: []string{`\Sent`}},
	{Name: "Archive/Old", SpecialUse: []string{`\Archive`}},
	{Name: "Plain"},
}

// TestNewAccountMailboxes: every way an account is created gives it the
// configured mailboxes exactly once, also when several Stores create it at
// once; a deleted one does not come back.
func TestNewAccountMailboxes(t *testing.T) {
	root := t.TempDir()
	var stores []*Store
	for range 4 {
		s, err := Open(root, Options{NoSync: true, NewAccountMailboxes: defaultBoxes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.OpenAccount("alice")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("OpenAccount in store %d: %v", i, err)
		}
	}
	a, err := stores[0].Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	infos, err := a.Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	want := []MailboxInfo{
		{Name: "Archive", HasChildren: true},
		{Name: "Archive/Old", Selectable: true, SpecialUse: []string{`\Archive`}},
		{Name: "Drafts", Selectable: true, SpecialUse: []string{`\Drafts`}},
		{Name: "INBOX", Selectable: true},
		{Name: "Plain", Selectable: true},
		{Name: "Sent", Selectable: true, SpecialUse: []string{`\Sent`}},
	}
	if diff := cmp.Diff(want, infos); diff != "" {
		t.Errorf("mailboxes of the new account (-want +got):\n%s", diff)
	}
	ents, err := os.ReadDir(filepath.Join(a.dir, "boxes"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 5 {
		t.Errorf("boxes/ holds %d data directories, want 5 (nothing made twice)", len(ents))
	}

	if err := a.DeleteMailbox("Drafts"); err != nil {
		t.Fatal(err)
	}
	for _, s := range stores {
		if _, err := s.OpenAccount("alice"); err != nil {
			t.Fatal(err)
		}
	}
	if err := stores[1].CreateAccount("alice"); !errors.Is(err, ErrExists) {
		t.Errorf("CreateAccount of an existing account: %v, want ErrExists", err)
	}
	if _, ok := uses(t, a, "Drafts"); ok {
		t.Error("a deleted new-account mailbox came back")
	}
}

// TestNewAccountMailboxesChecked: Open refuses bad new-account mailboxes.
func TestNewAccountMailboxesChecked(t *testing.T) {
	for _, tc := range []struct {
		boxes []NewMailbox
		want  error
	}{
		{[]NewMailbox{{Name: "inbox"}}, ErrExists},
		{[]NewMailbox{{Name: "Sent"}, {Name: "Sent"}}, ErrExists},
		{[]NewMailbox{{Name: "a//b"}}, ErrInvalid},
		{[]NewMailbox{{Name: ""}}, ErrInvalid},
		{[]NewMailbox{{Name: "Sent", SpecialUse: []string{"Sent"}}}, ErrInvalid},
	} {
		s, err := Open(t.TempDir(), Options{NoSync: true, NewAccountMailboxes: tc.boxes})
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("Open with %v: %v, want %v", tc.boxes, err, tc.want)
		}
	}
	if err := CheckNewAccountMailboxes(defaultBoxes); err != nil {
		t.Errorf("CheckNewAccountMailboxes: %v", err)
	}
}

// TestSetSpecialUseConcurrent: concurrent SetSpecialUse calls leave one of
// the written lists whole, never a mixture or a damaged file.
func TestSetSpecialUseConcurrent(t *testing.T) {
	_, a := newTestAccount(t)
	if err := a.CreateMailbox("Box"); err != nil {
		t.Fatal(err)
	}
	lists := [][]string{{`\Sent`}, {`\Drafts`, `\Trash`}, {`\Archive`, `\Junk`, `\Sent`}}
	var wg sync.WaitGroup
	for _, l := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := a.SetSpecialUse("Box", l); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, _ := uses(t, a, "Box")
	found := false
	for _, l := range lists {
		found = found || cmp.Equal(got, l)
	}
	if !found {
		t.Errorf("after concurrent changes: %q, want one of %q", got, lists)
	}
}

// TestSetSpecialUseDelete: SetSpecialUse racing DeleteMailbox either
// succeeds (ordered before the delete) or finds the mailbox gone; the delete
// takes the attributes with it, and nothing is left in boxes/ or tmp/.
func TestSetSpecialUseDelete(t *testing.T) {
	_, a := newTestAccount(t)
	inboxGUID := mustMailbox(t, a, "INBOX").GUID()
	for round := range 20 {
		if err := a.CreateSpecialMailbox("Box", []string{`\Sent`}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		var setErr error
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				if err := a.SetSpecialUse("Box", []string{`\Trash`}); err != nil {
					setErr = err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			if err := a.DeleteMailbox("Box"); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if setErr != nil && !errors.Is(setErr, ErrNotFound) {
			t.Fatalf("round %d: SetSpecialUse: %v, want nil or ErrNotFound", round, setErr)
		}
		if _, ok := uses(t, a, "Box"); ok {
			t.Fatalf("round %d: Box is still listed", round)
		}
		for _, dir := range []string{"boxes", "tmp"} {
			ents, err := os.ReadDir(filepath.Join(a.dir, dir))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if dir == "boxes" && e.Name() == inboxGUID {
					continue
				}
				t.Errorf("round %d: %s/%s left behind", round, dir, e.Name())
			}
		}
	}
}
