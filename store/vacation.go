package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// vacationDirName is the account directory that remembers vacation
// responses (FORMAT.md, "Vacation responses").
const vacationDirName = "vacation"

// vacationGrace is how long an expired response record is kept before
// SweepVacation removes it: longer than any delivery takes between reading
// the records and claiming the next one (FORMAT.md, "Vacation responses").
const vacationGrace = time.Hour

// maxVacationGeneration bounds the generation numbers SweepVacation and
// ClaimVacation accept from a directory listing.
const maxVacationGeneration = 1<<63 - 1

// VacationClaim is one remembered vacation response: the record that
// ClaimVacation made. Release forgets it again.
type VacationClaim struct {
	a     *Account
	path  string
	nonce string
}

// vacationKey returns the directory name of a (handle, sender) pair: the
// SHA-256, in lower-case hex, of the two strings each preceded by its
// length as a 64-bit big-endian integer, so that no two pairs share an
// encoding (RFC 5230 §4.2, implementation note).
func vacationKey(handle, sender string) string {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{handle, sender} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ClaimVacation decides whether a vacation response identified by handle
// may be sent to sender now (RFC 5230 §4.2): it may unless a response with
// that handle went to that sender less than period ago. When it may,
// ClaimVacation records the response, to last until now+period, and
// returns the claim with ok true; the caller sends the response, or calls
// Release if it cannot. Of several deliveries that ask at once for one
// pair, exactly one is told ok (FORMAT.md, "Vacation responses").
//
// handle and sender are compared octet for octet: the caller canonicalises
// them. period must be positive. Errors: ErrInvalid for a non-positive
// period; I/O errors.
func (a *Account) ClaimVacation(handle, sender string, now time.Time, period time.Duration) (c *VacationClaim, ok bool, err error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, false, err
	}
	if period <= 0 {
		return nil, false, fmt.Errorf("%w: vacation period %v", ErrInvalid, period)
	}
	dir := a.path(vacationDirName, vacationKey(handle, sender))
	nonce := randomHex()
	until := now.Add(period)
	content := []byte(strconv.FormatInt(until.Unix(), 10) + " " + nonce + "\n")
	for {
		gen, end, err := latestVacation(dir)
		if err != nil {
			return nil, false, err
		}
		if gen > 0 && now.Before(end) {
			return nil, false, nil // answered within the period
		}
		if gen == maxVacationGeneration {
			return nil, false, fmt.Errorf("store: vacation generation overflow in %s", dir)
		}
		p := filepath.Join(dir, strconv.FormatUint(gen+1, 10))
		err = a.s.fs.writeNew(a.path("tmp"), p, content)
		switch {
		case err == nil:
			if err := a.s.fs.syncDir(dir); err != nil {
				return nil, false, err
			}
			removeOlderVacations(dir, gen+1)
			return &VacationClaim{a: a, path: p, nonce: nonce}, true, nil
		case errors.Is(err, fs.ErrExist):
			// Another delivery claimed this generation, or an NFS
			// retransmission of our own link answered EEXIST.
			if _, n, rerr := readVacation(p); rerr == nil && n == nonce {
				return &VacationClaim{a: a, path: p, nonce: nonce}, true, nil
			}
			continue
		case errors.Is(err, fs.ErrNotExist):
			if err := a.s.fs.mkdirAll(dir); err != nil {
				return nil, false, err
			}
			continue
		default:
			return nil, false, err
		}
	}
}

// Release forgets the response: the caller could not send it, so the next
// message from the sender may be answered. It removes the record only if it
// is still the one the claim made.
func (c *VacationClaim) Release() error {
	_, n, err := readVacation(c.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if n != c.nonce {
		return nil
	}
	if err := os.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return c.a.s.fs.syncDir(filepath.Dir(c.path))
}

// latestVacation returns the highest generation in dir and when its period
// ends; generation 0 when there is none (or no dir). A record whose
// content does not parse (only media damage makes one: a record is whole
// before its link) counts as ended, so that the next claim replaces it.
func latestVacation(dir string) (gen uint64, end time.Time, err error) {
	for {
		gen, err = highestGeneration(dir)
		if err != nil || gen == 0 {
			return gen, time.Time{}, err
		}
		end, _, err = readVacation(filepath.Join(dir, strconv.FormatUint(gen, 10)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // released or swept meanwhile: list again
		case errors.Is(err, errBadVacation):
			return gen, time.Time{}, nil
		}
		return gen, end, err
	}
}

// errBadVacation is the error of a record whose content does not parse.
var errBadVacation = errors.New("store: bad vacation record")

// highestGeneration lists dir and returns the highest generation named in
// it, or 0.
func highestGeneration(dir string) (uint64, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var gen uint64
	for _, e := range ents {
		n, err := parseCanonicalUint([]byte(e.Name()), 63)
		if err == nil && n > gen {
			gen = n
		}
	}
	return gen, nil
}

// readVacation reads a response record: "<until> <nonce>" LF, until in
// Unix seconds.
func readVacation(path string) (until time.Time, nonce string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, "", err
	}
	line, ok := bytes.CutSuffix(data, []byte("\n"))
	secs, n, found := bytes.Cut(line, []byte(" "))
	if !ok || !found || len(n) != 32 || !isLowerHex(n) {
		return time.Time{}, "", fmt.Errorf("%w %s", errBadVacation, path)
	}
	u, err := strconv.ParseInt(string(secs), 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w %s", errBadVacation, path)
	}
	return time.Unix(u, 0), string(n), nil
}

// removeOlderVacations removes the generations of dir below gen, and
// anything else in it that is not a generation. Errors are ignored:
// SweepVacation removes what is left.
func removeOlderVacations(dir string, gen uint64) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if n, err := parseCanonicalUint([]byte(e.Name()), 63); err != nil || n < gen {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// SweepVacation removes the response records whose period ended more than
// an hour before now, and reports how many (handle, sender) pairs it
// forgot. It is safe while deliveries run (FORMAT.md, "Vacation
// responses").
func (a *Account) SweepVacation(now time.Time) (int, error) {
	if err := a.s.checkOpen(); err != nil {
		return 0, err
	}
	root := a.path(vacationDirName)
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range ents {
		dir := filepath.Join(root, e.Name())
		gen, end, err := latestVacation(dir)
		if err != nil {
			a.s.log.Warn("store: vacation record unreadable", "path", dir, "err", err)
			continue
		}
		if gen > 0 && !now.After(end.Add(vacationGrace)) {
			continue
		}
		// Only what was read as expired goes: a generation that a
		// delivery links meanwhile is above gen, stays, and makes the
		// rmdir fail.
		removeOlderVacations(dir, gen+1)
		if os.Remove(dir) == nil {
			removed++
		}
	}
	return removed, a.s.fs.syncDir(root)
}
