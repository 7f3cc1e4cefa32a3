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
	seqs, ref, dst, rights, err := c.copyArgs(dec, uid)
	if err != nil || len(seqs) == 0 {
		return err
	}
	var octets int64
	for _, seq := range seqs {
		octets += c.sel.msg(seq).Size
	}
	if err := c.checkQuota(ref, octets, int64(len(seqs))); err != nil {
		return err
	}
	uids := c.sel.uids(seqs)
	res, err := c.sel.mbox.CopyToKeeping(dst, uids, keepFlags(rights))
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
	if err := c.recheckQuota(ref); err != nil {
		// Other writers went over the quota while this COPY ran: its
		// copies are taken back, as for a COPY that fails midway.
		if _, xerr := dst.Expunge(res.DstUIDs); xerr != nil {
			return &response{status: statusNO, code: imap.ResponseCodeUnavailable,
				text: "the copies are over quota and could not be removed", cause: xerr}
		}
		return err
	}
	if !rights.Has(rfc4314.Read) {
		// RFC 4315 §5: no COPYUID for a mailbox the session may not read.
		return nil
	}
	args, err := copyUIDArgs(dst, res)
	if err != nil {
		return err
	}
	cmd := "COPY"
	if uid {
		cmd = "UID COPY"
	}
	return okCode(rfc4315.CodeCopyUID, args, cmd+" completed")
}

// copyArgs decodes the arguments of COPY and MOVE and their UID forms
// (sequence set, mailbox, CRLF) and returns the messages' sequence numbers
// and the destination, opened with the rights the command's row requires of
// it (openTarget: "i", RFC 4314 §4), and the session's rights there. A
// destination that does not exist, or that the session may not know of, is
// NO [TRYCREATE] (RFC 3501 §6.4.7); a message that another session
// expunged, while this one still knows it, is NO [EXPUNGEISSUED]
// (errCopyExpunged).
func (c *conn) copyArgs(dec *rfc3501.Decoder, uid bool) ([]uint32, mailboxRef, *store.Mailbox, rfc4314.Rights, error) {
	var set rfc3501.SeqSet
	var name string
	if !dec.SP() || !dec.SeqSet(&set) || !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return nil, mailboxRef{}, nil, 0, dec.Err()
	}
	seqs, err := c.sel.resolve(set, uid)
	if err != nil {
		return nil, mailboxRef{}, nil, 0, err
	}
	ref, dst, rights, err := c.openTarget(name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, mailboxRef{}, nil, 0, no(imap.ResponseCodeTryCreate, "no mailbox %s", name)
	}
	if err != nil {
		return nil, mailboxRef{}, nil, 0, err
	}
	for _, seq := range seqs {
		if c.sel.msg(seq).expunged {
			return nil, mailboxRef{}, nil, 0, errCopyExpunged
		}
	}
	return seqs, ref, dst, rights, nil
}

// keepFlags returns the filter of the flags a copy may keep with the rights
// on its target (RFC 4314 §4: a flag the user has no right to set is not
// stored, and the COPY does not fail), or nil when every flag may be kept.
func keepFlags(rights rfc4314.Rights) func(string) bool {
	if rights.Has(rfc4314.Seen | rfc4314.Write | rfc4314.DeleteMsgs) {
		return nil
	}
	return func(f string) bool { return rights.Has(rfc4314.FlagRights(f)) }
}

// copyUIDArgs returns the arguments of RFC 4315 §3 COPYUID for a copy or
// move into dst: the destination's UIDVALIDITY, and the source UIDs with the
// UIDs of their copies in the same order (the store pairs them by position,
// ascending source UID).
func copyUIDArgs(dst *store.Mailbox, res store.CopyResult) (func(*rfc3501.Encoder), error) {
	snap, err := dst.Snapshot()
	if err != nil {
		return nil, err
	}
	code := rfc4315.CopyUID{UIDValidity: snap.UIDValidity, Src: res.SrcUIDs, Dst: res.DstUIDs}
	return func(e *rfc3501.Encoder) { e.Atom(code.Args()) }, nil
}
