//go:build !linux

package store

import (
	"errors"
	"os"
	"syscall"
)

var (
	errTmpfileUnsupported   = errors.New("O_TMPFILE unsupported")
	errRenameat2Unsupported = errors.New("renameat2 unsupported")
)

func openTmpfile(string) (*os.File, error) { return nil, errTmpfileUnsupported }

func linkTmpfile(*fsys, *os.File, string) error { return errTmpfileUnsupported }

func fdatasync(f *os.File) error { return f.Sync() }

func renameat2NoReplace(string, string) error { return errRenameat2Unsupported }

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// scanRecord parses the header of the record at path.
func scanRecord(path string, _ []byte) (*record, error) {
	f, rec, _, err := readRecord(path)
	if err != nil {
		return nil, err
	}
	f.Close()
	return rec, nil
}

func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
