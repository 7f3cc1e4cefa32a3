package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Admin is what `loft adm` changes in a directory; File and LDAP implement
// it. The methods have the meaning File's documentation gives them; LDAP's
// documentation says where it differs.
type Admin interface {
	Directory
	User(login string) (*Account, error)
	Users() ([]Account, error)
	AddUser(spec UserSpec) error
	SetPassword(login, password string) error
	UpdateUser(login string, fn func(*UserChange) error) error
	DeleteUser(login string) error
	Group(name string) (*Group, error)
	AddGroup(name string, members []string) error
	DeleteGroup(name string) error
	AddGroupMembers(name string, logins ...string) error
	RemoveGroupMembers(name string, logins ...string) error
}

var (
	_ Admin = (*File)(nil)
	_ Admin = (*LDAP)(nil)
)

// adminEntry is an account's entry read for a change: its DN, object
// classes and account, bypassing the cache.
type adminEntry struct {
	dn      string
	classes []string
	acct    *Account
	raw     *ldap.Entry
}

// readAdmin reads the entry of login from the server: ErrInvalid (not a
// login name), ErrNotFound, ErrUnavailable.
func (d *LDAP) readAdmin(ctx context.Context, login string) (*adminEntry, error) {
	if err := CheckLogin(login); err != nil {
		return nil, err
	}
	le, err := d.findLogin(ctx, login, append(d.userAttrs(), "objectClass"))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: user %q", ErrNotFound, login)
	}
	if err != nil {
		return nil, err
	}
	e, err := d.entry(ctx, le)
	if err != nil {
		return nil, err
	}
	return &adminEntry{dn: e.dn, classes: le.GetAttributeValues("objectClass"), acct: e.acct, raw: le}, nil
}

// userDN is the DN of a provisioned account: LoginAttr=login,UserBase.
func (d *LDAP) userDN(login string) string {
	return d.o.LoginAttr + "=" + ldap.EscapeDN(login) + "," + d.o.UserBase
}

// groupDN is the DN of a provisioned group: GroupNameAttr=name,GroupBase.
func (d *LDAP) groupDN(name string) string {
	return d.o.GroupNameAttr + "=" + ldap.EscapeDN(name) + "," + d.o.GroupBase
}

// modify runs one change as the service account and maps its result:
// entryAlreadyExists and constraintViolation (a unique overlay) to
// ErrExists, noSuchObject to ErrNotFound, the answers about the request's
// content to ErrInvalid, the rest to ErrUnavailable.
func (d *LDAP) modify(ctx context.Context, what string, fn func(*ldap.Conn) error) error {
	err := d.search.do(ctx, fn)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case ldap.IsErrorAnyOf(err, ldap.LDAPResultEntryAlreadyExists, ldap.LDAPResultConstraintViolation):
		return fmt.Errorf("%w: %s: %s", ErrExists, what, ldapResult(err))
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return fmt.Errorf("%w: %s: %s", ErrNotFound, what, ldapResult(err))
	case ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidAttributeSyntax, ldap.LDAPResultObjectClassViolation,
		ldap.LDAPResultNamingViolation, ldap.LDAPResultUndefinedAttributeType, ldap.LDAPResultInvalidDNSyntax,
		ldap.LDAPResultAttributeOrValueExists, ldap.LDAPResultNoSuchAttribute):
		return fmt.Errorf("%w: %s: %s", ErrInvalid, what, ldapResult(err))
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// precheckAddresses returns ErrExists when an entry other than login's
// holds one of the addresses. LDAP has no exclusive operation to make
// this check and the change one step; a directory that must never hold an
// address twice enforces it with slapd's unique overlay on the address
// attributes, whose constraintViolation becomes ErrExists. Lookups refuse
// (ErrUnavailable) an address that two entries hold.
func (d *LDAP) precheckAddresses(ctx context.Context, login string, addresses []string) error {
	for _, a := range addresses {
		entries, err := d.searchUsers(ctx, fillFilter(d.o.AddressFilter, a))
		if err != nil {
			return err
		}
		for _, le := range entries {
			if owner := le.GetAttributeValue(d.o.LoginAttr); owner != login {
				return fmt.Errorf("%w: address %s belongs to %q", ErrExists, a, owner)
			}
		}
	}
	return nil
}

// addressValues splits addresses over the address attributes: the primary
// one in the first, the others in the second (or the first).
func (d *LDAP) addressValues(addrs []string) map[string][]string {
	vals := map[string][]string{}
	for _, a := range d.o.AddressAttrs {
		vals[a] = []string{}
	}
	first := d.o.AddressAttrs[0]
	rest := first
	if len(d.o.AddressAttrs) > 1 {
		rest = d.o.AddressAttrs[1]
	}
	for i, a := range addrs {
		if i == 0 {
			vals[first] = append(vals[first], a)
		} else {
			vals[rest] = append(vals[rest], a)
		}
	}
	return vals
}

// AddUser creates an account's entry, LoginAttr=login,UserBase, with the
// object classes UserObjectClasses, cn and sn set to the login name, its
// addresses, a quota attribute for each quota that is not 0 (so that an
// account given no quota gets the settings entry's default), and
// EnabledAttr FALSE when it is disabled. The password is then set with the
// Password Modify operation (RFC 3062), so that the LDAP server hashes it
// as it is configured to; if that fails the entry is removed again.
// Errors as File.AddUser.
func (d *LDAP) AddUser(spec UserSpec) error {
	ctx := context.Background()
	addrs, err := spec.check()
	if err != nil {
		return err
	}
	if _, err := d.readAdmin(ctx, spec.Login); err == nil {
		return fmt.Errorf("%w: user %q", ErrExists, spec.Login)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := d.precheckAddresses(ctx, spec.Login, addrs); err != nil {
		return err
	}
	dn := d.userDN(spec.Login)
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", d.o.UserObjectClasses)
	req.Attribute(d.o.LoginAttr, []string{spec.Login})
	req.Attribute("cn", []string{spec.Login})
	req.Attribute("sn", []string{spec.Login})
	vals := d.addressValues(addrs)
	for _, attr := range d.o.AddressAttrs {
		if len(vals[attr]) > 0 {
			req.Attribute(attr, vals[attr])
		}
	}
	if spec.QuotaStorage != 0 && d.o.QuotaStorageAttr != "" {
		req.Attribute(d.o.QuotaStorageAttr, []string{strconv.FormatInt(spec.QuotaStorage, 10)})
	}
	if spec.QuotaMessages != 0 && d.o.QuotaMessagesAttr != "" {
		req.Attribute(d.o.QuotaMessagesAttr, []string{strconv.FormatInt(spec.QuotaMessages, 10)})
	}
	if spec.Disabled && d.o.EnabledAttr != "" {
		req.Attribute(d.o.EnabledAttr, []string{"FALSE"})
	}
	what := fmt.Sprintf("user %q", spec.Login)
	if err := d.modify(ctx, what, func(c *ldap.Conn) error { return c.Add(req) }); err != nil {
		return err
	}
	d.cache.forget(spec.Login)
	if spec.Password == "" {
		return nil
	}
	if err := d.setPassword(ctx, dn, spec.Password, what); err != nil {
		if derr := d.modify(ctx, what, func(c *ldap.Conn) error { return c.Del(ldap.NewDelRequest(dn, nil)) }); derr != nil {
			return errors.Join(err, fmt.Errorf("removing the entry again: %w", derr))
		}
		return err
	}
	return nil
}

// setPassword sets the password of dn with the Password Modify operation
// (RFC 3062 §2), as the service account.
func (d *LDAP) setPassword(ctx context.Context, dn, password, what string) error {
	return d.modify(ctx, what+": password", func(c *ldap.Conn) error {
		_, err := c.PasswordModify(ldap.NewPasswordModifyRequest(dn, "", password))
		return err
	})
}

// SetPassword sets an account's password with the Password Modify
// operation (RFC 3062): ErrInvalid, ErrNotFound, ErrUnavailable.
func (d *LDAP) SetPassword(login, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	ctx := context.Background()
	e, err := d.readAdmin(ctx, login)
	if err != nil {
		return err
	}
	return d.setPassword(ctx, e.dn, password, fmt.Sprintf("user %q", login))
}

// UpdateUser changes an account's entry as File.UpdateUser does; only the
// attributes whose values change are written. A quota of an entry that
// sets none reads as the default; it is written only when changed. The
// object class loftAccount (the last of UserObjectClasses) is added to an
// entry that lacks it when an attribute of it is written.
func (d *LDAP) UpdateUser(login string, fn func(*UserChange) error) error {
	ctx := context.Background()
	e, err := d.readAdmin(ctx, login)
	if err != nil {
		return err
	}
	old := UserChange{
		Addresses:     slices.Clone(e.acct.Addresses),
		QuotaStorage:  e.acct.QuotaStorage,
		QuotaMessages: e.acct.QuotaMessages,
		Disabled:      !e.acct.Enabled,
	}
	ch := old
	ch.Addresses = slices.Clone(old.Addresses)
	addrs, err := ch.edit(fn)
	if err != nil {
		return err
	}
	req := ldap.NewModifyRequest(e.dn, nil)
	if !slices.Equal(addrs, old.Addresses) {
		var added []string
		for _, a := range addrs {
			if !slices.Contains(old.Addresses, a) {
				added = append(added, a)
			}
		}
		if err := d.precheckAddresses(ctx, login, added); err != nil {
			return err
		}
		vals := d.addressValues(addrs)
		for _, attr := range d.o.AddressAttrs {
			if len(vals[attr]) > 0 || len(e.raw.GetAttributeValues(attr)) > 0 {
				req.Replace(attr, vals[attr])
			}
		}
	}
	if ch.QuotaStorage != old.QuotaStorage && d.o.QuotaStorageAttr != "" {
		req.Replace(d.o.QuotaStorageAttr, []string{strconv.FormatInt(ch.QuotaStorage, 10)})
	}
	if ch.QuotaMessages != old.QuotaMessages && d.o.QuotaMessagesAttr != "" {
		req.Replace(d.o.QuotaMessagesAttr, []string{strconv.FormatInt(ch.QuotaMessages, 10)})
	}
	if ch.Disabled != old.Disabled && d.o.EnabledAttr != "" {
		req.Replace(d.o.EnabledAttr, []string{strings.ToUpper(strconv.FormatBool(!ch.Disabled))})
	}
	if len(req.Changes) == 0 {
		return nil
	}
	aux := d.o.UserObjectClasses[len(d.o.UserObjectClasses)-1]
	if !slices.ContainsFunc(e.classes, func(c string) bool { return strings.EqualFold(c, aux) }) {
		req.Add("objectClass", []string{aux})
	}
	err = d.modify(ctx, fmt.Sprintf("user %q", login), func(c *ldap.Conn) error { return c.Modify(req) })
	d.cache.forget(login)
	return err
}

// DeleteUser removes an account's entry, after removing it from the
// groups whose member attribute names it. A group of which it was the
// last member is removed with it: a groupOfNames must have a member (RFC
// 4519 §3.5). Errors: ErrInvalid, ErrNotFound, ErrUnavailable.
func (d *LDAP) DeleteUser(login string) error {
	ctx := context.Background()
	e, err := d.readAdmin(ctx, login)
	if err != nil {
		return err
	}
	groups, err := d.searchEntries(ctx, d.o.GroupBase, ldap.ScopeWholeSubtree,
		"(&"+d.o.GroupFilter+"("+d.o.GroupMemberAttr+"="+ldap.EscapeFilter(e.dn)+"))",
		[]string{d.o.GroupNameAttr, d.o.GroupMemberAttr})
	if err != nil {
		return err
	}
	for _, g := range groups {
		what := fmt.Sprintf("group %q", g.GetAttributeValue(d.o.GroupNameAttr))
		var err error
		if len(g.GetAttributeValues(d.o.GroupMemberAttr)) <= 1 {
			err = d.modify(ctx, what, func(c *ldap.Conn) error { return c.Del(ldap.NewDelRequest(g.DN, nil)) })
		} else {
			req := ldap.NewModifyRequest(g.DN, nil)
			req.Delete(d.o.GroupMemberAttr, []string{e.dn})
			err = d.modify(ctx, what, func(c *ldap.Conn) error { return c.Modify(req) })
		}
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalid) {
			return fmt.Errorf("user %q not deleted: %w", login, err)
		}
	}
	err = d.modify(ctx, fmt.Sprintf("user %q", login), func(c *ldap.Conn) error { return c.Del(ldap.NewDelRequest(e.dn, nil)) })
	d.cache.forget(login)
	return err
}

// User returns the account with that login name, read from the server
// (not the cache): ErrNotFound, ErrUnavailable.
func (d *LDAP) User(login string) (*Account, error) {
	if CheckLogin(login) != nil {
		return nil, ErrNotFound
	}
	e, err := d.readAdmin(context.Background(), login)
	if err != nil {
		return nil, err
	}
	return e.acct, nil
}

// Users returns every account that UserFilter, with "*" for its value,
// finds under UserBase, sorted by login name: ErrUnavailable.
func (d *LDAP) Users() ([]Account, error) {
	ctx := context.Background()
	entries, err := d.searchUsers(ctx, strings.ReplaceAll(d.o.UserFilter, "%s", "*"))
	if err != nil {
		return nil, err
	}
	accounts := make([]Account, 0, len(entries))
	for _, le := range entries {
		e, err := d.entry(ctx, le)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, *e.acct)
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].Login < accounts[j].Login })
	return accounts, nil
}

// groupEntry finds the entry of the group called name.
func (d *LDAP) groupEntry(ctx context.Context, name string) (*ldap.Entry, error) {
	if CheckLogin(name) != nil {
		return nil, fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	filter := "(&" + d.o.GroupFilter + fillFilter("("+d.o.GroupNameAttr+"=%s)", name) + ")"
	entries, err := d.searchEntries(ctx, d.o.GroupBase, ldap.ScopeWholeSubtree, filter,
		[]string{d.o.GroupNameAttr, d.o.GroupMemberAttr})
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.GetAttributeValue(d.o.GroupNameAttr) == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: group %q", ErrNotFound, name)
}

// Group returns the group called name: ErrNotFound, ErrUnavailable.
func (d *LDAP) Group(name string) (*Group, error) {
	ctx := context.Background()
	ge, err := d.groupEntry(ctx, name)
	if err != nil {
		return nil, err
	}
	return d.group(ctx, ge)
}

// memberDNs returns the DNs of the accounts named, each of which must
// exist: ErrInvalid, ErrNotFound (naming the login), ErrUnavailable.
func (d *LDAP) memberDNs(ctx context.Context, logins []string) ([]string, error) {
	var dns []string
	for _, m := range logins {
		e, err := d.readAdmin(ctx, m)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(dns, e.dn) {
			dns = append(dns, e.dn)
		}
	}
	return dns, nil
}

// AddGroup creates a groupOfNames entry, GroupNameAttr=name,GroupBase.
// Errors as File.AddGroup, and ErrInvalid for a group without members: a
// groupOfNames must have one (RFC 4519 §3.5).
func (d *LDAP) AddGroup(name string, members []string) error {
	if err := CheckLogin(name); err != nil {
		return err
	}
	if len(members) == 0 {
		return fmt.Errorf("%w: group %q: an LDAP groupOfNames needs at least one member", ErrInvalid, name)
	}
	ctx := context.Background()
	dns, err := d.memberDNs(ctx, members)
	if err != nil {
		return err
	}
	if _, err := d.groupEntry(ctx, name); err == nil {
		return fmt.Errorf("%w: group %q", ErrExists, name)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	req := ldap.NewAddRequest(d.groupDN(name), nil)
	req.Attribute("objectClass", []string{"groupOfNames"})
	req.Attribute(d.o.GroupNameAttr, []string{name})
	req.Attribute(d.o.GroupMemberAttr, dns)
	err = d.modify(ctx, fmt.Sprintf("group %q", name), func(c *ldap.Conn) error { return c.Add(req) })
	d.cache.clear() // members' cached groups
	return err
}

// DeleteGroup removes a group's entry: ErrNotFound, ErrUnavailable.
func (d *LDAP) DeleteGroup(name string) error {
	ctx := context.Background()
	ge, err := d.groupEntry(ctx, name)
	if err != nil {
		return err
	}
	err = d.modify(ctx, fmt.Sprintf("group %q", name), func(c *ldap.Conn) error { return c.Del(ldap.NewDelRequest(ge.DN, nil)) })
	d.cache.clear()
	return err
}

// AddGroupMembers adds accounts to a group; members already in it stay.
// Errors as File.AddGroupMembers.
func (d *LDAP) AddGroupMembers(name string, logins ...string) error {
	ctx := context.Background()
	dns, err := d.memberDNs(ctx, logins)
	if err != nil {
		return err
	}
	ge, err := d.groupEntry(ctx, name)
	if err != nil {
		return err
	}
	current := ge.GetAttributeValues(d.o.GroupMemberAttr)
	var add []string
	for _, dn := range dns {
		if !slices.ContainsFunc(current, func(c string) bool { return sameDN(c, dn) }) {
			add = append(add, dn)
		}
	}
	if len(add) == 0 {
		return nil
	}
	req := ldap.NewModifyRequest(ge.DN, nil)
	req.Add(d.o.GroupMemberAttr, add)
	err = d.modify(ctx, fmt.Sprintf("group %q", name), func(c *ldap.Conn) error { return c.Modify(req) })
	d.cache.clear()
	return err
}

// RemoveGroupMembers removes accounts from a group; a login name that is
// not a member is ignored. Removing every member is ErrInvalid (a
// groupOfNames must keep one: delete the group instead); ErrNotFound (no
// such group), ErrUnavailable.
func (d *LDAP) RemoveGroupMembers(name string, logins ...string) error {
	ctx := context.Background()
	ge, err := d.groupEntry(ctx, name)
	if err != nil {
		return err
	}
	current := ge.GetAttributeValues(d.o.GroupMemberAttr)
	var remove []string
	for _, m := range current {
		login, err := d.loginOfDN(ctx, m)
		if err != nil {
			return err
		}
		if login != "" && slices.Contains(logins, login) {
			remove = append(remove, m)
		}
	}
	if len(remove) == 0 {
		return nil
	}
	if len(remove) == len(current) {
		return fmt.Errorf("%w: group %q: an LDAP groupOfNames keeps at least one member; delete the group instead", ErrInvalid, name)
	}
	req := ldap.NewModifyRequest(ge.DN, nil)
	req.Delete(d.o.GroupMemberAttr, remove)
	err = d.modify(ctx, fmt.Sprintf("group %q", name), func(c *ldap.Conn) error { return c.Modify(req) })
	d.cache.clear()
	return err
}

// sameDN compares two DNs as LDAP does, ignoring case and spacing.
func sameDN(a, b string) bool {
	pa, err := ldap.ParseDN(a)
	if err != nil {
		return a == b
	}
	pb, err := ldap.ParseDN(b)
	if err != nil {
		return false
	}
	return pa.EqualFold(pb)
}
