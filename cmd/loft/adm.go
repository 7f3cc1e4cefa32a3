package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

type admCmd struct {
	Paths `embed:""`

	User    userCmd    `cmd:"" help:"Manage accounts."`
	Group   groupCmd   `cmd:"" help:"Manage groups."`
	Quota   quotaCmd   `cmd:"" help:"Show quotas and usage: LOGIN<TAB>OCTETS-USED<TAB>OCTETS-LIMIT<TAB>MESSAGES-USED<TAB>MESSAGES-LIMIT (0 = no limit)."`
	ACL     aclCmd     `cmd:"" name:"acl" help:"Manage mailboxes' access control lists (RFC 4314)."`
	Sieve   sieveCmd   `cmd:"" help:"Manage accounts' Sieve scripts."`
	Mailbox mailboxCmd `cmd:"" help:"Show and mark an account's mailboxes."`
	Check   checkCmd   `cmd:"" help:"Verify accounts' mail, and with --repair repair what interrupted operations left; one line per account: LOGIN: ok (or K problems): N mailboxes, M records (entries of the mailboxes' logs)."`
}

type userCmd struct {
	Add    userAddCmd    `cmd:"" help:"Create an account: its directory entry and its mailboxes."`
	List   userListCmd   `cmd:"" help:"List accounts: LOGIN<TAB>enabled|disabled<TAB>ADDRESSES (space-separated)."`
	Show   userShowCmd   `cmd:"" help:"Show an account, one \"key: value\" line per fact."`
	Del    userDelCmd    `cmd:"" help:"Delete an account, its entries in every mailbox's ACL and, unless --keep-mail, its mail."`
	Passwd userPasswdCmd `cmd:"" help:"Set an account's password (with the file directory, also its SCRAM credentials)."`
	Set    userSetCmd    `cmd:"" help:"Change an account's addresses, quotas or state."`
}

type groupCmd struct {
	Add     groupAddCmd     `cmd:"" help:"Create a group, with members."`
	Del     groupDelCmd     `cmd:"" help:"Delete a group and its entries in every mailbox's ACL."`
	Members groupMembersCmd `cmd:"" help:"Add or remove members, then print the members, one per line."`
	List    groupListCmd    `cmd:"" help:"List groups: NAME<TAB>MEMBERS (space-separated)."`
}

// admin is what an adm command works on.
type admin struct {
	cfg *server.Config
	dir directory.Admin
	st  *store.Store // nil unless asked for
}

// openAdmin opens the directory and, with withStore, the message store
// that p names.
func openAdmin(p *Paths, withStore bool) (*admin, error) {
	cfg, err := p.load()
	if err != nil {
		return nil, err
	}
	a := &admin{cfg: cfg}
	if a.dir, err = openDirectory(cfg); err != nil {
		return nil, err
	}
	if withStore {
		if a.st, err = openStore(cfg); err != nil {
			a.dir.Close()
			return nil, err
		}
	}
	return a, nil
}

func (a *admin) close() {
	a.dir.Close()
	if a.st != nil {
		a.st.Close()
	}
}

type userAddCmd struct {
	Login         string `arg:"" help:"Login name (case-sensitive)."`
	PasswordFlags `embed:""`
	Address       []string `name:"address" sep:"none" placeholder:"ADDR" help:"A mail address; repeat for more, the first is the primary."`
	QuotaStorage  Size     `name:"quota-storage" placeholder:"SIZE" help:"Storage quota: octets, or a number with KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), as in the configuration; 0 = no limit."`
	QuotaMessages Count    `name:"quota-messages" placeholder:"N" help:"Most messages; 0 = no limit."`
	Disabled      bool     `help:"Create the account disabled: it cannot log in, and LMTP refuses its mail (550 5.2.1)."`
}

// Run creates the directory entry, then the mailboxes. An account whose
// mailboxes exist already (left by `user del --keep-mail`) keeps them.
func (c *userAddCmd) Run(e *env, p *Paths) error {
	if err := directory.CheckLogin(c.Login); err != nil {
		return err
	}
	password, err := c.read(e.stdin)
	if err != nil {
		return err
	}
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	err = a.dir.AddUser(directory.UserSpec{
		Login:         c.Login,
		Password:      password,
		Addresses:     c.Address,
		QuotaStorage:  c.QuotaStorage.N,
		QuotaMessages: c.QuotaMessages.N,
		Disabled:      c.Disabled,
	})
	if err != nil {
		return err
	}
	if err := a.st.CreateAccount(c.Login); err != nil && !errors.Is(err, store.ErrExists) {
		err = fmt.Errorf("creating the mailboxes of %q: %w", c.Login, err)
		if derr := a.dir.DeleteUser(c.Login); derr != nil {
			return errors.Join(err, fmt.Errorf("removing the directory entry again: %w", derr))
		}
		return err
	}
	return nil
}

type userListCmd struct{}

func (c *userListCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	users, err := a.dir.Users()
	if err != nil {
		return err
	}
	for _, u := range users {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", u.Login, enabledWord(u.Enabled), strings.Join(u.Addresses, " "))
	}
	return nil
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

// scramStatuser is the file directory's report of an account's SCRAM
// credentials; the LDAP directory keeps none.
type scramStatuser interface {
	SCRAMStatus(login string) ([]string, error)
}

type userShowCmd struct {
	Login string `arg:"" help:"Login name."`
}

// Run prints, in this order: login, enabled (yes or no), one address line
// per address (primary first), quota-storage (octets, then "(no limit)"
// for 0 or the size with a unit, "(1GiB)"), quota-messages (then
// "(no limit)" for 0), one group line per group, with the file directory
// a scram line (the SCRAM mechanisms the account has credentials for, or
// "none": its password was set before Loft kept them, or it has none, or
// it is not valid under SASLprep), and then either
// usage-storage (octets) and usage-messages, or "mailboxes: none" when the
// store has no such account. The first word after each "key: " is the
// value.
func (c *userShowCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	u, err := a.dir.User(c.Login)
	if err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("no account %q", c.Login)
		}
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "login: %s\n", u.Login)
	enabled := "no"
	if u.Enabled {
		enabled = "yes"
	}
	fmt.Fprintf(&b, "enabled: %s\n", enabled)
	for _, addr := range u.Addresses {
		fmt.Fprintf(&b, "address: %s\n", addr)
	}
	fmt.Fprintf(&b, "quota-storage: %s\n", storageQuotaText(u.QuotaStorage))
	fmt.Fprintf(&b, "quota-messages: %s\n", countQuotaText(u.QuotaMessages))
	for _, g := range u.Groups {
		fmt.Fprintf(&b, "group: %s\n", g)
	}
	if sd, ok := a.dir.(scramStatuser); ok {
		mechs, err := sd.SCRAMStatus(u.Login)
		if err != nil {
			return err
		}
		if len(mechs) == 0 {
			b.WriteString("scram: none (SCRAM-SHA-1 and SCRAM-SHA-256 need the password to be set again)\n")
		} else {
			fmt.Fprintf(&b, "scram: %s\n", strings.Join(mechs, " "))
		}
	}
	acct, err := a.st.Account(u.Login)
	switch {
	case errors.Is(err, store.ErrNotFound):
		b.WriteString("mailboxes: none\n")
	case err != nil:
		return err
	default:
		usage, err := acct.Usage()
		if err != nil {
			return fmt.Errorf("reading the mail usage of %q: %w", u.Login, err)
		}
		fmt.Fprintf(&b, "usage-storage: %d\n", usage.Octets)
		fmt.Fprintf(&b, "usage-messages: %d\n", usage.Messages)
	}
	_, err = e.stdout.Write([]byte(b.String()))
	return err
}

type userDelCmd struct {
	Login    string `arg:"" help:"Login name."`
	KeepMail bool   `name:"keep-mail" help:"Keep the account's mailboxes in the store; a new account of the same login name gets them."`
}

// Run removes the directory entry first, so that nobody logs in or gets
// mail delivered while the mailboxes go.
func (c *userDelCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.dir.DeleteUser(c.Login); err != nil {
		return err
	}
	// A new account of the same login name must not inherit the rights
	// that others granted this one (RFC 4314 identifiers are names).
	if _, err := a.st.ForgetIdentifiers(c.Login, "-"+c.Login); err != nil {
		return fmt.Errorf("account %q deleted from the directory, but not from every ACL: %w", c.Login, err)
	}
	if c.KeepMail {
		return nil
	}
	if err := a.st.DeleteAccount(c.Login); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("account %q deleted from the directory, but its mail was not: %w", c.Login, err)
	}
	return nil
}

type userPasswdCmd struct {
	Login         string `arg:"" help:"Login name."`
	PasswordFlags `embed:""`
}

func (c *userPasswdCmd) Run(e *env, p *Paths) error {
	if err := directory.CheckLogin(c.Login); err != nil {
		return err
	}
	password, err := c.read(e.stdin)
	if err != nil {
		return err
	}
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	return a.dir.SetPassword(c.Login, password)
}

type userSetCmd struct {
	Login         string   `arg:"" help:"Login name."`
	Address       []string `name:"address" sep:"none" placeholder:"ADDR" xor:"address" help:"Replace the addresses with these; repeat for more, the first is the primary."`
	NoAddresses   bool     `name:"no-addresses" xor:"address" help:"Remove every address."`
	QuotaStorage  Size     `name:"quota-storage" placeholder:"SIZE" help:"Storage quota: octets, or a number with KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024); 0 = no limit."`
	QuotaMessages Count    `name:"quota-messages" placeholder:"N" help:"Most messages; 0 = no limit."`
	Enable        bool     `xor:"state" help:"Let the account log in and receive mail."`
	Disable       bool     `xor:"state" help:"Stop the account from logging in; LMTP refuses its mail (550 5.2.1)."`
}

func (c *userSetCmd) Run(e *env, p *Paths) error {
	if len(c.Address) == 0 && !c.NoAddresses && !c.QuotaStorage.Set && !c.QuotaMessages.Set && !c.Enable && !c.Disable {
		return usageError{"user set: nothing to change (give --address, --no-addresses, --quota-storage, --quota-messages, --enable or --disable)"}
	}
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	return a.dir.UpdateUser(c.Login, func(ch *directory.UserChange) error {
		switch {
		case len(c.Address) > 0:
			ch.Addresses = c.Address
		case c.NoAddresses:
			ch.Addresses = nil
		}
		if c.QuotaStorage.Set {
			ch.QuotaStorage = c.QuotaStorage.N
		}
		if c.QuotaMessages.Set {
			ch.QuotaMessages = c.QuotaMessages.N
		}
		switch {
		case c.Enable:
			ch.Disabled = false
		case c.Disable:
			ch.Disabled = true
		}
		return nil
	})
}

type groupAddCmd struct {
	Name    string   `arg:"" help:"Group name."`
	Members []string `arg:"" optional:"" name:"member" help:"Login names of the members."`
}

func (c *groupAddCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	return a.dir.AddGroup(c.Name, c.Members)
}

type groupDelCmd struct {
	Name string `arg:"" help:"Group name."`
}

// Run deletes the group, then its entries in every mailbox's ACL, so that a
// new group of the same name inherits none of its rights.
func (c *groupDelCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.dir.DeleteGroup(c.Name); err != nil {
		return err
	}
	id := cmp.Or(a.cfg.IMAP.GroupPrefix, rfc4314.DefaultGroupPrefix) + c.Name
	if _, err := a.st.ForgetIdentifiers(id, "-"+id); err != nil {
		return fmt.Errorf("group %q deleted from the directory, but not from every ACL: %w", c.Name, err)
	}
	return nil
}

type groupMembersCmd struct {
	Name   string   `arg:"" help:"Group name."`
	Add    []string `name:"add" sep:"none" placeholder:"LOGIN" help:"Add this account; repeat for more."`
	Remove []string `name:"remove" sep:"none" placeholder:"LOGIN" help:"Remove this account; repeat for more."`
}

// Run adds, then removes, then prints the members, sorted, one per line.
func (c *groupMembersCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	if len(c.Add) > 0 {
		if err := a.dir.AddGroupMembers(c.Name, c.Add...); err != nil {
			return err
		}
	}
	if len(c.Remove) > 0 {
		if err := a.dir.RemoveGroupMembers(c.Name, c.Remove...); err != nil {
			return err
		}
	}
	g, err := a.dir.Group(c.Name)
	if err != nil {
		return err
	}
	for _, m := range g.Members {
		fmt.Fprintln(e.stdout, m)
	}
	return nil
}

type groupListCmd struct{}

func (c *groupListCmd) Run(e *env, p *Paths) error {
	a, err := openAdmin(p, false)
	if err != nil {
		return err
	}
	defer a.close()
	groups, err := a.dir.Groups(context.Background())
	if err != nil {
		return err
	}
	for _, g := range groups {
		fmt.Fprintf(e.stdout, "%s\t%s\n", g.Name, strings.Join(g.Members, " "))
	}
	return nil
}

type checkCmd struct {
	Logins []string `arg:"" optional:"" name:"login" help:"Accounts to check; all of them when none is named."`
	Repair bool     `help:"Repair what interrupted operations left behind."`
}

// Run checks each account and prints, for each, a summary line
//
//	LOGIN: ok: N mailboxes, M records
//	LOGIN: K problems: N mailboxes, M records
//
// followed by one line per problem,
//
//	LOGIN: KIND repaired|found PATH: DETAIL
//
// It fails (exit status 1) when a problem remains unrepaired or an account
// cannot be checked.
func (c *checkCmd) Run(e *env, p *Paths) error {
	cfg, err := p.load()
	if err != nil {
		return err
	}
	st, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	names := c.Logins
	if len(names) == 0 {
		if names, err = st.Accounts(); err != nil {
			return err
		}
	}
	failed := false
	for _, name := range names {
		acct, err := st.Account(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "loft: %s: %v\n", name, err)
			failed = true
			continue
		}
		report, err := acct.Check(c.Repair)
		if err != nil {
			fmt.Fprintf(e.stderr, "loft: %s: check: %v\n", name, err)
			failed = true
		}
		if report.Clean() {
			fmt.Fprintf(e.stdout, "%s: ok: %d mailboxes, %d records\n", name, report.Mailboxes, report.Records)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d problems: %d mailboxes, %d records\n", name, len(report.Problems), report.Mailboxes, report.Records)
		for _, pr := range report.Problems {
			state := "found"
			if pr.Repaired {
				state = "repaired"
			} else {
				failed = true
			}
			fmt.Fprintf(e.stdout, "%s: %s %s %s: %s\n", name, pr.Kind, state, pr.Path, pr.Detail)
		}
	}
	if failed {
		return exitError{code: exitFailure}
	}
	return nil
}
