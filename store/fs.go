package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// fsys holds how this Store talks to the file system: whether to fsync, and
// what the kernel was found to support.
type fsys struct {
	noSync bool
	// noTmpfile forces the portable temporary-file path (tmp/t.<random>,
	// link, unlink) instead of O_TMPFILE; set when O_TMPFILE is refused,
	// and by tests that need crash leftovers.
	noTmpfile atomic.Bool
	// linkMode caches how an O_TMPFILE file is linked: 0 not yet known,
	// 1 linkat(AT_EMPTY_PATH), 2 linkat via /proc/self/fd.
	linkMode atomic.Int32
	// noRenameat2 is set when renameat2(RENAME_NOREPLACE) is unsupported.
	noRenameat2 atomic.Bool
}

// newFile is a file being written before it gets its permanent name.
type newFile struct {
	fs      *fsys
	f       *os.File
	tmpPath string // "" for an anonymous O_TMPFILE file
}

// randomHex returns 32 lowercase hex digits (128 random bits).
func randomHex() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tmpName returns a fresh tmp-file name (FORMAT.md: "t." 32HEXDIG).
func tmpName() string { return "t." + randomHex() }

// create makes a new file in dir (a tmp/ directory on the same file system
// as its destination): anonymous where O_TMPFILE works, else dir/t.<random>
// created with O_EXCL.
func (fsy *fsys) create(dir string) (*newFile, error) {
	if !fsy.noTmpfile.Load() {
		f, err := openTmpfile(dir)
		if err == nil {
			return &newFile{fs: fsy, f: f}, nil
		}
		if !errors.Is(err, errTmpfileUnsupported) {
			return nil, err
		}
		fsy.noTmpfile.Store(true)
	}
	p := filepath.Join(dir, tmpName())
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	return &newFile{fs: fsy, f: f, tmpPath: p}, nil
}

// sync makes the file's data durable (unless NoSync).
func (n *newFile) sync() error {
	if n.fs.noSync {
		return nil
	}
	return fdatasync(n.f)
}

// link gives the file the name dst with link(2): atomic, failing with an
// error satisfying errors.Is(err, fs.ErrExist) when dst exists. The file may
// be linked again under another name after a failure.
func (n *newFile) link(dst string) error {
	if n.tmpPath != "" {
		return os.Link(n.tmpPath, dst)
	}
	return linkTmpfile(n.fs, n.f, dst)
}

// close closes the file and removes its temporary name, if any.
func (n *newFile) close() {
	n.f.Close()
	if n.tmpPath != "" {
		os.Remove(n.tmpPath)
	}
}

// writeNew writes data to a new file in tmpDir, syncs it, and links it to
// dst. The error satisfies errors.Is(err, fs.ErrExist) when dst exists.
func (fsy *fsys) writeNew(tmpDir, dst string, data []byte) error {
	n, err := fsy.create(tmpDir)
	if err != nil {
		return err
	}
	defer n.close()
	if _, err := n.f.Write(data); err != nil {
		return err
	}
	if err := n.sync(); err != nil {
		return err
	}
	return n.link(dst)
}

// syncDir fsyncs a directory, making the names in it durable.
func (fsy *fsys) syncDir(dir string) error {
	if fsy.noSync {
		return nil
	}
	return fsyncDir(dir)
}

// mkdirAll is os.MkdirAll that also fsyncs the parent of every directory it
// creates, so that the new directories survive a crash.
func (fsy *fsys) mkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("store: %s is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := fsy.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return fsy.syncDir(parent)
}

// renameNoReplace renames old to new, failing with an error satisfying
// errors.Is(err, fs.ErrExist) if new exists. Where the kernel or file system
// lacks renameat2(RENAME_NOREPLACE) (NFS, non-Linux) it falls back to
// rename(2), which for directories replaces only an empty new; callers
// arrange that this is what they intend.
func (fsy *fsys) renameNoReplace(oldPath, newPath string) error {
	if !fsy.noRenameat2.Load() {
		err := renameat2NoReplace(oldPath, newPath)
		if !errors.Is(err, errRenameat2Unsupported) {
			return err
		}
		fsy.noRenameat2.Store(true)
	}
	err := os.Rename(oldPath, newPath)
	if err != nil && isNotEmpty(err) {
		return &os.LinkError{Op: "rename", Old: oldPath, New: newPath, Err: fs.ErrExist}
	}
	return err
}

// groupSync is the group commit of one directory (FORMAT.md, "Deliver"): a
// caller whose link happened before a directory fsync started is durable
// when that fsync returns, so callers that arrive while one fsync runs share
// the next one. A failed fsync is sticky: once the kernel reported a lost
// write-back of the directory, nothing more is acknowledged through it.
type groupSync struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started uint64 // number of fsyncs started
	done    uint64 // number of fsyncs finished
	running bool
	err     error
}

// sync returns when an fsync of dir that started after the call has
// finished, or with the sticky error.
func (g *groupSync) sync(fsy *fsys, dir string) error {
	if fsy.noSync {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	// A running fsync may have started before our link: only one that
	// starts after now is sure to cover it.
	target := g.started + 1
	for g.done < target && g.err == nil {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		g.mu.Unlock()
		err := fsy.syncDir(dir)
		g.mu.Lock()
		g.running = false
		g.done++
		if err != nil && g.err == nil {
			g.err = err
		}
		g.cond.Broadcast()
	}
	return g.err
}
