package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
)

// snapshotEvery is how many records past the newest snapshot file a process
// replays before it writes a new one (FORMAT.md, "Snapshots").
const snapshotEvery = 1024

// headerProbe is how much of a record the first read takes: the header of
// any append record with a reasonable flag list, and the whole of most flag
// and expunge records.
const headerProbe = 4096

// boxState is the replayed state of one mailbox's log, shared by every
// Mailbox value of that GUID in one Store. All fields below mu are guarded
// by it.
type boxState struct {
	s           *Store
	dir         string // boxes/<guid>
	logDir      string
	snapDir     string
	tmpDir      string // the account's tmp/
	guid        string
	uidValidity uint32
	gsync       groupSync

	mu      sync.Mutex
	loaded  bool
	h       uint64   // records 1..h are replayed
	uidNext uint64   // next UID to assign
	recs    []uint64 // recs[uid-1]: number of the record holding uid
	// msgs are the messages in ascending UID order; an entry with ModSeq 0
	// is a tombstone (expunged, removed at the next publish).
	msgs     []Message
	dead     int
	shared   bool      // msgs' array is referenced by a published Snapshot
	cur      *Snapshot // published state at h; nil when stale
	durable  uint64    // records 1..durable are known durable
	snapK    uint64    // newest snapshot file known
	snapBusy bool
	// seen is the per-user \Seen state (FORMAT.md, "Per-user \Seen") of
	// the messages present: seen[user][uid]. A user without an entry for a
	// message has not seen it. seenShared: the maps are referenced by a
	// published Snapshot, copy before changing.
	seen       map[string]map[uint32]userSeen
	seenShared bool

	acl aclState // the mailbox's access control list (acl.go), under its own lock
}

func newBoxState(s *Store, dir, guid string, uidValidity uint32, tmpDir string) *boxState {
	return &boxState{
		s:           s,
		dir:         dir,
		logDir:      filepath.Join(dir, "log"),
		snapDir:     filepath.Join(dir, "snap"),
		tmpDir:      tmpDir,
		guid:        guid,
		uidValidity: uidValidity,
		uidNext:     1,
	}
}

func (st *boxState) recordPath(k uint64) string {
	return filepath.Join(st.logDir, strconv.FormatUint(k, 10))
}

// readRecord opens log/k and parses its header. It returns the open file
// (positioned nowhere in particular) and the offset of the message octets.
// A missing record is an error satisfying errors.Is(err, fs.ErrNotExist).
func readRecord(path string) (*os.File, *record, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	rec, off, err := readHeader(f)
	if err != nil {
		f.Close()
		return nil, nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return f, rec, off, nil
}

// readHeader reads the header line of an open record: one small read for
// nearly all records, never the message octets beyond the first block.
func readHeader(f *os.File) (*record, int64, error) {
	buf := make([]byte, headerProbe)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	buf = buf[:n]
	for {
		if i := bytes.Index(buf, []byte("\r\n")); i >= 0 {
			rec, err := parseRecordHeader(buf[:i])
			if err != nil {
				return nil, 0, err
			}
			return rec, int64(i + 2), nil
		}
		if n < headerProbe || len(buf) > maxHeaderLen {
			return nil, 0, headerError("no CRLF-terminated header")
		}
		more := make([]byte, len(buf))
		n, err = f.ReadAt(more, int64(len(buf)))
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		buf = append(buf, more[:n]...)
		if n < len(more) {
			n = 0 // short read: the file ends here
		}
	}
}

// load initializes the state from the newest usable snapshot file, once.
func (st *boxState) loadLocked() {
	if st.loaded {
		return
	}
	st.loaded = true
	ks := listSnapshots(st.snapDir)
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		data, err := os.ReadFile(filepath.Join(st.snapDir, strconv.FormatUint(k, 10)))
		if err != nil {
			continue
		}
		sf, err := decodeSnapshot(data)
		if err == nil && (sf.k != k || sf.uidValidity != st.uidValidity) {
			err = errors.New("snapshot does not match its name or mailbox")
		}
		if err == nil {
			// A snapshot names the state after record k; trust it only
			// while that record exists.
			if _, serr := os.Stat(st.recordPath(k)); serr != nil {
				err = fmt.Errorf("record %d missing", k)
			}
		}
		if err != nil {
			st.s.log.Warn("store: ignoring snapshot", "mailbox", st.guid, "snapshot", k, "err", err)
			continue
		}
		st.h, st.uidNext, st.recs, st.msgs = sf.k, sf.uidNext, sf.recs, sf.msgs
		st.snapK = k
		return
	}
}

// listSnapshots returns the numbers of the files in snap/, ascending.
func listSnapshots(dir string) []uint64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var ks []uint64
	for _, e := range ents {
		if k, err := parseCanonicalUint([]byte(e.Name()), 64); err == nil && k > 0 {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// refreshLocked replays every record after h, probing log/h+1, log/h+2 …
// until one is absent (FORMAT.md, "Readers").
func (st *boxState) refreshLocked() error {
	st.loadLocked()
	buf := make([]byte, headerProbe)
	for {
		k := st.h + 1
		rec, err := scanRecord(st.recordPath(k), buf)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("store: mailbox %s: %w", st.guid, err)
		}
		if _, err := st.applyLocked(k, rec); err != nil {
			return err
		}
	}
}

// applyResult is what one record did to the state.
type applyResult struct {
	uid     uint32    // append: the UID assigned
	changed []Message // flags: messages changed, as they are now
	failed  []uint32  // flags: UIDs present but modified since unchangedsince
	removed []uint32  // expunge: UIDs this record removed
	present []uint32  // commit: UIDs of its set that were present
}

// mutableLocked makes msgs safe to modify in place.
func (st *boxState) mutableLocked() {
	if st.shared {
		st.msgs = slices.Clone(st.msgs)
		st.shared = false
	}
}

// index returns the position of the first message with UID >= uid.
func (st *boxState) index(uid uint32) int {
	return sort.Search(len(st.msgs), func(i int) bool { return st.msgs[i].UID >= uid })
}

// applyLocked applies record k (FORMAT.md, "Replaying the log").
func (st *boxState) applyLocked(k uint64, rec *record) (applyResult, error) {
	if k != st.h+1 {
		return applyResult{}, fmt.Errorf("store: applying record %d at %d", k, st.h)
	}
	var res applyResult
	switch rec.kind {
	case kindAppend, kindStub:
		if st.uidNext > math.MaxUint32 {
			return res, fmt.Errorf("store: mailbox %s: record %d: UIDs exhausted", st.guid, k)
		}
		uid := uint32(st.uidNext)
		st.uidNext++
		st.recs = append(st.recs, k)
		st.msgs = append(st.msgs, Message{UID: uid, ModSeq: k, Size: rec.size, InternalDate: rec.date, Flags: rec.flags})
		res.uid = uid
	case kindFlags:
		for _, r := range rec.uids {
			for i := st.index(r.lo); i < len(st.msgs) && st.msgs[i].UID <= r.hi; i++ {
				m := &st.msgs[i]
				if m.ModSeq == 0 {
					continue
				}
				if rec.unchangedSince != 0 && m.ModSeq > rec.unchangedSince {
					res.failed = append(res.failed, m.UID)
					continue
				}
				flags, changed := applyFlagOp(m.Flags, rec.op, rec.flags)
				if !changed {
					continue
				}
				st.mutableLocked()
				m = &st.msgs[i]
				m.Flags, m.ModSeq = flags, k
				res.changed = append(res.changed, *m)
			}
		}
	case kindExpunge:
		for _, r := range rec.uids {
			for i := st.index(r.lo); i < len(st.msgs) && st.msgs[i].UID <= r.hi; i++ {
				if st.msgs[i].ModSeq == 0 {
					continue
				}
				st.mutableLocked()
				st.msgs[i].ModSeq = 0
				st.dead++
				res.removed = append(res.removed, st.msgs[i].UID)
			}
		}
		// A message's per-user state dies with it.
		for user, m := range st.seen {
			for _, uid := range res.removed {
				if _, ok := m[uid]; ok {
					st.mutableSeenLocked()
					delete(st.seen[user], uid)
				}
			}
			if len(st.seen[user]) == 0 {
				st.mutableSeenLocked()
				delete(st.seen, user)
			}
		}
	case kindSeen:
		for _, r := range rec.uids {
			for i := st.index(r.lo); i < len(st.msgs) && st.msgs[i].UID <= r.hi; i++ {
				m := st.msgs[i]
				if m.ModSeq == 0 {
					continue
				}
				old := st.seen[rec.user][m.UID]
				if old.seen == (rec.op == AddFlags) {
					continue
				}
				st.mutableSeenLocked()
				um := st.seen[rec.user]
				if um == nil {
					if st.seen == nil {
						st.seen = map[string]map[uint32]userSeen{}
					}
					um = map[uint32]userSeen{}
					st.seen[rec.user] = um
				}
				um[m.UID] = userSeen{seen: rec.op == AddFlags, modSeq: k}
				res.changed = append(res.changed, m)
			}
		}
	case kindCommit:
		// Changes no message (FORMAT.md, "Move"): it settles, by its
		// place in the log, that the moves that made the present UIDs of
		// its set are complete.
		for _, r := range rec.uids {
			for i := st.index(r.lo); i < len(st.msgs) && st.msgs[i].UID <= r.hi; i++ {
				if st.msgs[i].ModSeq != 0 {
					res.present = append(res.present, st.msgs[i].UID)
				}
			}
		}
	default:
		return res, fmt.Errorf("store: record %d: unknown kind", k)
	}
	st.h = k
	st.cur = nil
	return res, nil
}

// userSeen is one user's \Seen state of one message: whether the user has
// seen it, and the record that last changed that (a mod-sequence of the
// user's view, FORMAT.md "Per-user \Seen").
type userSeen struct {
	seen   bool
	modSeq uint64
}

// mutableSeenLocked makes seen safe to modify in place.
func (st *boxState) mutableSeenLocked() {
	if !st.seenShared {
		return
	}
	c := make(map[string]map[uint32]userSeen, len(st.seen))
	for u, m := range st.seen {
		c[u] = maps.Clone(m)
	}
	st.seen, st.seenShared = c, false
}

// publishLocked returns the Snapshot of the state at h.
func (st *boxState) publishLocked() *Snapshot {
	if st.cur != nil {
		return st.cur
	}
	if st.dead > 0 {
		st.mutableLocked()
		st.msgs = slices.DeleteFunc(st.msgs, func(m Message) bool { return m.ModSeq == 0 })
		st.dead = 0
	}
	st.shared = true
	st.seenShared = true
	n, r := len(st.msgs), len(st.recs)
	st.cur = &Snapshot{
		UIDValidity:   st.uidValidity,
		UIDNext:       uint32(min(st.uidNext, math.MaxUint32)),
		HighestModSeq: st.h,
		Messages:      st.msgs[:n:n],
		guid:          st.guid,
		recs:          st.recs[:r:r],
		seen:          st.seen,
	}
	return st.cur
}

// current refreshes the state and returns its Snapshot once every record it
// reflects is durable: a change is never reported before it is durable
// (FORMAT.md, "Seen means durable").
func (st *boxState) current() (*Snapshot, error) {
	st.mu.Lock()
	err := st.refreshLocked()
	snap := st.publishLocked()
	durable := st.durable
	st.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(st.logDir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		return nil, err
	}
	if durable < snap.HighestModSeq {
		if err := st.makeDurable(snap.HighestModSeq); err != nil {
			return nil, err
		}
	}
	return snap, nil
}

// makeDurable fsyncs log/ (shared with concurrent callers) so that records
// 1..k, all of which exist now, are durable.
func (st *boxState) makeDurable(k uint64) error {
	if err := st.gsync.sync(st.s.fs, st.logDir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		return err
	}
	st.mu.Lock()
	if k > st.durable {
		st.durable = k
	}
	st.mu.Unlock()
	st.maybeWriteSnapshot()
	return nil
}

// link claims the next record number for n, whose content is rec (FORMAT.md,
// "The one primitive"): link(2) to log/<h+1>; on EEXIST, read on and try the
// next number. The record is applied to the state; it is not yet durable.
func (st *boxState) link(n *newFile, rec *record) (uint64, applyResult, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.loadLocked()
	for {
		k := st.h + 1
		if rec.kind == kindAppend && st.uidNext > math.MaxUint32 {
			return 0, applyResult{}, fmt.Errorf("%w: mailbox UIDs exhausted", ErrInvalid)
		}
		err := n.link(st.recordPath(k))
		if err == nil {
			res, err := st.applyLocked(k, rec)
			return k, res, err
		}
		if errors.Is(err, fs.ErrExist) {
			f, other, _, rerr := readRecord(st.recordPath(k))
			if rerr != nil {
				return 0, applyResult{}, rerr
			}
			f.Close()
			if other.nonce == rec.nonce {
				// Our own link, answered EEXIST by a retransmission
				// (NFS): it succeeded.
				res, err := st.applyLocked(k, rec)
				return k, res, err
			}
			if _, err := st.applyLocked(k, other); err != nil {
				return 0, applyResult{}, err
			}
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return 0, applyResult{}, fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		return 0, applyResult{}, err
	}
}

// commit writes rec (and, for an append, the octets already in n) as the
// next record and makes it durable.
func (st *boxState) commit(n *newFile, rec *record) (uint64, applyResult, error) {
	k, res, err := st.link(n, rec)
	if err != nil {
		return 0, res, err
	}
	if err := st.makeDurable(k); err != nil {
		return 0, res, err
	}
	return k, res, nil
}

// writeRecord writes a record without octets to a new file and commits it.
func (st *boxState) writeRecord(rec *record) (uint64, applyResult, error) {
	n, err := st.s.fs.create(st.tmpDir)
	if err != nil {
		return 0, applyResult{}, err
	}
	defer n.close()
	if _, err := n.f.Write(rec.marshal()); err != nil {
		return 0, applyResult{}, err
	}
	if err := n.sync(); err != nil {
		return 0, applyResult{}, err
	}
	return st.commit(n, rec)
}

// maybeWriteSnapshot starts writing a snapshot file in the background when
// the durable state is snapshotEvery records past the newest one.
func (st *boxState) maybeWriteSnapshot() {
	st.mu.Lock()
	// The snapshot file has no place for per-user \Seen state: a mailbox
	// that has some is replayed from an older snapshot (FORMAT.md).
	if st.snapBusy || st.durable < st.snapK+st.s.snapEvery || st.durable != st.h || st.s.closed.Load() || len(st.seen) > 0 {
		st.mu.Unlock()
		return
	}
	snap := st.publishLocked()
	st.snapBusy = true
	st.s.bg.Add(1)
	st.mu.Unlock()
	go func() {
		defer st.s.bg.Done()
		err := st.writeSnapshotFile(snap)
		st.mu.Lock()
		st.snapBusy = false
		if err == nil && snap.HighestModSeq > st.snapK {
			st.snapK = snap.HighestModSeq
		}
		st.mu.Unlock()
		if err != nil {
			st.s.log.Warn("store: writing snapshot failed", "mailbox", st.guid, "err", err)
		}
	}()
}

// writeSnapshotFile writes snap/<K> for snap, then removes older snapshot
// files. Snapshots are derived data: no fsync; a damaged one fails its
// checksum and is ignored.
func (st *boxState) writeSnapshotFile(snap *Snapshot) error {
	k := snap.HighestModSeq
	data := encodeSnapshot(snap)
	n, err := st.s.fs.create(st.tmpDir)
	if err != nil {
		return err
	}
	defer n.close()
	if _, err := n.f.Write(data); err != nil {
		return err
	}
	if err := n.link(filepath.Join(st.snapDir, strconv.FormatUint(k, 10))); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, old := range listSnapshots(st.snapDir) {
		if old < k {
			os.Remove(filepath.Join(st.snapDir, strconv.FormatUint(old, 10)))
		}
	}
	return nil
}

// stub frees the octets of the append record k of an expunged message
// (FORMAT.md, "Expunge"): a copy of its header with kind S is written,
// fsynced and renamed over log/<k>. Idempotent.
func (st *boxState) stub(k uint64) error {
	path := st.recordPath(k)
	f, rec, _, err := readRecord(path)
	if err != nil {
		return err
	}
	f.Close()
	if rec.kind != kindAppend {
		return nil
	}
	rec.kind = kindStub
	tmp := filepath.Join(st.tmpDir, tmpName())
	t, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	_, err = t.Write(rec.marshal())
	if err == nil && !st.s.fs.noSync {
		err = fdatasync(t)
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// committed reports whether the log after record k, which appended uid,
// has a C record for uid before any X record for it: then Check settled
// the move that made uid as complete (FORMAT.md, "Move"). It reads the
// records after k; it is used only when a move finds its source message
// already gone, which is rare.
func (st *boxState) committed(k uint64, uid uint32) (bool, error) {
	buf := make([]byte, headerProbe)
	for k++; ; k++ {
		rec, err := scanRecord(st.recordPath(k), buf)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if (rec.kind == kindCommit || rec.kind == kindExpunge) && inUIDSet(rec.uids, uid) {
			return rec.kind == kindCommit, nil
		}
	}
}

// inUIDSet reports whether uid is in the ranges rs.
func inUIDSet(rs []uidRange, uid uint32) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].hi >= uid })
	return i < len(rs) && rs[i].lo <= uid
}
