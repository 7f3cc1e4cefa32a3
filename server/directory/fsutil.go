package directory

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File modes: the directory holds password hashes, so nothing in it is
// readable by other users.
const (
	dirMode  = 0o700
	fileMode = 0o600
)

// tmpPrefix begins the name of every temporary file in tmp/.
const tmpPrefix = "t."

// tmpMaxAge is the age after which OpenFile removes a temporary file left by
// a crash. Writing one takes milliseconds; an hour leaves a wide margin for a
// process that is slow or stopped, which cannot be told apart from one that
// crashed.
const tmpMaxAge = time.Hour

// newNonce returns 32 random hexadecimal digits.
func newNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("directory: reading random nonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// writeTemp writes data to a new file in f's tmp/ directory, fsyncs it and
// returns its path.
func (f *File) writeTemp(data []byte) (string, error) {
	nonce, err := newNonce()
	if err != nil {
		return "", err
	}
	path := filepath.Join(f.dir, "tmp", tmpPrefix+nonce)
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return "", f.ioError(err)
	}
	_, err = fd.Write(data)
	if err == nil {
		err = fd.Sync()
	}
	if cerr := fd.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", f.ioError(err)
	}
	return path, nil
}

// createExclusive makes path a file holding data, atomically and only if
// path does not exist: the data is written and fsynced under a temporary
// name, then linked to path, and path's directory is fsynced. It reports
// created=false when path already exists with other content. Content that
// is equal to data counts as created: every caller puts a random nonce in
// data, so equal content means that this very link succeeded and its reply
// was lost (NFS retransmits a LINK whose reply went missing, and the second
// attempt reports EEXIST).
func (f *File) createExclusive(path string, data []byte) (created bool, err error) {
	tmp, err := f.writeTemp(data)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return false, f.ioError(err)
		}
		existing, rerr := os.ReadFile(path)
		if rerr != nil || !bytes.Equal(existing, data) {
			return false, nil
		}
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return false, f.ioError(err)
	}
	return true, nil
}

// replaceFile makes path a file holding data, atomically: readers see the
// old content or the new, never a mixture or nothing.
func (f *File) replaceFile(path string, data []byte) error {
	tmp, err := f.writeTemp(data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return f.ioError(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return f.ioError(err)
	}
	return nil
}

// removeFile unlinks path and fsyncs its directory. A path that does not
// exist is fs.ErrNotExist.
func (f *File) removeFile(path string) error {
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return f.ioError(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return f.ioError(err)
	}
	return nil
}

// syncDir fsyncs a directory, so that the names created, renamed or removed
// in it are durable.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeStaleTemps removes temporary files older than tmpMaxAge.
func (f *File) removeStaleTemps(now time.Time) {
	dir := filepath.Join(f.dir, "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < tmpMaxAge {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// ioError wraps an error of the file system as ErrUnavailable: the
// directory cannot answer now, and the servers answer with a temporary
// failure.
func (f *File) ioError(err error) error {
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
