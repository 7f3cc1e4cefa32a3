package imap

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc2087"
	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// Quotas (RFC 2087, RFC 9208). Each account is one quota root; the session's
// own is named "" (RFC 9208 §4.2.2's example), another user's account is
// named by its namespace ("Other Users/alice"), the shared folders' by
// theirs ("Shared"). Usage is summed from the store (store.Account.Usage),
// never kept in a counter that could drift; limits come from the directory,
// or from Config.DefaultQuotaStorage and DefaultQuotaMessages where the
// directory sets none.

// quotaCapabilities are announced by the GETQUOTA row (RFC 9208 §1, §5),
// once the session is authenticated: the commands are valid only then.
func quotaCapabilities(c *conn) []string {
	if c.state == stateNotAuthenticated {
		return nil
	}
	return []string{rfc2087.Capability, rfc2087.CapabilitySet, rfc2087.CapabilityStorage, rfc2087.CapabilityMessages}
}

// quotaSetter is the part of a directory that can change limits
// (directory.Admin's UpdateUser: both backends have it).
type quotaSetter interface {
	UpdateUser(login string, fn func(*directory.UserChange) error) error
}

// limits returns the quota of the account acct: octets and messages, 0 for
// no limit.
func limits(ctx context.Context, cfg *Config, acct string) (storage, messages int64, err error) {
	a, err := cfg.Directory.LookupLogin(ctx, acct)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		// The shared folders' account has no directory entry.
	case err != nil:
		return 0, 0, err
	default:
		storage, messages = a.QuotaStorage, a.QuotaMessages
	}
	if storage == 0 {
		storage = cfg.DefaultQuotaStorage
	}
	if messages == 0 {
		messages = cfg.DefaultQuotaMessages
	}
	return storage, messages, nil
}

// errQuotaUnavailable answers when the limits cannot be read.
func errQuotaUnavailable(err error) error {
	return &response{status: statusNO, code: imap.ResponseCodeUnavailable, text: "cannot read the quota", cause: err}
}

// checkQuota refuses count messages of octets octets that would take the
// account holding ref over its quota (RFC 9208 §4.3.1: NO [OVERQUOTA]). The
// check does not reserve: writers that check at the same moment can each
// pass and together overshoot by what they add (store/FORMAT.md, "Quotas").
func (c *conn) checkQuota(ref mailboxRef, octets, count int64) error {
	storage, messages, err := limits(c.ctx, &c.s.cfg, ref.acct.Name())
	if err != nil {
		return errQuotaUnavailable(err)
	}
	if storage <= 0 && messages <= 0 {
		return nil
	}
	usage, err := ref.acct.Usage()
	if err != nil {
		return err
	}
	if storage > 0 && usage.Octets+octets > storage || messages > 0 && usage.Messages+count > messages {
		what := "copies"
		if c.cmd.name == "APPEND" {
			what = "message"
		}
		return no(imap.ResponseCodeOverQuota, "the %s would exceed the quota", what)
	}
	return nil
}

// recheckQuota is checkQuota after a write that is not acknowledged yet:
// NO [OVERQUOTA] when the account, the write included, is over its quota.
// An APPEND's check is made when its literal is announced, and the literal
// comes as slowly as the client sends it, so without this check writers
// that hold their literals open would all pass the check made before and
// together overshoot by as many messages as they have connections, each up
// to MaxLiteralSize; COPYs run at once on several connections would each
// add a mailbox's worth (store/FORMAT.md, "Quotas"). Two writers that find each
// other over the quota are both refused; a failure to read the limits
// leaves the write in place, as the check before it passed.
func (c *conn) recheckQuota(ref mailboxRef) error {
	err := c.checkQuota(ref, 0, 0)
	var r *response
	if errors.As(err, &r) && r.code == imap.ResponseCodeOverQuota {
		return err
	}
	if err != nil {
		c.log.Warn("quota check after a write failed", "user", c.user, "err", err)
	}
	return nil
}

// quotaRoot returns the name of the quota root of ref's account.
func (c *conn) quotaRoot(ref mailboxRef) string {
	switch {
	case ref.owner == c.user:
		return ""
	case ref.owner == "":
		return strings.TrimSuffix(c.s.cfg.SharedPrefix, delimiter)
	}
	return c.s.cfg.OtherUsersPrefix + ref.owner
}

// rootAccount maps a quota root name back to its account.
func (c *conn) rootAccount(root string) (mailboxRef, bool) {
	if root == "" {
		return mailboxRef{acct: c.account, owner: c.user}, true
	}
	if user, ok := strings.CutPrefix(root, c.s.cfg.OtherUsersPrefix); ok && user != "" && !strings.Contains(user, delimiter) {
		a, err := c.s.cfg.Store.Account(user)
		if err != nil {
			return mailboxRef{}, false
		}
		return mailboxRef{acct: a, owner: user}, true
	}
	if c.s.cfg.SharedAccount != "" && root == strings.TrimSuffix(c.s.cfg.SharedPrefix, delimiter) {
		a, err := c.s.cfg.Store.OpenAccount(c.s.cfg.SharedAccount)
		if err != nil {
			return mailboxRef{}, false
		}
		return mailboxRef{acct: a}, true
	}
	return mailboxRef{}, false
}

// isAdmin reports whether the session's user may change quotas.
func (c *conn) isAdmin() bool { return slices.Contains(c.s.cfg.Admins, c.user) }

// writeQuota writes the QUOTA response of ref's account (RFC 9208 §4.2.1):
// a triplet for each limited resource, STORAGE in units of 1024 octets.
func (c *conn) writeQuota(root string, ref mailboxRef) error {
	storage, messages, err := limits(c.ctx, &c.s.cfg, ref.acct.Name())
	if err != nil {
		return errQuotaUnavailable(err)
	}
	usage, err := ref.acct.Usage()
	if err != nil {
		return err
	}
	var res []rfc2087.Resource
	if storage > 0 {
		res = append(res, rfc2087.Resource{Name: rfc2087.Storage, Usage: rfc2087.StorageUnits(usage.Octets),
			Limit: rfc2087.StorageUnits(storage)})
	}
	if messages > 0 {
		res = append(res, rfc2087.Resource{Name: rfc2087.Message, Usage: uint64(usage.Messages), Limit: uint64(messages)})
	}
	rfc2087.EncodeQuota(c.enc.Untagged(), root, res).CRLF()
	return nil
}

// getQuota implements GETQUOTA (RFC 9208 §4.1.1): the session's own root,
// or any root for an administrator; other roots answer NO [NONEXISTENT],
// whether they exist or not.
func (c *conn) getQuota(tag string, dec *rfc3501.Decoder) error {
	var root string
	if !dec.SP() || !dec.AString(&root) || !dec.CRLF() {
		return dec.Err()
	}
	ref, ok := c.rootAccount(root)
	if !ok || (ref.owner != c.user && !c.isAdmin()) {
		return no(imap.ResponseCodeNonExistent, "no such quota root")
	}
	return c.writeQuota(root, ref)
}

// getQuotaRoot implements GETQUOTAROOT (RFC 9208 §4.1.2): "r" on the
// mailbox (RFC 9208 §6: STORAGE and MESSAGE reveal its contents). A mailbox
// of the session's own that does not exist yet gets the root it would have.
func (c *conn) getQuotaRoot(tag string, dec *rfc3501.Decoder) error {
	var name string
	if !dec.SP() || !dec.Mailbox(&name) || !dec.CRLF() {
		return dec.Err()
	}
	ref, _, _, err := c.openNamed(name)
	if errors.Is(err, store.ErrNotFound) && ref.acct != nil && ref.owner == c.user {
		err = nil
	}
	if err != nil {
		return err
	}
	root := c.quotaRoot(ref)
	rfc2087.EncodeQuotaRoot(c.enc.Untagged(), ref.name, []string{root}).CRLF()
	return c.writeQuota(root, ref)
}

// setQuota implements SETQUOTA (RFC 9208 §4.1.3), for the users of
// Config.Admins only: the limits replace all earlier ones (a resource not
// named has no limit), STORAGE in units of 1024 octets.
func (c *conn) setQuota(tag string, dec *rfc3501.Decoder) error {
	var root string
	var list []rfc2087.Limit
	if !dec.SP() || !dec.AString(&root) || !dec.SP() || !rfc2087.DecodeSetQuotaList(dec, &list) || !dec.CRLF() {
		return dec.Err()
	}
	if !c.isAdmin() {
		return no(imap.ResponseCodeNoPerm, "only administrators may set quotas")
	}
	if err := rfc2087.CheckLimits(list); err != nil {
		return no(imap.ResponseCodeCannot, "%v", err)
	}
	ref, ok := c.rootAccount(root)
	if !ok || ref.owner == "" {
		return no(imap.ResponseCodeNonExistent, "no such quota root")
	}
	setter, ok := c.s.cfg.Directory.(quotaSetter)
	if !ok {
		return no(imap.ResponseCodeCannot, "the directory's quotas cannot be changed over IMAP")
	}
	var storage, messages int64
	const maxUnits = 1<<63/rfc2087.StorageUnit - 1
	for _, l := range list {
		switch l.Name {
		case rfc2087.Storage:
			if l.Limit > maxUnits {
				return no(imap.ResponseCodeCannot, "STORAGE limit too large")
			}
			storage = int64(l.Limit) * rfc2087.StorageUnit
		case rfc2087.Message:
			messages = int64(l.Limit)
		}
	}
	err := setter.UpdateUser(ref.owner, func(ch *directory.UserChange) error {
		ch.QuotaStorage, ch.QuotaMessages = storage, messages
		return nil
	})
	if err != nil {
		return err
	}
	return c.writeQuota(root, ref)
}
