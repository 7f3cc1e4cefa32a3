package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The torture test runs writer and reader processes on one store at once.
// Writers deliver, flag, copy, move and expunge in three shared mailboxes
// and log every acknowledged result; some of their moves stop after the
// copy, as a crash would leave them; readers take snapshots over and over
// and log what they saw; a checker runs Check(true) over and over, which
// completes those moves while the writers work on the same messages. The
// parent then checks the store's promises against the logs and the final
// state.

var tortureBoxes = []string{"INBOX", "A", "B"}

const (
	envRole = "LOFT_TORTURE_ROLE" // "writer" or "reader"
	envID   = "LOFT_TORTURE_ID"
	envRoot = "LOFT_TORTURE_ROOT"
	envOut  = "LOFT_TORTURE_OUT"
	envOps  = "LOFT_TORTURE_OPS"
	envStop = "LOFT_TORTURE_STOP"
)

type boxUID struct {
	box string
	uid uint32
}

func TestTorture(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process torture test")
	}
	scale := testScale(t)
	writers, readers, ops := 4, 2, 250*scale
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateAccount("torture"); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Account("torture")
	for _, b := range tortureBoxes[1:] {
		if err := a.CreateMailbox(b); err != nil {
			t.Fatal(err)
		}
	}
	stop := filepath.Join(dir, "stop")
	start := func(role string, id int) (*exec.Cmd, string, *strings.Builder) {
		out := filepath.Join(dir, fmt.Sprintf("%s-%d.log", role, id))
		cmd := exec.Command(os.Args[0], "-test.run=^TestTortureWorker$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			envRole+"="+role, envID+"="+strconv.Itoa(id), envRoot+"="+root,
			envOut+"="+out, envOps+"="+strconv.Itoa(ops), envStop+"="+stop)
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, out, &stderr
	}
	type proc struct {
		cmd    *exec.Cmd
		out    string
		stderr *strings.Builder
	}
	var ws, rs []proc
	for i := 0; i < readers; i++ {
		c, o, e := start("reader", i)
		rs = append(rs, proc{c, o, e})
	}
	ck, ckOut, ckErr := start("checker", 0)
	for i := 0; i < writers; i++ {
		c, o, e := start("writer", i)
		ws = append(ws, proc{c, o, e})
	}
	for _, p := range ws {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("writer failed: %v\n%s", err, p.stderr)
		}
	}
	os.WriteFile(stop, nil, 0o644)
	for _, p := range rs {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("reader failed: %v\n%s", err, p.stderr)
		}
	}
	if err := ck.Wait(); err != nil {
		t.Errorf("checker failed: %v\n%s", err, ckErr)
	}
	if t.Failed() {
		return
	}

	// What writers were told.
	created := map[boxUID]string{} // -> Message-ID, "" until resolved
	type copyPair struct {
		src, dst boxUID
		move     bool
		half     bool // a move stopped after its copy
	}
	var copies []copyPair
	// Moves stopped after their copy (as by a crash): the message's
	// copy, its source and the source's mod-sequence when copied.
	type halfMove struct {
		src, dst boxUID
		modseq   uint64
	}
	var halves []halfMove
	gone := map[boxUID]bool{}
	type flagAck struct {
		at     boxUID
		kw     string
		modseq uint64
	}
	var added []flagAck
	removed := map[string]map[boxUID]bool{} // keyword -> UIDs it was removed from
	maxAckedModSeq := map[string]uint64{}   // per mailbox
	create := func(at boxUID, id string) {
		if _, dup := created[at]; dup {
			t.Errorf("UID %d in %s given to two messages", at.uid, at.box)
		}
		created[at] = id
	}
	for w, p := range ws {
		lastUID := map[string]uint32{}
		for _, f := range readLines(t, p.out) {
			switch f[0] {
			case "A": // A box uid modseq msgid
				at := boxUID{f[1], atou32(t, f[2])}
				if at.uid <= lastUID[at.box] {
					t.Errorf("writer %d: UID %d in %s after %d", w, at.uid, at.box, lastUID[at.box])
				}
				lastUID[at.box] = at.uid
				maxAckedModSeq[at.box] = max(maxAckedModSeq[at.box], atou64(t, f[3]))
				create(at, f[4])
			case "C", "M": // C src dst modseq s:d …
				for _, pair := range f[4:] {
					sd := strings.Split(pair, ":")
					cp := copyPair{boxUID{f[1], atou32(t, sd[0])}, boxUID{f[2], atou32(t, sd[1])}, f[0] == "M", false}
					create(cp.dst, "")
					copies = append(copies, cp)
					if f[0] == "M" {
						gone[cp.src] = true
					}
				}
				maxAckedModSeq[f[2]] = max(maxAckedModSeq[f[2]], atou64(t, f[3]))
			case "I": // I src dst modseq s:d:srcmodseq
				sd := strings.Split(f[4], ":")
				h := halfMove{boxUID{f[1], atou32(t, sd[0])}, boxUID{f[2], atou32(t, sd[1])}, atou64(t, sd[2])}
				create(h.dst, "")
				copies = append(copies, copyPair{h.src, h.dst, true, true})
				halves = append(halves, h)
				maxAckedModSeq[f[2]] = max(maxAckedModSeq[f[2]], atou64(t, f[3]))
			case "X": // X box modseq uid …
				maxAckedModSeq[f[1]] = max(maxAckedModSeq[f[1]], atou64(t, f[2]))
				for _, u := range f[3:] {
					gone[boxUID{f[1], atou32(t, u)}] = true
				}
			case "F": // F box kw modseq uid …
				k := atou64(t, f[3])
				maxAckedModSeq[f[1]] = max(maxAckedModSeq[f[1]], k)
				for _, u := range f[4:] {
					added = append(added, flagAck{boxUID{f[1], atou32(t, u)}, f[2], k})
				}
			case "U": // U box kw modseq uid …
				maxAckedModSeq[f[1]] = max(maxAckedModSeq[f[1]], atou64(t, f[3]))
				for _, u := range f[4:] {
					if removed[f[2]] == nil {
						removed[f[2]] = map[boxUID]bool{}
					}
					removed[f[2]][boxUID{f[1], atou32(t, u)}] = true
				}
			default:
				t.Fatalf("writer %d: bad log line %q", w, f)
			}
		}
	}
	// Copies carry the Message-ID of their source.
	for changed := true; changed; {
		changed = false
		for _, cp := range copies {
			if created[cp.dst] == "" && created[cp.src] != "" {
				created[cp.dst] = created[cp.src]
				changed = true
			}
		}
	}

	// What the store holds now, seen by a fresh process.
	s2, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.grace = 0
	a2, _ := s2.Account("torture")
	// The checker may not have come to the last half-done moves.
	if _, err := a2.Check(true); err != nil {
		t.Fatal(err)
	}
	// The checker's log: how many moves it completed; any error.
	completed := 0
	for _, f := range readLines(t, ckOut) {
		switch f[0] {
		case "V":
			t.Errorf("checker: %s", strings.Join(f[1:], " "))
		case "K":
			completed += int(atou32(t, f[1]))
		}
	}
	live := map[boxUID]Message{}
	liveID := map[boxUID]string{}
	for _, b := range tortureBoxes {
		m := mustMailbox(t, a2, b)
		snap := mustSnapshot(t, m)
		for _, msg := range snap.Messages {
			if msg.ModSeq > snap.HighestModSeq || msg.UID >= snap.UIDNext {
				t.Errorf("%s: message %+v beyond HIGHESTMODSEQ %d / UIDNEXT %d", b, msg, snap.HighestModSeq, snap.UIDNext)
			}
			at := boxUID{b, msg.UID}
			live[at] = msg
			id, err := readTestMessage(m, msg.UID)
			if err != nil {
				t.Errorf("%s UID %d: %v", b, msg.UID, err)
			}
			liveID[at] = id
		}
		if snap.HighestModSeq < maxAckedModSeq[b] {
			t.Errorf("%s: HIGHESTMODSEQ %d below acknowledged mod-sequence %d", b, snap.HighestModSeq, maxAckedModSeq[b])
		}
	}
	// A half-done move is never in neither mailbox: the copy stays unless
	// a writer removed it, and the source is removed only by a writer or
	// by Check completing the move while the copy is there. After the
	// final Check(true), a message is in both only if its source copy
	// changed since the copy (Check keeps both then). Where a writer
	// removed the copy, the source may be gone too: Check may have
	// completed the move first.
	// Check completing a half-done move removes its source without a
	// writer's word, and that source may itself be the copy of an
	// earlier move: such a message lives on in the later copy.
	half := map[boxUID]bool{}
	halfFrom := map[boxUID][]boxUID{}
	for _, h := range halves {
		half[h.src], half[h.dst] = true, true
		halfFrom[h.src] = append(halfFrom[h.src], h.dst)
	}
	var alive func(at boxUID, depth int) bool
	alive = func(at boxUID, depth int) bool {
		if _, ok := live[at]; ok {
			return true
		}
		for _, next := range halfFrom[at] {
			if depth < len(halves) && !gone[next] && alive(next, depth+1) {
				return true
			}
		}
		return false
	}
	bothKept := map[boxUID]bool{}
	for _, h := range halves {
		_, srcLive := live[h.src]
		_, dstLive := live[h.dst]
		switch {
		case gone[h.dst]:
		case gone[h.src] && !alive(h.dst, 0):
			t.Errorf("%s UID %d, a copy of %s UID %d whose source a writer removed, is gone", h.dst.box, h.dst.uid, h.src.box, h.src.uid)
		case gone[h.src]:
		case !srcLive && !alive(h.dst, 0):
			t.Errorf("%s UID %d moved to %s UID %d: in neither mailbox", h.src.box, h.src.uid, h.dst.box, h.dst.uid)
		case srcLive && dstLive && live[h.src].ModSeq == h.modseq:
			t.Errorf("%s UID %d moved to %s UID %d: in both, and Check did not complete the move", h.src.box, h.src.uid, h.dst.box, h.dst.uid)
		case srcLive && dstLive:
			bothKept[h.dst] = true
		}
	}
	for at, id := range created {
		if half[at] {
			continue // above
		}
		if gone[at] {
			if _, ok := live[at]; ok {
				t.Errorf("%s UID %d acknowledged expunged or moved, still present", at.box, at.uid)
			}
			continue
		}
		got, ok := liveID[at]
		if !ok {
			t.Errorf("%s UID %d (%s) acknowledged, missing", at.box, at.uid, id)
			continue
		}
		if id != "" && got != id {
			t.Errorf("%s UID %d holds %s, want %s", at.box, at.uid, got, id)
		}
	}
	for at := range live {
		if _, ok := created[at]; !ok {
			t.Errorf("%s UID %d (%s) present but never acknowledged", at.box, at.uid, liveID[at])
		}
	}
	// Every acknowledged keyword add survives unless removed or expunged.
	for _, f := range added {
		msg, ok := live[f.at]
		if !ok || removed[f.kw][f.at] {
			continue
		}
		if !slices.Contains(msg.Flags, f.kw) {
			t.Errorf("%s UID %d lost keyword %s (flags %v)", f.at.box, f.at.uid, f.kw, msg.Flags)
		}
		if msg.ModSeq < f.modseq {
			t.Errorf("%s UID %d: mod-sequence %d below acknowledged change %d", f.at.box, f.at.uid, msg.ModSeq, f.modseq)
		}
	}
	for kw, set := range removed {
		for at := range set {
			if msg, ok := live[at]; ok && slices.Contains(msg.Flags, kw) {
				t.Errorf("%s UID %d: removed keyword %s present", at.box, at.uid, kw)
			}
		}
	}
	// Readers.
	for r, p := range rs {
		lines := readLines(t, p.out)
		if len(lines) < 10 {
			t.Errorf("reader %d made only %d observations", r, len(lines))
		}
		// Sweeps: P sweep order box UIDNEXT live-UIDs… (see tortureReader).
		type boxView struct {
			order   int
			uidNext uint32
			live    map[uint32]bool
		}
		sweeps := map[string]map[string]boxView{}
		// Re-check the observations: S box HIGHESTMODSEQ UIDNEXT new-UIDs…
		hms := map[string]uint64{}
		uidNext := map[string]uint32{}
		maxSeen := map[string]uint32{}
		for _, f := range lines {
			switch f[0] {
			case "V":
				t.Errorf("reader %d: %s", r, strings.Join(f[1:], " "))
			case "P":
				if sweeps[f[1]] == nil {
					sweeps[f[1]] = map[string]boxView{}
				}
				v := boxView{order: int(atou32(t, f[2])), uidNext: atou32(t, f[4]), live: map[uint32]bool{}}
				for _, u := range f[5:] {
					v.live[atou32(t, u)] = true
				}
				sweeps[f[1]][f[3]] = v
			case "S":
				b, h, n := f[1], atou64(t, f[2]), atou32(t, f[3])
				if h < hms[b] || n < uidNext[b] {
					t.Errorf("reader %d, %s: HIGHESTMODSEQ/UIDNEXT went from %d/%d to %d/%d", r, b, hms[b], uidNext[b], h, n)
				}
				hms[b], uidNext[b] = h, n
				for _, u := range f[4:] {
					uid := atou32(t, u)
					if uid <= maxSeen[b] || uid >= n {
						t.Errorf("reader %d, %s: new UID %d after seeing %d (UIDNEXT %d)", r, b, uid, maxSeen[b], n)
					}
					maxSeen[b] = max(maxSeen[b], uid)
				}
			}
		}
		// A moved message is never in neither mailbox (RFC 6851 §3.3,
		// FORMAT.md "Move"). The destination's copy is linked before the
		// source's X record, and an acknowledged move's X record is the
		// one that removed the source UID. So a sweep that found the
		// source UID assigned (below UIDNEXT) but gone, and then looked
		// at the destination, must find the copy there, unless something
		// later removed the copy. A half-done move's source is removed
		// by Check only while its copy is there; one that a writer
		// removed may have gone before the copy was made. A copy that
		// is the source of a half-done move may have moved on.
		moveChecks := 0
		for _, sw := range sweeps {
			for _, cp := range copies {
				src, ok1 := sw[cp.src.box]
				dst, ok2 := sw[cp.dst.box]
				if !cp.move || !ok1 || !ok2 || src.order >= dst.order || gone[cp.dst] || cp.half && gone[cp.src] || halfFrom[cp.dst] != nil {
					continue
				}
				if cp.src.uid < src.uidNext && !src.live[cp.src.uid] {
					moveChecks++
					if !dst.live[cp.dst.uid] {
						t.Errorf("reader %d: %s UID %d moved to %s UID %d was in neither mailbox (half %v, src gone %v)", r, cp.src.box, cp.src.uid, cp.dst.box, cp.dst.uid, cp.half, gone[cp.src])
					}
				}
			}
		}
		t.Logf("reader %d: %d sweeps, %d moved messages checked in them", r, len(sweeps), moveChecks)
	}
	rep, err := a2.Check(false)
	if err != nil {
		t.Errorf("Check(false): %v", err)
	}
	for _, p := range rep.Problems {
		if p.Kind != ProblemMove {
			t.Errorf("Check(false): %+v", p)
		}
	}
	if n := len(rep.Problems); n != len(bothKept) {
		t.Errorf("Check(false) reports %d interrupted moves, %d kept both copies: %+v", n, len(bothKept), rep.Problems)
	}
	t.Logf("%d messages acknowledged, %d live, %d flag changes, %d moves stopped after the copy, %d completed by the checker, %d kept in both (source changed), %d records checked",
		len(created), len(live), len(added), len(halves), completed, len(bothKept), rep.Records)
}

// TestTortureWorker is the body of the torture test's child processes.
func TestTortureWorker(t *testing.T) {
	role := os.Getenv(envRole)
	if role == "" {
		t.Skip("only run as a child of TestTorture")
	}
	id, _ := strconv.Atoi(os.Getenv(envID))
	s, err := Open(os.Getenv(envRoot), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.snapEvery = 64 // exercise snapshot files at this scale
	f, err := os.Create(os.Getenv(envOut))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := bufio.NewWriter(f)
	defer out.Flush()
	a, err := s.Account("torture")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	switch role {
	case "writer":
		ops, _ := strconv.Atoi(os.Getenv(envOps))
		tortureWriter(t, a, id, ops, rng, out)
	case "reader":
		tortureReader(t, s, id, os.Getenv(envStop), rng, out)
	case "checker":
		tortureChecker(s, a, os.Getenv(envStop), out)
	}
}

func joinUIDs(uids []uint32) string {
	var b strings.Builder
	for _, u := range uids {
		fmt.Fprintf(&b, " %d", u)
	}
	return b.String()
}

func tortureWriter(t *testing.T, a *Account, id, ops int, rng *rand.Rand, out *bufio.Writer) {
	boxes := map[string]*Mailbox{}
	for _, b := range tortureBoxes {
		boxes[b] = mustMailbox(t, a, b)
	}
	pick := func() (string, *Mailbox) {
		b := tortureBoxes[rng.IntN(len(tortureBoxes))]
		return b, boxes[b]
	}
	// some picks 1–3 UIDs of the mailbox, favouring recent messages so
	// that writers collide on the same ones.
	some := func(m *Mailbox) ([]uint32, *Snapshot) {
		snap := mustSnapshot(t, m)
		if len(snap.Messages) == 0 {
			return nil, snap
		}
		var uids []uint32
		for n := 1 + rng.IntN(3); n > 0; n-- {
			i := len(snap.Messages) - 1 - rng.IntN(min(len(snap.Messages), 8))
			uids = append(uids, snap.Messages[i].UID)
		}
		return uniqueSorted(uids), snap
	}
	type myFlag struct {
		box, kw string
		uids    []uint32
	}
	var mine []myFlag
	for n := 0; n < ops; n++ {
		b, m := pick()
		switch r := rng.IntN(100); {
		case r < 40:
			msgID := fmt.Sprintf("w%d.%d@torture", id, n)
			msg, err := m.Append(strings.NewReader(string(testMessage(msgID, 200+rng.IntN(3000), int64(id*100000+n)))), AppendOptions{})
			if err != nil {
				t.Fatalf("append: %v", err)
			}
			fmt.Fprintf(out, "A %s %d %d %s\n", b, msg.UID, msg.ModSeq, msgID)
		case r < 65:
			uids, snap := some(m)
			if uids == nil {
				continue
			}
			kw := fmt.Sprintf("w%dk%d", id, n)
			var since uint64
			if rng.IntN(3) == 0 {
				msg, _ := snap.Lookup(uids[0])
				since = msg.ModSeq
			}
			res, err := m.Store(uids, AddFlags, []string{kw}, since)
			if err != nil {
				t.Fatalf("store: %v", err)
			}
			var changed []uint32
			for _, c := range res.Changed {
				changed = append(changed, c.UID)
				if !slices.Contains(c.Flags, kw) || c.ModSeq != res.ModSeq {
					t.Fatalf("Store result %+v lacks %s at %d", c, kw, res.ModSeq)
				}
			}
			if len(changed) > 0 {
				fmt.Fprintf(out, "F %s %s %d%s\n", b, kw, res.ModSeq, joinUIDs(changed))
				mine = append(mine, myFlag{b, kw, changed})
			}
		case r < 70:
			if len(mine) == 0 {
				continue
			}
			i := rng.IntN(len(mine))
			f := mine[i]
			mine = slices.Delete(mine, i, i+1)
			res, err := boxes[f.box].Store(f.uids, RemoveFlags, []string{f.kw}, 0)
			if err != nil {
				t.Fatalf("store: %v", err)
			}
			// Log the removal for every UID asked: a UID not changed
			// was expunged, and has no flags left to check.
			fmt.Fprintf(out, "U %s %s %d%s\n", f.box, f.kw, res.ModSeq, joinUIDs(f.uids))
		case r < 90:
			uids, snap := some(m)
			if uids == nil {
				continue
			}
			db, dst := pick()
			move := r >= 80
			if move && rng.IntN(4) == 0 {
				// A move stopped after its copy, as by a crash.
				msg, ok := snap.Lookup(uids[0])
				if !ok {
					continue
				}
				from := &moveOrigin{guid: m.st.guid, uidValidity: m.st.uidValidity, uid: msg.UID, modSeq: msg.ModSeq}
				k, d, err := m.copyOne(dst, snap.recs[msg.UID-1], msg, from)
				if errors.Is(err, ErrExpunged) {
					continue
				}
				if err != nil {
					t.Fatalf("copy: %v", err)
				}
				if err := dst.st.makeDurable(k); err != nil {
					t.Fatalf("copy: %v", err)
				}
				fmt.Fprintf(out, "I %s %s %d %d:%d:%d\n", b, db, k, msg.UID, d, msg.ModSeq)
				continue
			}
			var res CopyResult
			var err error
			if move {
				res, err = m.MoveTo(dst, uids)
			} else {
				res, err = m.CopyTo(dst, uids)
			}
			if err != nil {
				t.Fatalf("copy/move: %v", err)
			}
			if len(res.SrcUIDs) == 0 {
				continue
			}
			dsnap := mustSnapshot(t, dst)
			var b2 strings.Builder
			for i := range res.SrcUIDs {
				fmt.Fprintf(&b2, " %d:%d", res.SrcUIDs[i], res.DstUIDs[i])
			}
			kind := "C"
			if move {
				kind = "M"
			}
			fmt.Fprintf(out, "%s %s %s %d%s\n", kind, b, db, dsnap.HighestModSeq, b2.String())
		default:
			uids, _ := some(m)
			if uids == nil {
				continue
			}
			k, err := m.Expunge(uids)
			if err != nil {
				t.Fatalf("expunge: %v", err)
			}
			if k == 0 {
				continue // all already gone
			}
			fmt.Fprintf(out, "X %s %d%s\n", b, k, joinUIDs(uids))
		}
	}
}

func tortureReader(t *testing.T, s *Store, id int, stop string, rng *rand.Rand, out *bufio.Writer) {
	type seen struct {
		hms, uidNext uint64
		maxUID       uint32
		prev         *Snapshot
	}
	state := map[string]*seen{}
	for _, b := range tortureBoxes {
		state[b] = &seen{}
	}
	a, _ := s.Account("torture")
	for n := 0; ; n++ {
		if _, err := os.Stat(stop); err == nil {
			return
		}
		if n%25 == 24 {
			// A cold start, from snapshot files: what was seen must
			// still hold.
			s.Close()
			var err error
			if s, err = Open(s.root, Options{}); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.snapEvery = 64
			a, _ = s.Account("torture")
		}
		b := tortureBoxes[rng.IntN(len(tortureBoxes))]
		m := mustMailbox(t, a, b)
		snap := mustSnapshot(t, m)
		st := state[b]
		bad := func(format string, args ...any) {
			fmt.Fprintf(out, "V %s: %s\n", b, fmt.Sprintf(format, args...))
		}
		if snap.HighestModSeq < st.hms {
			bad("HIGHESTMODSEQ went from %d to %d", st.hms, snap.HighestModSeq)
		}
		if uint64(snap.UIDNext) < st.uidNext {
			bad("UIDNEXT went from %d to %d", st.uidNext, snap.UIDNext)
		}
		ch := Diff(st.prev, snap)
		for _, msg := range ch.New {
			if msg.UID <= st.maxUID {
				bad("new UID %d after seeing UID %d", msg.UID, st.maxUID)
			}
		}
		for _, msg := range snap.Messages {
			if msg.ModSeq > snap.HighestModSeq || msg.UID >= snap.UIDNext {
				bad("message %d modseq %d beyond HIGHESTMODSEQ %d or UIDNEXT %d", msg.UID, msg.ModSeq, snap.HighestModSeq, snap.UIDNext)
			}
		}
		if len(snap.Messages) > 0 {
			st.maxUID = max(st.maxUID, snap.Messages[len(snap.Messages)-1].UID)
			if rng.IntN(4) == 0 {
				msg := snap.Messages[rng.IntN(len(snap.Messages))]
				if _, err := readTestMessage(m, msg.UID); err != nil && !errors.Is(err, ErrExpunged) {
					bad("UID %d: %v", msg.UID, err)
				}
			}
		}
		st.hms, st.uidNext, st.prev = snap.HighestModSeq, uint64(snap.UIDNext), snap
		var newUIDs []uint32
		for _, msg := range ch.New {
			newUIDs = append(newUIDs, msg.UID)
		}
		fmt.Fprintf(out, "S %s %d %d%s\n", b, snap.HighestModSeq, snap.UIDNext, joinUIDs(newUIDs))
		if n%5 == 4 {
			// A sweep: every mailbox, one after the other in a random
			// order, each with its UIDNEXT and live UIDs.
			for i, k := range rng.Perm(len(tortureBoxes)) {
				sb := tortureBoxes[k]
				ss := mustSnapshot(t, mustMailbox(t, a, sb))
				var live []uint32
				for _, msg := range ss.Messages {
					live = append(live, msg.UID)
				}
				fmt.Fprintf(out, "P %d %d %s %d%s\n", n, i, sb, ss.UIDNext, joinUIDs(live))
			}
		}
	}
}

// tortureChecker runs Check(true) until told to stop, with no grace: it
// completes the writers' half-done moves, and races their live moves too
// (FORMAT.md, "Move": a mover that finds its source gone learns from the C
// record that the move is its own). Any other finding, but the leftovers
// of operations still running, is an error: a check on a live store
// reports only what is wrong.
func tortureChecker(s *Store, a *Account, stop string, out *bufio.Writer) {
	s.grace = 0
	for {
		if _, err := os.Stat(stop); err == nil {
			return
		}
		rep, err := a.Check(true)
		if err != nil {
			fmt.Fprintf(out, "V %v\n", err)
			return
		}
		n := 0
		for _, p := range rep.Problems {
			switch p.Kind {
			case ProblemMove:
				if p.Repaired {
					n++
				}
			case ProblemStaleTmp, ProblemUnstubbed:
				// With no grace, the temporary file of a stub being
				// written, or an expunge not yet stubbed, is a leftover.
			default:
				fmt.Fprintf(out, "V %s %s: %s\n", p.Kind, p.Path, p.Detail)
			}
		}
		fmt.Fprintf(out, "K %d\n", n)
	}
}
