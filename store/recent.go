package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// The recent claims of a mailbox (FORMAT.md, "Recent claims"): the dense
// sequence boxes/<guid>/recent/1, 2, 3 …, each claimed by one exclusive link
// like a log record. Claim N holds a UID U_N and a nonce; a process writes
// claim N+1 only after reading claim N, and only with a UID above U_N, so the
// UIDs grow with N and the newest claim holds the watermark W: every UID up
// to W has been given \Recent to exactly one session (RFC 3501 §2.3.2).

// recentDirName is the directory of the claims inside boxes/<guid>.
const recentDirName = "recent"

// maxClaimLen bounds a claim file: a UID, SP, a nonce, LF.
const maxClaimLen = 10 + 1 + 32 + 1

// ClaimRecent makes this session the one that sees the messages with UIDs
// above the mailbox's recent watermark and up to upto as recent (RFC 3501
// §2.3.2: "this session is the first session to have been notified about this
// message"). It returns the range [first, last] it won, with last = upto, or
// first = last = 0 when another session already claimed every UID up to upto;
// when another session claimed a part of the range meanwhile, the range won
// is what is left above that claim. The claim is durable when ClaimRecent
// returns, so no later session, in this process or another, on this host or
// another, ever wins the same UIDs. Errors: ErrNotFound (mailbox deleted),
// I/O errors, or ErrInvalid for a damaged claim file.
func (m *Mailbox) ClaimRecent(upto uint32) (first, last uint32, err error) {
	if err := m.a.s.checkOpen(); err != nil {
		return 0, 0, err
	}
	st := m.st
	dir := filepath.Join(st.dir, recentDirName)
	n, w, err := recentTop(dir)
	if err != nil {
		return 0, 0, err
	}
	if upto <= w {
		return 0, 0, nil
	}
	nonce := newNonce()
	f, err := st.s.fs.create(st.tmpDir)
	if err != nil {
		return 0, 0, notFoundIfGone(err)
	}
	defer f.close()
	if _, err := f.f.WriteString(formatClaim(upto, nonce)); err != nil {
		return 0, 0, err
	}
	if err := f.sync(); err != nil {
		return 0, 0, err
	}
	madeDir := false
	for {
		if upto <= w {
			return 0, 0, nil
		}
		err := f.link(filepath.Join(dir, strconv.FormatUint(n+1, 10)))
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrExist):
			// Another claim took N+1: read it and go on above it.
			u, other, rerr := readClaim(filepath.Join(dir, strconv.FormatUint(n+1, 10)))
			if rerr != nil {
				return 0, 0, rerr
			}
			n++
			if other != nonce { // not our own link answered EEXIST (NFS)
				w = max(w, u)
				continue
			}
		case errors.Is(err, fs.ErrNotExist) && !madeDir:
			// The first claim of this mailbox: make recent/ (its parent
			// is gone if the mailbox was deleted).
			madeDir = true
			if _, serr := os.Stat(st.dir); serr != nil {
				return 0, 0, notFoundIfGone(serr)
			}
			if merr := os.Mkdir(dir, 0o750); merr != nil && !errors.Is(merr, fs.ErrExist) {
				return 0, 0, notFoundIfGone(merr)
			}
			if serr := st.s.fs.syncDir(st.dir); serr != nil {
				return 0, 0, notFoundIfGone(serr)
			}
			continue
		default:
			return 0, 0, notFoundIfGone(err)
		}
		if err := st.s.fs.syncDir(dir); err != nil {
			return 0, 0, notFoundIfGone(err)
		}
		return w + 1, upto, nil
	}
}

// RecentWatermark returns the mailbox's recent watermark: the highest UID
// that some session has claimed as recent with ClaimRecent, or 0. Messages
// with UIDs above it have been seen as recent by no session yet, which is
// what STATUS RECENT counts (RFC 3501 §6.3.10). Errors as ClaimRecent.
func (m *Mailbox) RecentWatermark() (uint32, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return 0, err
	}
	_, w, err := recentTop(filepath.Join(m.st.dir, recentDirName))
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(m.st.logDir); err != nil {
		return 0, notFoundIfGone(err)
	}
	return w, nil
}

// recentTop finds the newest claim N in dir and its UID (0, 0 when there is
// none). Claims are dense, so "claim k exists" holds for every k up to N and
// for none above: a galloping search finds N with O(log N) probes, and
// probing on from there catches claims made during the search.
func recentTop(dir string) (n uint64, w uint32, err error) {
	exists := func(k uint64) (bool, error) {
		_, err := os.Lstat(filepath.Join(dir, strconv.FormatUint(k, 10)))
		if err == nil {
			return true, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	// Gallop: the first power of two that is absent bounds N.
	lo, hi := uint64(0), uint64(1) // claim lo exists (0 stands for none); hi is unknown
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			break
		}
		lo = hi
		if hi > math.MaxUint64/2 {
			return 0, 0, fmt.Errorf("%w: %s: too many claims", ErrInvalid, dir)
		}
		hi *= 2
	}
	// Binary search: lo exists (or is 0), hi was absent.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	// Claims made meanwhile lie above lo.
	for {
		ok, err := exists(lo + 1)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			break
		}
		lo++
	}
	if lo == 0 {
		return 0, 0, nil
	}
	w, _, err = readClaim(filepath.Join(dir, strconv.FormatUint(lo, 10)))
	return lo, w, err
}

// formatClaim returns the content of a claim file (FORMAT.md, "Recent
// claims"): uid SP nonce LF.
func formatClaim(uid uint32, nonce string) string {
	return strconv.FormatUint(uint64(uid), 10) + " " + nonce + "\n"
}

// readClaim reads and parses a claim file.
func readClaim(path string) (uid uint32, nonce string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	uid, nonce, err = parseClaim(data)
	if err != nil {
		return 0, "", fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	return uid, nonce, nil
}

// parseClaim parses the content of a claim file: the canonical spelling only.
func parseClaim(data []byte) (uint32, string, error) {
	if len(data) > maxClaimLen || len(data) == 0 || data[len(data)-1] != '\n' {
		return 0, "", errors.New("bad claim file")
	}
	u, nonce, ok := bytes.Cut(data[:len(data)-1], []byte(" "))
	if !ok || len(nonce) != 32 || !isLowerHex(nonce) {
		return 0, "", errors.New("bad claim file")
	}
	uid, err := parseCanonicalUint(u, 32)
	if err != nil || uid == 0 {
		return 0, "", errors.New("bad UID in claim file")
	}
	return uint32(uid), string(nonce), nil
}
