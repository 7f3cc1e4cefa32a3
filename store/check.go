package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Problem kinds reported by Account.Check.
const (
	ProblemStaleTmp       = "stale-tmp"          // tmp/ file left by an interrupted write
	ProblemTrash          = "trash"              // trash/ entry left by an interrupted delete
	ProblemBadBox         = "bad-box"            // a box file that does not parse
	ProblemMissingData    = "missing-data"       // a box file naming a GUID with no boxes/ directory
	ProblemDuplicateGUID  = "duplicate-guid"     // two box files naming one GUID
	ProblemUnreferenced   = "unreferenced-guid"  // boxes/<guid> that no box file names
	ProblemEmptyLevel     = "empty-level"        // a names/ level with no box file and no children
	ProblemStray          = "stray"              // a file that the format does not define
	ProblemLogGap         = "log-gap"            // records are not dense
	ProblemBadRecord      = "bad-record"         // a record that does not parse
	ProblemSizeMismatch   = "size-mismatch"      // an append record whose octets differ from its size
	ProblemUnstubbed      = "unstubbed"          // an expunged message whose octets were not freed
	ProblemBadSnapshot    = "bad-snapshot"       // a snapshot file that is damaged or wrong
	ProblemUIDValidity    = "unclaimed-validity" // a UIDVALIDITY without its uidvalidity/ claim
	ProblemBadSieve       = "bad-sieve"          // a sieve/ file whose header does not parse or match its name
	ProblemDanglingActive = "dangling-active"    // sieve/active names a script that does not exist
	ProblemBadSpecialUse  = "bad-special-use"    // a special-use file that does not parse
	ProblemMove           = "interrupted-move"   // a moved message still in its source mailbox
)

// Problem is one finding of Account.Check.
type Problem struct {
	Kind     string // one of the Problem… constants
	Path     string // relative to the account directory
	Detail   string
	Repaired bool // Check(true) fixed it
}

// CheckReport is the result of Account.Check.
type CheckReport struct {
	Mailboxes int       // mailboxes verified
	Records   int       // log records verified
	Problems  []Problem // in the order found
}

// Clean reports whether Check found nothing.
func (r CheckReport) Clean() bool { return len(r.Problems) == 0 }

// Check verifies the account (FORMAT.md, "loft adm check"): every box file
// parses and names an existing GUID, each GUID once; every log is dense and
// every record parses, append records' octets match their sizes; snapshot
// files decode and agree with the log; and it looks for what interrupted
// operations leave: tmp/ and trash/ entries, unreferenced GUIDs, empty
// levels, expunged messages whose octets were not freed; and the sieve/
// directory (script headers, the active link). With repair it
// fixes those leftovers (and removes bad snapshots); damage to records or
// box files is reported, never guessed at. Leftovers younger than an hour
// belong to operations that may still be running and are left alone.
// With repair it also completes moves that a crash interrupted between the
// copy and the expunge of the source (FORMAT.md, "Move"), and only where
// that cannot lose a message. Check may run while the account is in use.
func (a *Account) Check(repair bool) (CheckReport, error) {
	if err := a.s.checkOpen(); err != nil {
		return CheckReport{}, err
	}
	c := &checker{a: a, repair: repair, cutoff: time.Now().Add(-a.s.grace), boxes: map[string]checkedBox{}}
	if err := c.run(); err != nil {
		return c.report, err
	}
	return c.report, nil
}

type checker struct {
	a      *Account
	repair bool
	cutoff time.Time
	report CheckReport
	boxes  map[string]checkedBox // GUID -> its replayed state
	moved  []movedCopy           // present copies made by a move
}

// checkedBox is a mailbox as checkBox replayed it.
type checkedBox struct {
	uidValidity uint32
	snap        *Snapshot
}

// movedCopy is a message that a move made: its mailbox, UID, record, and
// the source message that its record names.
type movedCopy struct {
	guid string
	uid  uint32
	path string
	from moveOrigin
}

func (c *checker) add(kind, path, detail string, repaired bool) {
	rel, err := filepath.Rel(c.a.dir, path)
	if err != nil {
		rel = path
	}
	c.report.Problems = append(c.report.Problems, Problem{Kind: kind, Path: rel, Detail: detail, Repaired: repaired})
}

func (c *checker) old(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.ModTime().Before(c.cutoff)
}

func (c *checker) run() error {
	// Leftovers in tmp/ and trash/.
	for _, d := range []struct{ dir, kind string }{{"tmp", ProblemStaleTmp}, {"trash", ProblemTrash}} {
		dir := c.a.path(d.dir)
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			if !c.old(p) {
				continue
			}
			c.add(d.kind, p, "left by an interrupted operation", c.repair && os.RemoveAll(p) == nil)
		}
	}
	// The hierarchy.
	named := map[string]string{} // guid -> box file path
	var uvs []uint32
	if err := c.walk(c.a.path("names"), named, &uvs); err != nil {
		return err
	}
	claimed := map[uint32]bool{}
	if ents, err := os.ReadDir(c.a.path("uidvalidity")); err == nil {
		for _, e := range ents {
			if v, err := parseCanonicalUint([]byte(e.Name()), 32); err == nil {
				claimed[uint32(v)] = true
			}
		}
	}
	for _, uv := range uvs {
		if !claimed[uv] {
			p := c.a.path("uidvalidity", strconv.FormatUint(uint64(uv), 10))
			fixed := false
			if c.repair {
				f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o640)
				if err == nil {
					f.Close()
					fixed = c.a.s.fs.syncDir(filepath.Dir(p)) == nil
				}
			}
			c.add(ProblemUIDValidity, p, "in use but not claimed", fixed)
		}
	}
	// The data directories.
	ents, err := os.ReadDir(c.a.path("boxes"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		guid := e.Name()
		p := c.a.path("boxes", guid)
		if _, ok := named[guid]; ok {
			if err := c.checkBox(guid, named[guid]); err != nil {
				return err
			}
			delete(named, guid)
			continue
		}
		if len(guid) != 32 || !isLowerHex([]byte(guid)) || !e.IsDir() {
			c.add(ProblemStray, p, "not a GUID directory", false)
			continue
		}
		if !c.old(p) {
			continue // a mailbox being created
		}
		fixed := false
		if c.repair {
			gone := c.a.path("trash", guid)
			if os.Rename(p, gone) == nil {
				c.a.s.fs.syncDir(c.a.path("boxes"))
				fixed = os.RemoveAll(gone) == nil
			}
		}
		c.add(ProblemUnreferenced, p, "no box file names it", fixed)
	}
	for guid, box := range named {
		c.add(ProblemMissingData, box, "names GUID "+guid+" which has no data", false)
	}
	if err := c.rollForward(); err != nil {
		return err
	}
	return c.checkSieve()
}

// rollForward completes the moves that a crash interrupted between the
// copy and the expunge of the source (FORMAT.md, "Move": "What check
// does"). For each copy whose record names a source message that is still
// present, unchanged since the copy, in the mailbox with that GUID and
// UIDVALIDITY, and whose record is older than the grace (a younger one may
// belong to a move that is still running): a C record in the destination
// settles, by its place in that log, whether the copy was still present
// (then the move is complete and an X record removes the source message)
// or a client had expunged it first (then the source message is kept).
// Everything else is left as it is: at worst a duplicate, never a loss.
func (c *checker) rollForward() error {
	for _, mc := range c.moved {
		dst, src := c.boxes[mc.guid], c.boxes[mc.from.guid]
		if dst.snap == nil || src.snap == nil || src.uidValidity != mc.from.uidValidity {
			continue // the source mailbox is gone: nothing to complete
		}
		if _, ok := dst.snap.Lookup(mc.uid); !ok {
			continue // the copy was expunged: the source message stays
		}
		msg, ok := src.snap.Lookup(mc.from.uid)
		if !ok || !c.old(mc.path) {
			continue // moved (or expunged) already, or perhaps still moving
		}
		srcPath := c.a.path("boxes", mc.from.guid)
		what := fmt.Sprintf("UID %d is a copy of UID %d of %s, which is still there", mc.uid, mc.from.uid, mc.from.guid)
		if msg.ModSeq != mc.from.modSeq {
			c.add(ProblemMove, mc.path, what+", changed since the copy: both kept", false)
			continue
		}
		if !c.repair {
			c.add(ProblemMove, mc.path, what, false)
			continue
		}
		tmp := c.a.path("tmp")
		dstSt := c.a.s.state(c.a.path("boxes", mc.guid), mc.guid, dst.uidValidity, tmp)
		_, ar, err := dstSt.writeRecord(&record{nonce: newNonce(), kind: kindCommit, uids: []uidRange{{mc.uid, mc.uid}}})
		if err != nil {
			c.add(ProblemMove, mc.path, what+": "+err.Error(), false)
			continue
		}
		if len(ar.present) == 0 {
			c.add(ProblemMove, mc.path, what+"; the copy was expunged first: source kept", true)
			continue
		}
		srcSt := c.a.s.state(srcPath, mc.from.guid, src.uidValidity, tmp)
		_, ar, err = srcSt.writeRecord(&record{nonce: newNonce(), kind: kindExpunge, uids: []uidRange{{mc.from.uid, mc.from.uid}}})
		if err != nil {
			c.add(ProblemMove, mc.path, what+": "+err.Error(), false)
			continue
		}
		(&Mailbox{a: c.a, st: srcSt}).freeOctets(ar.removed)
		c.add(ProblemMove, mc.path, what+"; move completed", true)
	}
	return nil
}

// walk checks the levels below dir; it reports whether dir has a box file
// or a non-empty level below it.
func (c *checker) walk(dir string, named map[string]string, uvs *[]uint32) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.Name() == "box" && dir != c.a.path("names") {
			data, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			b, err := parseBoxFile(data)
			if err != nil {
				c.add(ProblemBadBox, p, err.Error(), false)
				continue
			}
			if other, dup := named[b.guid]; dup {
				c.add(ProblemDuplicateGUID, p, "GUID also named by "+other, false)
				continue
			}
			named[b.guid] = p
			*uvs = append(*uvs, b.uidValidity)
			continue
		}
		if _, ok := decodeComponent(e.Name()); !ok || !e.IsDir() {
			c.add(ProblemStray, p, "not a level or box file", false)
			continue
		}
		// Age before the walk below, which may remove empty children
		// and so touch p.
		wasOld := c.old(p)
		if err := c.walk(p, named, uvs); err != nil {
			return err
		}
		if sub, err := os.ReadDir(p); err == nil && len(sub) == 0 && wasOld {
			fixed := false
			if c.repair {
				fixed = os.Remove(p) == nil
			}
			c.add(ProblemEmptyLevel, p, "level without mailbox or children", fixed)
		}
	}
	return nil
}

// checkBox verifies one mailbox's log and snapshots by a full replay that
// ignores snapshot files.
func (c *checker) checkBox(guid, boxPath string) error {
	c.report.Mailboxes++
	data, err := os.ReadFile(boxPath)
	if err != nil {
		return err
	}
	b, err := parseBoxFile(data)
	if err != nil {
		return err
	}
	// The special-use file (FORMAT.md, "The special-use file"): reported,
	// never guessed at; the server reads a damaged one as no attributes.
	useFile := c.a.path("boxes", guid, specialUseFile)
	if data, err := os.ReadFile(useFile); err == nil {
		if _, err := parseUses(data); err != nil {
			c.add(ProblemBadSpecialUse, useFile, "does not parse", false)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	st := newBoxState(c.a.s, c.a.path("boxes", guid), guid, b.uidValidity, c.a.path("tmp"))
	st.loaded = true
	// Names in log/: how many records, the highest; report strays.
	names := func(report bool) (int, uint64, error) {
		ents, err := os.ReadDir(st.logDir)
		if err != nil {
			return 0, 0, err
		}
		var highest uint64
		count := 0
		for _, e := range ents {
			k, err := parseCanonicalUint([]byte(e.Name()), 64)
			if err != nil || k == 0 {
				if report {
					c.add(ProblemStray, filepath.Join(st.logDir, e.Name()), "not a record name", false)
				}
				continue
			}
			count++
			highest = max(highest, k)
		}
		return count, highest, nil
	}
	count, highest, err := names(true)
	if err != nil {
		return err
	}
	snaps := map[uint64]bool{}
	for _, k := range listSnapshots(st.snapDir) {
		snaps[k] = true
	}
	checkSnap := func(k uint64) {
		p := filepath.Join(st.snapDir, strconv.FormatUint(k, 10))
		data, err := os.ReadFile(p)
		if err != nil {
			return // removed meanwhile
		}
		sf, err := decodeSnapshot(data)
		why := ""
		switch {
		case err != nil:
			why = err.Error()
		case sf.k != k || sf.uidValidity != st.uidValidity:
			why = "does not match its name or mailbox"
		case !sameState(sf, st.publishLocked()):
			why = "disagrees with the log"
		}
		if why != "" {
			c.add(ProblemBadSnapshot, p, why, c.repair && os.Remove(p) == nil)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	// replay applies the records after h; false: a bad record stopped it,
	// and the state after it is unknowable.
	replay := func() bool {
		for {
			k := st.h + 1
			p := st.recordPath(k)
			f, rec, off, err := readRecord(p)
			if errors.Is(err, fs.ErrNotExist) {
				return true
			}
			if err != nil {
				c.add(ProblemBadRecord, p, err.Error(), false)
				return false
			}
			if rec.kind == kindAppend || rec.kind == kindStub {
				want := off
				if rec.kind == kindAppend {
					want += rec.size
				}
				if fi, err := f.Stat(); err == nil && fi.Size() != want {
					c.add(ProblemSizeMismatch, p, fmt.Sprintf("%d octets, expected %d", fi.Size(), want), false)
				}
			}
			f.Close()
			ar, err := st.applyLocked(k, rec)
			if err != nil {
				c.add(ProblemBadRecord, p, err.Error(), false)
				return false
			}
			if rec.kind == kindAppend && rec.from != nil {
				c.moved = append(c.moved, movedCopy{guid: guid, uid: ar.uid, path: p, from: *rec.from})
			}
			c.report.Records++
			if snaps[k] {
				checkSnap(k)
				delete(snaps, k)
			}
		}
	}
	if !replay() {
		return nil
	}
	if uint64(count) != st.h || highest != st.h {
		// The log may have grown while Check ran. List it again and
		// read on: by density, every name that list holds is then at
		// most h, and they are 1..highest, unless a record is missing.
		count, highest, err = names(false)
		if err != nil {
			return err
		}
		if highest > st.h && !replay() {
			return nil
		}
		if uint64(count) != highest || highest > st.h {
			c.add(ProblemLogGap, st.logDir, fmt.Sprintf("records 1..%d readable, %d present, highest %d", st.h, count, highest), false)
		}
	}
	for k := range snaps {
		c.add(ProblemBadSnapshot, filepath.Join(st.snapDir, strconv.FormatUint(k, 10)), "beyond the log", c.repair && os.Remove(filepath.Join(st.snapDir, strconv.FormatUint(k, 10))) == nil)
	}
	// Expunged messages whose octets are still there.
	snap := st.publishLocked()
	c.boxes[guid] = checkedBox{uidValidity: st.uidValidity, snap: snap}
	live := 0
	for uid := uint32(1); int(uid) <= len(st.recs); uid++ {
		if live < len(snap.Messages) && snap.Messages[live].UID == uid {
			live++
			continue
		}
		k := st.recs[uid-1]
		p := st.recordPath(k)
		f, rec, _, err := readRecord(p)
		if err != nil {
			continue
		}
		f.Close()
		if rec.kind == kindAppend {
			fixed := c.repair && st.stub(k) == nil
			c.add(ProblemUnstubbed, p, fmt.Sprintf("UID %d is expunged", uid), fixed)
		}
	}
	return nil
}

// sameState reports whether a decoded snapshot file equals a replayed state.
func sameState(sf *snapFile, s *Snapshot) bool {
	// A snapshot file cannot hold per-user \Seen state: none is ever
	// written at a K where the replay has some.
	if len(s.seen) > 0 || sf.k != s.HighestModSeq || sf.uidNext != uint64(s.UIDNext) || len(sf.recs) != len(s.recs) || len(sf.msgs) != len(s.Messages) {
		return false
	}
	for i := range sf.recs {
		if sf.recs[i] != s.recs[i] {
			return false
		}
	}
	for i, m := range sf.msgs {
		n := s.Messages[i]
		if m.UID != n.UID || m.ModSeq != n.ModSeq || m.Size != n.Size || !m.InternalDate.Equal(n.InternalDate) || len(m.Flags) != len(n.Flags) {
			return false
		}
		for j := range m.Flags {
			if m.Flags[j] != n.Flags[j] {
				return false
			}
		}
	}
	return true
}
