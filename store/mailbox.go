package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"
)

// Mailbox is a handle on one mailbox, bound to its GUID: it keeps working
// on the same mailbox after a rename (Name then reports the name it was
// opened by), and fails with ErrNotFound once the mailbox is deleted. Safe
// for concurrent use; all Mailbox values of one mailbox in a Store share one
// replayed state.
type Mailbox struct {
	a    *Account
	name string
	st   *boxState
	// viewer is the user whose view this handle gives (As): "" for the
	// owner's, where \Seen is the shared flag.
	viewer string
}

// AppendOptions are the optional attributes of a new message.
type AppendOptions struct {
	Flags        []string  // initial flags; \Recent and non-atoms are ErrInvalid
	InternalDate time.Time // RFC 3501 §2.3.3; zero means now
}

// StoreOp is how Store combines the given flags with a message's flags
// (RFC 3501 §6.4.6: FLAGS, +FLAGS, -FLAGS).
type StoreOp int

const (
	AddFlags     StoreOp = iota // +FLAGS: add the flags
	RemoveFlags                 // -FLAGS: remove the flags
	ReplaceFlags                // FLAGS: set exactly the flags
)

// StoreResult is the outcome of Store.
type StoreResult struct {
	// ModSeq is the mod-sequence of the change (the number of the last
	// record written), or 0 when no record was needed because nothing
	// could change.
	ModSeq uint64
	// Changed are the messages whose flags changed, as they are after the
	// change (new flags, mod-sequence ModSeq), ascending UID.
	Changed []Message
	// Failed are the UIDs that failed the UNCHANGEDSINCE test (RFC 7162
	// §3.1.3: the MODIFIED response code), ascending.
	Failed []uint32
}

// CopyResult pairs the source UIDs that were copied with the UIDs of their
// copies (RFC 4315 COPYUID), position by position, ascending source UID.
type CopyResult struct {
	SrcUIDs, DstUIDs []uint32
}

// Name returns the mailbox's name as opened.
func (m *Mailbox) Name() string { return m.name }

// GUID returns the mailbox's immutable identifier: 32 lowercase hex digits.
// With UIDVALIDITY and a UID it names a message forever, for caches.
func (m *Mailbox) GUID() string { return m.st.guid }

// Snapshot returns the current state of the mailbox: it reads the records
// written since this Store last looked (usually a single failed open), and
// returns only changes that are durable. Errors: ErrNotFound if the mailbox
// was deleted; I/O errors, including a damaged record.
func (m *Mailbox) Snapshot() (*Snapshot, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return nil, err
	}
	snap, err := m.st.current()
	if err != nil || m.viewer == "" {
		return snap, err
	}
	return snap.forUser(m.viewer), nil
}

// Append adds a message with the octets read from r (exactly as given; the
// caller supplies CRLF line ends) and returns it with its UID. The message
// is durable when Append returns (FORMAT.md, "Deliver / APPEND").
// Errors: ErrInvalid (no octets, bad flags), ErrTooBig (over
// Options.MaxMessageSize), ErrNotFound (mailbox deleted), errors from r.
func (m *Mailbox) Append(r io.Reader, opts AppendOptions) (Message, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return Message{}, err
	}
	flags, err := normalizeFlags(opts.Flags)
	if err != nil {
		return Message{}, err
	}
	if m.viewer != "" && slices.Contains(flags, flagSeen) {
		// The appending user's \Seen is their own (FORMAT.md, "Per-user
		// \Seen"): the message is stored without it, then marked seen.
		msg, err := m.viewOf().Append(r, AppendOptions{Flags: withoutSeen(flags), InternalDate: opts.InternalDate})
		if err != nil {
			return Message{}, err
		}
		if err := m.markSeenAs([]uint32{msg.UID}); err != nil {
			// The message is stored and durable: answering an error
			// would invite a second copy. It is unseen for the user.
			m.a.s.log.Warn("store: marking an appended message seen failed", "mailbox", m.st.guid, "uid", msg.UID, "user", m.viewer, "err", err)
			return msg, nil
		}
		snap, err := m.Snapshot()
		if err != nil {
			return Message{}, err
		}
		if v, ok := snap.Lookup(msg.UID); ok {
			return v, nil
		}
		return msg, nil
	}
	date := opts.InternalDate
	if date.IsZero() {
		date = time.Now()
	}
	rec := &record{nonce: newNonce(), kind: kindAppend, date: date.UTC().Round(0), flags: flags}
	n, err := m.st.s.fs.create(m.st.tmpDir)
	if err != nil {
		return Message{}, notFoundIfGone(err)
	}
	defer n.close()
	size, err := writeAppend(n.f, rec, r, m.a.s.maxSize)
	if err != nil {
		return Message{}, err
	}
	rec.size = size
	if err := n.sync(); err != nil {
		return Message{}, err
	}
	k, res, err := m.st.commit(n, rec)
	if err != nil {
		return Message{}, err
	}
	return Message{UID: res.uid, ModSeq: k, Size: size, InternalDate: rec.date, Flags: flags}, nil
}

// notFoundIfGone maps a missing tmp/ directory (the account was deleted) to
// ErrNotFound.
func notFoundIfGone(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return err
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// writeAppend writes an append record, header and octets, to f and returns
// the number of octets. The header's size field has a fixed width, so it is
// written before the octets are counted and rewritten after.
func writeAppend(f *os.File, rec *record, r io.Reader, limit int64) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	rec.size = 1
	hdr := rec.marshal()
	// Read as much as fits in buf; small messages go out in one write.
	n, err := io.ReadFull(r, buf[len(hdr):])
	copy(buf, hdr)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if n == 0 {
			return 0, fmt.Errorf("%w: empty message", ErrInvalid)
		}
		if int64(n) > limit {
			return 0, fmt.Errorf("%w: more than %d octets", ErrTooBig, limit)
		}
		rec.size = int64(n)
		copy(buf, rec.marshal())
		_, err := f.Write(buf[:len(hdr)+n])
		return int64(n), err
	}
	if err != nil {
		return 0, err
	}
	if _, err := f.Write(buf[:len(hdr)+n]); err != nil {
		return 0, err
	}
	rest, err := io.CopyBuffer(onlyWriter{f}, io.LimitReader(r, limit-int64(n)+1), buf)
	if err != nil {
		return 0, err
	}
	size := int64(n) + rest
	if size > limit {
		return 0, fmt.Errorf("%w: more than %d octets", ErrTooBig, limit)
	}
	rec.size = size
	if _, err := f.WriteAt(rec.marshal(), 0); err != nil {
		return 0, err
	}
	return size, nil
}

// onlyWriter hides os.File's ReadFrom so that CopyBuffer uses our buffer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// uniqueSorted returns the distinct non-zero UIDs of uids, ascending.
func uniqueSorted(uids []uint32) []uint32 {
	out := slices.Clone(uids)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == 0 {
		out = out[1:]
	}
	return out
}

// Store changes the flags of the messages uids (RFC 3501 §6.4.6). With
// unchangedSince non-zero, a message whose mod-sequence is above it is left
// alone and listed in Failed (RFC 7162 §3.1.3; the server answers
// UNCHANGEDSINCE 0 itself: it always fails). UIDs of messages that do not
// exist or are expunged are ignored. Adding a flag a message has, or
// removing one it lacks, changes nothing and keeps its mod-sequence (RFC
// 7162 §3.1); such messages are in neither Changed nor Failed, and a server
// that owes a FETCH with their MODSEQ (RFC 7162 §3.1.3, UNCHANGEDSINCE) takes
// it from a Snapshot. The change is durable on return. Errors: ErrInvalid
// (bad flag or op), ErrNotFound (mailbox deleted).
func (m *Mailbox) Store(uids []uint32, op StoreOp, flags []string, unchangedSince uint64) (StoreResult, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return StoreResult{}, err
	}
	if op < AddFlags || op > ReplaceFlags {
		return StoreResult{}, fmt.Errorf("%w: unknown StoreOp %d", ErrInvalid, op)
	}
	norm, err := normalizeFlags(flags)
	if err != nil {
		return StoreResult{}, err
	}
	if m.viewer != "" {
		return m.storeAs(uids, op, norm, unchangedSince)
	}
	snap, err := m.Snapshot()
	if err != nil {
		return StoreResult{}, err
	}
	var res StoreResult
	var todo []uint32
	for _, uid := range uniqueSorted(uids) {
		msg, ok := snap.Lookup(uid)
		if !ok {
			continue
		}
		if unchangedSince != 0 && msg.ModSeq > unchangedSince {
			// Mod-sequences only grow: this test fails at any later
			// point too.
			res.Failed = append(res.Failed, uid)
			continue
		}
		if _, changed := applyFlagOp(msg.Flags, op, norm); changed {
			todo = append(todo, uid)
		}
	}
	for _, part := range splitUIDSet(makeUIDSet(todo)) {
		rec := &record{nonce: newNonce(), kind: kindFlags, uids: part, op: op, flags: norm, unchangedSince: unchangedSince}
		k, ar, err := m.st.writeRecord(rec)
		if err != nil {
			return StoreResult{}, err
		}
		res.ModSeq = k
		res.Changed = append(res.Changed, ar.changed...)
		res.Failed = append(res.Failed, ar.failed...)
	}
	slices.Sort(res.Failed)
	return res, nil
}

// Expunge removes the messages uids (RFC 3501 §6.4.3, RFC 4315 §2.1 UID
// EXPUNGE) and returns the mod-sequence of the expunge (RFC 7162 §3.2.10),
// or 0 when none of the UIDs was present. Durable on return; the octets of
// the removed messages are then freed. Errors: ErrNotFound (mailbox
// deleted).
func (m *Mailbox) Expunge(uids []uint32) (uint64, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return 0, err
	}
	k, _, err := m.expunge(uids)
	return k, err
}

// expunge writes X records for the present UIDs among uids, frees their
// octets, and returns the UIDs those records removed.
func (m *Mailbox) expunge(uids []uint32) (uint64, []uint32, error) {
	snap, err := m.Snapshot()
	if err != nil {
		return 0, nil, err
	}
	var present []uint32
	for _, uid := range uniqueSorted(uids) {
		if _, ok := snap.Lookup(uid); ok {
			present = append(present, uid)
		}
	}
	var last uint64
	var removed []uint32
	for _, part := range splitUIDSet(makeUIDSet(present)) {
		k, ar, err := m.st.writeRecord(&record{nonce: newNonce(), kind: kindExpunge, uids: part})
		if err != nil {
			return 0, nil, err
		}
		last = k
		removed = append(removed, ar.removed...)
	}
	m.freeOctets(removed)
	return last, removed, nil
}

// freeOctets stubs the append records of expunged messages. A failure is
// only logged: the expunge is done, and Check stubs what is left.
func (m *Mailbox) freeOctets(uids []uint32) {
	st := m.st
	st.mu.Lock()
	ks := make([]uint64, 0, len(uids))
	for _, uid := range uids {
		if int(uid) <= len(st.recs) {
			ks = append(ks, st.recs[uid-1])
		}
	}
	st.mu.Unlock()
	for _, k := range ks {
		if err := st.stub(k); err != nil {
			st.s.log.Warn("store: freeing expunged message failed", "mailbox", st.guid, "record", k, "err", err)
		}
	}
}

// CopyTo copies the messages uids, with their flags and internal dates, to
// dst, which may be m itself (RFC 3501 §6.4.7, RFC 4315 COPYUID). UIDs that
// do not exist or are expunged are skipped, so the result may be shorter
// than uids (empty if none exists). Each copy is durable on return; the
// source is unchanged. On failure the copies already made are expunged
// again (RFC 3501 §6.4.7: a failed COPY restores the destination), as far
// as the failure allows. Errors: ErrNotFound (either mailbox deleted).
func (m *Mailbox) CopyTo(dst *Mailbox, uids []uint32) (CopyResult, error) {
	return m.CopyToKeeping(dst, uids, nil)
}

// CopyToKeeping is CopyTo where each copy gets only the flags of its source
// for which keep reports true (RFC 4314 §4: a flag the user has no right to
// set is not stored on the copy, and the copy does not fail). A nil keep
// keeps every flag.
func (m *Mailbox) CopyToKeeping(dst *Mailbox, uids []uint32, keep func(flag string) bool) (CopyResult, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return CopyResult{}, err
	}
	snap, err := m.Snapshot()
	if err != nil {
		return CopyResult{}, err
	}
	var res CopyResult
	var last uint64
	var seenCopies []uint32 // copies that the viewer of dst has seen
	for _, uid := range uniqueSorted(uids) {
		msg, ok := snap.Lookup(uid)
		if !ok {
			continue
		}
		if keep != nil {
			msg.Flags = slices.DeleteFunc(slices.Clone(msg.Flags), func(f string) bool { return !keep(f) })
		}
		seen := false
		if dst.viewer != "" && slices.Contains(msg.Flags, flagSeen) {
			// The copy carries the copying user's \Seen, and in another
			// user's mailbox that is the user's own state there.
			seen, msg.Flags = true, withoutSeen(msg.Flags)
		}
		k, dstUID, err := m.copyOne(dst, snap.recs[uid-1], msg, nil)
		if errors.Is(err, ErrExpunged) {
			continue
		}
		if err != nil {
			return CopyResult{}, dst.undoCopies(res.DstUIDs, err)
		}
		last = k
		res.SrcUIDs = append(res.SrcUIDs, uid)
		res.DstUIDs = append(res.DstUIDs, dstUID)
		if seen {
			seenCopies = append(seenCopies, dstUID)
		}
	}
	if last != 0 {
		if err := dst.st.makeDurable(last); err != nil {
			return CopyResult{}, dst.undoCopies(res.DstUIDs, err)
		}
	}
	if len(seenCopies) > 0 {
		if err := dst.markSeenAs(seenCopies); err != nil {
			return CopyResult{}, dst.undoCopies(res.DstUIDs, err)
		}
	}
	return res, nil
}

// undoCopies expunges the copies of a failed copy and returns its error.
func (m *Mailbox) undoCopies(uids []uint32, cause error) error {
	if len(uids) == 0 {
		return cause
	}
	if _, _, err := m.expunge(uids); err != nil {
		m.a.s.log.Warn("store: removing the copies of a failed copy failed", "mailbox", m.st.guid, "err", err)
	}
	return cause
}

// copyOne links a copy of the message in source record k into dst; it is
// not yet durable. ErrExpunged if the source record is already a stub. A
// move gives from, the source message, which the copy's record names.
func (m *Mailbox) copyOne(dst *Mailbox, k uint64, msg Message, from *moveOrigin) (uint64, uint32, error) {
	f, rec, off, err := readRecord(m.st.recordPath(k))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if rec.kind != kindAppend {
		return 0, 0, ErrExpunged
	}
	n, err := dst.st.s.fs.create(dst.st.tmpDir)
	if err != nil {
		return 0, 0, notFoundIfGone(err)
	}
	defer n.close()
	out := &record{nonce: newNonce(), kind: kindAppend, date: msg.InternalDate, size: rec.size, flags: msg.Flags, from: from}
	w := bufio.NewWriterSize(n.f, 64<<10)
	w.Write(out.marshal())
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, 0, err
	}
	c, err := io.Copy(w, io.LimitReader(f, rec.size))
	if err == nil && c != rec.size {
		err = fmt.Errorf("store: record %d of %s: message shorter than its header says", k, m.st.guid)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = n.sync()
	}
	if err != nil {
		return 0, 0, err
	}
	dk, res, err := dst.st.link(n, out)
	return dk, res.uid, err
}

// MoveTo moves the messages uids to dst (RFC 6851), one message at a time
// in ascending UID order (FORMAT.md, "Move"): the copy, whose record names
// the source message, is linked and made durable, then one expunge record
// removes the source message, so at most one message is in both mailboxes
// at any moment. Of two concurrent moves (or a move and an expunge) of one
// message, the first expunge record wins: the loser removes its copy again
// and leaves that UID out of its result, so a message ends up moved once.
// A crash between a copy and its expunge leaves that message in both
// mailboxes, never in neither, and Account.Check(true) completes the move;
// so does a failure of the expunge step (its record may exist even when an
// error is returned, so the copy is never taken back then). A failure of a
// copy leaves that message as it was. On an error, the result holds the
// messages moved before it: each message is moved or unaffected. dst may
// be m: the messages get new UIDs. Errors: ErrNotFound (either mailbox
// deleted).
func (m *Mailbox) MoveTo(dst *Mailbox, uids []uint32) (CopyResult, error) {
	return m.MoveToKeeping(dst, uids, nil)
}

// MoveToKeeping is MoveTo where each copy gets only the flags of its source
// for which keep reports true, as CopyToKeeping. A nil keep keeps every
// flag.
func (m *Mailbox) MoveToKeeping(dst *Mailbox, uids []uint32, keep func(flag string) bool) (CopyResult, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return CopyResult{}, err
	}
	var res CopyResult
	for _, uid := range uniqueSorted(uids) {
		// A fresh snapshot for each message (usually one failed open):
		// the copy gets the flags the message has now, not those it had
		// when a long MOVE began.
		snap, err := m.Snapshot()
		if err != nil {
			return res, err
		}
		msg, ok := snap.Lookup(uid)
		if !ok {
			continue
		}
		if keep != nil {
			msg.Flags = slices.DeleteFunc(slices.Clone(msg.Flags), func(f string) bool { return !keep(f) })
		}
		if snap.base != nil {
			// A user's view (FORMAT.md, "Per-user \Seen"): the origin
			// names the message's shared mod-sequence, which is what
			// Check compares.
			if shared, ok := snap.base.Lookup(uid); ok {
				msg.ModSeq = shared.ModSeq
			}
		}
		seen := false
		if dst.viewer != "" && slices.Contains(msg.Flags, flagSeen) {
			// The copy carries the moving user's \Seen, as their own in
			// another user's mailbox.
			seen, msg.Flags = true, withoutSeen(msg.Flags)
		}
		dstUID, moved, err := m.moveOne(dst, snap.recs[uid-1], msg)
		if err != nil {
			return res, err
		}
		if moved {
			res.SrcUIDs = append(res.SrcUIDs, uid)
			res.DstUIDs = append(res.DstUIDs, dstUID)
			if seen {
				// The message is moved; a failure here loses only the
				// user's \Seen on it.
				if err := dst.markSeenAs([]uint32{dstUID}); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// moveOne moves the message msg, held by source record k, to dst: its copy
// is made durable, then an X record removes it from m. It reports false
// when the message was expunged or moved by someone else first; its copy,
// if any, is then expunged again.
func (m *Mailbox) moveOne(dst *Mailbox, k uint64, msg Message) (uint32, bool, error) {
	from := &moveOrigin{guid: m.st.guid, uidValidity: m.st.uidValidity, uid: msg.UID, modSeq: msg.ModSeq}
	dk, dstUID, err := m.copyOne(dst, k, msg, from)
	if errors.Is(err, ErrExpunged) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if err := dst.st.makeDurable(dk); err != nil {
		return 0, false, dst.undoCopies([]uint32{dstUID}, err)
	}
	// From here until the X record is linked, the message is in both
	// mailboxes; a crash leaves it so, and Check completes the move.
	_, ar, err := m.st.writeRecord(&record{nonce: newNonce(), kind: kindExpunge, uids: []uidRange{{msg.UID, msg.UID}}})
	if err != nil {
		return 0, false, err
	}
	if len(ar.removed) == 0 {
		// An earlier X record removed it. If that was Check completing
		// this very move (a C record for the copy, before any X record
		// for it), the move is done; else another move or an expunge
		// won, and this copy is not the message's.
		if committed, err := dst.st.committed(dk, dstUID); err != nil || committed {
			return dstUID, committed, err
		}
		if _, _, err := dst.expunge([]uint32{dstUID}); err != nil {
			return 0, false, err
		}
		return 0, false, nil
	}
	m.freeOctets(ar.removed)
	return dstUID, true, nil
}

// MessageReader reads the octets of one message. It implements io.Reader,
// io.ReaderAt, io.Seeker and io.Closer over exactly the message's octets
// (offsets count from the message's first octet). Not safe for concurrent
// Read and Seek; ReadAt may be called concurrently.
type MessageReader struct {
	sr *io.SectionReader
	f  *os.File
}

// Read reads the next octets of the message.
func (r *MessageReader) Read(p []byte) (int, error) { return r.sr.Read(p) }

// ReadAt reads len(p) octets from offset off of the message.
func (r *MessageReader) ReadAt(p []byte, off int64) (int, error) { return r.sr.ReadAt(p, off) }

// Seek sets the offset for the next Read (io.Seeker).
func (r *MessageReader) Seek(offset int64, whence int) (int64, error) {
	return r.sr.Seek(offset, whence)
}

// Size returns the message's size in octets.
func (r *MessageReader) Size() int64 { return r.sr.Size() }

// Close releases the underlying file.
func (r *MessageReader) Close() error { return r.f.Close() }

// Open opens the octets of message uid. A message that has been expunged
// but whose octets are not yet freed can still be read (RFC 2180 §4.1.1
// lets a server answer FETCH for it). Errors: ErrExpunged (the octets are
// gone), ErrNotFound (no such UID, or the mailbox was deleted).
func (m *Mailbox) Open(uid uint32) (*MessageReader, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return nil, err
	}
	st := m.st
	st.mu.Lock()
	if uint64(uid) >= st.uidNext {
		if err := st.refreshLocked(); err != nil {
			st.mu.Unlock()
			return nil, err
		}
	}
	var k uint64
	if uid != 0 && int(uid) <= len(st.recs) {
		k = st.recs[uid-1]
	}
	st.mu.Unlock()
	if k == 0 {
		return nil, fmt.Errorf("%w: UID %d", ErrNotFound, uid)
	}
	f, rec, off, err := readRecord(st.recordPath(k))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		return nil, err
	}
	if rec.kind != kindAppend {
		f.Close()
		return nil, fmt.Errorf("%w: UID %d", ErrExpunged, uid)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() != off+rec.size {
		err = fmt.Errorf("store: record %d of %s: %d octets, header says %d", k, st.guid, fi.Size()-off, rec.size)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &MessageReader{sr: io.NewSectionReader(f, off, rec.size), f: f}, nil
}
