package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/loftmail/loft/rfc/rfc4314"
)

// aclState is the replayed access control list of one mailbox (FORMAT.md,
// "Access control lists"), kept with its boxState.
type aclState struct {
	mu     sync.Mutex
	loaded bool
	k      uint64      // records acl/1..k are applied
	acl    rfc4314.ACL // the list after record k
}

// maxACLRecord bounds an ACL record file, in octets.
const maxACLRecord = 4096

// aclRecord is one change of an ACL: a SETACL modification (op '=', '+' or
// '-') or a DELETEACL (op 'D').
type aclRecord struct {
	nonce string
	op    byte
	id    string
	r     rfc4314.Rights
}

func (r aclRecord) marshal() []byte {
	line := fmt.Sprintf("LOFTACL1 %s %c %s", r.nonce, r.op, encodeName(r.id))
	if r.op != 'D' {
		line += " " + r.r.Letters()
	}
	return []byte(line + "\n")
}

func parseACLRecord(data []byte) (aclRecord, error) {
	bad := fmt.Errorf("store: bad ACL record")
	s, ok := strings.CutSuffix(string(data), "\n")
	if !ok || strings.Contains(s, "\n") {
		return aclRecord{}, bad
	}
	f := strings.Split(s, " ")
	if len(f) < 4 || f[0] != "LOFTACL1" || len(f[1]) != nonceLen || !isLowerHex([]byte(f[1])) || len(f[2]) != 1 {
		return aclRecord{}, bad
	}
	rec := aclRecord{nonce: f[1], op: f[2][0]}
	id, err := decodeName(f[3])
	if err != nil || rfc4314.CheckIdentifier(id) != nil {
		return aclRecord{}, bad
	}
	rec.id = id
	switch {
	case rec.op == 'D' && len(f) == 4:
		return rec, nil
	case (rec.op == '=' || rec.op == '+' || rec.op == '-') && len(f) == 5:
		r, err := rfc4314.ParseRights(f[4])
		if err != nil || r.Letters() != f[4] {
			return aclRecord{}, bad
		}
		rec.r = r
		return rec, nil
	}
	return aclRecord{}, bad
}

// apply returns acl changed by the record.
func (r aclRecord) apply(acl rfc4314.ACL) rfc4314.ACL {
	switch r.op {
	case 'D':
		return acl.Delete(r.id)
	case '+':
		return acl.Modify(r.id, rfc4314.Modification{Op: rfc4314.Add, Rights: r.r})
	case '-':
		return acl.Modify(r.id, rfc4314.Modification{Op: rfc4314.Remove, Rights: r.r})
	}
	return acl.Modify(r.id, rfc4314.Modification{Op: rfc4314.Replace, Rights: r.r})
}

func (m *Mailbox) aclDir() string { return filepath.Join(m.st.dir, "acl") }

func (m *Mailbox) aclPath(k uint64) string {
	return filepath.Join(m.aclDir(), strconv.FormatUint(k, 10))
}

// readACLRecord reads acl/<k>; fs.ErrNotExist when it does not exist.
func (m *Mailbox) readACLRecord(k uint64) (aclRecord, error) {
	f, err := os.Open(m.aclPath(k))
	if err != nil {
		return aclRecord{}, err
	}
	defer f.Close()
	buf := make([]byte, maxACLRecord+1)
	n, _ := f.Read(buf)
	if n > maxACLRecord {
		return aclRecord{}, fmt.Errorf("store: ACL record %s too long", m.aclPath(k))
	}
	rec, err := parseACLRecord(buf[:n])
	if err != nil {
		return aclRecord{}, fmt.Errorf("%w: %s", err, m.aclPath(k))
	}
	return rec, nil
}

// refreshACLLocked applies the records after as.k, reading acl/<k+1> until
// one is absent (FORMAT.md: readers never list the directory).
func (m *Mailbox) refreshACLLocked(as *aclState) error {
	if !as.loaded {
		// The owner holds every right by default (RFC 4314 §2 leaves the
		// initial list to the implementation).
		as.acl, as.k, as.loaded = rfc4314.ACL{{Identifier: m.a.name, Rights: rfc4314.All}}, 0, true
	}
	for {
		rec, err := m.readACLRecord(as.k + 1)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return err
		}
		as.acl = rec.apply(as.acl)
		as.k++
	}
	if _, err := os.Stat(m.st.logDir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: mailbox deleted", ErrNotFound)
	}
	return nil
}

// ACL returns the mailbox's access control list (RFC 4314 §2): the owner
// (the account's login name) with every right, changed by each SETACL and
// DELETEACL in order. It costs one failed open when nothing changed.
// Errors: ErrNotFound (the mailbox was deleted), I/O errors and a damaged
// ACL record.
func (m *Mailbox) ACL() (rfc4314.ACL, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return nil, err
	}
	as := &m.st.acl
	as.mu.Lock()
	defer as.mu.Unlock()
	if err := m.refreshACLLocked(as); err != nil {
		return nil, err
	}
	return as.acl, nil
}

// ModifyACL changes the rights of the identifier id (SETACL, RFC 4314
// §3.1) and returns the list as it is after the change. Concurrent changes
// are never lost: each is one record, claimed like a log record (FORMAT.md).
// Whether the caller may do it (the "a" right) is the caller's to check.
// Errors: ErrInvalid (a bad identifier), ErrNotFound, I/O errors.
func (m *Mailbox) ModifyACL(id string, mod rfc4314.Modification) (rfc4314.ACL, error) {
	op := byte('=')
	switch mod.Op {
	case rfc4314.Add:
		op = '+'
	case rfc4314.Remove:
		op = '-'
	}
	return m.writeACL(aclRecord{op: op, id: id, r: mod.Rights & rfc4314.All})
}

// DeleteACL removes the entry of the identifier id (DELETEACL, RFC 4314
// §3.2) and returns the list after the change. Deleting an identifier that
// has no entry is not an error. Errors as ModifyACL.
func (m *Mailbox) DeleteACL(id string) (rfc4314.ACL, error) {
	return m.writeACL(aclRecord{op: 'D', id: id})
}

// writeACL claims the next ACL record number for rec: link(2) to
// acl/<k+1>, and on EEXIST read that record and try the next number; then
// fsync acl/ before returning.
func (m *Mailbox) writeACL(rec aclRecord) (rfc4314.ACL, error) {
	if err := m.a.s.checkOpen(); err != nil {
		return nil, err
	}
	if err := rfc4314.CheckIdentifier(rec.id); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	rec.nonce = newNonce()
	as := &m.st.acl
	as.mu.Lock()
	defer as.mu.Unlock()
	if err := m.refreshACLLocked(as); err != nil {
		return nil, err
	}
	dir := m.aclDir()
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		return nil, err
	}
	n, err := m.a.s.fs.create(m.st.tmpDir)
	if err != nil {
		return nil, notFoundIfGone(err)
	}
	defer n.close()
	if _, err := n.f.Write(rec.marshal()); err != nil {
		return nil, err
	}
	if err := n.sync(); err != nil {
		return nil, err
	}
	for {
		err := n.link(m.aclPath(as.k + 1))
		if errors.Is(err, fs.ErrExist) {
			other, rerr := m.readACLRecord(as.k + 1)
			if rerr != nil {
				return nil, rerr
			}
			as.acl = other.apply(as.acl)
			as.k++
			if other.nonce == rec.nonce {
				break // our own link, answered EEXIST by an NFS retransmission
			}
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: mailbox deleted", ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		as.acl = rec.apply(as.acl)
		as.k++
		break
	}
	if err := m.a.s.fs.syncDir(dir); err != nil {
		return nil, err
	}
	return as.acl, nil
}

// ForgetIdentifiers removes the entries of the identifiers ids from the
// ACL of every mailbox of every account (RFC 4314 §3.2, DELETEACL, applied
// store-wide). `loft adm user del` and `group del` call it so that a new
// account or group that later takes the same name inherits none of the old
// one's rights. It returns how many entries it removed. Mailboxes deleted
// while it runs are skipped. It takes no lock: an entry that a concurrent
// SETACL adds for one of ids after the walk passed that mailbox stays.
// Errors: I/O errors and damaged ACL records, after the walk has done what
// it could.
func (s *Store) ForgetIdentifiers(ids ...string) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	names, err := s.Accounts()
	if err != nil {
		return 0, err
	}
	removed := 0
	var errs []error
	for _, name := range names {
		a, err := s.Account(name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		boxes, err := a.Mailboxes()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, info := range boxes {
			if !info.Selectable {
				continue
			}
			n, err := a.forgetIn(info.Name, ids)
			removed += n
			if err != nil && !errors.Is(err, ErrNotFound) {
				errs = append(errs, fmt.Errorf("%s %q: %w", name, info.Name, err))
			}
		}
	}
	return removed, errors.Join(errs...)
}

// forgetIn removes the entries of ids from one mailbox's ACL.
func (a *Account) forgetIn(mailbox string, ids []string) (int, error) {
	m, err := a.Mailbox(mailbox)
	if err != nil {
		return 0, err
	}
	acl, err := m.ACL()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if _, ok := acl.Lookup(id); !ok {
			continue
		}
		if _, err := m.DeleteACL(id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
