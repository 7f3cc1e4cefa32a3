package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc4314"
)

func TestACLDefaultOwner(t *testing.T) {
	_, a := newTestAccount(t)
	acl, err := mustMailbox(t, a, "INBOX").ACL()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rfc4314.ACL{{Identifier: "alice", Rights: rfc4314.All}}, acl); diff != "" {
		t.Error(diff)
	}
}

func TestACLModifyDeleteRename(t *testing.T) {
	s, a := newTestAccount(t)
	if err := a.CreateMailbox("Shared"); err != nil {
		t.Fatal(err)
	}
	m := mustMailbox(t, a, "Shared")
	if _, err := m.ModifyACL("bob", rfc4314.Modification{Rights: rfc4314.Lookup | rfc4314.Read}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ModifyACL("-$team", rfc4314.Modification{Op: rfc4314.Add, Rights: rfc4314.Write}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DeleteACL("nobody"); err != nil {
		t.Fatal(err)
	}
	// acl/ is part of the format: check finds nothing wrong.
	if report, err := a.Check(false); err != nil || !report.Clean() {
		t.Errorf("check after ACL changes: %+v, %v", report, err)
	}
	// Another Store on the same root sees the list (read from the files).
	s2, err := Open(s.root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2, _ := s2.Account("alice")
	// RFC 4314 §4: RENAME keeps the ACL.
	if err := a2.RenameMailbox("Shared", "Team"); err != nil {
		t.Fatal(err)
	}
	acl, err := mustMailbox(t, a2, "Team").ACL()
	if err != nil {
		t.Fatal(err)
	}
	want := rfc4314.ACL{{Identifier: "alice", Rights: rfc4314.All}, {Identifier: "bob", Rights: rfc4314.Lookup | rfc4314.Read}, {Identifier: "-$team", Rights: rfc4314.Write}}
	if diff := cmp.Diff(want, acl); diff != "" {
		t.Error(diff)
	}
	if _, err := m.DeleteACL("bob"); err != nil {
		t.Fatal(err)
	}
	if acl, _ := m.ACL(); len(acl) != 2 {
		t.Errorf("after DeleteACL: %v", acl)
	}
	// §4: DELETE deletes the ACL; a new mailbox of that name has the
	// default list.
	if err := a.DeleteMailbox("Team"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ACL(); !errors.Is(err, ErrNotFound) {
		t.Errorf("ACL of a deleted mailbox: %v", err)
	}
	if _, err := m.ModifyACL("bob", rfc4314.Modification{Rights: rfc4314.Read}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ModifyACL of a deleted mailbox: %v", err)
	}
	if err := a.CreateMailbox("Team"); err != nil {
		t.Fatal(err)
	}
	if acl, _ := mustMailbox(t, a, "Team").ACL(); len(acl) != 1 {
		t.Errorf("a new mailbox inherits a deleted one's ACL: %v", acl)
	}
	if _, err := m.ModifyACL("", rfc4314.Modification{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty identifier: %v", err)
	}
}

// TestACLConcurrent: changes made at once by several Stores on one root
// (as several servers would) are all kept.
func TestACLConcurrent(t *testing.T) {
	s, a := newTestAccount(t)
	_ = a
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw, err := Open(s.root, Options{NoSync: true, PollInterval: time.Second})
			if err != nil {
				errs <- err
				return
			}
			defer sw.Close()
			aw, _ := sw.Account("alice")
			m, err := aw.Mailbox("INBOX")
			if err != nil {
				errs <- err
				return
			}
			for i := range each {
				if _, err := m.ModifyACL(fmt.Sprintf("user%d-%d", w, i), rfc4314.Modification{Rights: rfc4314.Lookup}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	acl, err := mustMailbox(t, a, "INBOX").ACL()
	if err != nil {
		t.Fatal(err)
	}
	if len(acl) != 1+writers*each {
		t.Errorf("%d entries, want %d: a change was lost", len(acl), 1+writers*each)
	}
}

func TestParseACLRecord(t *testing.T) {
	rec := aclRecord{nonce: newNonce(), op: '+', id: "a/..%ü", r: rfc4314.Lookup | rfc4314.Admin}
	got, err := parseACLRecord(rec.marshal())
	if err != nil || got != rec {
		t.Errorf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"", "LOFTACL1\n", "LOFTACL1 x + a l\n",
		"LOFTACL1 " + rec.nonce + " + alice al\n", // not canonical order
		"LOFTACL1 " + rec.nonce + " D alice l\n",
		"LOFTACL1 " + rec.nonce + " ? alice l\n"} {
		if _, err := parseACLRecord([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseACLRecord(f *testing.F) {
	f.Add([]byte(aclRecord{nonce: newNonce(), op: '=', id: "bob", r: rfc4314.All}.marshal()))
	f.Add([]byte("LOFTACL1 00000000000000000000000000000000 D %24team\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := parseACLRecord(data)
		if err != nil {
			return
		}
		if string(rec.marshal()) != string(data) {
			t.Fatalf("%q is accepted but is not canonical (%q)", data, rec.marshal())
		}
	})
}
