package imap

import (
	"errors"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/rfc/rfc4315"
	"github.com/loftmail/loft/store"
)

// copyCmd implements COPY (RFC 3501 §6.4.7).
func (c *conn) copyCmd(tag string, dec *rfc3501.Decoder) error {
	return c.copyMessages(dec, false)
}

// uidCopy implements UID COPY (RFC 3501 §6.4.8): the set holds UIDs, and
// UIDs that name no message are left out.
func (c *conn) uidCopy(tag string, dec *rfc3501.Decoder) error {
	return c.copyMessages(dec, true)
}

// errCopyExpunged answers a COPY of messages that another session has
// expunged (RFC 5530 EXPUNGEISSUED).
var errCopyExpunged = no(codeExpungeIssued, "some of the messages have been expunged")

// copyMessages copies the messages a set names to the end of a mailbox, with
// their flags and internal dates (store.CopyTo). A destination that does not
// exist is NO [TRYCREATE] (§6.4.7). The copies become \Recent for the next
// session to see them: the store's recent claims decide which one.
//
// A COPY copies all the messages or none (§6.4.7: a failed COPY restores the
// destination). So a message that another session expunged, while this one
// still knows it, fails the command with NO [EXPUNGEISSUED], the client can
// hear of the expunge (NOOP) and try again; when one disappears during the
// copy, the copies made are expunged again before the same answer.
func (c *conn) copyMessages(dec *rfc3501.Decoder, uid bool) error {
	var set rfc3501.SeqSet
	var name string
	if !dec.SP() || !dec.SeqSet(&set) || !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	seqs, err := c.sel.resolve(set, uid)
	if err != nil {
		return err
	}
	ref, dst, rights, err := c.openTarget(name)
	if errors.Is(err, store.ErrNotFound) {
		return no(imap.ResponseCodeTryCreate, "no mailbox %s", name)
	}
	if err != nil {
		return err
	}
	if len(seqs) == 0 {
		return nil
	}
	var octets int64
	for _, seq := range seqs {
		m := c.sel.msg(seq)
		if m.expunged {
			return errCopyExpunged
		}
		octets += m.Size
	}
	if err := c.checkQuota(ref, octets, int64(len(seqs))); err != nil {
		return err
	}
	uids := c.sel.uids(seqs)
	// RFC 4314 §4: the flags the rights on the target do not cover are not
	// copied, and the COPY does not fail for them.
	var keep func(string) bool
	if !rights.Has(rfc4314.Seen | rfc4314.Write | rfc4314.DeleteMsgs) {
		keep = func(f string) bool { return rights.Has(rfc4314.FlagRights(f)) }
	}
	res, err := c.sel.mbox.CopyToKeeping(dst, uids, keep)
	if err != nil {
		return err
	}
	if len(res.SrcUIDs) < len(uids) {
		if _, err := dst.Expunge(res.DstUIDs); err != nil {
			return &response{status: statusNO, code: imap.ResponseCodeUnavailable,
				text: "copy failed and its copies could not be removed", cause: err}
		}
		return errCopyExpunged
	}
	// RFC 4315 §3 COPYUID: the destination's UIDVALIDITY, and the source
	// UIDs with the UIDs of their copies in the same order (the store pairs
	// them by position, ascending source UID).
	snap, err := dst.Snapshot()
	if err != nil {
		return err
	}
	cmd := "COPY"
	if uid {
		cmd = "UID COPY"
	}
	code := rfc4315.CopyUID{UIDValidity: snap.UIDValidity, Src: res.SrcUIDs, Dst: res.DstUIDs}
	return okCode(rfc4315.CodeCopyUID, func(e *rfc3501.Encoder) { e.Atom(code.Args()) }, cmd+" completed")
}
