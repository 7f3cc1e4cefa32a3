package pop3

import (
	"fmt"

	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/store"
)

// maildrop is a session's view of its INBOX: the snapshot taken at login
// (RFC 1939 §4: messages are numbered from 1 when the maildrop is opened) and
// the session's deletion marks (§5 DELE).
type maildrop struct {
	mbox        *store.Mailbox
	uidValidity uint32
	msgs        []dropMessage
	deleted     []bool
	count       int   // messages not marked deleted
	octets      int64 // their total size
}

type dropMessage struct {
	uid  uint32
	size int64
}

func openMaildrop(a *store.Account) (*maildrop, error) {
	mbox, err := a.Mailbox("INBOX")
	if err != nil {
		return nil, err
	}
	snap, err := mbox.Snapshot()
	if err != nil {
		return nil, err
	}
	d := &maildrop{
		mbox:        mbox,
		uidValidity: snap.UIDValidity,
		msgs:        make([]dropMessage, len(snap.Messages)),
		deleted:     make([]bool, len(snap.Messages)),
	}
	for i, m := range snap.Messages {
		d.msgs[i] = dropMessage{uid: m.UID, size: m.Size}
		d.octets += m.Size
	}
	d.count = len(d.msgs)
	return d, nil
}

// message resolves a message-number argument to an index into msgs. A number
// out of range or of a message marked deleted is an error (RFC 1939 §5: the
// argument "may NOT refer to a message marked as deleted").
func (d *maildrop) message(arg string) (int, error) {
	n, err := rfc1939.ParseMessageNumber(arg)
	if err != nil {
		return 0, &response{text: err.Error()}
	}
	if n > len(d.msgs) {
		return 0, &response{text: fmt.Sprintf("no such message, only %d messages in maildrop", len(d.msgs))}
	}
	if d.deleted[n-1] {
		return 0, &response{text: fmt.Sprintf("message %d already deleted", n)}
	}
	return n - 1, nil
}

func (d *maildrop) markDeleted(i int) {
	if !d.deleted[i] {
		d.deleted[i] = true
		d.count--
		d.octets -= d.msgs[i].size
	}
}

// reset unmarks every message (RFC 1939 §5 RSET).
func (d *maildrop) reset() {
	for i := range d.deleted {
		if d.deleted[i] {
			d.deleted[i] = false
			d.count++
			d.octets += d.msgs[i].size
		}
	}
}

// deletedUIDs returns the UIDs marked deleted, in UID order.
func (d *maildrop) deletedUIDs() []uint32 {
	var uids []uint32
	for i, del := range d.deleted {
		if del {
			uids = append(uids, d.msgs[i].uid)
		}
	}
	return uids
}

func (d *maildrop) uniqueID(i int) string {
	return rfc1939.UniqueID(d.uidValidity, d.msgs[i].uid)
}
