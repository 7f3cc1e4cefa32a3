package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/store"
)

// check implements CHECK (RFC 3501 §6.4.1): every change is durable when the
// store acknowledges it, so there is nothing to do.
func (c *conn) check(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	return nil
}

// closeCmd implements CLOSE (RFC 3501 §6.4.2): the messages with \Deleted are
// removed without EXPUNGE responses (not when the mailbox was opened with
// EXAMINE), and the session returns to the authenticated state.
func (c *conn) closeCmd(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	sel := c.sel
	c.sel, c.state = nil, stateAuthenticated
	// RFC 4314 §4: without "e" the expunge is skipped and CLOSE succeeds.
	if sel.readOnly || !sel.rights.Has(rfc4314.Expunge) {
		return nil
	}
	_, err := expungeDeleted(sel.mbox)
	return err
}

// expunge implements EXPUNGE (RFC 3501 §6.4.3). The EXPUNGE responses are the
// engine's (selected.go), which reports every message that left the mailbox,
// these and those expunged elsewhere, at the end of the command.
func (c *conn) expunge(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	if c.sel.readOnly {
		return no(imap.ResponseCodeCannot, "the mailbox is read-only (EXAMINE)")
	}
	_, err := expungeDeleted(c.sel.mbox)
	return err
}

// uidExpunge implements UID EXPUNGE (RFC 4315 §2.1): it removes the
// messages that have \Deleted now and whose UIDs are in the set, and leaves
// every other message, \Deleted or not. The EXPUNGE responses are the
// engine's, as for EXPUNGE; UIDs that name no message are left out.
func (c *conn) uidExpunge(tag string, dec *rfc3501.Decoder) error {
	var set rfc3501.SeqSet
	if !dec.SP() || !dec.SeqSet(&set) || !dec.CRLF() {
		return dec.Err()
	}
	if c.sel.readOnly {
		return no(imap.ResponseCodeCannot, "the mailbox is read-only (EXAMINE)")
	}
	seqs, err := c.sel.resolve(set, true)
	if err != nil {
		return err
	}
	if len(seqs) == 0 {
		return nil
	}
	named := c.sel.uids(seqs)
	snap, err := c.sel.mbox.Snapshot()
	if err != nil {
		return err
	}
	var uids []uint32
	for _, m := range snap.Messages {
		if _, ok := slices.BinarySearch(named, m.UID); ok && slices.Contains(m.Flags, string(imap.FlagDeleted)) {
			uids = append(uids, m.UID)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	_, err = c.sel.mbox.Expunge(uids)
	return err
}

// expungeDeleted removes the messages of mbox that have \Deleted now, and
// returns their UIDs.
func expungeDeleted(mbox *store.Mailbox) ([]uint32, error) {
	snap, err := mbox.Snapshot()
	if err != nil {
		return nil, err
	}
	var uids []uint32
	for _, m := range snap.Messages {
		if slices.Contains(m.Flags, string(imap.FlagDeleted)) {
			uids = append(uids, m.UID)
		}
	}
	if len(uids) == 0 {
		return nil, nil
	}
	if _, err := mbox.Expunge(uids); err != nil {
		return nil, err
	}
	return uids, nil
}
