package store

import (
	"container/list"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// PollInterval is how often Watch tries to open the next record of a
	// mailbox's log, which finds changes made on other NFS clients that
	// inotify does not report. Default 2s.
	PollInterval time.Duration
	// Logger receives warnings about damaged derived data and failed
	// background work. May be nil.
	Logger *slog.Logger
	// NoSync skips every fsync. DANGER: with NoSync nothing is durable; a
	// crash of the machine (not just of the process) can lose acknowledged
	// messages and, worse, let UIDs be reused. For tests and benchmarks only;
	// never in production.
	NoSync bool
	// MaxMessageSize is the largest message Append accepts, in octets;
	// longer messages fail with ErrTooBig. 0 means 4 GiB - 1 (the largest
	// size an RFC 3501 literal can state); the largest allowed is
	// 999 999 999 999.
	MaxMessageSize int64
	// NewAccountMailboxes are the mailboxes CreateAccount makes in every
	// new account besides INBOX, with their special-use attributes (RFC
	// 6154), such as Drafts, Sent and Trash. They are made in the account's
	// staging tree, so that an account appears with all of them or not at
	// all, exactly once however many processes create it at once; a
	// mailbox the user deletes later does not come back. Open checks the
	// names and attributes (ErrInvalid, ErrExists for a name given twice
	// or INBOX).
	NewAccountMailboxes []NewMailbox
}

const (
	defaultPollInterval   = 2 * time.Second
	defaultMaxMessageSize = 1<<32 - 1
	// defaultGrace is how old a crash leftover must be before Check treats
	// it as abandoned rather than as part of an operation in progress.
	defaultGrace = time.Hour
	// maxCachedStates bounds the replayed mailbox states a Store keeps.
	maxCachedStates = 1024
)

// Store is a message store rooted at one directory (FORMAT.md, "Layout").
// Several Stores, in one process or many, on one host or several hosts
// sharing the directory, may use one root at once. A Store is safe for
// concurrent use by multiple goroutines.
type Store struct {
	root   string
	opts   Options
	fs     *fsys
	log    *slog.Logger
	closed atomic.Bool
	bg     sync.WaitGroup
	grace  time.Duration // Check's age threshold for leftovers
	// snapEvery is snapshotEvery; tests lower it to exercise snapshot
	// files with short logs.
	snapEvery uint64
	maxSize   int64

	mu     sync.Mutex
	states map[string]*list.Element // boxes/<guid> path -> *boxState
	lru    *list.List
	hub    *watchHub
}

// Open opens the store rooted at root, creating root and its top-level
// directories (accounts/, tmp/, trash/) when missing. Errors are I/O errors,
// or ErrInvalid for a MaxMessageSize out of range.
func Open(root string, opts Options) (*Store, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	maxSz := opts.MaxMessageSize
	if maxSz == 0 {
		maxSz = defaultMaxMessageSize
	}
	if maxSz < 0 || maxSz > maxSize {
		return nil, fmt.Errorf("%w: MaxMessageSize %d out of range", ErrInvalid, opts.MaxMessageSize)
	}
	newBoxes, err := checkNewMailboxes(opts.NewAccountMailboxes)
	if err != nil {
		return nil, err
	}
	opts.NewAccountMailboxes = newBoxes
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	s := &Store{
		root:      abs,
		opts:      opts,
		fs:        &fsys{noSync: opts.NoSync},
		log:       opts.Logger,
		grace:     defaultGrace,
		snapEvery: snapshotEvery,
		maxSize:   maxSz,
		states:    make(map[string]*list.Element),
		lru:       list.New(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		// Without /proc an O_TMPFILE file can only be linked with
		// CAP_DAC_READ_SEARCH; use named temporary files instead.
		s.fs.noTmpfile.Store(true)
	}
	for _, d := range []string{"accounts", "tmp", "trash"} {
		if err := s.fs.mkdirAll(filepath.Join(abs, d)); err != nil {
			return nil, err
		}
	}
	s.hub = newWatchHub(s.log)
	return s, nil
}

// Close stops background work (snapshot writing, change notification) and
// waits for it. Operations on the Store or its Accounts and Mailboxes after
// Close fail with an error satisfying errors.Is(err, os.ErrClosed); channels
// returned by Watch are closed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.hub.close()
	s.bg.Wait()
	return nil
}

func (s *Store) checkOpen() error {
	if s.closed.Load() {
		return fmt.Errorf("store: %w", os.ErrClosed)
	}
	return nil
}

func (s *Store) accountDir(enc string) string {
	return filepath.Join(s.root, "accounts", enc)
}

// CreateAccount creates the account name (a login name, any UTF-8 string
// without control characters whose encoding is at most 200 octets) with an
// empty INBOX and the empty Options.NewAccountMailboxes. The account appears
// whole or not at all: it is built under ROOT/tmp/ and renamed into
// accounts/. Errors: ErrExists, ErrInvalid.
func (s *Store) CreateAccount(name string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	enc, err := encodeAccount(name)
	if err != nil {
		return err
	}
	dst := s.accountDir(enc)
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%w: account %q", ErrExists, name)
	}
	s.sweepTop()
	stage := filepath.Join(s.root, "tmp", "a."+randomHex())
	if err := os.Mkdir(stage, 0o750); err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for _, d := range []string{"tmp", "uidvalidity", "names", "boxes", "subscriptions", "trash"} {
		if err := os.Mkdir(filepath.Join(stage, d), 0o750); err != nil {
			return err
		}
	}
	info := fmt.Sprintf("loft-account 1\ncreated %s\n", time.Now().UTC().Format(time.RFC3339))
	if err := s.fs.writeNew(filepath.Join(stage, "tmp"), filepath.Join(stage, "account"), []byte(info)); err != nil {
		return err
	}
	a := &Account{s: s, name: name, dir: stage}
	inbox, _ := parseMailboxName(inboxName)
	if err := a.createMailbox(inbox, nil); err != nil {
		return err
	}
	for _, nb := range s.opts.NewAccountMailboxes {
		n, _ := parseMailboxName(nb.Name) // checked by Open
		if err := a.createMailbox(n, nb.SpecialUse); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp", "uidvalidity", "names", "boxes", "subscriptions", "trash", ""} {
		if err := s.fs.syncDir(filepath.Join(stage, d)); err != nil {
			return err
		}
	}
	if err := s.fs.renameNoReplace(stage, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: account %q", ErrExists, name)
		}
		return err
	}
	return s.fs.syncDir(filepath.Join(s.root, "accounts"))
}

// CheckNewAccountMailboxes reports whether Open accepts boxes as
// Options.NewAccountMailboxes: ErrInvalid for a bad name or attribute,
// ErrExists for a name given twice or INBOX.
func CheckNewAccountMailboxes(boxes []NewMailbox) error {
	_, err := checkNewMailboxes(boxes)
	return err
}

// checkNewMailboxes checks Options.NewAccountMailboxes and returns them with
// canonical names and attributes.
func checkNewMailboxes(boxes []NewMailbox) ([]NewMailbox, error) {
	out := make([]NewMailbox, 0, len(boxes))
	seen := map[string]bool{inboxName: true}
	for _, nb := range boxes {
		n, err := parseMailboxName(nb.Name)
		if err != nil {
			return nil, err
		}
		if seen[n.name] {
			return nil, fmt.Errorf("%w: new-account mailbox %q given twice (or INBOX)", ErrExists, n.name)
		}
		seen[n.name] = true
		uses, err := canonicalUses(nb.SpecialUse)
		if err != nil {
			return nil, err
		}
		out = append(out, NewMailbox{Name: n.name, SpecialUse: uses})
	}
	return out, nil
}

// DeleteAccount removes the account and all its mail: one rename of its
// directory to ROOT/trash/ (after which the account no longer exists for
// anyone), then removal of the tree. Errors: ErrNotFound, ErrInvalid.
func (s *Store) DeleteAccount(name string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	enc, err := encodeAccount(name)
	if err != nil {
		return err
	}
	src := s.accountDir(enc)
	dst := filepath.Join(s.root, "trash", enc+"."+randomHex())
	if err := os.Rename(src, dst); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: account %q", ErrNotFound, name)
		}
		return err
	}
	if err := s.fs.syncDir(filepath.Join(s.root, "accounts")); err != nil {
		return err
	}
	s.forgetStates(src + string(filepath.Separator))
	return os.RemoveAll(dst)
}

// sweepTop removes leftovers of interrupted account creation and deletion
// (ROOT/tmp/a.*, ROOT/trash/*) older than the grace period.
func (s *Store) sweepTop() {
	for _, d := range []string{"tmp", "trash"} {
		dir := filepath.Join(s.root, d)
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > s.grace {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// AccountExists reports whether the account exists. Errors: ErrInvalid for a
// name that cannot be an account, or I/O errors.
func (s *Store) AccountExists(name string) (bool, error) {
	if err := s.checkOpen(); err != nil {
		return false, err
	}
	enc, err := encodeAccount(name)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(filepath.Join(s.accountDir(enc), "account"))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// Account returns the account name. Errors: ErrNotFound, ErrInvalid.
func (s *Store) Account(name string) (*Account, error) {
	ok, err := s.AccountExists(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: account %q", ErrNotFound, name)
	}
	enc, _ := encodeAccount(name)
	return &Account{s: s, name: name, dir: s.accountDir(enc)}, nil
}

// OpenAccount returns the account name, creating it (with its INBOX) when it
// does not exist yet: what a server does on an account's first login or
// first delivery. Concurrent calls for one name all succeed on the same
// account. Errors: ErrInvalid, and I/O errors.
func (s *Store) OpenAccount(name string) (*Account, error) {
	a, err := s.Account(name)
	if !errors.Is(err, ErrNotFound) {
		return a, err
	}
	if err := s.CreateAccount(name); err != nil && !errors.Is(err, ErrExists) {
		return nil, err
	}
	return s.Account(name)
}

// Accounts returns the names of all accounts, sorted.
func (s *Store) Accounts() ([]string, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(s.root, "accounts"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if n, err := decodeName(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// state returns the shared replay state of the mailbox whose data directory
// is boxDir, creating it on first use.
func (s *Store) state(boxDir, guid string, uidValidity uint32, tmpDir string) *boxState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.states[boxDir]; ok {
		s.lru.MoveToFront(e)
		return e.Value.(*boxState)
	}
	st := newBoxState(s, boxDir, guid, uidValidity, tmpDir)
	s.states[boxDir] = s.lru.PushFront(st)
	for s.lru.Len() > maxCachedStates {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.states, old.Value.(*boxState).dir)
	}
	return st
}

// forgetStates drops cached states whose directory starts with prefix.
func (s *Store) forgetStates(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.states {
		if strings.HasPrefix(k, prefix) {
			s.lru.Remove(e)
			delete(s.states, k)
		}
	}
}
