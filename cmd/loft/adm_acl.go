package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// quotaCmd shows quotas and what the store holds against them.
type quotaCmd struct {
	Logins []string `arg:"" optional:"" name:"login" help:"Accounts to show; all of them when none is named."`
}

// Run prints, for each account, one line
//
//	LOGIN<TAB>STORAGE-USED<TAB>STORAGE-LIMIT<TAB>MESSAGES-USED<TAB>MESSAGES-LIMIT
//
// in octets and messages, the limits from the directory or, where it sets
// none, from [quota] in the configuration; a limit of 0 is no limit. The
// usage is summed from the store (store.Account.Usage), as the servers check
// it.
func (c *quotaCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	logins := c.Logins
	if len(logins) == 0 {
		if logins, err = a.st.Accounts(); err != nil {
			return err
		}
	}
	for _, login := range logins {
		storage, messages := int64(a.cfg.Quota.DefaultStorage), a.cfg.Quota.DefaultMessages
		u, err := a.dir.User(login)
		switch {
		case errors.Is(err, directory.ErrNotFound):
			// A store account without a directory entry (the shared
			// folders): the defaults apply.
		case err != nil:
			return err
		default:
			if u.QuotaStorage > 0 {
				storage = u.QuotaStorage
			}
			if u.QuotaMessages > 0 {
				messages = u.QuotaMessages
			}
		}
		var usage store.Usage
		acct, err := a.st.Account(login)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			if usage, err = acct.Usage(); err != nil {
				return fmt.Errorf("reading the mail usage of %q: %w", login, err)
			}
		}
		fmt.Fprintf(e.stdout, "%s\t%d\t%d\t%d\t%d\n", login, usage.Octets, storage, usage.Messages, messages)
	}
	return nil
}

// aclCmd manages the access control lists of mailboxes (RFC 4314), as
// SETACL, DELETEACL and GETACL do over IMAP, for any account: the way to
// share the folders of the shared account (imap.shared_account).
type aclCmd struct {
	Get aclGetCmd `cmd:"" help:"Print a mailbox's ACL: IDENTIFIER<TAB>RIGHTS, one entry per line."`
	Set aclSetCmd `cmd:"" help:"Change an identifier's rights: RIGHTS, +RIGHTS or -RIGHTS (RFC 4314 SETACL), then print the ACL."`
	Del aclDelCmd `cmd:"" help:"Remove an identifier's entry (RFC 4314 DELETEACL), then print the ACL."`
}

type aclMailbox struct {
	Account string `arg:"" help:"The account that holds the mailbox (its login name)."`
	Mailbox string `arg:"" help:"The mailbox, levels separated by \"/\"."`
}

func (m aclMailbox) open(a *admin) (*store.Mailbox, error) {
	acct, err := a.st.Account(m.Account)
	if err != nil {
		return nil, err
	}
	return acct.Mailbox(m.Mailbox)
}

type aclGetCmd struct {
	aclMailbox `embed:""`
}

func (c *aclGetCmd) Run(e *env, p *Paths) error {
	return withMailbox(p, c.aclMailbox, func(mbox *store.Mailbox) (rfc4314.ACL, error) { return mbox.ACL() }, e)
}

type aclSetCmd struct {
	aclMailbox `embed:""`
	Identifier string `arg:"" help:"A login name, $GROUP, anyone or authenticated; with a leading \"-\" for negative rights (put \"--\" before it)."`
	Rights     string `arg:"" help:"Rights from lrswipkxtea (c and d as RFC 4314 §2.1.1 says), replacing the entry's, or added with + or removed with - (put \"--\" before it, after any flag: acl set --data DIR alice INBOX bob -- -w)."`
}

func (c *aclSetCmd) Run(e *env, p *Paths) error {
	if err := rfc4314.CheckIdentifier(c.Identifier); err != nil {
		return err
	}
	mod, err := rfc4314.ParseModification(c.Rights)
	if err != nil {
		return err
	}
	return withMailbox(p, c.aclMailbox, func(mbox *store.Mailbox) (rfc4314.ACL, error) {
		return mbox.ModifyACL(c.Identifier, mod)
	}, e)
}

type aclDelCmd struct {
	aclMailbox `embed:""`
	Identifier string `arg:"" help:"The identifier whose entry goes."`
}

func (c *aclDelCmd) Run(e *env, p *Paths) error {
	return withMailbox(p, c.aclMailbox, func(mbox *store.Mailbox) (rfc4314.ACL, error) {
		return mbox.DeleteACL(c.Identifier)
	}, e)
}

// withMailbox opens the mailbox, runs do on it and prints the ACL it
// returns, one "IDENTIFIER<TAB>RIGHTS" line per entry.
func withMailbox(p *Paths, m aclMailbox, do func(*store.Mailbox) (rfc4314.ACL, error), e *env) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	mbox, err := m.open(a)
	if err != nil {
		return err
	}
	acl, err := do(mbox)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, entry := range acl {
		fmt.Fprintf(&b, "%s\t%s\n", entry.Identifier, entry.Rights.Letters())
	}
	_, err = e.stdout.Write([]byte(b.String()))
	return err
}
