//go:build linux

package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

var (
	errTmpfileUnsupported   = errors.New("O_TMPFILE unsupported")
	errRenameat2Unsupported = errors.New("renameat2 unsupported")
)

// openTmpfile opens an anonymous file in dir with O_TMPFILE: a crash before
// it is linked leaves nothing behind.
func openTmpfile(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o640)
	if err != nil {
		switch err {
		case unix.EOPNOTSUPP, unix.EISDIR, unix.EINVAL, unix.ENOSYS:
			return nil, errTmpfileUnsupported
		}
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir+"/(tmpfile)"), nil
}

// linkTmpfile links an O_TMPFILE file to dst. linkat(AT_EMPTY_PATH) needs
// CAP_DAC_READ_SEARCH; without it, linking /proc/self/fd/N with
// AT_SYMLINK_FOLLOW does the same for the file's owner.
func linkTmpfile(fsy *fsys, f *os.File, dst string) error {
	fd := int(f.Fd())
	mode := fsy.linkMode.Load()
	if mode != 2 {
		err := unix.Linkat(fd, "", unix.AT_FDCWD, dst, unix.AT_EMPTY_PATH)
		if err == nil {
			fsy.linkMode.Store(1)
			return nil
		}
		if mode == 1 || (err != unix.EPERM && err != unix.ENOENT && err != unix.EINVAL) {
			return &os.LinkError{Op: "link", Old: f.Name(), New: dst, Err: err}
		}
		// ENOENT here can also mean that dst's directory is missing;
		// the /proc path below tells the two apart.
	}
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), unix.AT_FDCWD, dst, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &os.LinkError{Op: "link", Old: f.Name(), New: dst, Err: err}
	}
	fsy.linkMode.Store(2)
	return nil
}

func fdatasync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

func renameat2NoReplace(oldPath, newPath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldPath, unix.AT_FDCWD, newPath, unix.RENAME_NOREPLACE)
	switch err {
	case nil:
		return nil
	case unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP:
		return errRenameat2Unsupported
	}
	return &os.LinkError{Op: "rename", Old: oldPath, New: newPath, Err: err}
}

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// scanRecord parses the header of the record at path with as few system
// calls as replay can have: open, one pread of the first block, close
// (os.File would add fcntl and epoll calls). buf is scratch space of
// headerProbe octets. A missing record satisfies errors.Is(err,
// fs.ErrNotExist).
func scanRecord(path string, buf []byte) (*record, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	n, err := unix.Pread(fd, buf, 0)
	for err == unix.EINTR {
		n, err = unix.Pread(fd, buf, 0)
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "pread", Path: path, Err: err}
	}
	if i := bytes.Index(buf[:n], []byte("\r\n")); i >= 0 {
		unix.Close(fd)
		rec, err := parseRecordHeader(buf[:i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return rec, nil
	}
	unix.Close(fd)
	// A long header: the general path.
	f, rec, _, err := readRecord(path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return rec, nil
}

// fsyncDir opens dir and fsyncs it with plain system calls (os.Open adds
// fcntl and epoll calls that matter on the delivery path).
func fsyncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	err = unix.Fsync(fd)
	for err == unix.EINTR {
		err = unix.Fsync(fd)
	}
	unix.Close(fd)
	if err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}
