package directory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Address claims. Each address has a directory addresses/<address>/ of
// claim files numbered 1, 2, 3 …, each created once by an exclusive link
// and never changed or removed. The claim with the highest number is the
// current one; it names the owner, or no one when it releases the address.
// A process creates claim N+1 only after it has read claim N (or claim 1
// when there is none), so the numbers are dense and the current claim is
// found by reading on from any claim known to exist until one is absent.
//
// Creating claim N+1 succeeds for exactly one process, so it is a
// compare-and-swap on the address's owner: whoever creates it has replaced
// the owner it read in claim N, and anyone who read claim N and decided
// from it learns of the change from EEXIST and decides again. See the
// package documentation for why addresses stay unique.

// maxClaimAttempts bounds the rounds of a claim or release. Each failed
// round means that another process created a claim in the meantime.
const maxClaimAttempts = 100

// cachedClaim is the newest claim of an address that this File has read:
// claim files never change, so only later claims need reading.
type cachedClaim struct {
	gen   uint64
	owner string
}

func (f *File) claimDir(address string) string {
	return filepath.Join(f.dir, "addresses", encodeName(address))
}

// claimOwner returns the owner named by the current claim of the canonical
// address ("" when it has none or it was released) and that claim's number
// (0 when there is no claim).
func (f *File) claimOwner(address string) (owner string, gen uint64, err error) {
	f.mu.Lock()
	c := f.claims[address]
	f.mu.Unlock()
	dir := f.claimDir(address)
	gen, owner = c.gen, c.owner
	for {
		path := filepath.Join(dir, strconv.FormatUint(gen+1, 10))
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", 0, f.ioError(err)
		}
		o, _, err := parseClaim(data)
		if err != nil {
			return "", 0, fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
		}
		gen, owner = gen+1, o
	}
	if gen > c.gen {
		f.mu.Lock()
		if f.claims[address].gen < gen {
			f.claims[address] = cachedClaim{gen: gen, owner: owner}
		}
		f.mu.Unlock()
	}
	return owner, gen, nil
}

// holds reports whether login's file lists the canonical address, which is
// what makes login's claim on it valid.
func (f *File) holds(login, address string) (bool, error) {
	rec, err := f.readUser(login)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return rec.lists(address), nil
}

// heldByOther returns the login of another account that validly owns the
// canonical address: its claim is current and its file lists the address.
// It returns "" when the address is free, released, stale or login's own.
func (f *File) heldByOther(address, login string) (string, error) {
	owner, _, err := f.claimOwner(address)
	if err != nil || owner == "" || owner == login {
		return "", err
	}
	held, err := f.holds(owner, address)
	if err != nil || !held {
		return "", err
	}
	return owner, nil
}

// claimAddress makes login the owner of the canonical address by creating
// a new claim, unless another account validly owns it (ErrExists). login's
// file must already list the address: a claim whose owner does not list
// its address is stale, and anyone may replace it.
func (f *File) claimAddress(address, login string) error {
	if err := os.MkdirAll(f.claimDir(address), dirMode); err != nil {
		return f.ioError(err)
	}
	for range maxClaimAttempts {
		owner, gen, err := f.claimOwner(address)
		if err != nil {
			return err
		}
		if owner != "" && owner != login {
			held, err := f.holds(owner, address)
			if err != nil {
				return err
			}
			if held {
				return fmt.Errorf("%w: address %s belongs to %q", ErrExists, address, owner)
			}
		}
		// Even a claim already naming login is renewed: a process that
		// found it stale a moment ago may be replacing it, and only a
		// new claim makes the two meet at one number.
		won, err := f.newClaim(address, gen+1, login)
		if err != nil || won {
			return err
		}
	}
	return fmt.Errorf("%w: address %s: too many concurrent claims", ErrUnavailable, address)
}

// releaseAddress records that login no longer owns the canonical address.
// It does nothing when the current claim names someone else, or when
// login's file lists the address again. Releasing is tidiness, not
// correctness: a claim whose owner does not list the address is stale
// anyway.
func (f *File) releaseAddress(address, login string) error {
	for range maxClaimAttempts {
		owner, gen, err := f.claimOwner(address)
		if err != nil || owner != login {
			return err
		}
		held, err := f.holds(login, address)
		if err != nil || held {
			return err
		}
		won, err := f.newClaim(address, gen+1, "")
		if err != nil || won {
			return err
		}
	}
	return fmt.Errorf("%w: address %s: too many concurrent claims", ErrUnavailable, address)
}

// newClaim creates claim number gen of the canonical address, naming owner.
// It reports false when that claim already exists.
func (f *File) newClaim(address string, gen uint64, owner string) (bool, error) {
	nonce, err := newNonce()
	if err != nil {
		return false, err
	}
	path := filepath.Join(f.claimDir(address), strconv.FormatUint(gen, 10))
	return f.createExclusive(path, formatClaim(owner, nonce))
}
