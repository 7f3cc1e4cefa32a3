package store

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	s, a := newTestAccount(t)
	s.grace = 0
	inbox := mustMailbox(t, a, "INBOX")
	mustAppend(t, inbox, "one")
	mustAppend(t, inbox, "two")
	// An expunge whose octets were never freed (as after a crash).
	if _, _, err := inbox.st.writeRecord(&record{nonce: newNonce(), kind: kindExpunge, uids: []uidRange{{1, 1}}}); err != nil {
		t.Fatal(err)
	}
	r, err := inbox.Open(1)
	if err != nil {
		t.Fatalf("expunged, not yet freed: %v", err)
	}
	r.Close()
	// Crash leftovers.
	os.WriteFile(a.path("tmp", tmpName()), []byte("partial"), 0o640)
	os.MkdirAll(a.path("boxes", randomHex(), "log"), 0o750)
	os.MkdirAll(a.path("names", "_Empty", "_Deeper"), 0o750)
	os.WriteFile(a.path("trash", "box."+randomHex()), []byte("x"), 0o640)
	ents, _ := os.ReadDir(a.path("uidvalidity"))
	os.Remove(a.path("uidvalidity", ents[0].Name()))

	rep, err := a.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(rep CheckReport) []string {
		var k []string
		for _, p := range rep.Problems {
			k = append(k, p.Kind)
		}
		sort.Strings(k)
		return k
	}
	// Only the innermost empty level: its parent is not empty until it goes.
	want := []string{ProblemEmptyLevel, ProblemStaleTmp, ProblemTrash, ProblemUIDValidity, ProblemUnreferenced, ProblemUnstubbed}
	if diff := cmp.Diff(want, kinds(rep)); diff != "" {
		t.Errorf("Check(false) kinds (-want +got):\n%s\n%+v", diff, rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Repaired {
			t.Errorf("Check(false) repaired %+v", p)
		}
	}
	rep, err = a.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if !p.Repaired {
			t.Errorf("not repaired: %+v", p)
		}
	}
	if rep, err = a.Check(false); err != nil || !rep.Clean() {
		t.Errorf("after repair: %+v, %v", rep, err)
	}
	_, err = inbox.Open(1)
	wantErr(t, err, ErrExpunged)

	// Damage that is reported, not repaired.
	if err := a.CreateMailbox("Damaged"); err != nil {
		t.Fatal(err)
	}
	d := mustMailbox(t, a, "Damaged")
	mustAppend(t, d, "fine")
	os.WriteFile(filepath.Join(d.st.logDir, "2"), []byte("LOFT1 garbage\r\n"), 0o640)
	os.WriteFile(filepath.Join(d.st.logDir, "9"), []byte("x"), 0o640)
	os.WriteFile(filepath.Join(d.st.logDir, "junk"), []byte("x"), 0o640)
	rep, _ = a.Check(true)
	if diff := cmp.Diff([]string{ProblemBadRecord, ProblemStray}, kinds(rep)); diff != "" {
		t.Errorf("damaged log (-want +got):\n%s\n%+v", diff, rep.Problems)
	}
	os.Remove(filepath.Join(d.st.logDir, "2"))
	rep, _ = a.Check(false)
	if diff := cmp.Diff([]string{ProblemLogGap, ProblemStray}, kinds(rep)); diff != "" {
		t.Errorf("gap (-want +got):\n%s\n%+v", diff, rep.Problems)
	}
	// A record that lies about its size.
	os.Remove(filepath.Join(d.st.logDir, "9"))
	os.Remove(filepath.Join(d.st.logDir, "junk"))
	p := filepath.Join(d.st.logDir, strconv.Itoa(1))
	data, _ := os.ReadFile(p)
	os.WriteFile(p, data[:len(data)-1], 0o640)
	rep, _ = a.Check(false)
	if diff := cmp.Diff([]string{ProblemSizeMismatch}, kinds(rep)); diff != "" {
		t.Errorf("short record (-want +got):\n%s\n%+v", diff, rep.Problems)
	}
	// Snapshot of the damaged mailbox fails loudly rather than guessing.
	os.WriteFile(filepath.Join(d.st.logDir, "2"), []byte("not a record"), 0o640)
	s2, _ := Open(s.root, Options{NoSync: true})
	defer s2.Close()
	a2, _ := s2.Account("alice")
	if _, err := mustMailbox(t, a2, "Damaged").Snapshot(); err == nil {
		t.Error("Snapshot over a damaged record succeeded")
	}
}
