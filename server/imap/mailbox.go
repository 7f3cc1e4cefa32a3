package imap

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/rfc/rfc4315"
	"github.com/loftmail/loft/rfc/rfc6154"
	"github.com/loftmail/loft/store"
)

// delimiter is the hierarchy delimiter of every mailbox name (RFC 3501 §5.1,
// the store's "/").
const delimiter = "/"

// systemFlags are the flags of RFC 3501 §2.3.2 that a client may set:
// \Recent is the server's.
var systemFlags = []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft}

// checkName refuses mailbox names that the store would keep but that name
// paths on a client's file system: a level "." or "..". The store itself
// refuses empty levels (a leading "/", so no absolute names), NUL and control
// characters (store.ErrInvalid).
func checkName(name string) error {
	for level := range strings.SplitSeq(name, delimiter) {
		if level == "." || level == ".." {
			return no(imap.ResponseCodeCannot, "a mailbox name may not have a level %q", level)
		}
	}
	return nil
}

// selectCmd implements SELECT (RFC 3501 §6.3.1).
func (c *conn) selectCmd(tag string, dec *rfc3501.Decoder) error {
	return c.openView(dec, false)
}

// examine implements EXAMINE (RFC 3501 §6.3.2): SELECT, read-only, and
// without claiming \Recent.
func (c *conn) examine(tag string, dec *rfc3501.Decoder) error {
	return c.openView(dec, true)
}

// openView selects a mailbox and sends what §6.3.1 requires, in the order of
// its example: EXISTS, RECENT, OK [UNSEEN] (only when some message is
// unseen), OK [UIDVALIDITY], OK [UIDNEXT], FLAGS, OK [PERMANENTFLAGS].
func (c *conn) openView(dec *rfc3501.Decoder, readOnly bool) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	// §6.3.1: a SELECT while a mailbox is selected deselects it first (its
	// \Deleted messages stay), and one that fails leaves none selected.
	c.sel, c.state = nil, stateAuthenticated
	ref, mbox, rights, err := c.openNamed(name)
	if err != nil {
		return err
	}
	// RFC 4314 §5.2: READ-ONLY without any right to change the mailbox.
	// For a user other than the owner \Seen is their own, so "s" is no
	// shared flag right there; it still lets them keep their \Seen.
	if mbox.Viewer() != "" {
		readOnly = readOnly || !rfc4314.ReadWritePrivateSeen(rights)
	} else {
		readOnly = readOnly || !rfc4314.ReadWrite(rights)
	}
	sel, err := openSelected(mbox, ref.name, readOnly, c.log)
	if err != nil {
		return err
	}
	sel.ref, sel.rights = ref, rights
	sel.examined = c.cmd.name == "EXAMINE"
	c.sel, c.state = sel, stateSelected

	enc := c.enc
	enc.Untagged().Number(sel.count()).SP().Atom("EXISTS").CRLF()
	enc.Untagged().Number(uint32(sel.recent)).SP().Atom("RECENT").CRLF()
	for i := range sel.msgs {
		if !slices.Contains(sel.msgs[i].Flags, string(imap.FlagSeen)) {
			seq := uint32(i + 1)
			enc.Untagged().Atom("OK").SP().ResponseCode(codeUnseen, func(e *rfc3501.Encoder) { e.Number(seq) }).
				Text("first unseen message").CRLF()
			break
		}
	}
	enc.Untagged().Atom("OK").SP().ResponseCode(codeUIDValidity, func(e *rfc3501.Encoder) { e.Number(sel.snap.UIDValidity) }).
		Text("UIDs valid").CRLF()
	enc.Untagged().Atom("OK").SP().ResponseCode(codeUIDNext, func(e *rfc3501.Encoder) { e.Number(sel.snap.UIDNext) }).
		Text("predicted next UID").CRLF()
	flags := append(slices.Clone(systemFlags), keywords(sel.snap)...)
	enc.Untagged().Atom("FLAGS").SP().Flags(flags).CRLF()
	if readOnly && !sel.examined && rights.Has(rfc4314.Seen) {
		// Read-only for want of shared rights, with the user's own \Seen
		// (RFC 4314 §4, §5.2).
		writePermanentFlags(enc, flags, rights)
		return okCode(codeReadOnly, nil, c.cmd.name+" completed")
	}
	if readOnly {
		// §6.3.2: nothing may be changed.
		enc.Untagged().Atom("OK").SP().ResponseCode(codePermanentFlags, func(e *rfc3501.Encoder) { e.Flags(nil) }).
			Text("no permanent flags permitted").CRLF()
		return okCode(codeReadOnly, nil, c.cmd.name+" completed")
	}
	writePermanentFlags(enc, flags, rights)
	return okCode(codeReadWrite, nil, "SELECT completed")
}

// writePermanentFlags writes the PERMANENTFLAGS response (RFC 3501 §7.1):
// any keyword may be created (\*) and every flag is kept, but, RFC 4314
// §5.1.1, only the flags the rights allow changing are listed, and \* only
// with "w".
func writePermanentFlags(enc *rfc3501.Encoder, flags []imap.Flag, rights rfc4314.Rights) {
	permanent := make([]imap.Flag, 0, len(flags)+1)
	for _, f := range flags {
		if rights.Has(rfc4314.FlagRights(string(f))) {
			permanent = append(permanent, f)
		}
	}
	if rights.Has(rfc4314.Write) {
		permanent = append(permanent, `\*`)
	}
	enc.Untagged().Atom("OK").SP().ResponseCode(codePermanentFlags, func(e *rfc3501.Encoder) {
		e.Flags(permanent)
	}).Text("flags permitted").CRLF()
}

// keywords returns the keywords in use in a mailbox, sorted.
func keywords(snap *store.Snapshot) []imap.Flag {
	seen := map[string]bool{}
	var out []imap.Flag
	for _, m := range snap.Messages {
		for _, f := range m.Flags {
			if !strings.HasPrefix(f, `\`) && !seen[f] {
				seen[f] = true
				out = append(out, imap.Flag(f))
			}
		}
	}
	slices.Sort(out)
	return out
}

// create implements CREATE (RFC 3501 §6.3.3) with the USE parameter of
// RFC 6154 §3. A trailing delimiter only declares that names will be
// created below the new one, so it is dropped; the store creates missing
// levels above it as \Noselect levels. A special use Loft does not support
// (\All, \Flagged: Loft has no virtual mailboxes; and any not in RFC 6154)
// is NO [USEATTR], and nothing is created.
func (c *conn) create(tag string, dec *rfc3501.Decoder) error {
	var name string
	var uses []string
	if !dec.SP() || !dec.Mailbox(&name) || dec.Peek(' ') && !rfc6154.DecodeCreateParams(dec, &uses) || !dec.CRLF() {
		return dec.Err()
	}
	name = strings.TrimSuffix(name, delimiter)
	if name == "INBOX" {
		return no(imap.ResponseCodeAlreadyExists, "INBOX always exists")
	}
	ref, err := c.resolve(name)
	if errors.Is(err, store.ErrNotFound) {
		return no(imap.ResponseCodeCannot, "%s is not a name in which mailboxes can be made", name)
	}
	if err != nil {
		return err
	}
	if ref.owner == c.user && c.underNamespace(name) {
		return no(imap.ResponseCodeCannot, "names under %s belong to other namespaces", name)
	}
	if len(uses) > 0 && ref.owner != c.user {
		// A special use tells the owner's clients where to keep drafts
		// and sent mail: a user who may only create a folder in another
		// account (RFC 4314 "k") must not make it the owner's \Sent, which
		// the folder's inherited ACL might let him read.
		return no(imap.ResponseCodeNoPerm, "only the owner may give a mailbox a special use")
	}
	canon := make([]string, len(uses))
	for i, u := range uses {
		a, ok := rfc6154.Canonical(u)
		if !ok || !slices.Contains(rfc6154.NonVirtual, a) {
			return no(rfc6154.ResponseCodeUseAttr, "%s not supported", u)
		}
		canon[i] = string(a)
	}
	if err := c.checkParent(ref); err != nil {
		return err
	}
	if len(uses) == 0 {
		err = ref.acct.CreateMailbox(ref.local)
	} else {
		err = ref.acct.CreateSpecialMailbox(ref.local, canon)
	}
	if err != nil {
		return err
	}
	return c.inheritACL(ref)
}

// underNamespace reports whether a name of the personal namespace would
// shadow the prefix of another namespace (RFC 2342 §4: "Other Users", and
// "Shared" when it is offered, are not personal names).
func (c *conn) underNamespace(name string) bool {
	prefixes := []string{c.s.cfg.OtherUsersPrefix}
	if c.s.cfg.SharedAccount != "" {
		prefixes = append(prefixes, c.s.cfg.SharedPrefix)
	}
	for _, p := range prefixes {
		if name == strings.TrimSuffix(p, delimiter) || strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// lookupInfo returns what the account's listing says of name, and whether it
// is listed (as a mailbox or as a \Noselect level with children).
func (c *conn) lookupInfo(acct *store.Account, name string) (store.MailboxInfo, bool, error) {
	infos, err := acct.Mailboxes()
	if err != nil {
		return store.MailboxInfo{}, false, err
	}
	for _, info := range infos {
		if info.Name == name {
			return info, true, nil
		}
	}
	return store.MailboxInfo{}, false, nil
}

// delete implements DELETE (RFC 3501 §6.3.4). INBOX cannot be deleted. A
// mailbox with children loses its messages and becomes a \Noselect level;
// deleting a \Noselect level that has children is an error. Deleting the
// selected mailbox deselects it.
func (c *conn) delete(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	name = strings.TrimSuffix(name, delimiter)
	if name == "INBOX" {
		return no(imap.ResponseCodeCannot, "INBOX cannot be deleted")
	}
	ref, mbox, _, err := c.openNamed(name)
	if errors.Is(err, store.ErrNotFound) && ref.acct != nil && ref.owner == c.user {
		// A level of the session's own hierarchy that is not a mailbox.
		info, ok, lerr := c.lookupInfo(ref.acct, ref.local)
		if lerr != nil {
			return lerr
		}
		if ok && !info.Selectable && info.HasChildren {
			return no(imap.ResponseCodeHasChildren, "%s has children and is not a mailbox", name)
		}
	}
	if err != nil {
		return err
	}
	var selGUID string
	if c.sel != nil {
		selGUID = c.sel.mbox.GUID()
	}
	guid := mbox.GUID()
	if err := ref.acct.DeleteMailbox(ref.local); err != nil {
		return err
	}
	if guid != "" && guid == selGUID {
		c.sel, c.state = nil, stateAuthenticated
	}
	return nil
}

// rename implements RENAME (RFC 3501 §6.3.5): the mailbox moves with its
// children. Renaming INBOX creates the new mailbox, moves every message of
// INBOX to it and leaves INBOX empty; INBOX's children stay where they are.
func (c *conn) rename(tag string, dec *rfc3501.Decoder) error {
	var from, to string
	if !dec.SP() || !dec.Mailbox(&from) || !dec.SP() || !dec.Mailbox(&to) || !dec.CRLF() {
		return dec.Err()
	}
	from = strings.TrimSuffix(from, delimiter)
	to = strings.TrimSuffix(to, delimiter)
	if to == "INBOX" {
		return no(imap.ResponseCodeAlreadyExists, "INBOX always exists")
	}
	src, _, _, err := c.openNamed(from)
	ownLevel := errors.Is(err, store.ErrNotFound) && src.acct != nil && src.owner == c.user
	if err != nil && !ownLevel {
		return err
	}
	dst, err := c.resolve(to)
	if err != nil {
		return err
	}
	if dst.acct.Name() != src.acct.Name() {
		return no(imap.ResponseCodeCannot, "a mailbox cannot be renamed to another account")
	}
	if dst.owner == c.user && c.underNamespace(to) {
		return no(imap.ResponseCodeCannot, "names under %s belong to other namespaces", to)
	}
	if err := c.checkParent(dst); err != nil {
		return err
	}
	if src.owner != c.user && src.local == "INBOX" {
		return no(imap.ResponseCodeCannot, "another user's INBOX cannot be renamed")
	}
	if src.local != "INBOX" {
		err := src.acct.RenameMailbox(src.local, dst.local)
		if errors.Is(err, store.ErrNotFound) && ownLevel {
			err = c.renameLevel(src.local, dst.local)
		}
		if err != nil {
			return err
		}
		if c.sel != nil {
			// The selected mailbox keeps working by its GUID; only its
			// name (for logs and STATUS) follows the rename.
			if c.sel.name == from {
				c.sel.name = to
			} else if rest, ok := strings.CutPrefix(c.sel.name, from+delimiter); ok {
				c.sel.name = to + delimiter + rest
			}
		}
		return nil
	}
	inbox, err := c.account.Mailbox("INBOX")
	if err != nil {
		return err
	}
	if err := c.account.CreateMailbox(to); err != nil {
		return err
	}
	target, err := c.account.Mailbox(to)
	if err != nil {
		return err
	}
	snap, err := inbox.Snapshot()
	if err != nil {
		return err
	}
	uids := make([]uint32, len(snap.Messages))
	for i, m := range snap.Messages {
		uids[i] = m.UID
	}
	if len(uids) > 0 {
		if _, err := inbox.MoveTo(target, uids); err != nil {
			return err
		}
	}
	return nil
}

// renameLevel renames a \Noselect level, which the store does not rename
// (it renames mailboxes): §6.3.5's first example renames "foo", a level with
// the child "foo/bar". Each topmost mailbox below the level is renamed with
// its children, and the store makes the new levels above them; the old level
// goes when its last child has left. Unlike a mailbox rename this is one
// store operation per topmost mailbox, so a failure partway leaves some
// children under each name and is reported.
func (c *conn) renameLevel(from, to string) error {
	infos, err := c.account.Mailboxes()
	if err != nil {
		return err
	}
	var found, exists bool
	below := map[string]bool{} // the mailboxes below from
	for _, info := range infos {
		switch {
		case info.Name == from:
			found = !info.Selectable && info.HasChildren
		case info.Name == to || strings.HasPrefix(info.Name, to+delimiter):
			exists = true
		case info.Selectable && strings.HasPrefix(info.Name, from+delimiter):
			below[info.Name] = true
		}
	}
	// The topmost ones: a mailbox below another moves with it.
	var tops []string
	for name := range below {
		top := true
		for i := len(from) + 1; i < len(name); i++ {
			if name[i] == '/' && below[name[:i]] {
				top = false
				break
			}
		}
		if top {
			tops = append(tops, name)
		}
	}
	slices.Sort(tops)
	switch {
	case !found:
		return no(imap.ResponseCodeNonExistent, "no such mailbox")
	case exists:
		return no(imap.ResponseCodeAlreadyExists, "mailbox already exists")
	case strings.HasPrefix(to, from+delimiter):
		return no(imap.ResponseCodeCannot, "cannot rename %s below itself", from)
	}
	for _, name := range tops {
		if err := c.account.RenameMailbox(name, to+strings.TrimPrefix(name, from)); err != nil {
			return err
		}
	}
	return nil
}

// subscribe implements SUBSCRIBE (RFC 3501 §6.3.6): the name need not exist.
func (c *conn) subscribe(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	name = strings.TrimSuffix(name, delimiter)
	if err := checkName(name); err != nil {
		return err
	}
	// RFC 4314 §4: SUBSCRIBE needs no right, as existence is not checked.
	return c.account.Subscribe(name)
}

// unsubscribe implements UNSUBSCRIBE (RFC 3501 §6.3.7).
func (c *conn) unsubscribe(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	name = strings.TrimSuffix(name, delimiter)
	err := c.account.Unsubscribe(name)
	if errors.Is(err, store.ErrNotFound) {
		return no(imap.ResponseCodeNonExistent, "not subscribed to %s", name)
	}
	return err
}

// statusItem is one STATUS data item (RFC 3501 §6.3.10); its value is a
// number, or a number64 for RFC 9208's DELETED-STORAGE.
type statusItem struct {
	name  string
	value func(d *statusData) (uint64, error)
}

// statusData is what STATUS items are computed from.
type statusData struct {
	mbox *store.Mailbox
	snap *store.Snapshot
}

// statusItems is the table of STATUS data items.
var statusItems = map[string]statusItem{
	"MESSAGES": {"MESSAGES", func(d *statusData) (uint64, error) { return uint64(len(d.snap.Messages)), nil }},
	// RECENT counts the messages no session has seen as recent yet: those
	// above the recent watermark (store/FORMAT.md, "Recent claims").
	"RECENT": {"RECENT", func(d *statusData) (uint64, error) {
		w, err := d.mbox.RecentWatermark()
		if err != nil {
			return 0, err
		}
		n := uint64(0)
		for _, m := range d.snap.Messages {
			if m.UID > w {
				n++
			}
		}
		return n, nil
	}},
	"UIDNEXT":     {"UIDNEXT", func(d *statusData) (uint64, error) { return uint64(d.snap.UIDNext), nil }},
	"UIDVALIDITY": {"UIDVALIDITY", func(d *statusData) (uint64, error) { return uint64(d.snap.UIDValidity), nil }},
	"UNSEEN": {"UNSEEN", func(d *statusData) (uint64, error) {
		n := uint64(0)
		for _, m := range d.snap.Messages {
			if !slices.Contains(m.Flags, string(imap.FlagSeen)) {
				n++
			}
		}
		return n, nil
	}},
	// RFC 9208 §4.1.4: the messages with \Deleted, which QUOTA=RES-MESSAGE
	// requires.
	"DELETED": {"DELETED", func(d *statusData) (uint64, error) {
		n, _ := deletedUsage(d.snap)
		return uint64(n), nil
	}},
	// RFC 9208 §4.1.4: the octets an EXPUNGE would free, which
	// QUOTA=RES-STORAGE requires: exactly the sum of the RFC822.SIZE of the
	// messages with \Deleted, as Loft stores each message's octets once.
	"DELETED-STORAGE": {"DELETED-STORAGE", func(d *statusData) (uint64, error) {
		_, octets := deletedUsage(d.snap)
		return uint64(octets), nil
	}},
}

// deletedUsage counts the messages of snap with \Deleted, and their octets.
func deletedUsage(snap *store.Snapshot) (messages, octets int64) {
	for _, m := range snap.Messages {
		if slices.Contains(m.Flags, string(imap.FlagDeleted)) {
			messages++
			octets += m.Size
		}
	}
	return messages, octets
}

// status implements STATUS (RFC 3501 §6.3.10), also on the selected mailbox.
func (c *conn) status(tag string, dec *rfc3501.Decoder) error {
	var name string
	var items []statusItem
	var unknown string
	ok := dec.SP() && dec.Mailbox(&name) && dec.SP() && dec.List(func() bool {
		var att string
		if !dec.Atom(&att) {
			return false
		}
		it, found := statusItems[strings.ToUpper(att)]
		if !found && unknown == "" {
			unknown = att
		}
		items = append(items, it)
		return true
	}) && dec.CRLF()
	if !ok {
		return dec.Err()
	}
	if unknown != "" {
		return bad("unknown STATUS item %s", unknown)
	}
	if len(items) == 0 {
		return bad("STATUS needs at least one item")
	}
	ref, mbox, _, err := c.openNamed(name)
	if err != nil {
		return err
	}
	values, err := statusValues(mbox, items)
	if err != nil {
		return err
	}
	c.writeStatus(ref.name, items, values)
	return nil
}

// statusValues computes the STATUS items of mbox, in order.
func statusValues(mbox *store.Mailbox, items []statusItem) ([]uint64, error) {
	snap, err := mbox.Snapshot()
	if err != nil {
		return nil, err
	}
	d := &statusData{mbox: mbox, snap: snap}
	values := make([]uint64, len(items))
	for i, it := range items {
		if values[i], err = it.value(d); err != nil {
			return nil, err
		}
	}
	return values, nil
}

// writeStatus writes the STATUS response (RFC 3501 §7.2.4) of the mailbox
// name.
func (c *conn) writeStatus(name string, items []statusItem, values []uint64) {
	c.enc.Untagged().Atom("STATUS").SP().AString(rfc3501.EncodeMailboxName(name)).SP().List(len(items), func(i int) {
		c.enc.Atom(items[i].name).SP().Number64(values[i])
	}).CRLF()
}

// appendCmd implements APPEND (RFC 3501 §6.3.11). The mailbox, the flags and
// the quota are checked when the literal is announced, so that a refused
// message is never sent: a mailbox that does not exist gets NO [TRYCREATE],
// a message over MaxLiteralSize NO [TOOBIG], one over the quota NO
// [OVERQUOTA], an empty one NO. The octets are streamed into the store.
func (c *conn) appendCmd(tag string, dec *rfc3501.Decoder) error {
	var name string
	var flags []imap.Flag
	var date time.Time
	if !dec.SP() || !dec.Mailbox(&name) || !dec.SP() {
		return dec.Err()
	}
	if dec.Peek('(') && (!dec.FlagList(&flags) || !dec.SP()) {
		return dec.Err()
	}
	if dec.Peek('"') && (!dec.DateTime(&date) || !dec.SP()) {
		return dec.Err()
	}
	// Refusals decided before the literal is accepted.
	var refusal error
	var mbox *store.Mailbox
	strFlags := make([]string, 0, len(flags))
	for _, f := range flags {
		if strings.HasPrefix(string(f), `\`) && !slices.Contains(systemFlags, f) {
			refusal = bad("flag %s cannot be set", f)
		}
		strFlags = append(strFlags, string(f))
	}
	var ref mailboxRef
	var rights rfc4314.Rights
	if refusal == nil {
		var err error
		ref, mbox, rights, err = c.openTarget(name)
		// RFC 4314 §4: the flags the rights do not cover are not stored,
		// and the APPEND does not fail for them.
		strFlags = rfc4314.FilterFlags(strFlags, rights)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// §6.3.11: the client may create the mailbox and try again.
			refusal = no(imap.ResponseCodeTryCreate, "no mailbox %s", name)
		case err != nil:
			refusal = err
		}
	}
	c.literalMax, c.appendLiteral = c.s.cfg.MaxLiteralSize, true
	c.literalCheck = func(size int64) error {
		if refusal != nil {
			return refusal
		}
		return c.checkQuota(ref, size, 1)
	}
	var lit rfc3501.Literal
	ok := dec.Literal(&lit)
	c.literalCheck = nil
	if !ok {
		return dec.Err()
	}
	msg, err := mbox.Append(&lit, store.AppendOptions{Flags: strFlags, InternalDate: date})
	if derr := dec.Err(); derr != nil {
		// The literal itself was bad (a NUL octet, a broken connection).
		return derr
	}
	if err != nil {
		return err
	}
	if !dec.CRLF() {
		// The command is not what it claimed to be: take the message back,
		// so that a BAD command leaves no trace.
		if _, xerr := mbox.Expunge([]uint32{msg.UID}); xerr != nil {
			c.log.Warn("removing the message of a bad APPEND failed", "user", c.user, "err", xerr)
		}
		return dec.Err()
	}
	if err := c.recheckQuota(ref); err != nil {
		// RFC 9208 §4.3.1: other writers went over the quota while the
		// literal was coming in; the message is taken back, unacknowledged.
		if _, xerr := mbox.Expunge([]uint32{msg.UID}); xerr != nil {
			c.log.Warn("removing the message of an APPEND over quota failed", "user", c.user, "err", xerr)
			return &response{status: statusNO, code: imap.ResponseCodeUnavailable,
				text: "the message is over quota and could not be removed", cause: xerr}
		}
		return err
	}
	// RFC 4315 §3 APPENDUID: the mailbox's UIDVALIDITY and the message's UID.
	// Every Loft mailbox has a UIDVALIDITY, so the code is sent whenever the
	// session may read the mailbox (RFC 4315 §5: not to one that may only
	// append to it, RFC 4314 "i" without "r").
	if !rights.Has(rfc4314.Read) {
		return nil
	}
	snap, err := mbox.Snapshot()
	if err != nil {
		return err
	}
	code := rfc4315.AppendUID{UIDValidity: snap.UIDValidity, UID: msg.UID}
	return okCode(rfc4315.CodeAppendUID, func(e *rfc3501.Encoder) { e.Atom(code.Args()) }, "APPEND completed")
}
