package store

import (
	"fmt"
	"slices"
)

// Per-user \Seen (FORMAT.md, "Per-user \Seen"). A user other than the
// mailbox's owner keeps their own \Seen state: U records in the mailbox's
// log add UIDs to, or remove them from, that user's seen set, and the
// user's view of the mailbox (Mailbox.As) shows that set as \Seen in place
// of the shared flag. The owner's \Seen stays the shared flag.

// flagSeen is the canonical spelling of the \Seen flag.
const flagSeen = `\Seen`

// As returns a handle on the same mailbox that gives user's view of it: when
// user is not the account's owner, Snapshot shows user's own \Seen state in
// place of the shared \Seen flag (with mod-sequences that count user's own
// \Seen changes and no other user's), Store keeps \Seen changes as user's
// own, Append and a copy into the mailbox store \Seen as user's own, and a
// copy out of it carries user's \Seen. For the owner (or user ""), As
// returns the owner's view, where \Seen is the shared flag.
func (m *Mailbox) As(user string) *Mailbox {
	if user == m.a.name {
		user = ""
	}
	if user == m.viewer {
		return m
	}
	return &Mailbox{a: m.a, name: m.name, st: m.st, viewer: user}
}

// Viewer returns the user whose own \Seen state this handle shows, or ""
// for the owner's view (As).
func (m *Mailbox) Viewer() string { return m.viewer }

// viewOf returns the owner's view of the mailbox.
func (m *Mailbox) viewOf() *Mailbox {
	if m.viewer == "" {
		return m
	}
	return &Mailbox{a: m.a, name: m.name, st: m.st}
}

// withoutSeen returns flags (sorted, canonical) without \Seen.
func withoutSeen(flags []string) []string {
	i, ok := slices.BinarySearch(flags, flagSeen)
	if !ok {
		return flags
	}
	return slices.Delete(slices.Clone(flags), i, i+1)
}

// withSeen returns flags (sorted, canonical) with \Seen set as seen says.
// The result shares flags when nothing changes.
func withSeen(flags []string, seen bool) []string {
	i, ok := slices.BinarySearch(flags, flagSeen)
	switch {
	case ok == seen:
		return flags
	case seen:
		return slices.Insert(slices.Clone(flags), i, flagSeen)
	}
	return slices.Delete(slices.Clone(flags), i, i+1)
}

// forUser returns user's view of s: each message's \Seen is user's own,
// and its mod-sequence the larger of its own and that of user's last
// change of its \Seen. Views are made once per snapshot and user.
func (s *Snapshot) forUser(user string) *Snapshot {
	if v, ok := s.views.Load(user); ok {
		return v.(*Snapshot)
	}
	um := s.seen[user]
	msgs := make([]Message, len(s.Messages))
	for i, m := range s.Messages {
		us := um[m.UID]
		m.Flags = withSeen(m.Flags, us.seen)
		m.ModSeq = max(m.ModSeq, us.modSeq)
		msgs[i] = m
	}
	v := &Snapshot{
		UIDValidity:   s.UIDValidity,
		UIDNext:       s.UIDNext,
		HighestModSeq: s.HighestModSeq,
		Messages:      msgs,
		guid:          s.guid,
		recs:          s.recs,
		seen:          s.seen,
		base:          s,
	}
	got, _ := s.views.LoadOrStore(user, v)
	return got.(*Snapshot)
}

// writeSeen writes U records for the viewer: op (AddFlags or RemoveFlags)
// on uids (ascending, unique). It returns the number of the last record and
// the UIDs whose state the records changed.
func (m *Mailbox) writeSeen(uids []uint32, op StoreOp) (uint64, []uint32, error) {
	var last uint64
	var changed []uint32
	for _, part := range splitUIDSet(makeUIDSet(uids)) {
		k, ar, err := m.st.writeRecord(&record{nonce: newNonce(), kind: kindSeen, user: m.viewer, uids: part, op: op})
		if err != nil {
			return 0, nil, err
		}
		last = k
		for _, c := range ar.changed {
			changed = append(changed, c.UID)
		}
	}
	return last, changed, nil
}

// markSeenAs marks uids as seen by the viewer.
func (m *Mailbox) markSeenAs(uids []uint32) error {
	_, _, err := m.writeSeen(uniqueSorted(uids), AddFlags)
	return err
}

// storeAs is Store in a user's view: the \Seen part of the change goes to
// the user's own state (U records), the rest to the shared flags (F
// records). A replace becomes up to three records: the user's \Seen, an
// addition of the given flags, and a removal of the others the messages
// had, never touching the shared \Seen; a concurrent change can interleave
// with them. unchangedSince is not supported in a user's view.
func (m *Mailbox) storeAs(uids []uint32, op StoreOp, norm []string, unchangedSince uint64) (StoreResult, error) {
	if unchangedSince != 0 {
		return StoreResult{}, fmt.Errorf("%w: UNCHANGEDSINCE in a user's view", ErrInvalid)
	}
	view, err := m.Snapshot()
	if err != nil {
		return StoreResult{}, err
	}
	_, seenGiven := slices.BinarySearch(norm, flagSeen)
	others := withoutSeen(norm)
	var present []Message
	for _, uid := range uniqueSorted(uids) {
		if msg, ok := view.Lookup(uid); ok {
			present = append(present, msg)
		}
	}
	type step struct {
		seen  bool // a U record, else an F record
		op    StoreOp
		flags []string
	}
	var steps []step
	switch op {
	case AddFlags, RemoveFlags:
		if seenGiven {
			steps = append(steps, step{seen: true, op: op})
		}
		if len(others) > 0 {
			steps = append(steps, step{op: op, flags: others})
		}
	case ReplaceFlags:
		seenOp := RemoveFlags
		if seenGiven {
			seenOp = AddFlags
		}
		steps = append(steps, step{seen: true, op: seenOp})
		if len(others) > 0 {
			steps = append(steps, step{op: AddFlags, flags: others})
		}
		var remove []string
		for _, msg := range present {
			for _, f := range withoutSeen(msg.Flags) {
				if !containsFlag(others, f) && !slices.Contains(remove, f) {
					remove = append(remove, f)
				}
			}
		}
		if len(remove) > 0 {
			norm, err := normalizeFlags(remove)
			if err != nil {
				return StoreResult{}, err
			}
			steps = append(steps, step{op: RemoveFlags, flags: norm})
		}
	}
	var res StoreResult
	touched := map[uint32]bool{}
	for _, s := range steps {
		var todo []uint32
		for _, msg := range present {
			var changed bool
			if s.seen {
				_, has := slices.BinarySearch(msg.Flags, flagSeen)
				changed = has != (s.op == AddFlags)
			} else {
				_, changed = applyFlagOp(msg.Flags, s.op, s.flags)
			}
			if changed {
				todo = append(todo, msg.UID)
			}
		}
		if len(todo) == 0 {
			continue
		}
		if s.seen {
			k, changed, err := m.writeSeen(todo, s.op)
			if err != nil {
				return StoreResult{}, err
			}
			res.ModSeq = max(res.ModSeq, k)
			for _, uid := range changed {
				touched[uid] = true
			}
			continue
		}
		for _, part := range splitUIDSet(makeUIDSet(todo)) {
			k, ar, err := m.st.writeRecord(&record{nonce: newNonce(), kind: kindFlags, uids: part, op: s.op, flags: s.flags})
			if err != nil {
				return StoreResult{}, err
			}
			res.ModSeq = max(res.ModSeq, k)
			for _, c := range ar.changed {
				touched[c.UID] = true
			}
		}
	}
	if len(touched) == 0 {
		return res, nil
	}
	after, err := m.Snapshot()
	if err != nil {
		return StoreResult{}, err
	}
	for _, msg := range present {
		if !touched[msg.UID] {
			continue
		}
		if now, ok := after.Lookup(msg.UID); ok {
			res.Changed = append(res.Changed, now)
		}
	}
	return res, nil
}
