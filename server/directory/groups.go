package directory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// racyWindow is how recent a change to groups/ may be for the group list in
// memory to be re-read even though groups/ looks unchanged. A directory's
// modification time moves in steps of the kernel's clock tick, so two
// changes a tick apart, with a scan between them, can leave the same time;
// a scan that began this long after the last change cannot be followed by a
// change with that same time.
const racyWindow = 2 * time.Second

// groupIndex is the group list as last read, with the state of groups/ at
// the time. Every group file is replaced by rename, created by link or
// removed, and each of these changes the modification time of groups/.
type groupIndex struct {
	valid   bool
	dir     os.FileInfo
	scanned time.Time // when the scan began
	list    []Group   // shared: never changed once stored
}

func (f *File) groupPath(name string) string {
	return filepath.Join(f.dir, "groups", encodeName(name)+".toml")
}

// Groups implements Directory.
func (f *File) Groups(ctx context.Context) ([]Group, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	list, err := f.loadGroups()
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(list))
	for i, g := range list {
		out[i] = Group{Name: g.Name, Members: slices.Clone(g.Members)}
	}
	return out, nil
}

// Settings implements Directory. The file directory keeps no shared
// settings: it returns the zero Settings (no global Sieve script, no
// default quotas).
func (f *File) Settings(ctx context.Context) (Settings, error) {
	return Settings{}, ctx.Err()
}

// loadGroups returns every group, sorted by name, each with its members
// sorted. The result is shared and must not be changed.
func (f *File) loadGroups() ([]Group, error) {
	start := time.Now()
	dir := filepath.Join(f.dir, "groups")
	info, err := os.Stat(dir)
	if err != nil {
		return nil, f.ioError(err)
	}
	f.mu.Lock()
	g := f.groups
	f.mu.Unlock()
	if g.valid && os.SameFile(info, g.dir) && info.ModTime().Equal(g.dir.ModTime()) &&
		info.Size() == g.dir.Size() && g.dir.ModTime().Before(g.scanned.Add(-racyWindow)) {
		return g.list, nil
	}
	list, err := f.scanGroups(dir)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if !f.groups.valid || !f.groups.scanned.After(start) {
		f.groups = groupIndex{valid: true, dir: info, scanned: start, list: list}
	}
	f.mu.Unlock()
	return list, nil
}

// scanGroups reads every group file.
func (f *File) scanGroups(dir string) ([]Group, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, f.ioError(err)
	}
	var list []Group
	for _, e := range entries {
		enc, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		rec, err := f.readGroupFile(path)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, err
		}
		if encodeName(rec.Name) != enc {
			return nil, fmt.Errorf("%w: %s holds group %q", ErrUnavailable, path, rec.Name)
		}
		list = append(list, Group{Name: rec.Name, Members: rec.Members})
	}
	slices.SortFunc(list, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

// readGroupFile reads and parses a group file: ErrNotFound, ErrUnavailable.
// Members come back sorted.
func (f *File) readGroupFile(path string) (*groupRecord, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, f.ioError(err)
	}
	rec, err := parseGroup(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
	}
	slices.Sort(rec.Members)
	return rec, nil
}

// readGroup reads the group called name: ErrNotFound, ErrUnavailable.
func (f *File) readGroup(name string) (*groupRecord, error) {
	if CheckLogin(name) != nil {
		return nil, fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	path := f.groupPath(name)
	rec, err := f.readGroupFile(path)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	if err != nil {
		return nil, err
	}
	if rec.Name != name {
		return nil, fmt.Errorf("%w: %s holds group %q", ErrUnavailable, path, rec.Name)
	}
	return rec, nil
}

// Group returns the group called name: ErrNotFound, ErrUnavailable.
func (f *File) Group(name string) (*Group, error) {
	rec, err := f.readGroup(name)
	if err != nil {
		return nil, err
	}
	return &Group{Name: rec.Name, Members: rec.Members}, nil
}

// checkMembers validates login names for a group and returns them sorted
// without duplicates. Each must be an existing account: ErrInvalid,
// ErrNotFound (naming the login), ErrUnavailable.
func (f *File) checkMembers(members []string) ([]string, error) {
	out := make([]string, 0, len(members))
	for _, m := range members {
		if err := CheckLogin(m); err != nil {
			return nil, err
		}
		if slices.Contains(out, m) {
			continue
		}
		if _, err := f.readUser(m); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("%w: member %q", ErrNotFound, m)
			}
			return nil, err
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}

// AddGroup creates a group with the given members, each an existing login
// name. Errors: ErrInvalid (a bad group or login name), ErrNotFound (a
// member that is no account), ErrExists (the group exists), ErrUnavailable.
func (f *File) AddGroup(name string, members []string) error {
	if err := CheckLogin(name); err != nil {
		return err
	}
	ms, err := f.checkMembers(members)
	if err != nil {
		return err
	}
	data, err := encodeGroup(&groupRecord{Name: name, Members: ms})
	if err != nil {
		return err
	}
	created, err := f.createExclusive(f.groupPath(name), data)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%w: group %q", ErrExists, name)
	}
	f.invalidateGroups()
	return nil
}

// DeleteGroup removes a group: ErrNotFound, ErrUnavailable.
func (f *File) DeleteGroup(name string) error {
	if CheckLogin(name) != nil {
		return fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	err := f.removeFile(f.groupPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	f.invalidateGroups()
	return err
}

// SetGroupMembers replaces the members of a group. Errors as AddGroup, and
// ErrNotFound when the group does not exist.
func (f *File) SetGroupMembers(name string, members []string) error {
	ms, err := f.checkMembers(members)
	if err != nil {
		return err
	}
	return f.editGroup(name, func(*groupRecord) ([]string, error) { return ms, nil })
}

// AddGroupMembers adds accounts to a group; members already in it stay.
// Errors as SetGroupMembers.
func (f *File) AddGroupMembers(name string, logins ...string) error {
	add, err := f.checkMembers(logins)
	if err != nil {
		return err
	}
	return f.editGroup(name, func(rec *groupRecord) ([]string, error) {
		ms := slices.Clone(rec.Members)
		for _, m := range add {
			if !slices.Contains(ms, m) {
				ms = append(ms, m)
			}
		}
		return ms, nil
	})
}

// RemoveGroupMembers removes accounts from a group; a login name that is
// not a member is ignored. Errors: ErrNotFound (no such group),
// ErrUnavailable.
func (f *File) RemoveGroupMembers(name string, logins ...string) error {
	return f.editGroup(name, func(rec *groupRecord) ([]string, error) {
		return slices.DeleteFunc(slices.Clone(rec.Members), func(m string) bool {
			return slices.Contains(logins, m)
		}), nil
	})
}

// editGroup replaces a group's members with what fn returns from the
// current record. Two processes that edit one group at once: the last
// write wins.
func (f *File) editGroup(name string, fn func(*groupRecord) ([]string, error)) error {
	rec, err := f.readGroup(name)
	if err != nil {
		return err
	}
	ms, err := fn(rec)
	if err != nil {
		return err
	}
	slices.Sort(ms)
	if slices.Equal(ms, rec.Members) {
		return nil
	}
	data, err := encodeGroup(&groupRecord{Name: name, Members: ms})
	if err != nil {
		return err
	}
	if err := f.replaceFile(f.groupPath(name), data); err != nil {
		return err
	}
	f.invalidateGroups()
	return nil
}

// invalidateGroups makes the next lookup re-read the groups, so that this
// process sees its own change at once whatever the clock says.
func (f *File) invalidateGroups() {
	f.mu.Lock()
	f.groups = groupIndex{}
	f.mu.Unlock()
}
