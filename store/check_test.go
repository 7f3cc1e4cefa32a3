package store

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

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

// interruptedMove does what MoveTo does for one message up to the crash
// point: the copy, naming its source, is durable; the source's X record
// was never written. It returns the copy's record number and UID.
func interruptedMove(t *testing.T, src, dst *Mailbox, uid uint32) (uint64, uint32) {
	t.Helper()
	snap := mustSnapshot(t, src)
	msg, ok := snap.Lookup(uid)
	if !ok {
		t.Fatalf("no UID %d", uid)
	}
	from := &moveOrigin{guid: src.st.guid, uidValidity: src.st.uidValidity, uid: uid, modSeq: msg.ModSeq}
	k, d, err := src.copyOne(dst, snap.recs[uid-1], msg, from)
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.st.makeDurable(k); err != nil {
		t.Fatal(err)
	}
	return k, d
}

func present(t *testing.T, m *Mailbox, uid uint32) bool {
	t.Helper()
	_, ok := mustSnapshot(t, m).Lookup(uid)
	return ok
}

// TestCheckRollForward: Check(true) completes a move that a crash
// interrupted, and only when that cannot lose a message (FORMAT.md, "Move").
func TestCheckRollForward(t *testing.T) {
	s, a := newTestAccount(t)
	s.grace = 0
	for _, b := range []string{"Keep", "Tmp"} {
		if err := a.CreateMailbox(b); err != nil {
			t.Fatal(err)
		}
	}
	inbox, keep := mustMailbox(t, a, "INBOX"), mustMailbox(t, a, "Keep")
	for i := 0; i < 4; i++ {
		mustAppend(t, inbox, "message "+strconv.Itoa(i))
	}
	check := func(repair bool) []Problem {
		t.Helper()
		rep, err := a.Check(repair)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Problems
	}

	// 1. Copy durable, source untouched: reported, then completed.
	k1, d1 := interruptedMove(t, inbox, keep, 1)
	if p := check(false); len(p) != 1 || p[0].Kind != ProblemMove || p[0].Repaired {
		t.Fatalf("Check(false): %+v", p)
	}
	if !present(t, inbox, 1) || !present(t, keep, d1) {
		t.Fatal("Check(false) changed something")
	}
	if p := check(true); len(p) != 1 || p[0].Kind != ProblemMove || !p[0].Repaired {
		t.Fatalf("Check(true): %+v", p)
	}
	if present(t, inbox, 1) || !present(t, keep, d1) {
		t.Fatal("move not completed")
	}
	if _, err := inbox.Open(1); !errors.Is(err, ErrExpunged) {
		t.Errorf("source octets not freed: %v", err)
	}
	if p := check(false); len(p) != 0 {
		t.Fatalf("after repair: %+v", p)
	}
	// A mover still running (it would be, had the grace not passed) finds
	// its source gone, but the C record says the move is its own.
	if ok, err := keep.st.committed(k1, d1); err != nil || !ok {
		t.Errorf("committed(%d, %d) = %v, %v", k1, d1, ok, err)
	}

	// 2. The copy was expunged before check (a client saw the duplicate
	// and deleted it): the source copy stays, nothing to report.
	k2, d2 := interruptedMove(t, inbox, keep, 2)
	if _, err := keep.Expunge([]uint32{d2}); err != nil {
		t.Fatal(err)
	}
	if p := check(true); len(p) != 0 {
		t.Fatalf("Check(true) with the copy expunged: %+v", p)
	}
	if !present(t, inbox, 2) {
		t.Fatal("the only copy was expunged")
	}
	if ok, err := keep.st.committed(k2, d2); err != nil || ok {
		t.Errorf("committed after an expunge = %v, %v", ok, err)
	}
	// A C record decides in log order: after the copy's X record it finds
	// nothing present.
	if _, ar, err := keep.st.writeRecord(&record{nonce: newNonce(), kind: kindCommit, uids: []uidRange{{d2, d2}}}); err != nil || len(ar.present) != 0 {
		t.Errorf("C record after X: %+v, %v", ar, err)
	}

	// 3. The source copy changed after the copy: both kept, reported.
	_, d3 := interruptedMove(t, inbox, keep, 3)
	if _, err := inbox.Store([]uint32{3}, AddFlags, []string{`\Flagged`}, 0); err != nil {
		t.Fatal(err)
	}
	if p := check(true); len(p) != 1 || p[0].Kind != ProblemMove || p[0].Repaired {
		t.Fatalf("Check(true) with the source changed: %+v", p)
	}
	if !present(t, inbox, 3) || !present(t, keep, d3) {
		t.Fatal("a copy of a changed message was removed")
	}
	if _, err := keep.Expunge([]uint32{d3}); err != nil { // the user resolves it
		t.Fatal(err)
	}

	// 4. The source mailbox was deleted (and its name reused): nothing to
	// complete; the copy stays.
	tmp := mustMailbox(t, a, "Tmp")
	mustAppend(t, tmp, "doomed")
	_, d4 := interruptedMove(t, tmp, keep, 1)
	if err := a.DeleteMailbox("Tmp"); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateMailbox("Tmp"); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, mustMailbox(t, a, "Tmp"), "another UID 1")
	if p := check(true); len(p) != 0 {
		t.Fatalf("Check(true) with the source deleted: %+v", p)
	}
	if !present(t, keep, d4) || !present(t, mustMailbox(t, a, "Tmp"), 1) {
		t.Fatal("a message was removed")
	}

	// 5. Within the grace the move may still be running: left alone.
	s.grace = time.Hour
	_, d5 := interruptedMove(t, inbox, keep, 4)
	if p := check(true); len(p) != 0 || !present(t, inbox, 4) || !present(t, keep, d5) {
		t.Fatalf("Check(true) within the grace: %+v", p)
	}

	// 6. A completed MoveTo names its source and leaves nothing to do.
	s.grace = 0
	res, err := inbox.MoveTo(keep, []uint32{4})
	if err != nil || len(res.DstUIDs) != 1 {
		t.Fatalf("MoveTo: %+v, %v", res, err)
	}
	f, rec, _, err := readRecord(keep.st.recordPath(keep.st.recs[res.DstUIDs[0]-1]))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if rec.from == nil || rec.from.guid != inbox.GUID() || rec.from.uid != 4 {
		t.Errorf("moved copy's record: %+v", rec.from)
	}
	// d5 is now a copy of a message moved again: both stay (a duplicate,
	// never a loss), and check has nothing to complete.
	if p := check(true); len(p) != 0 || !present(t, keep, d5) {
		t.Fatalf("Check(true) after a second move: %+v", p)
	}
}
