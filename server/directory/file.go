package directory

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// formatMarker is the content of DIR/format.
const formatMarker = "loft-directory 1\n"

// File is the file backend of Directory: one directory on disk (see the
// package documentation for its layout), shared without locks by the
// running servers and by any number of `loft adm` processes. A File is safe
// for concurrent use by many goroutines.
//
// Every lookup reads the account's file from disk, so a change made by any
// process is seen by the next lookup; what File keeps in memory (parsed
// files, address claims, the group list) only saves parsing and is checked
// against the disk before it is used.
type File struct {
	dir    string
	params argonParams
	// slots bounds the password hashes computed at once, and so the
	// memory they take (argon2id uses params.memory KiB each).
	slots chan struct{}

	dummyOnce sync.Once
	dummy     string
	dummyErr  error

	secret []byte // see scramSecret; guarded by mu

	mu     sync.Mutex
	users  map[string]cachedUser  // by login
	claims map[string]cachedClaim // by canonical address
	groups groupIndex
}

// cachedUser is a user file as last read: its octets and their parse.
type cachedUser struct {
	raw []byte
	rec *userRecord // shared: never changed once cached
}

var _ Directory = (*File)(nil)

// OpenFile opens the file directory in dir (DATA/directory), creating it if
// it does not exist. It fails with ErrInvalid when dir holds something other
// than a Loft file directory, and with ErrUnavailable when dir cannot be
// created or read.
func OpenFile(dir string) (*File, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory path", ErrInvalid)
	}
	f := &File{
		dir:    dir,
		params: defaultArgon,
		slots:  make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		users:  make(map[string]cachedUser),
		claims: make(map[string]cachedClaim),
	}
	for _, sub := range []string{"", "users", "groups", "addresses", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), dirMode); err != nil {
			return nil, f.ioError(err)
		}
	}
	marker := filepath.Join(dir, "format")
	data, err := os.ReadFile(marker)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := f.createExclusive(marker, []byte(formatMarker)); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(marker)
	}
	if err != nil {
		return nil, f.ioError(err)
	}
	if string(data) != formatMarker {
		return nil, fmt.Errorf("%w: %s is not a Loft file directory of format 1", ErrInvalid, dir)
	}
	f.removeStaleTemps(time.Now())
	return f, nil
}

// Close releases what f keeps in memory. f must not be used afterwards.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = make(map[string]cachedUser)
	f.claims = make(map[string]cachedClaim)
	f.groups = groupIndex{}
	return nil
}

func (f *File) userPath(login string) string {
	return filepath.Join(f.dir, "users", encodeName(login)+".toml")
}

// readUser reads the user file of login from disk: ErrNotFound,
// ErrUnavailable. The record returned is shared and must not be changed;
// use clone.
func (f *File) readUser(login string) (*userRecord, error) {
	path := f.userPath(login)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		f.forgetUser(login) // deleted, maybe by another process
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, f.ioError(err)
	}
	f.mu.Lock()
	c, ok := f.users[login]
	f.mu.Unlock()
	if ok && bytes.Equal(c.raw, data) {
		return c.rec, nil
	}
	rec, err := parseUser(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
	}
	if rec.Login != login {
		return nil, fmt.Errorf("%w: %s holds login %q", ErrUnavailable, path, rec.Login)
	}
	f.mu.Lock()
	f.users[login] = cachedUser{raw: data, rec: rec}
	f.mu.Unlock()
	return rec, nil
}

// forgetUser drops the cached file of login.
func (f *File) forgetUser(login string) {
	f.mu.Lock()
	delete(f.users, login)
	f.mu.Unlock()
}

// account builds the Account of a record: the addresses it lists that
// resolve to it, and the groups it is in.
func (f *File) account(rec *userRecord, groups []Group) (*Account, error) {
	a := &Account{
		Login:         rec.Login,
		Addresses:     make([]string, 0, len(rec.Addresses)),
		QuotaStorage:  rec.QuotaStorage,
		QuotaMessages: rec.QuotaMessages,
		Enabled:       !rec.Disabled,
		Groups:        []string{},
	}
	for _, addr := range rec.Addresses {
		owner, _, err := f.claimOwner(addr)
		if err != nil {
			return nil, err
		}
		if owner == rec.Login {
			a.Addresses = append(a.Addresses, addr)
		}
	}
	for _, g := range groups {
		if slices.Contains(g.Members, rec.Login) {
			a.Groups = append(a.Groups, g.Name)
		}
	}
	return a, nil
}

// accountOf is account with the current group list.
func (f *File) accountOf(rec *userRecord) (*Account, error) {
	groups, err := f.loadGroups()
	if err != nil {
		return nil, err
	}
	return f.account(rec, groups)
}

// Authenticate implements Directory. The password is compared with the
// stored hash; for an unknown login name a hash of the same cost is
// computed all the same.
func (f *File) Authenticate(ctx context.Context, login, password string) (*Account, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, ErrAuthFailed
	}
	var rec *userRecord
	if CheckLogin(login) == nil && len(password) <= MaxPasswordLen {
		r, err := f.readUser(login)
		switch {
		case err == nil:
			rec = r
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	hash := ""
	if rec != nil {
		hash = rec.Password
	}
	if hash == "" {
		dummy, err := f.dummyHash()
		if err != nil {
			return nil, err
		}
		hash = dummy
	}
	ok, err := f.verify(ctx, hash, password)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: password hash of %q: %v", ErrUnavailable, login, err)
	}
	if rec == nil || rec.Password == "" || !ok {
		return nil, ErrAuthFailed
	}
	if rec.Disabled {
		return nil, fmt.Errorf("%w: account %q is disabled", ErrAuthFailed, login)
	}
	return f.accountOf(rec)
}

// verify runs verifyPassword in one of f's hashing slots.
func (f *File) verify(ctx context.Context, hash, password string) (bool, error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-f.slots }()
	return verifyPassword(hash, password)
}

// hash runs hashPassword in one of f's hashing slots.
func (f *File) hash(password string) (string, error) {
	f.slots <- struct{}{}
	defer func() { <-f.slots }()
	return hashPassword(f.params, password)
}

// dummyHash returns a hash with f's parameters that no password matches:
// a random key under a random salt. Verifying against it costs what
// verifying a real hash costs.
func (f *File) dummyHash() (string, error) {
	f.dummyOnce.Do(func() {
		b := make([]byte, argonSaltLen+argonKeyLen)
		if _, err := rand.Read(b); err != nil {
			f.dummyErr = fmt.Errorf("%w: reading random bytes: %v", ErrUnavailable, err)
			return
		}
		f.dummy = formatArgon(f.params, b[:argonSaltLen], b[argonSaltLen:])
	})
	return f.dummy, f.dummyErr
}

// LookupLogin implements Directory.
func (f *File) LookupLogin(ctx context.Context, login string) (*Account, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.User(login)
}

// User returns the account with that login name: ErrNotFound,
// ErrUnavailable. It is LookupLogin without a context.
func (f *File) User(login string) (*Account, error) {
	if CheckLogin(login) != nil {
		return nil, ErrNotFound
	}
	rec, err := f.readUser(login)
	if err != nil {
		return nil, err
	}
	return f.accountOf(rec)
}

// LookupAddress implements Directory. The address resolves when its claim
// names an account whose file lists it.
func (f *File) LookupAddress(ctx context.Context, address string) (*Account, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addr, err := CanonicalAddress(address)
	if err != nil {
		return nil, ErrNotFound
	}
	owner, _, err := f.claimOwner(addr)
	if err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, ErrNotFound
	}
	rec, err := f.readUser(owner)
	if err != nil {
		return nil, err
	}
	if !rec.lists(addr) {
		return nil, ErrNotFound
	}
	return f.accountOf(rec)
}

// Users returns every account, sorted by login name: ErrUnavailable.
func (f *File) Users() ([]Account, error) {
	dir := filepath.Join(f.dir, "users")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, f.ioError(err)
	}
	groups, err := f.loadGroups()
	if err != nil {
		return nil, err
	}
	var accounts []Account
	for _, e := range entries {
		enc, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, f.ioError(err)
		}
		rec, err := parseUser(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
		}
		if encodeName(rec.Login) != enc {
			return nil, fmt.Errorf("%w: %s holds login %q", ErrUnavailable, path, rec.Login)
		}
		a, err := f.account(rec, groups)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, *a)
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].Login < accounts[j].Login })
	return accounts, nil
}
