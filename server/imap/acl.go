package imap

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/store"
)

// Access control (RFC 4314). Every mailbox a command names is reached
// through access, openNamed, openTarget or checkParent, which check the
// rights that the command's row of the table carries (command.acl, from
// rfc4314.Needs); the rights on the selected mailbox are checked by the
// engine before the handler runs (checkSelected). A mailbox on which the
// session lacks the right it needs and also "l" answers exactly as a
// mailbox that does not exist (§6): NO [NONEXISTENT], or NO [TRYCREATE] for
// APPEND and COPY.

// mailboxRef is a mailbox name as the client gives it, resolved to the
// store account that holds it (the namespaces of RFC 2342).
type mailboxRef struct {
	name  string         // the client's name, UTF-8, INBOX canonical
	acct  *store.Account // the account that holds it
	owner string         // the login name owning acct; "" for the shared folders
	local string         // the name inside acct
}

// errNoMailbox is the answer for a mailbox that does not exist, and for one
// the session may not know of (RFC 4314 §6): the store's own not-found, so
// that both answers are the same octets.
var errNoMailbox = fmt.Errorf("%w: mailbox", store.ErrNotFound)

// errNoPerm refuses a command for want of a right (RFC 5530 NOPERM).
func errNoPerm(missing rfc4314.Rights) *response {
	return no(imap.ResponseCodeNoPerm, "permission denied: the %q right is needed", missing.Letters())
}

// resolve maps a mailbox name to its account: "Other Users/alice/X" is
// alice's "X", "Shared/X" is the shared account's "X" (when one is
// configured), and any other name is the session's own. A namespace's own
// levels ("Other Users", "Other Users/alice") and unknown users are not
// mailboxes: errNoMailbox.
func (c *conn) resolve(name string) (mailboxRef, error) {
	if err := checkName(name); err != nil {
		return mailboxRef{}, err
	}
	cfg := &c.s.cfg
	if name == strings.TrimSuffix(cfg.OtherUsersPrefix, delimiter) ||
		cfg.SharedAccount != "" && name == strings.TrimSuffix(cfg.SharedPrefix, delimiter) {
		return mailboxRef{}, errNoMailbox
	}
	if rest, ok := strings.CutPrefix(name, cfg.OtherUsersPrefix); ok {
		user, local, _ := strings.Cut(rest, delimiter)
		if cfg.SharedAccount != "" && user == cfg.SharedAccount {
			// The shared folders are reached under SharedPrefix only.
			return mailboxRef{}, errNoMailbox
		}
		return c.foreign(cfg.OtherUsersPrefix+user+delimiter, user, user, local)
	}
	if rest, ok := strings.CutPrefix(name, cfg.SharedPrefix); ok && cfg.SharedAccount != "" {
		return c.foreign(cfg.SharedPrefix, cfg.SharedAccount, "", rest)
	}
	return mailboxRef{name: name, acct: c.account, owner: c.user, local: name}, nil
}

// foreign resolves the name local of account acct, shown under prefix.
func (c *conn) foreign(prefix, acct, owner, local string) (mailboxRef, error) {
	if acct == "" || local == "" {
		return mailboxRef{}, errNoMailbox
	}
	if strings.EqualFold(local, "INBOX") {
		local = "INBOX"
	}
	if acct == c.user {
		return mailboxRef{name: prefix + local, acct: c.account, owner: c.user, local: local}, nil
	}
	if owner != "" && c.reservedLogin(owner) {
		// An account named like an identifier (a user "anyone" made by a
		// delivery) has an owner's entry that is not an owner's.
		return mailboxRef{}, errNoMailbox
	}
	a, err := c.s.cfg.Store.Account(acct)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return mailboxRef{}, errNoMailbox
	}
	if err != nil {
		return mailboxRef{}, err
	}
	return mailboxRef{name: prefix + local, acct: a, owner: owner, local: local}, nil
}

// reservedLogin reports whether login is an identifier of another kind
// than a user (rfc4314.Policy.ReservedLogin): no session and no account of
// "Other Users/" may have it.
func (c *conn) reservedLogin(login string) bool {
	return rfc4314.Policy{GroupPrefix: c.s.cfg.GroupPrefix}.ReservedLogin(login)
}

// policy is how identifiers are evaluated on ref's mailboxes.
func (c *conn) policy(ref mailboxRef) rfc4314.Policy {
	return rfc4314.Policy{Owner: ref.owner, GroupPrefix: c.s.cfg.GroupPrefix}
}

// subject is the session's user and its directory groups (as of login).
func (c *conn) subject() rfc4314.Subject {
	return rfc4314.Subject{User: c.user, Groups: c.groups}
}

// rightsOn returns the session's rights on mbox (RFC 4314 §2), read afresh
// from the store.
func (c *conn) rightsOn(ref mailboxRef, mbox *store.Mailbox) (rfc4314.Rights, error) {
	acl, err := mbox.ACL()
	if err != nil {
		return 0, err
	}
	return c.policy(ref).Rights(acl, c.subject()), nil
}

// refusal is the answer for rights r that lack want: as if the mailbox did
// not exist when r lacks "l" too (RFC 4314 §6), else NO [NOPERM].
func refusal(r, want rfc4314.Rights) error {
	if !r.Has(rfc4314.Lookup) {
		return errNoMailbox
	}
	return errNoPerm(want &^ r)
}

// access opens the mailbox name for a session that must hold every right
// of want and, when anyOf is not zero, at least one of anyOf. It returns
// the session's rights on it.
func (c *conn) access(name string, want, anyOf rfc4314.Rights) (mailboxRef, *store.Mailbox, rfc4314.Rights, error) {
	ref, err := c.resolve(name)
	if err != nil {
		return ref, nil, 0, err
	}
	mbox, err := ref.acct.Mailbox(ref.local)
	if err != nil {
		return ref, nil, 0, err
	}
	// A user other than the owner sees and changes their own \Seen there
	// (store FORMAT.md, "Per-user \Seen"); the owner's is the shared flag.
	mbox = mbox.As(c.user)
	r, err := c.rightsOn(ref, mbox)
	if err != nil {
		return ref, nil, 0, err
	}
	if !r.Has(want) {
		return ref, nil, r, refusal(r, want)
	}
	if anyOf != 0 && r&anyOf == 0 {
		return ref, nil, r, refusal(r, anyOf)
	}
	return ref, mbox, r, nil
}

// openNamed opens the mailbox the running command names, with the rights
// its row requires there (Need.Named, Need.AnyOf).
func (c *conn) openNamed(name string) (mailboxRef, *store.Mailbox, rfc4314.Rights, error) {
	return c.access(name, c.cmd.acl.Named, c.cmd.acl.AnyOf)
}

// openTarget opens the mailbox the running command puts messages into, with
// the rights its row requires there (Need.Target).
func (c *conn) openTarget(name string) (mailboxRef, *store.Mailbox, rfc4314.Rights, error) {
	return c.access(name, c.cmd.acl.Target, 0)
}

// checkParent checks the rights the running command's row requires on the
// nearest existing parent mailbox of ref (Need.Parent: CREATE, RENAME's new
// name; RFC 4314 §4). With no parent mailbox, the name is at the top level
// of its account, where only the owner may make names.
func (c *conn) checkParent(ref mailboxRef) error {
	need := c.cmd.acl.Parent
	if need == 0 {
		return nil
	}
	for local := ref.local; ; {
		i := strings.LastIndex(local, delimiter)
		if i < 0 {
			break
		}
		local = local[:i]
		mbox, err := ref.acct.Mailbox(local)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		r, err := c.rightsOn(ref, mbox)
		if err != nil {
			return err
		}
		if !r.Has(need) {
			return errNoPerm(need &^ r)
		}
		return nil
	}
	if ref.owner == c.user {
		return nil
	}
	return errNoPerm(need)
}

// inheritACL gives the new mailbox ref the entries of its nearest parent
// mailbox's ACL (RFC 4314 §4: "SHOULD inherit the ACL from the parent"),
// so that a folder made in a shared folder is shared alike.
func (c *conn) inheritACL(ref mailboxRef) error {
	for local := ref.local; ; {
		i := strings.LastIndex(local, delimiter)
		if i < 0 {
			return nil
		}
		local = local[:i]
		parent, err := ref.acct.Mailbox(local)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		acl, err := parent.ACL()
		if err != nil {
			return err
		}
		mbox, err := ref.acct.Mailbox(ref.local)
		if err != nil {
			return err
		}
		for _, e := range acl {
			if e.Identifier == ref.acct.Name() && e.Rights == rfc4314.All {
				continue // the default entry
			}
			if _, err := mbox.ModifyACL(e.Identifier, rfc4314.Modification{Rights: e.Rights}); err != nil {
				return err
			}
		}
		return nil
	}
}

// checkSelected is the engine's check, before a command runs, of the
// rights on the selected mailbox: they are read afresh (so that a right
// revoked by another session takes effect at this session's next command,
// RFC 4314 §5.1.1) and the row's Need.Selected must be among them.
func (c *conn) checkSelected(cmd *command) error {
	if c.sel == nil {
		return nil
	}
	need := cmd.acl.Selected
	r, err := c.rightsOn(c.sel.ref, c.sel.mbox)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // deleted: the engine ends the session after the command
	case err != nil && need == 0:
		return nil // a command that needs nothing here runs anyway
	case err != nil:
		return err
	}
	if r != c.sel.rights && !c.sel.examined && r.Has(rfc4314.Read) {
		// §5.1.1: the server "SHOULD send FLAGS and PERMANENTFLAGS
		// responses if they have changed"; FLAGS does not depend on the
		// rights.
		writePermanentFlags(c.enc, append(slices.Clone(systemFlags), keywords(c.sel.snap)...), r)
	}
	c.sel.rights = r
	if !r.Has(need) {
		return errNoPerm(need &^ r)
	}
	return nil
}

// aclCapabilities are announced by the GETACL row (RFC 4314 §2, §5.1.1),
// once the session is authenticated: the commands are valid only then.
func aclCapabilities(c *conn) []string {
	if c.state == stateNotAuthenticated {
		return nil
	}
	return []string{rfc4314.Capability, rfc4314.RightsCapability}
}

// decodeIdentifier reads an identifier (RFC 4314 §7: astring) and refuses
// one that §3 requires a BAD for.
func decodeIdentifier(dec *rfc3501.Decoder, id *string) error {
	if !dec.AString(id) {
		return dec.Err()
	}
	if err := rfc4314.CheckIdentifier(*id); err != nil {
		return bad("%v", err)
	}
	return nil
}

// setACL implements SETACL (RFC 4314 §3.1): "a" on the mailbox.
func (c *conn) setACL(tag string, dec *rfc3501.Decoder) error {
	var name, id, mod string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.SP() {
		return dec.Err()
	}
	if err := decodeIdentifier(dec, &id); err != nil {
		return err
	}
	if !dec.SP() || !dec.AString(&mod) || !dec.CRLF() {
		return dec.Err()
	}
	m, err := rfc4314.ParseModification(mod)
	if err != nil {
		return bad("%v", err)
	}
	_, mbox, _, err := c.openNamed(name)
	if err != nil {
		return err
	}
	_, err = mbox.ModifyACL(id, m)
	return err
}

// deleteACL implements DELETEACL (RFC 4314 §3.2): "a" on the mailbox.
func (c *conn) deleteACL(tag string, dec *rfc3501.Decoder) error {
	var name, id string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.SP() {
		return dec.Err()
	}
	if err := decodeIdentifier(dec, &id); err != nil {
		return err
	}
	if !dec.CRLF() {
		return dec.Err()
	}
	_, mbox, _, err := c.openNamed(name)
	if err != nil {
		return err
	}
	_, err = mbox.DeleteACL(id)
	return err
}

// getACL implements GETACL (RFC 4314 §3.3): "a" on the mailbox; the ACL
// response of §3.6, with the virtual "c" and "d" of §2.1.1.
func (c *conn) getACL(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	ref, mbox, _, err := c.openNamed(name)
	if err != nil {
		return err
	}
	acl, err := mbox.ACL()
	if err != nil {
		return err
	}
	enc := c.enc.Untagged().Atom("ACL").SP().AString(rfc3501.EncodeMailboxName(ref.name))
	for _, e := range acl {
		enc.SP().AString(e.Identifier).SP().AString(e.Rights.String())
	}
	enc.CRLF()
	return nil
}

// listRights implements LISTRIGHTS (RFC 4314 §3.4): "a" on the mailbox;
// the LISTRIGHTS response of §3.7 names the identifier as the client gave
// it.
func (c *conn) listRights(tag string, dec *rfc3501.Decoder) error {
	var name, id string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.SP() {
		return dec.Err()
	}
	if err := decodeIdentifier(dec, &id); err != nil {
		return err
	}
	if !dec.CRLF() {
		return dec.Err()
	}
	ref, _, _, err := c.openNamed(name)
	if err != nil {
		return err
	}
	required, optional := c.policy(ref).ListRights(id)
	enc := c.enc.Untagged().Atom("LISTRIGHTS").SP().AString(rfc3501.EncodeMailboxName(ref.name)).
		SP().AString(id).SP().AString(required.String())
	for _, o := range optional {
		enc.SP().AString(o)
	}
	enc.CRLF()
	return nil
}

// myRights implements MYRIGHTS (RFC 4314 §3.5): any of "lrikxa" on the
// mailbox; the MYRIGHTS response of §3.8.
func (c *conn) myRights(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	ref, _, r, err := c.openNamed(name)
	if err != nil {
		return err
	}
	c.enc.Untagged().Atom("MYRIGHTS").SP().AString(rfc3501.EncodeMailboxName(ref.name)).SP().AString(r.String()).CRLF()
	return nil
}
