package directory

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// UserSpec describes a new account for AddUser.
type UserSpec struct {
	// Login is the login name; see CheckLogin.
	Login string
	// Password is the password in clear; only its hash and SCRAM
	// credentials are stored. An
	// empty password makes an account that cannot log in (mail is still
	// delivered to it).
	Password string
	// Addresses are the account's addresses, the primary one first. Each
	// is stored in canonical form (see CanonicalAddress); duplicates are
	// dropped.
	Addresses []string
	// QuotaStorage is in octets and QuotaMessages in messages; 0 means no
	// limit, a negative value is ErrInvalid.
	QuotaStorage  int64
	QuotaMessages int64
	// Disabled accounts cannot log in.
	Disabled bool
}

// check validates the login name, password and quotas of spec (ErrInvalid)
// and returns its addresses in canonical form.
func (spec *UserSpec) check() ([]string, error) {
	if err := CheckLogin(spec.Login); err != nil {
		return nil, err
	}
	if spec.Password != "" {
		if err := checkPassword(spec.Password); err != nil {
			return nil, err
		}
	}
	if err := checkQuota(spec.QuotaStorage, spec.QuotaMessages); err != nil {
		return nil, err
	}
	return canonicalList(spec.Addresses)
}

// UserChange holds the fields of an account that UpdateUser may change.
type UserChange struct {
	Addresses     []string
	QuotaStorage  int64
	QuotaMessages int64
	Disabled      bool
}

// edit lets fn change ch, checks the quotas (ErrInvalid) and returns the
// addresses in canonical form. An error from fn is returned as it is.
func (ch *UserChange) edit(fn func(*UserChange) error) ([]string, error) {
	if err := fn(ch); err != nil {
		return nil, err
	}
	if err := checkQuota(ch.QuotaStorage, ch.QuotaMessages); err != nil {
		return nil, err
	}
	return canonicalList(ch.Addresses)
}

// canonicalList canonicalizes addresses and drops duplicates, keeping the
// first of each.
func canonicalList(addresses []string) ([]string, error) {
	out := make([]string, 0, len(addresses))
	for _, a := range addresses {
		c, err := CanonicalAddress(a)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func checkQuota(storage, messages int64) error {
	if storage < 0 || messages < 0 {
		return fmt.Errorf("%w: negative quota", ErrInvalid)
	}
	return nil
}

// precheckAddresses returns ErrExists, naming the address and its owner,
// when another account validly owns one of the addresses. It runs before
// anything is written, so that the common conflict changes nothing; the
// claims made afterwards decide the races it cannot see.
func (f *File) precheckAddresses(login string, addresses []string) error {
	for _, a := range addresses {
		owner, err := f.heldByOther(a, login)
		if err != nil {
			return err
		}
		if owner != "" {
			return fmt.Errorf("%w: address %s belongs to %q", ErrExists, a, owner)
		}
	}
	return nil
}

// AddUser creates an account and claims its addresses. Errors: ErrInvalid
// (login name, password, address or quota), ErrExists (the login name, or
// an address another account owns; then nothing is created),
// ErrUnavailable.
//
// The account's file is written first, listing its addresses, and the
// addresses are claimed after it; see the package documentation.
func (f *File) AddUser(spec UserSpec) error {
	addrs, err := spec.check()
	if err != nil {
		return err
	}
	if _, err := f.readUser(spec.Login); err == nil {
		return fmt.Errorf("%w: user %q", ErrExists, spec.Login)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := f.precheckAddresses(spec.Login, addrs); err != nil {
		return err
	}
	rec := &userRecord{
		Login:         spec.Login,
		Addresses:     addrs,
		QuotaStorage:  spec.QuotaStorage,
		QuotaMessages: spec.QuotaMessages,
		Disabled:      spec.Disabled,
	}
	if spec.Password != "" {
		if err := f.setPassword(rec, spec.Password); err != nil {
			return err
		}
	}
	data, err := encodeUser(rec)
	if err != nil {
		return err
	}
	path := f.userPath(spec.Login)
	created, err := f.createExclusive(path, data)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%w: user %q", ErrExists, spec.Login)
	}
	var claimed []string
	for _, a := range addrs {
		if err := f.claimAddress(a, spec.Login); err != nil {
			// Undo: without its file the account's claims are stale;
			// releasing them is tidiness.
			if rerr := f.removeFile(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				return errors.Join(err, rerr)
			}
			f.forgetUser(spec.Login)
			for _, c := range claimed {
				f.releaseAddress(c, spec.Login)
			}
			return err
		}
		claimed = append(claimed, a)
	}
	return nil
}

// SetPassword replaces the password of an account: ErrInvalid (an empty or
// too long password), ErrNotFound, ErrUnavailable.
func (f *File) SetPassword(login, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	old, err := f.readAdmin(login)
	if err != nil {
		return err
	}
	rec := old.clone()
	if err := f.setPassword(rec, password); err != nil {
		return err
	}
	return f.writeUser(rec)
}

// UpdateUser changes an account: fn gets the current values and changes
// them in place; an error from fn is returned as it is and changes
// nothing. Addresses added are claimed, addresses removed are released.
// Errors: ErrInvalid (a bad address or quota), ErrNotFound, ErrExists (an
// added address belongs to another account; the account is then left as
// it was), ErrUnavailable.
//
// Two processes that change one account at once: the last write wins.
func (f *File) UpdateUser(login string, fn func(*UserChange) error) error {
	old, err := f.readAdmin(login)
	if err != nil {
		return err
	}
	ch := UserChange{
		Addresses:     slices.Clone(old.Addresses),
		QuotaStorage:  old.QuotaStorage,
		QuotaMessages: old.QuotaMessages,
		Disabled:      old.Disabled,
	}
	addrs, err := ch.edit(fn)
	if err != nil {
		return err
	}
	// The addresses to claim: new ones, and listed ones whose claim is not
	// login's (left so by a crash).
	var toClaim []string
	for _, a := range addrs {
		owner, _, err := f.claimOwner(a)
		if err != nil {
			return err
		}
		if owner != login || !old.lists(a) {
			toClaim = append(toClaim, a)
		}
	}
	var added []string
	for _, a := range toClaim {
		if !old.lists(a) {
			added = append(added, a)
		}
	}
	if err := f.precheckAddresses(login, added); err != nil {
		return err
	}
	rec := old.clone()
	rec.Addresses = addrs
	rec.QuotaStorage, rec.QuotaMessages, rec.Disabled = ch.QuotaStorage, ch.QuotaMessages, ch.Disabled
	if err := f.writeUser(rec); err != nil {
		return err
	}
	var claimed, lost []string
	for _, a := range toClaim {
		err := f.claimAddress(a, login)
		switch {
		case err == nil:
			claimed = append(claimed, a)
		case errors.Is(err, ErrExists) && old.lists(a):
			// Listed before, but another account owns it: the listing
			// was wrong, and is corrected below.
			lost = append(lost, a)
		default:
			if rerr := f.writeUser(old.clone()); rerr != nil {
				return errors.Join(err, rerr)
			}
			for _, c := range claimed {
				if !old.lists(c) {
					f.releaseAddress(c, login)
				}
			}
			return err
		}
	}
	if len(lost) > 0 {
		rec.Addresses = slices.DeleteFunc(rec.Addresses, func(a string) bool { return slices.Contains(lost, a) })
		if err := f.writeUser(rec); err != nil {
			return err
		}
	}
	for _, a := range old.Addresses {
		if !slices.Contains(addrs, a) {
			f.releaseAddress(a, login)
		}
	}
	return nil
}

// SetAddresses replaces the addresses of an account, as UpdateUser.
func (f *File) SetAddresses(login string, addresses []string) error {
	return f.UpdateUser(login, func(c *UserChange) error {
		c.Addresses = addresses
		return nil
	})
}

// SetQuota sets the quotas of an account (octets and messages, 0 = no
// limit), as UpdateUser.
func (f *File) SetQuota(login string, storage, messages int64) error {
	return f.UpdateUser(login, func(c *UserChange) error {
		c.QuotaStorage, c.QuotaMessages = storage, messages
		return nil
	})
}

// SetEnabled enables or disables an account, as UpdateUser.
func (f *File) SetEnabled(login string, enabled bool) error {
	return f.UpdateUser(login, func(c *UserChange) error {
		c.Disabled = !enabled
		return nil
	})
}

// DeleteUser removes an account, releases its addresses and removes it from
// every group: ErrInvalid, ErrNotFound, ErrUnavailable. The account is gone
// once its file is removed; an error after that (from a group that could
// not be rewritten) says so.
func (f *File) DeleteUser(login string) error {
	rec, err := f.readAdmin(login)
	if err != nil {
		return err
	}
	if err := f.removeFile(f.userPath(login)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: user %q", ErrNotFound, login)
		}
		return err
	}
	f.forgetUser(login)
	for _, a := range rec.Addresses {
		// A claim that stays behind is stale and harmless.
		f.releaseAddress(a, login)
	}
	groups, err := f.loadGroups()
	if err != nil {
		return fmt.Errorf("user %q deleted, but its groups could not be read: %w", login, err)
	}
	for _, g := range groups {
		if !slices.Contains(g.Members, login) {
			continue
		}
		err := f.RemoveGroupMembers(g.Name, login)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("user %q deleted, but not removed from group %q: %w", login, g.Name, err)
		}
	}
	return nil
}

// readAdmin reads an account's record for an administrative change: a
// login name that is not valid is ErrInvalid, an absent one ErrNotFound.
func (f *File) readAdmin(login string) (*userRecord, error) {
	if err := CheckLogin(login); err != nil {
		return nil, err
	}
	rec, err := f.readUser(login)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: user %q", ErrNotFound, login)
	}
	return rec, err
}

// writeUser replaces an account's file with rec.
func (f *File) writeUser(rec *userRecord) error {
	data, err := encodeUser(rec)
	if err != nil {
		return err
	}
	return f.replaceFile(f.userPath(rec.Login), data)
}
