package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAppendAndOpen(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	date := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.FixedZone("x", 3600))
	body := "From: a@example.org\r\nSubject: test\r\n\r\nHello.\r\n"
	got, err := m.Append(strings.NewReader(body), AppendOptions{Flags: []string{`\seen`, "$Label", `\Flagged`, "$label"}, InternalDate: date})
	if err != nil {
		t.Fatal(err)
	}
	want := Message{UID: 1, ModSeq: 1, Size: int64(len(body)), InternalDate: date, Flags: []string{"$Label", `\Flagged`, `\Seen`}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Append (-want +got):\n%s", diff)
	}
	snap := mustSnapshot(t, m)
	if diff := cmp.Diff([]Message{want}, snap.Messages); diff != "" {
		t.Errorf("Snapshot (-want +got):\n%s", diff)
	}
	if snap.UIDNext != 2 || snap.HighestModSeq != 1 || snap.UIDValidity == 0 {
		t.Errorf("status %d %d %d", snap.UIDValidity, snap.UIDNext, snap.HighestModSeq)
	}
	r, err := m.Open(1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(body)) {
		t.Errorf("Size() = %d", r.Size())
	}
	data, _ := io.ReadAll(r)
	if string(data) != body {
		t.Errorf("read %q", data)
	}
	buf := make([]byte, 7)
	if _, err := r.ReadAt(buf, 20); err != nil || string(buf) != body[20:27] {
		t.Errorf("ReadAt = %q, %v", buf, err)
	}
	if off, err := r.Seek(-3, io.SeekEnd); err != nil || off != int64(len(body)-3) {
		t.Errorf("Seek = %d, %v", off, err)
	}

	// A large message streams through and keeps its octets.
	big := bytes.Repeat([]byte("0123456789abcdef\r\n"), 20000)
	bm, err := m.Append(bytes.NewReader(big), AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if bm.UID != 2 || bm.Size != int64(len(big)) {
		t.Errorf("big append %+v", bm)
	}
	r2, err := m.Open(2)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = io.ReadAll(r2)
	r2.Close()
	if !bytes.Equal(data, big) {
		t.Errorf("big message octets differ")
	}

	_, err = m.Append(strings.NewReader(""), AppendOptions{})
	wantErr(t, err, ErrInvalid)
	for _, f := range []string{`\Recent`, `\Custom`, "a b", "(x", "", "x]"} {
		_, err = m.Append(strings.NewReader("x"), AppendOptions{Flags: []string{f}})
		wantErr(t, err, ErrInvalid)
	}
	_, err = m.Open(3)
	wantErr(t, err, ErrNotFound)
	_, err = m.Open(0)
	wantErr(t, err, ErrNotFound)
}

func TestMaxMessageSize(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true, MaxMessageSize: 100000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.CreateAccount("a")
	a, _ := s.Account("a")
	m := mustMailbox(t, a, "INBOX")
	for _, n := range []int{10, 70000, 100000} {
		if _, err := m.Append(bytes.NewReader(make([]byte, n)), AppendOptions{}); err != nil {
			t.Errorf("%d octets: %v", n, err)
		}
	}
	for _, n := range []int{100001, 300000} {
		_, err := m.Append(bytes.NewReader(make([]byte, n)), AppendOptions{})
		wantErr(t, err, ErrTooBig)
	}
	if n := len(mustSnapshot(t, m).Messages); n != 3 {
		t.Errorf("%d messages", n)
	}
	if _, err := Open(t.TempDir(), Options{MaxMessageSize: -1}); err == nil {
		t.Error("negative MaxMessageSize accepted")
	}
}

func TestStoreFlags(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	for i := 0; i < 4; i++ {
		mustAppend(t, m, fmt.Sprintf("Subject: %d\r\n\r\n", i))
	}
	ignoreDates := cmpopts.IgnoreFields(Message{}, "InternalDate", "Size")
	type step struct {
		uids           []uint32
		op             StoreOp
		flags          []string
		unchangedSince uint64
		want           StoreResult
	}
	steps := []step{
		{[]uint32{1, 2}, AddFlags, []string{`\Seen`}, 0, StoreResult{ModSeq: 5, Changed: []Message{
			{UID: 1, ModSeq: 5, Flags: []string{`\Seen`}}, {UID: 2, ModSeq: 5, Flags: []string{`\Seen`}}}}},
		// Already set everywhere: no record needed, nothing changes.
		{[]uint32{1, 2}, AddFlags, []string{`\SEEN`}, 0, StoreResult{}},
		// Only message 3 changes; 1 keeps its mod-sequence.
		{[]uint32{1, 3, 99}, AddFlags, []string{`\Seen`}, 0, StoreResult{ModSeq: 6, Changed: []Message{
			{UID: 3, ModSeq: 6, Flags: []string{`\Seen`}}}}},
		{[]uint32{2, 3}, ReplaceFlags, []string{"$Work", `\Answered`}, 0, StoreResult{ModSeq: 7, Changed: []Message{
			{UID: 2, ModSeq: 7, Flags: []string{"$Work", `\Answered`}}, {UID: 3, ModSeq: 7, Flags: []string{"$Work", `\Answered`}}}}},
		// UNCHANGEDSINCE: 1 (modseq 5) passes, 2 (7) fails.
		{[]uint32{1, 2}, AddFlags, []string{`\Flagged`}, 5, StoreResult{ModSeq: 8, Changed: []Message{
			{UID: 1, ModSeq: 8, Flags: []string{`\Flagged`, `\Seen`}}}, Failed: []uint32{2}}},
		{[]uint32{1, 2, 3}, RemoveFlags, []string{`\seen`, "$WORK"}, 0, StoreResult{ModSeq: 9, Changed: []Message{
			{UID: 1, ModSeq: 9, Flags: []string{`\Flagged`}},
			{UID: 2, ModSeq: 9, Flags: []string{`\Answered`}},
			{UID: 3, ModSeq: 9, Flags: []string{`\Answered`}}}}},
		{[]uint32{4}, ReplaceFlags, nil, 0, StoreResult{}},
	}
	for i, s := range steps {
		got, err := m.Store(s.uids, s.op, s.flags, s.unchangedSince)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if diff := cmp.Diff(s.want, got, ignoreDates, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", i, diff)
		}
	}
	snap := mustSnapshot(t, m)
	want := []Message{
		{UID: 1, ModSeq: 9, Flags: []string{`\Flagged`}},
		{UID: 2, ModSeq: 9, Flags: []string{`\Answered`}},
		{UID: 3, ModSeq: 9, Flags: []string{`\Answered`}},
		{UID: 4, ModSeq: 4},
	}
	if diff := cmp.Diff(want, snap.Messages, ignoreDates, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("final state (-want +got):\n%s", diff)
	}
	if snap.HighestModSeq != 9 {
		t.Errorf("HIGHESTMODSEQ %d", snap.HighestModSeq)
	}
	_, err := m.Store([]uint32{1}, StoreOp(7), nil, 0)
	wantErr(t, err, ErrInvalid)
	_, err = m.Store([]uint32{1}, AddFlags, []string{`\Recent`}, 0)
	wantErr(t, err, ErrInvalid)
}

// TestConcurrentFlagOps: two handles (as two sessions or processes would)
// add different keywords to one message at once; both survive.
func TestConcurrentFlagOps(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	mustAppend(t, m, "x")
	s2, err := Open(filepath.Dir(filepath.Dir(a.dir)), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	a2, _ := s2.Account("alice")
	m2 := mustMailbox(t, a2, "INBOX")
	const n = 40
	done := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		go func() { _, err := m.Store([]uint32{1}, AddFlags, []string{fmt.Sprintf("k1x%d", i)}, 0); done <- err }()
		go func() { _, err := m2.Store([]uint32{1}, AddFlags, []string{fmt.Sprintf("k2x%d", i)}, 0); done <- err }()
	}
	for i := 0; i < 2*n; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	msg, _ := mustSnapshot(t, m2).Lookup(1)
	if len(msg.Flags) != 2*n {
		t.Errorf("%d flags survived, want %d: %v", len(msg.Flags), 2*n, msg.Flags)
	}
}

func TestExpunge(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	for i := 0; i < 5; i++ {
		mustAppend(t, m, fmt.Sprintf("message %d", i))
	}
	r, err := m.Open(5) // held open across the expunge
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	k, err := m.Expunge([]uint32{2, 5, 5, 77})
	if err != nil {
		t.Fatal(err)
	}
	if k != 6 {
		t.Errorf("expunge modseq %d", k)
	}
	snap := mustSnapshot(t, m)
	if diff := cmp.Diff([]uint32{1, 3, 4}, uidsOf(snap)); diff != "" {
		t.Errorf("UIDs (-want +got):\n%s", diff)
	}
	_, err = m.Open(2)
	wantErr(t, err, ErrExpunged)
	data, _ := io.ReadAll(r)
	if string(data) != "message 4" {
		t.Errorf("reader open across expunge read %q", data)
	}
	// The highest UID was expunged; the next one is still new.
	msg := mustAppend(t, m, "after")
	if msg.UID != 6 {
		t.Errorf("UID after expunging the highest: %d", msg.UID)
	}
	k, err = m.Expunge([]uint32{2})
	if err != nil || k != 0 {
		t.Errorf("expunging nothing: %d, %v", k, err)
	}
	// Flags on an expunged message change nothing.
	res, err := m.Store([]uint32{2}, AddFlags, []string{`\Seen`}, 0)
	if err != nil || res.ModSeq != 0 || len(res.Changed) != 0 {
		t.Errorf("Store on expunged: %+v, %v", res, err)
	}
	// Octets freed: the record is now a stub.
	if fi, err := os.Stat(filepath.Join(m.st.logDir, "2")); err != nil || fi.Size() > 200 {
		t.Errorf("record 2 not stubbed: %v %v", fi.Size(), err)
	}
	rep, err := a.Check(false)
	if err != nil || !rep.Clean() {
		t.Errorf("Check: %+v, %v", rep, err)
	}
}

func TestCopyMove(t *testing.T) {
	_, a := newTestAccount(t)
	src := mustMailbox(t, a, "INBOX")
	if err := a.CreateMailbox("Dst"); err != nil {
		t.Fatal(err)
	}
	dst := mustMailbox(t, a, "Dst")
	date := time.Date(2001, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		if _, err := src.Append(strings.NewReader(fmt.Sprintf("body %d", i)), AppendOptions{Flags: []string{fmt.Sprintf("k%d", i)}, InternalDate: date}); err != nil {
			t.Fatal(err)
		}
	}
	mustAppend(t, dst, "already here")
	res, err := src.CopyTo(dst, []uint32{3, 1, 9})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(CopyResult{SrcUIDs: []uint32{1, 3}, DstUIDs: []uint32{2, 3}}, res); diff != "" {
		t.Errorf("CopyTo (-want +got):\n%s", diff)
	}
	d := mustSnapshot(t, dst)
	m2, _ := d.Lookup(2)
	if !m2.InternalDate.Equal(date) || !cmp.Equal(m2.Flags, []string{"k1"}) || m2.Size != 6 {
		t.Errorf("copy lost attributes: %+v", m2)
	}
	r, _ := dst.Open(3)
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "body 3" {
		t.Errorf("copy octets %q", b)
	}
	if n := len(mustSnapshot(t, src).Messages); n != 4 {
		t.Errorf("copy changed the source: %d", n)
	}
	res, err = src.MoveTo(dst, []uint32{2, 4})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(CopyResult{SrcUIDs: []uint32{2, 4}, DstUIDs: []uint32{4, 5}}, res); diff != "" {
		t.Errorf("MoveTo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint32{1, 3}, uidsOf(mustSnapshot(t, src))); diff != "" {
		t.Errorf("source after move (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint32{1, 2, 3, 4, 5}, uidsOf(mustSnapshot(t, dst))); diff != "" {
		t.Errorf("destination after move (-want +got):\n%s", diff)
	}
	// Moving within one mailbox gives new UIDs.
	res, err = src.MoveTo(src, []uint32{1})
	if err != nil || len(res.DstUIDs) != 1 || res.DstUIDs[0] != 5 {
		t.Errorf("move to self: %+v, %v", res, err)
	}
	if diff := cmp.Diff([]uint32{3, 5}, uidsOf(mustSnapshot(t, src))); diff != "" {
		t.Errorf("after move to self (-want +got):\n%s", diff)
	}
	// Copying nothing.
	res, err = src.CopyTo(dst, []uint32{1, 2})
	if err != nil || len(res.SrcUIDs) != 0 {
		t.Errorf("copy of expunged: %+v, %v", res, err)
	}
	u, err := a.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Usage{Messages: 7, Octets: 6*6 + int64(len("already here"))}); u != want {
		t.Errorf("Usage = %+v, want %+v", u, want)
	}
}

// TestConcurrentMoves: two movers race for the same messages; each message
// ends up moved exactly once.
func TestConcurrentMoves(t *testing.T) {
	_, a := newTestAccount(t)
	src := mustMailbox(t, a, "INBOX")
	a.CreateMailbox("D1")
	a.CreateMailbox("D2")
	const n = 30
	for i := 0; i < n; i++ {
		mustAppend(t, src, fmt.Sprintf("m%d", i))
	}
	s2, _ := Open(filepath.Dir(filepath.Dir(a.dir)), Options{NoSync: true})
	defer s2.Close()
	a2, _ := s2.Account("alice")
	type out struct {
		res CopyResult
		err error
	}
	ch := make(chan out, 2*n)
	for uid := uint32(1); uid <= n; uid++ {
		go func() {
			r, err := src.MoveTo(mustMailbox(t, a, "D1"), []uint32{uid})
			ch <- out{r, err}
		}()
		go func() {
			r, err := mustMailbox(t, a2, "INBOX").MoveTo(mustMailbox(t, a2, "D2"), []uint32{uid})
			ch <- out{r, err}
		}()
	}
	moved := map[uint32]int{}
	for i := 0; i < 2*n; i++ {
		o := <-ch
		if o.err != nil {
			t.Fatal(o.err)
		}
		for _, u := range o.res.SrcUIDs {
			moved[u]++
		}
	}
	for uid := uint32(1); uid <= n; uid++ {
		if moved[uid] != 1 {
			t.Errorf("UID %d moved %d times", uid, moved[uid])
		}
	}
	total := len(mustSnapshot(t, mustMailbox(t, a, "D1")).Messages) + len(mustSnapshot(t, mustMailbox(t, a, "D2")).Messages)
	if total != n || len(mustSnapshot(t, src).Messages) != 0 {
		t.Errorf("%d messages in destinations, want %d", total, n)
	}
}

func TestDiff(t *testing.T) {
	mk := func(uid uint32, modseq uint64) Message { return Message{UID: uid, ModSeq: modseq} }
	old := &Snapshot{Messages: []Message{mk(1, 1), mk(2, 2), mk(4, 4), mk(5, 5)}}
	new := &Snapshot{Messages: []Message{mk(1, 1), mk(4, 9), mk(6, 7), mk(7, 8)}}
	got := Diff(old, new)
	want := Changes{Expunged: []uint32{2, 5}, New: []Message{mk(6, 7), mk(7, 8)}, Updated: []Message{mk(4, 9)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Changes{New: new.Messages}, Diff(nil, new)); diff != "" {
		t.Errorf("Diff(nil, …) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Changes{}, Diff(new, new)); diff != "" {
		t.Errorf("Diff(x, x) (-want +got):\n%s", diff)
	}
}

// TestSnapshotFiles: a long log gets snapshot files; a cold Store reads
// them, and agrees with full replay; damaged ones are ignored and removed
// by Check.
func TestSnapshotFiles(t *testing.T) {
	s, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	n := snapshotEvery + 100
	for i := 0; i < n; i++ {
		mustAppend(t, m, fmt.Sprintf("m%d", i), fmt.Sprintf("k%d", i%3))
		if i%10 == 0 {
			m.Store([]uint32{uint32(i/2 + 1)}, AddFlags, []string{`\Seen`}, 0)
		}
	}
	m.Expunge([]uint32{3, 4, 5})
	s.bg.Wait()
	ks := listSnapshots(m.st.snapDir)
	if len(ks) != 1 {
		t.Fatalf("snapshot files %v", ks)
	}
	warm := mustSnapshot(t, m)
	cold := func(fromSnapshot bool) *Snapshot {
		s2, err := Open(s.root, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		a2, _ := s2.Account("alice")
		m2 := mustMailbox(t, a2, "INBOX")
		snap := mustSnapshot(t, m2)
		if fromSnapshot && m2.st.snapK != ks[0] {
			t.Errorf("cold store did not start from snapshot %d (at %d)", ks[0], m2.st.snapK)
		}
		return snap
	}
	cmpSnap := func(a, b *Snapshot) string {
		return cmp.Diff(a, b, cmp.AllowUnexported(Snapshot{}, userSeen{}), cmpopts.IgnoreFields(Snapshot{}, "octetsOnce", "octets", "views"), cmpopts.EquateEmpty())
	}
	if diff := cmpSnap(warm, cold(true)); diff != "" {
		t.Errorf("cold vs warm (-warm +cold):\n%s", diff)
	}
	rep, err := a.Check(false)
	if err != nil || !rep.Clean() {
		t.Errorf("Check: %+v, %v", rep, err)
	}
	// Damage the snapshot: it is ignored, and Check removes it.
	p := filepath.Join(m.st.snapDir, fmt.Sprint(ks[0]))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0x40
	os.WriteFile(p, data, 0o640)
	rep, _ = a.Check(true)
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != ProblemBadSnapshot || !rep.Problems[0].Repaired {
		t.Errorf("Check(true): %+v", rep)
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("damaged snapshot not removed")
	}
	// Without a snapshot a cold store replays the whole log, and writes a
	// new snapshot.
	if diff := cmpSnap(warm, cold(false)); diff != "" {
		t.Errorf("full replay (-warm +cold):\n%s", diff)
	}
	waitFor(t, "a new snapshot file", func() bool { return len(listSnapshots(m.st.snapDir)) == 1 })
	// Damaged while in use: a cold store ignores it.
	ks = listSnapshots(m.st.snapDir)
	os.WriteFile(filepath.Join(m.st.snapDir, fmt.Sprint(ks[0])), []byte("LOFTSNAP1\ngarbage"), 0o640)
	if diff := cmpSnap(warm, cold(false)); diff != "" {
		t.Errorf("with damaged snapshot (-warm +cold):\n%s", diff)
	}
}

func TestWatch(t *testing.T) {
	for _, poll := range []bool{false, true} {
		t.Run(fmt.Sprintf("pollOnly=%v", poll), func(t *testing.T) {
			s, a := newTestAccount(t)
			if poll {
				s.hub.mu.Lock()
				s.hub.failed = true // as where inotify is unavailable (NFS)
				s.hub.mu.Unlock()
			}
			m := mustMailbox(t, a, "INBOX")
			ctx, cancel := context.WithCancel(context.Background())
			ch := m.Watch(ctx)
			// Another Store (as another process) delivers.
			s2, _ := Open(s.root, Options{NoSync: true})
			defer s2.Close()
			a2, _ := s2.Account("alice")
			mustAppend(t, mustMailbox(t, a2, "INBOX"), "hello")
			select {
			case <-ch:
			case <-time.After(60 * time.Second):
				t.Fatal("no signal for a delivery")
			}
			if n := len(mustSnapshot(t, m).Messages); n != 1 {
				t.Errorf("after signal: %d messages", n)
			}
			cancel()
			waitFor(t, "channel closed", func() bool {
				select {
				case _, ok := <-ch:
					return !ok
				default:
					return false
				}
			})
		})
	}
}

func TestClosed(t *testing.T) {
	s, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	ch := m.Watch(context.Background())
	s.Close()
	if _, err := m.Snapshot(); !errorsIsClosed(err) {
		t.Errorf("Snapshot after Close: %v", err)
	}
	if _, err := s.Accounts(); !errorsIsClosed(err) {
		t.Errorf("Accounts after Close: %v", err)
	}
	waitFor(t, "watch channel closed", func() bool {
		select {
		case _, ok := <-ch:
			return !ok
		default:
			return false
		}
	})
}

func errorsIsClosed(err error) bool {
	return err != nil && strings.Contains(err.Error(), os.ErrClosed.Error())
}

// TestSeenMeansDurable: a process that reads records another process wrote
// makes them durable before it reports them, and its own writes are
// durable when they return.
func TestSeenMeansDurable(t *testing.T) {
	root := t.TempDir()
	s1, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s1.CreateAccount("alice")
	a1, _ := s1.Account("alice")
	m1 := mustMailbox(t, a1, "INBOX")
	s2, _ := Open(root, Options{})
	defer s2.Close()
	a2, _ := s2.Account("alice")
	m2 := mustMailbox(t, a2, "INBOX")
	mustSnapshot(t, m2)
	msg := mustAppend(t, m1, "x")
	if m1.st.durable != msg.ModSeq {
		t.Errorf("writer: durable %d after append at %d", m1.st.durable, msg.ModSeq)
	}
	snap := mustSnapshot(t, m2)
	if snap.HighestModSeq != msg.ModSeq || m2.st.durable < snap.HighestModSeq || m2.st.gsync.done == 0 {
		t.Errorf("reader reported %d with durable %d after %d directory fsyncs", snap.HighestModSeq, m2.st.durable, m2.st.gsync.done)
	}
}

// TestCopyFailureRestores: a copy that fails midway leaves the destination
// as it was (RFC 3501 §6.4.7).
func TestCopyFailureRestores(t *testing.T) {
	_, a := newTestAccount(t)
	src := mustMailbox(t, a, "INBOX")
	a.CreateMailbox("Dst")
	dst := mustMailbox(t, a, "Dst")
	for i := 0; i < 3; i++ {
		mustAppend(t, src, fmt.Sprintf("m%d", i))
	}
	// Damage the third message's record so that copying it fails.
	p := filepath.Join(src.st.logDir, "3")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, data[:len(data)-1], 0o640)
	if _, err := src.CopyTo(dst, []uint32{1, 2, 3}); err == nil {
		t.Fatal("copy of a damaged message succeeded")
	}
	snap := mustSnapshot(t, dst)
	if len(snap.Messages) != 0 {
		t.Errorf("destination keeps %d copies of a failed copy", len(snap.Messages))
	}
	if snap.UIDNext != 3 {
		t.Errorf("UIDNEXT %d: the undone copies' UIDs must stay used", snap.UIDNext)
	}
}
