package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Sieve script limits and file names (FORMAT.md, "Sieve scripts").
const (
	// MaxSieveNameOctets is the longest script name the store accepts, in
	// octets. RFC 5804 §1.6 requires at least 128 Unicode characters, which
	// take at most 512 octets in UTF-8; longer names are ErrInvalid, never
	// truncated.
	MaxSieveNameOctets = 1024
	sieveDir           = "sieve"
	sieveActive        = "active"
	sieveMagic         = "LOFTSIEVE1 "
)

// SieveScriptInfo describes one stored Sieve script.
type SieveScriptInfo struct {
	Name   string // the script name (RFC 5804 §1.6), UTF-8 in NFC
	Size   int64  // the script's length in octets
	Active bool   // whether it is the account's active script (RFC 5804 §1.4)
}

// CheckSieveName reports whether name is a valid script name (RFC 5804
// §1.6): at least one octet, at most MaxSieveNameOctets, UTF-8 in
// Normalization Form C (Net-Unicode, RFC 5198 §2), without the control
// characters U+0000–U+001F, U+007F–U+009F, or U+2028 and U+2029. Error:
// ErrInvalid with the reason.
func CheckSieveName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty script name", ErrInvalid)
	case len(name) > MaxSieveNameOctets:
		return fmt.Errorf("%w: script name longer than %d octets", ErrInvalid, MaxSieveNameOctets)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: script name is not UTF-8", ErrInvalid)
	}
	for _, r := range name {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return fmt.Errorf("%w: script name contains U+%04X", ErrInvalid, r)
		}
	}
	if !norm.NFC.IsNormalString(name) {
		return fmt.Errorf("%w: script name is not in Unicode Normalization Form C", ErrInvalid)
	}
	return nil
}

// sieveFile returns the file name of the script name: the SHA-256 of the
// name in lowercase hex (a name of 1024 octets does not fit NAME_MAX in any
// reversible encoding; the file's first line gives the name back).
func sieveFile(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// isSieveFile reports whether a directory entry has the shape of a script
// file name (64 lowercase hex digits).
func isSieveFile(s string) bool { return len(s) == 64 && isLowerHex([]byte(s)) }

// marshalSieve returns the content of the file holding script data named
// name: the header line "LOFTSIEVE1 " name LF, then the octets.
func marshalSieve(name string, data []byte) []byte {
	b := make([]byte, 0, len(sieveMagic)+len(name)+1+len(data))
	b = append(b, sieveMagic...)
	b = append(b, name...)
	b = append(b, '\n')
	return append(b, data...)
}

// readSieveHeader reads a script file's header line from r; it returns the
// name and the header's length in octets. A header that does not parse, or
// whose name does not hash to file (when file is not ""), is ErrInvalid.
func readSieveHeader(r io.Reader, file string) (string, int64, error) {
	br := bufio.NewReaderSize(r, len(sieveMagic)+MaxSieveNameOctets+1)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return "", 0, fmt.Errorf("%w: script file without a header line", ErrInvalid)
	}
	name, ok := bytes.CutPrefix(line[:len(line)-1], []byte(sieveMagic))
	if !ok || CheckSieveName(string(name)) != nil {
		return "", 0, fmt.Errorf("%w: bad script file header", ErrInvalid)
	}
	if file != "" && sieveFile(string(name)) != file {
		return "", 0, fmt.Errorf("%w: script file name does not match its header", ErrInvalid)
	}
	return string(name), int64(len(line)), nil
}

// readSieve reads the whole script file at path (following a symbolic link)
// and checks it against file (the name it should have, or "" to take the
// base name of the opened path).
func readSieve(path, file string) (string, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	name, n, err := readSieveHeader(bytes.NewReader(data), file)
	if err != nil {
		return "", nil, err
	}
	return name, data[n:], nil
}

// activeTarget returns the file the active link names, "" when none is
// active.
func (a *Account) activeTarget() (string, error) {
	t, err := os.Readlink(a.path(sieveDir, sieveActive))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return t, err
}

// SieveScripts lists the account's Sieve scripts, sorted by name (octet
// order), with their sizes and which one is active (RFC 5804 §2.7). An
// account without scripts gives an empty list.
func (a *Account) SieveScripts() ([]SieveScriptInfo, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	dir := a.path(sieveDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []SieveScriptInfo{}, nil
	}
	if err != nil {
		return nil, err
	}
	active, err := a.activeTarget()
	if err != nil {
		return nil, err
	}
	out := []SieveScriptInfo{}
	for _, e := range ents {
		if !isSieveFile(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := a.sieveInfo(filepath.Join(dir, e.Name()), e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if errors.Is(err, ErrInvalid) {
			a.s.log.Warn("store: ignoring bad Sieve script file", "path", filepath.Join(dir, e.Name()))
			continue
		}
		if err != nil {
			return nil, err
		}
		info.Active = e.Name() == active
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (a *Account) sieveInfo(path, file string) (SieveScriptInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return SieveScriptInfo{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return SieveScriptInfo{}, err
	}
	name, n, err := readSieveHeader(f, file)
	if err != nil {
		return SieveScriptInfo{}, err
	}
	return SieveScriptInfo{Name: name, Size: fi.Size() - n}, nil
}

// SieveScript returns the octets of the script name (RFC 5804 §2.9).
// Errors: ErrNotFound, ErrInvalid (a bad name).
func (a *Account) SieveScript(name string) ([]byte, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	if err := CheckSieveName(name); err != nil {
		return nil, err
	}
	file := sieveFile(name)
	_, data, err := readSieve(a.path(sieveDir, file), file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: Sieve script %q", ErrNotFound, name)
	}
	return data, err
}

// PutSieveScript stores data as the script name, replacing a script of that
// name (RFC 5804 §2.6); if that script is active, the new octets are active
// from then on. The store does not check the Sieve syntax (the caller
// does) and keeps no quota. The octets are durable when it returns; a
// reader sees the old script or the new one, never a mixture. Errors:
// ErrInvalid (a bad name), ErrNotFound (the account was deleted).
func (a *Account) PutSieveScript(name string, data []byte) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	if err := CheckSieveName(name); err != nil {
		return err
	}
	dir := a.path(sieveDir)
	// Mkdir, not MkdirAll: an account deleted meanwhile must not come
	// back as a directory without its account file.
	switch err := os.Mkdir(dir, 0o750); {
	case err == nil:
		if err := a.s.fs.syncDir(a.dir); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: account %q", ErrNotFound, a.name)
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	if err := a.s.fs.writeRename(a.path("tmp"), filepath.Join(dir, sieveFile(name)), marshalSieve(name, data)); err != nil {
		return err
	}
	return a.s.fs.syncDir(dir)
}

// writeRename writes data to a new named file in tmpDir, syncs it and
// renames it to dst, replacing what dst was: readers see the old file or
// the new one, whole.
func (fsy *fsys) writeRename(tmpDir, dst string, data []byte) error {
	p := filepath.Join(tmpDir, tmpName())
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	defer os.Remove(p) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if !fsy.noSync {
		if err := fdatasync(f); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(p, dst)
}

// DeleteSieveScript deletes the script name (RFC 5804 §2.10). Errors:
// ErrNotFound, ErrActive when it is the active script, ErrInvalid.
func (a *Account) DeleteSieveScript(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	if err := CheckSieveName(name); err != nil {
		return err
	}
	file := sieveFile(name)
	active, err := a.activeTarget()
	if err != nil {
		return err
	}
	if active == file {
		return fmt.Errorf("%w: Sieve script %q", ErrActive, name)
	}
	if err := os.Remove(a.path(sieveDir, file)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: Sieve script %q", ErrNotFound, name)
		}
		return err
	}
	return a.s.fs.syncDir(a.path(sieveDir))
}

// RenameSieveScript renames the script oldName to newName (RFC 5804
// §2.11); an active script stays active under its new name. Errors:
// ErrNotFound (no oldName), ErrExists (newName exists, also when it equals
// oldName), ErrInvalid.
func (a *Account) RenameSieveScript(oldName, newName string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	if err := CheckSieveName(oldName); err != nil {
		return err
	}
	if err := CheckSieveName(newName); err != nil {
		return err
	}
	dir := a.path(sieveDir)
	oldFile, newFile := sieveFile(oldName), sieveFile(newName)
	oldPath := filepath.Join(dir, oldFile)
	_, data, err := readSieve(oldPath, oldFile)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: Sieve script %q", ErrNotFound, oldName)
	}
	if err != nil {
		return err
	}
	if oldName == newName {
		return fmt.Errorf("%w: Sieve script %q", ErrExists, newName)
	}
	// 1. The new name, exclusively: a script of that name is never replaced.
	if err := a.s.fs.writeNew(a.path("tmp"), filepath.Join(dir, newFile), marshalSieve(newName, data)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: Sieve script %q", ErrExists, newName)
		}
		return err
	}
	if err := a.s.fs.syncDir(dir); err != nil {
		return err
	}
	// 2. The active link follows the script.
	if active, err := a.activeTarget(); err != nil {
		return err
	} else if active == oldFile {
		if err := a.setActive(newFile); err != nil {
			return err
		}
	}
	// 3. The old name goes: taken aside by rename, so that a PutSieveScript
	// that replaced it after step 1 is put back rather than lost.
	held := a.path("tmp", tmpName())
	if err := os.Rename(oldPath, held); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted concurrently
		}
		return err
	}
	defer os.Remove(held)
	_, now, err := readSieve(held, oldFile)
	if err == nil && !bytes.Equal(now, data) {
		if err := os.Link(held, oldPath); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	} else if active, err := a.activeTarget(); err != nil {
		return err
	} else if active == oldFile {
		// 4. A SetActiveSieveScript of the old name that passed its
		// checks after step 2 left the link naming the file just taken
		// away: it follows the script too, rather than leaving no script
		// active.
		if err := a.setActive(newFile); err != nil {
			return err
		}
	}
	return a.s.fs.syncDir(dir)
}

// SetActiveSieveScript makes name the active script (RFC 5804 §2.8), or,
// with name "", leaves no script active. The change is one atomic rename:
// a reader sees the previous active script or the new one, never none in
// between and never two. Errors: ErrNotFound, ErrInvalid.
func (a *Account) SetActiveSieveScript(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	if name == "" {
		err := os.Remove(a.path(sieveDir, sieveActive))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return a.s.fs.syncDir(a.path(sieveDir))
	}
	if err := CheckSieveName(name); err != nil {
		return err
	}
	file := sieveFile(name)
	notFound := fmt.Errorf("%w: Sieve script %q", ErrNotFound, name)
	if _, err := os.Lstat(a.path(sieveDir, file)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return notFound
		}
		return err
	}
	if err := a.setActive(file); err != nil {
		return err
	}
	// A concurrent DeleteSieveScript may have removed the script between
	// the check and the link (it saw another script active): the link
	// then names nothing, which means no script is active.
	if _, err := os.Lstat(a.path(sieveDir, file)); errors.Is(err, fs.ErrNotExist) {
		return notFound
	}
	return nil
}

// setActive points the active link at file: a new symbolic link made in
// tmp/ and renamed over sieve/active.
func (a *Account) setActive(file string) error {
	tmp := a.path("tmp", tmpName())
	if err := os.Symlink(file, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, a.path(sieveDir, sieveActive)); err != nil {
		os.Remove(tmp)
		return err
	}
	return a.s.fs.syncDir(a.path(sieveDir))
}

// ActiveSieveScript returns the name and octets of the active script (RFC
// 5804 §1.4), read with one open so that name and octets belong together.
// With no active script it returns "", nil, nil. Errors: I/O errors, and
// an error for a damaged link or script file (which `loft adm check`
// reports).
func (a *Account) ActiveSieveScript() (name string, data []byte, err error) {
	if err := a.s.checkOpen(); err != nil {
		return "", nil, err
	}
	target, err := a.activeTarget()
	if err != nil || target == "" {
		return "", nil, err
	}
	if !isSieveFile(target) {
		// Only damage makes this: the link is never made otherwise.
		return "", nil, fmt.Errorf("store: active Sieve link names %q, not a script file", target)
	}
	name, data, err = readSieve(a.path(sieveDir, sieveActive), "")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil, nil // the link names a deleted script: none is active
	case errors.Is(err, ErrInvalid):
		return "", nil, fmt.Errorf("store: active Sieve script %s: %w", target, err)
	}
	return name, data, err
}

// checkSieve verifies the account's sieve/ directory for Check: every
// entry is a script file whose header matches its name or the active link,
// and the active link names an existing script. With repair, a dangling
// active link is removed.
func (c *checker) checkSieve() error {
	dir := c.a.path(sieveDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Name() == sieveActive:
			t, err := os.Readlink(p)
			if err != nil || !isSieveFile(t) {
				c.add(ProblemBadSieve, p, "not a link to a script file", false)
				continue
			}
			if _, err := os.Lstat(filepath.Join(dir, t)); errors.Is(err, fs.ErrNotExist) {
				fixed := false
				if c.repair {
					fixed = os.Remove(p) == nil && c.a.s.fs.syncDir(dir) == nil
				}
				c.add(ProblemDanglingActive, p, "names the deleted script file "+t, fixed)
			}
		case isSieveFile(e.Name()) && e.Type().IsRegular():
			f, err := os.Open(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			_, _, err = readSieveHeader(f, e.Name())
			f.Close()
			if err != nil {
				c.add(ProblemBadSieve, p, err.Error(), false)
			}
		default:
			c.add(ProblemStray, p, "not a Sieve script file", false)
		}
	}
	return nil
}
