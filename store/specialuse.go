package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// specialUseFile is the name, in a mailbox's data directory boxes/<guid>/,
// of the file that holds its special-use attributes (FORMAT.md, "Special
// use").
const specialUseFile = "special-use"

// maxSpecialUses bounds the attributes one mailbox may have; RFC 6154 §2
// defines seven.
const maxSpecialUses = 16

// NewMailbox is a mailbox that Store.CreateAccount makes in every new account
// besides INBOX (Options.NewAccountMailboxes).
type NewMailbox struct {
	// Name is the mailbox's full name, levels separated by "/".
	Name string
	// SpecialUse holds its special-use attributes (RFC 6154 §2), such as
	// `\Sent`; may be empty.
	SpecialUse []string
}

// canonicalUses checks a list of special-use attributes and returns it in
// the file's canonical form: sorted (octet order) without duplicates. Each
// attribute is "\" and 1 to 64 ASCII letters; the store gives them no
// meaning (which ones a protocol supports is the protocol's business).
// Errors: ErrInvalid.
func canonicalUses(uses []string) ([]string, error) {
	if len(uses) > maxSpecialUses {
		return nil, fmt.Errorf("%w: more than %d special-use attributes", ErrInvalid, maxSpecialUses)
	}
	out := make([]string, 0, len(uses))
	for _, u := range uses {
		if !validUse(u) {
			return nil, fmt.Errorf("%w: special-use attribute %q", ErrInvalid, u)
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func validUse(u string) bool {
	if len(u) < 2 || len(u) > 65 || u[0] != '\\' {
		return false
	}
	for i := 1; i < len(u); i++ {
		if c := u[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// marshalUses is the content of a special-use file: the attributes
// separated by SP, then LF.
func marshalUses(uses []string) []byte {
	return []byte(strings.Join(uses, " ") + "\n")
}

// parseUses parses a special-use file; it accepts only the canonical form
// that marshalUses writes.
func parseUses(data []byte) ([]string, error) {
	s, ok := strings.CutSuffix(string(data), "\n")
	if !ok || s == "" || strings.Contains(s, "\n") {
		return nil, fmt.Errorf("%w: bad special-use file", ErrInvalid)
	}
	uses := strings.Split(s, " ")
	canon, err := canonicalUses(uses)
	if err != nil || !slices.Equal(canon, uses) {
		return nil, fmt.Errorf("%w: bad special-use file", ErrInvalid)
	}
	return uses, nil
}

// readUses returns the special-use attributes of the mailbox whose data
// directory is boxes/<guid>: none when the file is absent. A damaged file
// is logged and read as none (the attributes are advice to clients, never
// a reason to hide a mailbox); Check reports it.
func (a *Account) readUses(guid string) []string {
	p := a.path("boxes", guid, specialUseFile)
	data, err := os.ReadFile(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.s.log.Warn("store: cannot read special-use file", "path", p, "err", err)
		}
		return nil
	}
	uses, err := parseUses(data)
	if err != nil {
		a.s.log.Warn("store: ignoring bad special-use file", "path", p)
		return nil
	}
	return uses
}

// CreateSpecialMailbox is CreateMailbox for a mailbox with special-use
// attributes (RFC 6154 §3, CREATE with USE): the mailbox appears with its
// attributes or not at all. Errors: as CreateMailbox, and ErrInvalid for an
// attribute that is not "\" and 1 to 64 ASCII letters.
func (a *Account) CreateSpecialMailbox(name string, uses []string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	canon, err := canonicalUses(uses)
	if err != nil {
		return err
	}
	return a.createMailbox(n, canon)
}

// SetSpecialUse replaces the special-use attributes of the mailbox name
// (none removes them). The change is one rename in the mailbox's data
// directory, so that it follows the mailbox through RENAME and goes with it
// on DELETE; of two concurrent changes the later rename wins whole.
// Errors: ErrNotFound (also when the mailbox is deleted meanwhile),
// ErrInvalid.
func (a *Account) SetSpecialUse(name string, uses []string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	canon, err := canonicalUses(uses)
	if err != nil {
		return err
	}
	b, err := a.readBox(n.rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return fmt.Errorf("%w: mailbox %q", ErrNotFound, n.name)
		}
		return err
	}
	boxDir := a.path("boxes", b.guid)
	dst := filepath.Join(boxDir, specialUseFile)
	if len(canon) == 0 {
		if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	} else {
		tmp := a.path("tmp", tmpName())
		if err := a.s.fs.writeNew(a.path("tmp"), tmp, marshalUses(canon)); err != nil {
			return err
		}
		if err := os.Rename(tmp, dst); err != nil {
			os.Remove(tmp)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: mailbox %q", ErrNotFound, n.name)
			}
			return err
		}
	}
	if err := a.s.fs.syncDir(boxDir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: mailbox %q", ErrNotFound, n.name)
		}
		return err
	}
	return nil
}
