package imap

import (
	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/rfc/rfc4315"
)

// move implements MOVE (RFC 6851 §3.1).
func (c *conn) move(tag string, dec *rfc3501.Decoder) error {
	return c.moveMessages(dec, false)
}

// uidMove implements UID MOVE (RFC 6851 §3.2): the set holds UIDs, and UIDs
// that name no message are left out.
func (c *conn) uidMove(tag string, dec *rfc3501.Decoder) error {
	return c.moveMessages(dec, true)
}

// moveMessages moves the messages a set names to the end of a mailbox, with
// their flags and internal dates (RFC 6851 §3.3), through
// store.Mailbox.MoveTo: one message at a time, each is copied, then removed
// from the source (store/FORMAT.md "Move" says what other sessions see
// meanwhile and after a crash). \Deleted is never set and no FETCH is sent
// for the source (§3.3). If the store fails midway, the messages moved
// before the failure are named by COPYUID before the NO.
//
// The answer, in the order of §3.3's example and §4.3: an untagged OK with
// COPYUID (RFC 4315 §3) naming the moved messages and their new UIDs, then
// an EXPUNGE response for each (the engine's, at the end of the command,
// RFC 3501 §7.4.1's numbering, with any expunges from elsewhere), then the
// tagged OK. The arguments are checked as COPY's are (copyArgs: TRYCREATE,
// EXPUNGEISSUED), and a mailbox selected with EXAMINE is refused, NO
// [CANNOT], as its messages cannot be expunged (§4.2: MOVE needs the rights
// of UID STORE \Deleted and UID EXPUNGE; the engine checks "r", "t" and "e"
// on the selected mailbox and copyArgs "i" on the target, rfc4314.Needs,
// and the copies keep only the flags the rights on the target cover, as
// COPY's). No quota is checked within an account: a move takes no more room
// (§4.1); a move into another account's mailbox is checked against that
// account's quota.
//
// A message that another session expunges or moves while this MOVE runs is
// not moved by it: the others are, the COPYUID names only those, and the
// command ends NO [EXPUNGEISSUED] (each message moved or unaffected, §3.3).
// The destination may be the selected mailbox: the messages get new UIDs
// (§3.3), reported as EXPUNGE then EXISTS.
func (c *conn) moveMessages(dec *rfc3501.Decoder, uid bool) error {
	seqs, ref, dst, rights, err := c.copyArgs(dec, uid)
	switch {
	case err != nil:
		return err
	case c.sel.readOnly && c.sel.examined:
		return no(imap.ResponseCodeCannot, "the mailbox is read-only (EXAMINE)")
	case len(seqs) == 0:
		return nil
	}
	if ref.acct.Name() != c.sel.ref.acct.Name() {
		// Into another account (RFC 4314): its quota takes the messages.
		var octets int64
		for _, seq := range seqs {
			octets += c.sel.msg(seq).Size
		}
		if err := c.checkQuota(ref, octets, int64(len(seqs))); err != nil {
			return err
		}
	}
	uids := c.sel.uids(seqs)
	res, err := c.sel.mbox.MoveToKeeping(dst, uids, keepFlags(rights))
	if len(res.SrcUIDs) > 0 && rights.Has(rfc4314.Read) {
		// Also when the store failed midway: the messages before the
		// failure were moved, each whole (§3.3), and the client learns
		// their new UIDs before the NO; but not for a mailbox the session
		// may not read (RFC 4315 §5).
		args, aerr := copyUIDArgs(dst, res)
		if aerr != nil {
			if err != nil {
				return err
			}
			return aerr
		}
		c.enc.Untagged().Atom("OK").SP().ResponseCode(rfc4315.CodeCopyUID, args).Text("moved").CRLF()
	}
	if err != nil {
		return err
	}
	if len(res.SrcUIDs) < len(uids) {
		return no(codeExpungeIssued, "some of the messages were expunged meanwhile; the others were moved")
	}
	return nil
}
