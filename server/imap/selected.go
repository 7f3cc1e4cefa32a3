package imap

import (
	"log/slog"
	"slices"
	"sort"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/store"
)

// viewMsg is one message of the selected mailbox as the client knows it.
type viewMsg struct {
	// Message is the message as this session last saw it in the store: its
	// flags are the ones the client has been told, or will be told at the
	// end of the command when dirty is set.
	store.Message
	// recent: the message has \Recent in this session (RFC 3501 §2.3.2).
	recent bool
	// expunged: the store no longer has the message, and the client has not
	// been told yet (no EXPUNGE response was allowed since): its sequence
	// number still counts.
	expunged bool
	// dirty: the flags changed since the client was last told of them; a
	// FETCH FLAGS response is owed.
	dirty bool
}

// selected is the selected mailbox (RFC 3501 §3.3): the map between message
// sequence numbers and UIDs as the client knows it, and the changes the
// client has not been told of yet. msgs[i] has sequence number i+1.
//
// Changes made by any session or process are found by refresh, which takes a
// fresh store snapshot and compares it with the last one (store.Diff); the
// engine calls it after every command, then writeUpdates reports what RFC
// 3501 §7.4.1 allows at that point. Handlers that change flags themselves
// record what they told the client with reported, or leave the report to the
// engine with changed.
type selected struct {
	mbox     *store.Mailbox
	name     string // UTF-8, as selected ("INBOX" for any case of it)
	readOnly bool   // EXAMINE (RFC 3501 §6.3.2), or no right to change anything (RFC 4314 §5.2)
	log      *slog.Logger
	examined bool           // selected by EXAMINE, not read-only for want of rights
	ref      mailboxRef     // the account that holds it
	rights   rfc4314.Rights // the session's rights, read before each command (checkSelected)

	snap   *store.Snapshot // the store state msgs reflects
	msgs   []viewMsg
	exists int // the number of messages the client was last told of
	recent int // RECENT as last told
	// pendingExpunges counts msgs entries with expunged set.
	pendingExpunges int
	// anyDirty: some entry of msgs may have dirty set.
	anyDirty bool
	// watermark is the recent watermark seen by an EXAMINE session: UIDs
	// above it had \Recent for nobody yet.
	watermark uint32
	// saved is RFC 5182's search result variable, as UIDs (searchres.go).
	saved []uint32
}

// openSelected opens the view of mbox at its current state. A read-write
// session claims \Recent for every message it sees (store.ClaimRecent); a
// read-only one claims nothing (RFC 3501 §6.3.2: EXAMINE must not make
// messages lose \Recent) and shows as recent the messages that nobody has
// claimed.
func openSelected(mbox *store.Mailbox, name string, readOnly bool, log *slog.Logger) (*selected, error) {
	snap, err := mbox.Snapshot()
	if err != nil {
		return nil, err
	}
	s := &selected{mbox: mbox, name: name, readOnly: readOnly, snap: snap, log: log}
	s.msgs = make([]viewMsg, len(snap.Messages))
	for i, m := range snap.Messages {
		s.msgs[i] = viewMsg{Message: m}
	}
	s.markRecent(s.msgs)
	s.exists = len(s.msgs)
	s.recent = s.countRecent()
	return s, nil
}

// markRecent gives \Recent to the new messages in msgs (ascending UIDs) that
// this session is the first to see (RFC 3501 §2.3.2). \Recent is a hint: when
// the claims cannot be read or written, the messages are not recent here, and
// the failure is logged.
func (s *selected) markRecent(msgs []viewMsg) {
	if len(msgs) == 0 {
		return
	}
	var first, last uint32
	if s.readOnly {
		w, err := s.mbox.RecentWatermark()
		if err != nil {
			s.log.Warn("reading the recent watermark failed", "mailbox", s.name, "err", err)
			return
		}
		s.watermark = max(s.watermark, w)
		first, last = s.watermark+1, msgs[len(msgs)-1].UID
	} else {
		var err error
		first, last, err = s.mbox.ClaimRecent(msgs[len(msgs)-1].UID)
		if err != nil {
			s.log.Warn("claiming recent messages failed", "mailbox", s.name, "err", err)
			return
		}
	}
	for i := range msgs {
		if first != 0 && msgs[i].UID >= first && msgs[i].UID <= last {
			msgs[i].recent = true
		}
	}
}

func (s *selected) countRecent() int {
	n := 0
	for _, m := range s.msgs {
		if m.recent {
			n++
		}
	}
	return n
}

// count returns the number of messages the client knows of: the largest
// valid sequence number.
func (s *selected) count() uint32 { return uint32(len(s.msgs)) }

// msg returns the message with sequence number seq (1 ≤ seq ≤ count()).
// The pointer is valid until the next refresh; handlers read it.
func (s *selected) msg(seq uint32) *viewMsg { return &s.msgs[seq-1] }

// seqOf returns the sequence number of the message with the given UID, or 0
// when the view has no such message.
func (s *selected) seqOf(uid uint32) uint32 {
	i := sort.Search(len(s.msgs), func(i int) bool { return s.msgs[i].UID >= uid })
	if i < len(s.msgs) && s.msgs[i].UID == uid {
		return uint32(i + 1)
	}
	return 0
}

// maxUID is the highest UID in the view, what "*" means in a UID set
// (RFC 3501 §6.4.8), or 0 for an empty mailbox.
func (s *selected) maxUID() uint32 {
	if len(s.msgs) == 0 {
		return 0
	}
	return s.msgs[len(s.msgs)-1].UID
}

// resolve returns the sequence numbers, ascending and without duplicates, of
// the messages a sequence set names. With uid, set holds UIDs (RFC 3501
// §6.4.8): "*" is the highest UID, and UIDs that name no message are left
// out. Without uid, set holds sequence numbers: "*" is the number of
// messages, and a number beyond it, or any number in an empty mailbox,
// is a BAD response (RFC 3501 §9 seq-number: only numbers from 1 to the
// number of messages are valid). Messages expunged by another session but not
// yet announced keep their numbers and are included. "$" is the saved search
// result (RFC 5182, searchres.go), in either form; beside other elements it
// is a BAD response.
func (s *selected) resolve(set rfc3501.SeqSet, uid bool) ([]uint32, error) {
	if set.Dollar {
		if r := checkDollar(set); r != nil {
			return nil, r
		}
		return s.resolveSaved(), nil
	}
	if uid {
		var seqs []uint32
		top := s.maxUID()
		if top == 0 {
			return nil, nil
		}
		for _, r := range set.Resolve(top) {
			i := sort.Search(len(s.msgs), func(i int) bool { return s.msgs[i].UID >= r.Start })
			for ; i < len(s.msgs) && s.msgs[i].UID <= r.Stop; i++ {
				seqs = append(seqs, uint32(i+1))
			}
		}
		return seqs, nil
	}
	n := s.count()
	if n == 0 {
		return nil, bad("no messages: the mailbox is empty")
	}
	ranges := set.Resolve(n)
	if len(ranges) > 0 && ranges[len(ranges)-1].Stop > n {
		return nil, bad("message sequence number %d is beyond the last message, %d", ranges[len(ranges)-1].Stop, n)
	}
	var seqs []uint32
	for _, r := range ranges {
		for seq := r.Start; seq <= r.Stop; seq++ {
			seqs = append(seqs, seq)
		}
	}
	return seqs, nil
}

// uids returns the UIDs of the messages with sequence numbers seqs.
func (s *selected) uids(seqs []uint32) []uint32 {
	out := make([]uint32, len(seqs))
	for i, seq := range seqs {
		out[i] = s.msgs[seq-1].UID
	}
	return out
}

// flags returns the flags of the message with sequence number seq as FETCH
// FLAGS reports them: the stored flags, and \Recent when the message is
// recent in this session.
func (s *selected) flags(seq uint32) []imap.Flag {
	m := &s.msgs[seq-1]
	out := make([]imap.Flag, 0, len(m.Flags)+1)
	for _, f := range m.Flags {
		out = append(out, imap.Flag(f))
	}
	if m.recent {
		out = append(out, rfc3501.FlagRecent)
	}
	return out
}

// reported records that the command told the client the state of m (a FETCH
// response with its FLAGS, or a STORE .SILENT whose outcome the client knows):
// no FETCH is owed for it unless it changes again.
func (s *selected) reported(m store.Message) {
	if seq := s.seqOf(m.UID); seq != 0 {
		v := &s.msgs[seq-1]
		v.Message, v.dirty = m, false
	}
}

// changed records a new state of m that the command did not report: the
// engine sends FETCH FLAGS for it at the end of the command if its flags
// differ from what the client knows.
func (s *selected) changed(m store.Message) {
	if seq := s.seqOf(m.UID); seq != 0 {
		v := &s.msgs[seq-1]
		if !slices.Equal(v.Flags, m.Flags) {
			v.dirty, s.anyDirty = true, true
		}
		v.Message = m
	}
}

// refresh brings the view up to the store's current state: messages expunged
// elsewhere are marked (they keep their numbers until announced), new ones
// are appended (and claim \Recent), and flag changes are marked dirty. It
// costs one failed open when nothing changed. Errors: store.ErrNotFound when
// the mailbox was deleted.
func (s *selected) refresh() error {
	next, err := s.mbox.Snapshot()
	if err != nil {
		return err
	}
	if next == s.snap {
		return nil
	}
	ch := store.Diff(s.snap, next)
	s.snap = next
	for _, uid := range ch.Expunged {
		if seq := s.seqOf(uid); seq != 0 && !s.msgs[seq-1].expunged {
			s.msgs[seq-1].expunged = true
			s.msgs[seq-1].dirty = false
			s.pendingExpunges++
		}
	}
	for _, m := range ch.Updated {
		s.changed(m)
	}
	if len(ch.New) > 0 {
		start := len(s.msgs)
		for _, m := range ch.New {
			if m.UID > s.maxUID() {
				s.msgs = append(s.msgs, viewMsg{Message: m})
			}
		}
		s.markRecent(s.msgs[start:])
	}
	return nil
}

// writeUpdates writes the untagged responses for what refresh found, in the
// order EXPUNGE, EXISTS, RECENT, FETCH. EXPUNGE responses are written only
// when expungeAllowed (RFC 3501 §7.4.1: never while no command is in
// progress, nor during FETCH, STORE or SEARCH); until then the expunged
// messages keep their sequence numbers, and EXISTS counts them.
//
// Expunged messages are announced from the lowest number up, each with its
// number as decremented by the EXPUNGE responses before it (§7.4.1: "3, 3, 5,
// 8" for messages 3, 4, 7 and 11).
func (s *selected) writeUpdates(enc *rfc3501.Encoder, expungeAllowed bool) {
	expunged := false
	if expungeAllowed && s.pendingExpunges > 0 {
		expunged = true
		kept := s.msgs[:0]
		for i, m := range s.msgs {
			if m.expunged {
				enc.Untagged().Number(uint32(len(kept) + 1)).SP().Atom("EXPUNGE").CRLF()
				continue
			}
			kept = append(kept, s.msgs[i])
		}
		clear(s.msgs[len(kept):])
		s.exists -= len(s.msgs) - len(kept)
		s.msgs = kept
		s.pendingExpunges = 0
	}
	if len(s.msgs) != s.exists {
		// §7.3.1 EXISTS; §7.3.2 RECENT goes with it.
		s.exists = len(s.msgs)
		enc.Untagged().Number(uint32(s.exists)).SP().Atom("EXISTS").CRLF()
		s.recent = s.countRecent()
		enc.Untagged().Number(uint32(s.recent)).SP().Atom("RECENT").CRLF()
	} else if expunged {
		// §6.4.3's example: EXPUNGE responses alone; the client counts.
		s.recent = s.countRecent()
	}
	if !s.anyDirty {
		return
	}
	s.anyDirty = false
	for i := range s.msgs {
		if m := &s.msgs[i]; m.dirty && !m.expunged {
			m.dirty = false
			seq := uint32(i + 1)
			enc.Untagged().Number(seq).SP().Atom("FETCH").SP().Atom("(FLAGS").SP().Flags(s.flags(seq)).Atom(")").CRLF()
		}
	}
}
