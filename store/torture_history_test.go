package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tortureHistory logs, for diagnosis, every record of the account's
// mailboxes that touches one of the given messages (appends that made them
// or name them as origin, flag, expunge and commit records), and the lines
// of the processes' logs that name them.
func tortureHistory(t *testing.T, a *Account, names []string, logs map[string]string, isLive func(boxUID) string, ats ...boxUID) {
	guidOf := map[string]string{}
	nameOf := map[string]string{}
	for _, b := range names {
		m := mustMailbox(t, a, b)
		guidOf[b], nameOf[m.GUID()] = m.GUID(), b
	}
	want := map[boxUID]bool{}
	for _, at := range ats {
		want[at] = true
	}
	buf := make([]byte, headerProbe)
	// Follow the copies made by moves, and their copies.
	for grown := true; grown; {
		grown = false
		for _, b := range names {
			dir := filepath.Join(a.path("boxes", guidOf[b]), "log")
			uid := uint32(0)
			for k := uint64(1); ; k++ {
				rec, err := scanRecord(filepath.Join(dir, strconv.FormatUint(k, 10)), buf)
				if err != nil {
					break
				}
				if rec.kind == kindAppend || rec.kind == kindStub {
					uid++
					if rec.from != nil && want[boxUID{nameOf[rec.from.guid], rec.from.uid}] && !want[boxUID{b, uid}] {
						want[boxUID{b, uid}], grown = true, true
					}
				}
			}
		}
	}
	removed := map[boxUID]bool{}
	for _, b := range names {
		dir := filepath.Join(a.path("boxes", guidOf[b]), "log")
		uid := uint32(0)
		for k := uint64(1); ; k++ {
			rec, err := scanRecord(filepath.Join(dir, strconv.FormatUint(k, 10)), buf)
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				t.Logf("history: %s/%d: %v", b, k, err)
				break
			}
			switch rec.kind {
			case kindAppend, kindStub:
				uid++
				from := ""
				hit := want[boxUID{b, uid}]
				if rec.from != nil {
					fb := nameOf[rec.from.guid]
					from = fmt.Sprintf(" from %s UID %d modseq %d", fb, rec.from.uid, rec.from.modSeq)
					hit = hit || want[boxUID{fb, rec.from.uid}]
				}
				if hit {
					t.Logf("history: %s log/%d: append UID %d%s (final: %s)", b, k, uid, from, isLive(boxUID{b, uid}))
				}
			case kindExpunge, kindCommit, kindFlags:
				if rec.kind == kindExpunge {
					for at := range want {
						if at.box == b && inUIDSet(rec.uids, at.uid) && !removed[at] {
							removed[at] = true
							t.Logf("history: %s UID %d removed by log/%d", b, at.uid, k)
						}
					}
				}
				for at := range want {
					if at.box == b && inUIDSet(rec.uids, at.uid) {
						t.Logf("history: %s log/%d: %s UID %d (set %v)", b, k, string(rec.kind), at.uid, rec.uids)
					}
				}
			}
		}
	}
	for at := range want {
		t.Logf("history: %s UID %d: by the log, removed %v; %s", at.box, at.uid, removed[at], isLive(at))
	}
	for who, path := range logs {
		for _, f := range readLines(t, path) {
			line := strings.Join(f, " ")
			for k, v := range guidOf {
				line = strings.ReplaceAll(line, v, k)
			}
			for at := range want {
				if logNames(f, at) || strings.Contains(line, fmt.Sprintf("%s/log/", at.box)) && strings.Contains(line, fmt.Sprintf("UID %d ", at.uid)) {
					t.Logf("history: %s: %s", who, line)
					break
				}
			}
		}
	}
}

// logNames reports whether a writer's log line names at.
func logNames(f []string, at boxUID) bool {
	u := strconv.FormatUint(uint64(at.uid), 10)
	switch f[0] {
	case "A":
		return f[1] == at.box && f[2] == u
	case "C", "M", "I":
		for _, p := range f[4:] {
			sd := strings.Split(p, ":")
			if f[1] == at.box && sd[0] == u || f[2] == at.box && sd[1] == u {
				return true
			}
		}
	case "X":
		return f[1] == at.box && contains(f[3:], u)
	case "F", "U":
		return f[1] == at.box && contains(f[4:], u)
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
