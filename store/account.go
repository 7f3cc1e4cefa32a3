package store

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Account is one account's tree of mailboxes (FORMAT.md, "Layout"). It is
// safe for concurrent use.
type Account struct {
	s    *Store
	name string
	dir  string
}

// MailboxInfo describes one name in an account's hierarchy.
type MailboxInfo struct {
	// Name is the full name, levels separated by "/", INBOX upper case.
	Name string
	// Selectable is false for a level that exists only because it has
	// children (IMAP's \Noselect, RFC 3501 §7.2.2).
	Selectable bool
	// HasChildren reports whether listed names exist below this one
	// (RFC 3348).
	HasChildren bool
	// SpecialUse holds a selectable mailbox's special-use attributes
	// (RFC 6154 §2), sorted; FORMAT.md, "Special use".
	SpecialUse []string
}

// Usage is an account's storage use.
type Usage struct {
	Octets   int64 // sum of the sizes of all messages not expunged
	Messages int64 // number of messages not expunged
}

// Name returns the account's login name as given to Store.Account.
func (a *Account) Name() string { return a.name }

func (a *Account) path(elem ...string) string {
	return filepath.Join(append([]string{a.dir}, elem...)...)
}

// boxFile is the content of a box file (FORMAT.md, "The box file").
type boxFile struct {
	guid        string
	uidValidity uint32
	created     time.Time
}

func (b boxFile) marshal() []byte {
	return fmt.Appendf(nil, "loft-mailbox 1\nguid %s\nuidvalidity %d\ncreated %s\n",
		b.guid, b.uidValidity, b.created.UTC().Format(time.RFC3339))
}

func parseBoxFile(data []byte) (boxFile, error) {
	bad := fmt.Errorf("store: bad box file")
	lines := strings.Split(string(data), "\n")
	if len(lines) != 5 || lines[4] != "" || lines[0] != "loft-mailbox 1" {
		return boxFile{}, bad
	}
	var b boxFile
	guid, ok := strings.CutPrefix(lines[1], "guid ")
	if !ok || len(guid) != 32 || !isLowerHex([]byte(guid)) {
		return boxFile{}, bad
	}
	uv, ok := strings.CutPrefix(lines[2], "uidvalidity ")
	if !ok {
		return boxFile{}, bad
	}
	n, err := parseCanonicalUint([]byte(uv), 32)
	if err != nil || n == 0 {
		return boxFile{}, bad
	}
	c, ok := strings.CutPrefix(lines[3], "created ")
	if !ok {
		return boxFile{}, bad
	}
	t, err := time.Parse(time.RFC3339, c)
	if err != nil {
		return boxFile{}, bad
	}
	b.guid, b.uidValidity, b.created = guid, uint32(n), t
	return b, nil
}

// claimUIDValidity claims a new UIDVALIDITY for the account (FORMAT.md,
// "Create mailbox" step 1): max(now, highest claimed + 1), by exclusive
// create, so that no two mailboxes of the account, past or present, share
// one (RFC 3501 §2.3.1.1).
func (a *Account) claimUIDValidity() (uint32, error) {
	dir := a.path("uidvalidity")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var highest uint64
	for _, e := range ents {
		if v, err := parseCanonicalUint([]byte(e.Name()), 32); err == nil && v > highest {
			highest = v
		}
	}
	n := max(uint64(time.Now().Unix()), highest+1)
	for ; n <= math.MaxUint32; n++ {
		f, err := os.OpenFile(filepath.Join(dir, strconv.FormatUint(n, 10)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		f.Close()
		if err := a.s.fs.syncDir(dir); err != nil {
			return 0, err
		}
		return uint32(n), nil
	}
	return 0, fmt.Errorf("store: UIDVALIDITY values exhausted")
}

// CreateMailbox creates the mailbox name, and the levels above it that do
// not exist (as non-selectable levels). Creating a name that exists as a
// non-selectable level makes it selectable. Errors: ErrExists, ErrInvalid
// (see the name rules in FORMAT.md).
func (a *Account) CreateMailbox(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	return a.createMailbox(n, nil)
}

// createMailbox creates the mailbox n with the special-use attributes uses
// (canonical, possibly none): FORMAT.md, "Create mailbox".
func (a *Account) createMailbox(n mailboxName, uses []string) error {
	levelDir := a.path("names", n.rel)
	if _, err := os.Lstat(filepath.Join(levelDir, "box")); err == nil {
		return fmt.Errorf("%w: mailbox %q", ErrExists, n.name)
	}
	uv, err := a.claimUIDValidity()
	if err != nil {
		return err
	}
	guid := randomHex()
	boxDir := a.path("boxes", guid)
	for _, d := range []string{boxDir, filepath.Join(boxDir, "log"), filepath.Join(boxDir, "snap")} {
		if err := os.Mkdir(d, 0o750); err != nil {
			return err
		}
	}
	if len(uses) > 0 {
		// Step 2: the attributes are in place before the box file
		// makes the mailbox visible.
		if err := a.s.fs.writeNew(a.path("tmp"), filepath.Join(boxDir, specialUseFile), marshalUses(uses)); err != nil {
			os.RemoveAll(boxDir)
			return err
		}
	}
	for _, d := range []string{a.path("boxes"), boxDir} {
		if err := a.s.fs.syncDir(d); err != nil {
			os.RemoveAll(boxDir)
			return err
		}
	}
	content := boxFile{guid: guid, uidValidity: uv, created: time.Now()}.marshal()
	for attempt := 0; ; attempt++ {
		if err := a.s.fs.mkdirAll(levelDir); err != nil {
			os.RemoveAll(boxDir)
			return err
		}
		err := a.s.fs.writeNew(a.path("tmp"), filepath.Join(levelDir, "box"), content)
		switch {
		case err == nil:
			return a.s.fs.syncDir(levelDir)
		case errors.Is(err, fs.ErrExist):
			os.RemoveAll(boxDir)
			return fmt.Errorf("%w: mailbox %q", ErrExists, n.name)
		case errors.Is(err, fs.ErrNotExist) && attempt < 16:
			// A concurrent delete or rename removed an empty level
			// between mkdir and link: make it again.
			continue
		}
		os.RemoveAll(boxDir)
		return err
	}
}

// readBox reads the box file of the level at rel under names/.
func (a *Account) readBox(rel string) (boxFile, error) {
	data, err := os.ReadFile(a.path("names", rel, "box"))
	if err != nil {
		return boxFile{}, err
	}
	return parseBoxFile(data)
}

// DeleteMailbox deletes the mailbox name and its messages (FORMAT.md,
// "Delete mailbox"). Its children survive; its level stays, non-selectable,
// while it has any. Errors: ErrNotFound (also for a non-selectable level),
// ErrPermission for INBOX, ErrInvalid.
func (a *Account) DeleteMailbox(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	if n.isInbox() {
		return fmt.Errorf("%w: INBOX cannot be deleted", ErrPermission)
	}
	levelDir := a.path("names", n.rel)
	// Step 1: move the box file away. Renaming (rather than reading it and
	// unlinking by name) tells exactly which mailbox was deleted even if a
	// concurrent rename and create put another mailbox at this name.
	held := a.path("trash", "box."+randomHex())
	if err := os.Rename(filepath.Join(levelDir, "box"), held); err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return fmt.Errorf("%w: mailbox %q", ErrNotFound, n.name)
		}
		return err
	}
	if err := a.s.fs.syncDir(levelDir); err != nil {
		return err
	}
	data, err := os.ReadFile(held)
	if err != nil {
		return err
	}
	b, err := parseBoxFile(data)
	if err != nil {
		// Unreadable box: the name is gone; Check finds the orphaned data.
		os.Remove(held)
		a.pruneLevels(levelDir)
		return nil
	}
	// Step 2: move the data away; deliveries still holding the GUID now
	// fail at their link.
	boxDir := a.path("boxes", b.guid)
	gone := a.path("trash", b.guid)
	if err := os.Rename(boxDir, gone); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := a.s.fs.syncDir(a.path("boxes")); err != nil {
		return err
	}
	a.s.forgetStates(boxDir)
	// Step 3: remove. The mailbox is already deleted: a write that
	// resolved its path under boxes/<guid> before step 2 may still land
	// in gone/ while it is removed (a special-use change, a record link),
	// so removal is tried again, and what remains is left to Check.
	for range 3 {
		if err = os.RemoveAll(gone); err == nil {
			break
		}
	}
	if err != nil {
		a.s.log.Warn("store: deleted mailbox's data left in trash for check", "path", gone, "err", err)
	}
	os.Remove(held)
	a.pruneLevels(levelDir)
	return nil
}

// isNotDir reports ENOTDIR: a path element that should be a level is not a
// directory (only a damaged tree has that).
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

// pruneLevels removes dir and then its ancestors under names/ while they are
// empty (no box file, no children). rmdir fails on a non-empty directory, so
// this never removes a mailbox or a level with children.
func (a *Account) pruneLevels(dir string) {
	root := a.path("names")
	for dir != root && strings.HasPrefix(dir, root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		a.s.fs.syncDir(filepath.Dir(dir))
		dir = filepath.Dir(dir)
	}
}

// RenameMailbox renames the mailbox oldName, with all its children, to
// newName (RFC 3501 §6.3.5), creating missing levels above newName. GUID
// and UIDVALIDITY are kept. Errors: ErrNotFound (oldName is not a mailbox),
// ErrExists (newName is a mailbox or a level with children), ErrPermission
// (oldName is INBOX: the server renames INBOX by moving its messages),
// ErrInvalid (a bad name, or newName below oldName).
func (a *Account) RenameMailbox(oldName, newName string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	o, err := parseMailboxName(oldName)
	if err != nil {
		return err
	}
	n, err := parseMailboxName(newName)
	if err != nil {
		return err
	}
	if o.isInbox() {
		return fmt.Errorf("%w: INBOX cannot be renamed", ErrPermission)
	}
	if strings.HasPrefix(n.name, o.name+hierarchyDelimiter) {
		return fmt.Errorf("%w: cannot rename %q below itself", ErrInvalid, o.name)
	}
	oldDir := a.path("names", o.rel)
	newDir := a.path("names", n.rel)
	for attempt := 0; ; attempt++ {
		if _, err := os.Lstat(filepath.Join(oldDir, "box")); err != nil {
			if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
				return fmt.Errorf("%w: mailbox %q", ErrNotFound, o.name)
			}
			return err
		}
		if n.isInbox() || o.name == n.name {
			return fmt.Errorf("%w: mailbox %q", ErrExists, n.name)
		}
		if err := a.s.fs.mkdirAll(filepath.Dir(newDir)); err != nil {
			return err
		}
		// An existing empty level is replaced; one with a box file or
		// children is a name that exists.
		if err := os.Remove(newDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: mailbox %q", ErrExists, n.name)
		}
		err := a.s.fs.renameNoReplace(oldDir, newDir)
		switch {
		case err == nil:
			a.s.fs.syncDir(filepath.Dir(newDir))
			a.s.fs.syncDir(filepath.Dir(oldDir))
			a.pruneLevels(filepath.Dir(oldDir))
			return nil
		case errors.Is(err, fs.ErrExist):
			return fmt.Errorf("%w: mailbox %q", ErrExists, n.name)
		case errors.Is(err, fs.ErrNotExist) && attempt < 16:
			continue // a level was pruned concurrently, or oldName went away
		}
		return err
	}
}

// Mailboxes lists the account's mailboxes and the non-selectable levels
// that have listed children, sorted by name (byte order).
func (a *Account) Mailboxes() ([]MailboxInfo, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	var out []MailboxInfo
	if _, err := a.walkNames(a.path("names"), "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// walkNames appends the listed names below dir; it reports whether any was
// listed.
func (a *Account) walkNames(dir, prefix string, out *[]MailboxInfo) (bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && prefix != "" {
			return false, nil // removed while we walked
		}
		return false, err
	}
	any := false
	for _, e := range ents {
		level, ok := decodeComponent(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		name := level
		if prefix != "" {
			name = prefix + hierarchyDelimiter + level
		}
		sub := filepath.Join(dir, e.Name())
		before := len(*out)
		*out = append(*out, MailboxInfo{Name: name})
		hasChildren, err := a.walkNames(sub, name, out)
		if err != nil {
			return false, err
		}
		data, berr := os.ReadFile(filepath.Join(sub, "box"))
		selectable := berr == nil
		if !selectable && !hasChildren {
			*out = append((*out)[:before], (*out)[before+1:]...)
			continue
		}
		if selectable {
			if b, err := parseBoxFile(data); err == nil {
				(*out)[before].SpecialUse = a.readUses(b.guid)
			}
		}
		(*out)[before].Selectable = selectable
		(*out)[before].HasChildren = hasChildren
		any = true
	}
	return any, nil
}

// Mailbox opens the mailbox name ("inbox" in any case is INBOX). Errors:
// ErrNotFound, also for a non-selectable level; ErrInvalid.
func (a *Account) Mailbox(name string) (*Mailbox, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return nil, err
	}
	b, err := a.readBox(n.rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, fmt.Errorf("%w: mailbox %q", ErrNotFound, n.name)
		}
		return nil, err
	}
	st := a.s.state(a.path("boxes", b.guid), b.guid, b.uidValidity, a.path("tmp"))
	return &Mailbox{a: a, name: n.name, st: st}, nil
}

// subscriptionFile returns the file that records a subscription to name:
// subscriptions/<SHA-256 of the name, hex>, holding the name and LF.
func (a *Account) subscriptionFile(name string) string {
	sum := sha256.Sum256([]byte(name))
	return a.path("subscriptions", hex.EncodeToString(sum[:]))
}

// Subscribe adds name to the subscriptions (RFC 3501 §6.3.6). The mailbox
// need not exist; subscribing twice is not an error. Errors: ErrInvalid.
func (a *Account) Subscribe(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	err = a.s.fs.writeNew(a.path("tmp"), a.subscriptionFile(n.name), []byte(n.name+"\n"))
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return a.s.fs.syncDir(a.path("subscriptions"))
}

// Unsubscribe removes name from the subscriptions (RFC 3501 §6.3.7).
// Errors: ErrNotFound if it is not subscribed, ErrInvalid.
func (a *Account) Unsubscribe(name string) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	n, err := parseMailboxName(name)
	if err != nil {
		return err
	}
	if err := os.Remove(a.subscriptionFile(n.name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: not subscribed to %q", ErrNotFound, n.name)
		}
		return err
	}
	return a.s.fs.syncDir(a.path("subscriptions"))
}

// Subscriptions returns the subscribed names, sorted.
func (a *Account) Subscriptions() ([]string, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	dir := a.path("subscriptions")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // unsubscribed meanwhile
			}
			return nil, err
		}
		name, ok := parseSubscription(data)
		if !ok || a.subscriptionFile(name) != filepath.Join(dir, e.Name()) {
			a.s.log.Warn("store: ignoring bad subscription file", "path", filepath.Join(dir, e.Name()))
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

func parseSubscription(data []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !bytes.HasSuffix(data, []byte("\n")) || bytes.Count(data, []byte("\n")) != 1 || !sc.Scan() {
		return "", false
	}
	n, err := parseMailboxName(sc.Text())
	if err != nil || n.name != sc.Text() {
		return "", false
	}
	return n.name, true
}

// Usage returns the octets and messages of all the account's mailboxes,
// summed from their current states (not a counter that could drift): one
// directory walk of names/ and, per mailbox, one failed open when it has
// not changed (its Snapshot and the Snapshot's sum are reused). See
// FORMAT.md, "Quotas", for what a check against it guarantees.
func (a *Account) Usage() (Usage, error) {
	boxes, err := a.Mailboxes()
	if err != nil {
		return Usage{}, err
	}
	var u Usage
	for _, info := range boxes {
		if !info.Selectable {
			continue
		}
		m, err := a.Mailbox(info.Name)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return Usage{}, err
		}
		snap, err := m.Snapshot()
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return Usage{}, err
		}
		u.Octets += snap.Octets()
		u.Messages += int64(len(snap.Messages))
	}
	return u, nil
}
