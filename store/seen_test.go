package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func hasSeen(t testing.TB, s *Snapshot, uid uint32) bool {
	t.Helper()
	m, ok := s.Lookup(uid)
	if !ok {
		t.Fatalf("UID %d missing", uid)
	}
	return slices.Contains(m.Flags, flagSeen)
}

func TestSeenRecordRoundTrip(t *testing.T) {
	for _, line := range []string{
		"LOFT1 0123456789abcdef0123456789abcdef U bob 1:3,7 +",
		"LOFT1 0123456789abcdef0123456789abcdef U b%C3%B6b 9 -",
	} {
		r, err := parseRecordHeader([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := string(r.marshal()); got != line+"\r\n" {
			t.Errorf("round trip of %q gave %q", line, got)
		}
	}
	for _, line := range []string{
		"LOFT1 0123456789abcdef0123456789abcdef U bob 1 =",
		"LOFT1 0123456789abcdef0123456789abcdef U bob 1",
		"LOFT1 0123456789abcdef0123456789abcdef U %62ob 1 +",
		"LOFT1 0123456789abcdef0123456789abcdef U bob 3:1 +",
		"LOFT1 0123456789abcdef0123456789abcdef U bob 1 + (\\Seen)",
	} {
		if _, err := parseRecordHeader([]byte(line)); err == nil {
			t.Errorf("%q parsed", line)
		}
	}
}

// Two users' \Seen are independent of each other and of the owner's.
func TestSeenPerUser(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	m1 := mustAppend(t, m, "one\r\n")
	m2 := mustAppend(t, m, "two\r\n", flagSeen)
	bob, carol := m.As("bob"), m.As("carol")
	if m.As("alice") != m || bob.Viewer() != "bob" {
		t.Fatal("As: wrong viewer")
	}
	// The owner's shared \Seen is not another user's.
	if hasSeen(t, mustSnapshot(t, bob), m2.UID) {
		t.Error("bob sees the owner's \\Seen")
	}
	before := mustSnapshot(t, carol)
	res, err := bob.Store([]uint32{m1.UID, m2.UID}, AddFlags, []string{`\seen`, `\Flagged`}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 2 || !slices.Contains(res.Changed[0].Flags, flagSeen) {
		t.Fatalf("Changed = %+v", res.Changed)
	}
	bs, cs, own := mustSnapshot(t, bob), mustSnapshot(t, carol), mustSnapshot(t, m)
	if !hasSeen(t, bs, m1.UID) || !hasSeen(t, bs, m2.UID) {
		t.Error("bob's \\Seen not set")
	}
	if hasSeen(t, cs, m1.UID) || hasSeen(t, cs, m2.UID) {
		t.Error("carol sees bob's \\Seen")
	}
	if hasSeen(t, own, m1.UID) || !hasSeen(t, own, m2.UID) {
		t.Error("the owner's \\Seen changed")
	}
	// \Flagged is shared.
	if msg, _ := cs.Lookup(m1.UID); !slices.Contains(msg.Flags, `\Flagged`) {
		t.Error("\\Flagged not shared")
	}
	// Only bob's view changes mod-sequence for his \Seen: carol's view of
	// m2 changed only by the shared \Flagged.
	ch := Diff(before, cs)
	if len(ch.Updated) != 2 {
		t.Errorf("carol's updates %+v", ch.Updated)
	}
	after := mustSnapshot(t, carol)
	if _, err := bob.Store([]uint32{m1.UID}, RemoveFlags, []string{flagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	if ch := Diff(after, mustSnapshot(t, carol)); len(ch.Updated) != 0 {
		t.Errorf("bob's \\Seen change shows in carol's view: %+v", ch.Updated)
	}
	if ch := Diff(bs, mustSnapshot(t, bob)); len(ch.Updated) != 1 || ch.Updated[0].UID != m1.UID || slices.Contains(ch.Updated[0].Flags, flagSeen) {
		t.Errorf("bob's own update %+v", ch.Updated)
	}
	if ch := Diff(own, mustSnapshot(t, m)); len(ch.Updated) != 0 {
		t.Errorf("bob's \\Seen change shows in the owner's view: %+v", ch.Updated)
	}
	// Replace keeps the owner's \Seen and sets bob's exactly.
	if _, err := bob.Store([]uint32{m2.UID}, ReplaceFlags, []string{`$Label`}, 0); err != nil {
		t.Fatal(err)
	}
	if msg, _ := mustSnapshot(t, bob).Lookup(m2.UID); !slices.Equal(msg.Flags, []string{`$Label`}) {
		t.Errorf("bob's flags after replace: %v", msg.Flags)
	}
	if msg, _ := mustSnapshot(t, m).Lookup(m2.UID); !slices.Equal(msg.Flags, []string{`$Label`, flagSeen}) {
		t.Errorf("owner's flags after bob's replace: %v", msg.Flags)
	}
	// A store that changes nothing writes nothing.
	h := mustSnapshot(t, m).HighestModSeq
	if res, err := bob.Store([]uint32{m1.UID}, RemoveFlags, []string{flagSeen}, 0); err != nil || res.ModSeq != 0 {
		t.Errorf("no-op store: %+v, %v", res, err)
	}
	if mustSnapshot(t, m).HighestModSeq != h {
		t.Error("no-op store wrote a record")
	}
}

// Concurrent \Seen changes of one user from several processes are all kept.
func TestSeenConcurrentWriters(t *testing.T) {
	s, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	const writers, each = 4, 8
	for range writers * each {
		mustAppend(t, m, "x\r\n")
	}
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
			mw, err := aw.Mailbox("INBOX")
			if err != nil {
				errs <- err
				return
			}
			bob := mw.As("bob")
			for i := range each {
				uid := uint32(w*each + i + 1)
				if _, err := bob.Store([]uint32{uid}, AddFlags, []string{flagSeen}, 0); err != nil {
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
	snap := mustSnapshot(t, m.As("bob"))
	for _, msg := range snap.Messages {
		if !slices.Contains(msg.Flags, flagSeen) {
			t.Errorf("UID %d: bob's \\Seen lost", msg.UID)
		}
	}
	for _, msg := range mustSnapshot(t, m).Messages {
		if slices.Contains(msg.Flags, flagSeen) {
			t.Errorf("UID %d: owner's \\Seen set", msg.UID)
		}
	}
	// A fresh process replays the same state.
	s2, err := Open(s.root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2, _ := s2.Account("alice")
	for _, msg := range mustSnapshot(t, mustMailbox(t, a2, "INBOX").As("bob")).Messages {
		if !slices.Contains(msg.Flags, flagSeen) {
			t.Errorf("replayed: UID %d not seen by bob", msg.UID)
		}
	}
}

// A message's per-user state dies with it; RENAME keeps the state, DELETE
// removes it; a copy carries the copying user's \Seen.
func TestSeenExpungeRenameCopy(t *testing.T) {
	s, a := newTestAccount(t)
	if err := a.CreateMailbox("Shared"); err != nil {
		t.Fatal(err)
	}
	m := mustMailbox(t, a, "Shared")
	m1 := mustAppend(t, m, "one\r\n")
	m2 := mustAppend(t, m, "two\r\n")
	bob := m.As("bob")
	if _, err := bob.Store([]uint32{m1.UID, m2.UID}, AddFlags, []string{flagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Expunge([]uint32{m1.UID}); err != nil {
		t.Fatal(err)
	}
	m.st.mu.Lock()
	_, kept := m.st.seen["bob"][m1.UID]
	m.st.mu.Unlock()
	if kept {
		t.Error("the expunged message's per-user state is kept")
	}
	// Copy out: into the owner's own mailbox, the copy carries bob's view
	// (here: seen) as the shared flag; into another user's view, as that
	// user's own.
	if err := a.CreateMailbox("Other"); err != nil {
		t.Fatal(err)
	}
	other := mustMailbox(t, a, "Other")
	res, err := bob.CopyTo(other, []uint32{m2.UID})
	if err != nil || len(res.DstUIDs) != 1 {
		t.Fatalf("copy: %+v %v", res, err)
	}
	if !hasSeen(t, mustSnapshot(t, other), res.DstUIDs[0]) {
		t.Error("copy to the owner's view lost bob's \\Seen")
	}
	res, err = bob.CopyTo(other.As("bob"), []uint32{m2.UID})
	if err != nil || len(res.DstUIDs) != 1 {
		t.Fatalf("copy: %+v %v", res, err)
	}
	if hasSeen(t, mustSnapshot(t, other), res.DstUIDs[0]) || !hasSeen(t, mustSnapshot(t, other.As("bob")), res.DstUIDs[0]) {
		t.Error("copy into bob's view: \\Seen not bob's own")
	}
	// Append as bob with \Seen: bob's own.
	app, err := bob.Append(strings.NewReader("three\r\n"), AppendOptions{Flags: []string{flagSeen}})
	if err != nil || !slices.Contains(app.Flags, flagSeen) {
		t.Fatalf("append: %+v %v", app, err)
	}
	if hasSeen(t, mustSnapshot(t, m), app.UID) {
		t.Error("bob's append set the shared \\Seen")
	}
	// RENAME keeps it.
	if err := a.RenameMailbox("Shared", "Renamed"); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(s.root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2, _ := s2.Account("alice")
	r := mustMailbox(t, a2, "Renamed").As("bob")
	if !hasSeen(t, mustSnapshot(t, r), m2.UID) {
		t.Error("RENAME lost bob's \\Seen")
	}
	// DELETE removes it with the mailbox; a new mailbox at the name starts
	// afresh.
	if err := a.DeleteMailbox("Renamed"); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateMailbox("Renamed"); err != nil {
		t.Fatal(err)
	}
	n := mustMailbox(t, a, "Renamed")
	u := mustAppend(t, n, "new\r\n")
	if hasSeen(t, mustSnapshot(t, n.As("bob")), u.UID) {
		t.Error("a new mailbox inherited bob's \\Seen")
	}
	// Check finds nothing wrong.
	rep, err := a.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("check: %+v", rep.Problems)
	}
}

// A mailbox with per-user state gets no snapshot file (the format has no
// place for it), and replay from an older snapshot file is right.
func TestSeenSnapshotFile(t *testing.T) {
	s, a := newTestAccount(t)
	s.snapEvery = 4
	m := mustMailbox(t, a, "INBOX")
	for range 6 {
		mustAppend(t, m, "x\r\n")
	}
	waitFor(t, "a snapshot file", func() bool { return len(listSnapshots(m.st.snapDir)) > 0 })
	bob := m.As("bob")
	for uid := uint32(1); uid <= 6; uid++ {
		if _, err := bob.Store([]uint32{uid}, AddFlags, []string{flagSeen}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for range 6 {
		mustAppend(t, m, "y\r\n")
	}
	snaps := listSnapshots(m.st.snapDir)
	if top := snaps[len(snaps)-1]; top > 6 {
		t.Errorf("snapshot file at %d, after per-user state", top)
	}
	s2, err := Open(s.root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2, _ := s2.Account("alice")
	snap := mustSnapshot(t, mustMailbox(t, a2, "INBOX").As("bob"))
	for uid := uint32(1); uid <= 12; uid++ {
		if hasSeen(t, snap, uid) != (uid <= 6) {
			t.Errorf("UID %d: bob's \\Seen wrong after replay", uid)
		}
	}
	if _, err := os.Stat(filepath.Join(m.st.logDir, fmt.Sprint(snap.HighestModSeq))); err != nil {
		t.Fatal(err)
	}
}

// A move by a user other than the owner carries their \Seen, as their own
// in the destination, and leaves nothing for Check.
func TestSeenMove(t *testing.T) {
	_, a := newTestAccount(t)
	for _, n := range []string{"From", "To"} {
		if err := a.CreateMailbox(n); err != nil {
			t.Fatal(err)
		}
	}
	src, dst := mustMailbox(t, a, "From"), mustMailbox(t, a, "To")
	m1 := mustAppend(t, src, "one\r\n", `\Flagged`)
	bob := src.As("bob")
	if _, err := bob.Store([]uint32{m1.UID}, AddFlags, []string{flagSeen}, 0); err != nil {
		t.Fatal(err)
	}
	res, err := bob.MoveTo(dst.As("bob"), []uint32{m1.UID})
	if err != nil || len(res.DstUIDs) != 1 {
		t.Fatalf("move: %+v %v", res, err)
	}
	if len(mustSnapshot(t, src).Messages) != 0 {
		t.Error("the source message is still there")
	}
	if m, _ := mustSnapshot(t, dst).Lookup(res.DstUIDs[0]); !slices.Equal(m.Flags, []string{`\Flagged`}) {
		t.Errorf("the owner sees the moved message with %v", m.Flags)
	}
	if m, _ := mustSnapshot(t, dst.As("bob")).Lookup(res.DstUIDs[0]); !slices.Equal(m.Flags, []string{`\Flagged`, flagSeen}) {
		t.Errorf("bob sees the moved message with %v", m.Flags)
	}
	rep, err := a.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("check: %+v", rep.Problems)
	}
}
