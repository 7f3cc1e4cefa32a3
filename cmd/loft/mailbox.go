package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc6154"
)

type mailboxCmd struct {
	List       mailboxListCmd       `cmd:"" help:"List an account's mailboxes: NAME<TAB>ATTRIBUTES (space-separated: \\Noselect for a level, then the special use)."`
	SpecialUse mailboxSpecialUseCmd `cmd:"" name:"special-use" help:"Set a mailbox's special use (RFC 6154): \\Archive, \\Drafts, \\Junk, \\Sent, \\Trash; none removes it."`
}

type mailboxListCmd struct {
	Login string `arg:"" help:"The account."`
}

// Run prints one line per mailbox and level of the account, in name order.
func (c *mailboxListCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	acct, err := a.st.Account(c.Login)
	if err != nil {
		return err
	}
	infos, err := acct.Mailboxes()
	if err != nil {
		return err
	}
	for _, info := range infos {
		attrs := info.SpecialUse
		if !info.Selectable {
			attrs = append([]string{`\Noselect`}, attrs...)
		}
		fmt.Fprintf(e.stdout, "%s\t%s\n", info.Name, strings.Join(attrs, " "))
	}
	return nil
}

type mailboxSpecialUseCmd struct {
	Login   string   `arg:"" help:"The account."`
	Mailbox string   `arg:"" help:"The mailbox (full name, \"/\" between levels)."`
	Uses    []string `arg:"" optional:"" name:"attribute" help:"Special-use attributes, such as \\Sent; none removes the mailbox's."`
}

// Run replaces the mailbox's special-use attributes. IMAP clients see the
// change at their next LIST.
func (c *mailboxSpecialUseCmd) Run(e *env, p *Paths) error {
	uses := make([]string, len(c.Uses))
	for i, u := range c.Uses {
		a, ok := rfc6154.Canonical(u)
		if !ok || !slices.Contains(rfc6154.NonVirtual, a) {
			return usageError{fmt.Sprintf("%q is not a special use Loft supports (\\Archive, \\Drafts, \\Junk, \\Sent, \\Trash)", u)}
		}
		uses[i] = string(a)
	}
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	acct, err := a.st.Account(c.Login)
	if err != nil {
		return err
	}
	return acct.SetSpecialUse(c.Mailbox, uses)
}
