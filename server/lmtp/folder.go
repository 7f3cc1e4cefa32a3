package lmtp

import (
	"context"
	"errors"

	"github.com/emersion/go-smtp"

	"github.com/loftmail/loft/rfc/rfc3463"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// errNotAuthorized refuses a delivery to a folder whose ACL does not give
// the sender "p" (RFC 3463 §3.8 X.7.1).
var errNotAuthorized = reply(550, rfc3463.DeliveryNotAuthorized, "Delivery not authorized, message refused")

// folderFor returns the configured folder of a recipient address, if any.
func (s *Server) folderFor(a address) (Folder, bool) {
	canon, err := directory.CanonicalAddress(a.String())
	if err != nil {
		return Folder{}, false
	}
	for _, f := range s.cfg.Folders {
		if c, err := directory.CanonicalAddress(f.Address); err == nil && c == canon {
			return f, true
		}
	}
	return Folder{}, false
}

// folderTarget makes the target of a delivery to folder f from the sender
// of tx: the sender must hold the "p" right on the mailbox (RFC 4314 §2.1,
// evaluated as Folder says). The quota is that of the account holding the
// mailbox: its directory entry's, or the configured default.
func (s *session) folderTarget(ctx context.Context, tx *transaction, f Folder) (*target, *smtp.SMTPError) {
	sa, err := s.srv.cfg.Store.Account(f.Account)
	var mbox *store.Mailbox
	if err == nil {
		mbox, err = sa.Mailbox(f.Mailbox)
	}
	if err != nil {
		// A folder of the configuration that is not in the store.
		s.log.Warn("folder address names no mailbox", "address", f.Address, "account", f.Account, "mailbox", f.Mailbox, "err", err)
		return nil, errMailbox
	}
	acl, err := mbox.ACL()
	if err != nil {
		return nil, s.srv.statusFor(err)
	}
	sender := rfc4314.Subject{Anonymous: true}
	if tx.from != "" {
		a, err := s.srv.cfg.Directory.LookupAddress(ctx, tx.from)
		switch {
		case err == nil:
			sender = rfc4314.Subject{User: a.Login, Groups: a.Groups}
		case !errors.Is(err, directory.ErrNotFound):
			return nil, s.srv.statusFor(err)
		}
	}
	policy := rfc4314.Policy{Owner: f.Account, GroupPrefix: s.srv.cfg.GroupPrefix}
	if !policy.Rights(acl, sender).Has(rfc4314.Post) {
		return nil, errNotAuthorized
	}
	owner := &directory.Account{Login: f.Account, Enabled: true}
	if a, err := s.srv.cfg.Directory.LookupLogin(ctx, f.Account); err == nil {
		owner = a
	} else if !errors.Is(err, directory.ErrNotFound) {
		return nil, s.srv.statusFor(err)
	}
	// The key keeps the folder apart from its account's INBOX in the
	// transaction, and names both in the log.
	return &target{login: f.Account + ":" + f.Mailbox, account: s.srv.withDefaultQuota(owner),
		store: sa, mailbox: f.Mailbox}, nil
}
