// Package msgcache keeps the parsed structure of messages (rfc3501.Message:
// the ENVELOPE and the body structure with the place of every part, no
// octets) so that FETCH need not read and parse a message again.
//
// It is derived data (DESIGN.md, "The mdir store", rule 7): a message is
// named for ever by its mailbox's immutable id, the mailbox's UIDVALIDITY and
// its UID, and its octets never change, so an entry is never invalidated.
// Losing entries costs time, never data.
//
// Two levels: an in-memory LRU bounded by a number of entries and by an
// estimate of the bytes they hold, and, optionally, a directory on the
// server's local disk that keeps entries across restarts. Each entry there is
// one file, DIR/<first two digits of the mailbox id>/<mailbox id>/<UIDVALIDITY>-<UID>,
// written to a temporary file and renamed into place, so that a reader sees
// a whole entry or none. An entry carries a checksum, its key and the
// message's size; one that is damaged, of another format version, or does
// not match is ignored and written again. Entries are not fsynced: a crash
// may lose or damage some, which is harmless. The directory may be removed
// at any time, even while the server runs. Entries of expunged messages stay
// until the directory is cleaned; they are small (a few hundred octets for a
// simple message).
package msgcache

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Key names a message for ever: the mailbox's immutable id (store.Mailbox.GUID),
// the mailbox's UIDVALIDITY and the message's UID.
type Key struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// Defaults of Options.
const (
	DefaultMaxEntries = 100_000
	DefaultMaxBytes   = 64 << 20
)

// Options configure a Cache.
type Options struct {
	// MaxEntries bounds the number of structures kept in memory. Zero means
	// DefaultMaxEntries; negative keeps none in memory.
	MaxEntries int
	// MaxBytes bounds the estimated memory of the structures kept. Zero
	// means DefaultMaxBytes; negative keeps none in memory.
	MaxBytes int64
	// Dir, if set, is a directory on local disk that keeps structures across
	// restarts. It is created when needed.
	Dir string
	// Logger receives warnings about the directory. May be nil.
	Logger *slog.Logger
}

// Stats count what a Cache did since it was made.
type Stats struct {
	MemoryHits int64 // structures found in memory
	DiskHits   int64 // structures read from the directory
	Parses     int64 // structures that had to be parsed
	Entries    int   // structures in memory now
	Bytes      int64 // their estimated memory
}

// Cache is a cache of message structures. It is safe for concurrent use.
// The structures it returns are shared: never modify one.
type Cache struct {
	maxEntries int
	maxBytes   int64
	dir        string
	log        *slog.Logger

	mu      sync.Mutex
	entries map[Key]*list.Element // of *entry
	lru     list.List             // most recently used first
	bytes   int64

	made       sync.Map // mailbox directories known to exist
	warned     atomic.Bool
	memoryHits atomic.Int64
	diskHits   atomic.Int64
	parses     atomic.Int64
}

type entry struct {
	key  Key
	msg  *rfc3501.Message
	size int64 // footprint
}

// New returns a cache configured by opts.
func New(opts Options) *Cache {
	c := &Cache{
		maxEntries: opts.MaxEntries,
		maxBytes:   opts.MaxBytes,
		dir:        opts.Dir,
		log:        opts.Logger,
		entries:    make(map[Key]*list.Element),
	}
	if c.maxEntries == 0 {
		c.maxEntries = DefaultMaxEntries
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Load returns the structure of the message key, whose size is size
// octets: from memory, else from the directory, else from parse, whose
// result is then kept in both. An error of parse is returned as it is and
// nothing is kept.
func (c *Cache) Load(key Key, size int64, parse func() (*rfc3501.Message, error)) (*rfc3501.Message, error) {
	if m := c.memory(key); m != nil && m.Size == size {
		c.memoryHits.Add(1)
		return m, nil
	}
	if m := c.readDisk(key, size); m != nil {
		c.diskHits.Add(1)
		c.remember(key, m)
		return m, nil
	}
	m, err := parse()
	if err != nil {
		return nil, err
	}
	c.parses.Add(1)
	c.remember(key, m)
	c.writeDisk(key, m)
	return m, nil
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, b := len(c.entries), c.bytes
	c.mu.Unlock()
	return Stats{
		MemoryHits: c.memoryHits.Load(),
		DiskHits:   c.diskHits.Load(),
		Parses:     c.parses.Load(),
		Entries:    n,
		Bytes:      b,
	}
}

// Purge forgets every structure kept in memory; the directory stays.
func (c *Cache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.lru.Init()
	c.bytes = 0
}

func (c *Cache) memory(key Key) *rfc3501.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.entries[key]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*entry).msg
}

// remember keeps m in memory, evicting the least recently used structures
// beyond the bounds.
func (c *Cache) remember(key Key, m *rfc3501.Message) {
	if c.maxEntries < 0 || c.maxBytes < 0 {
		return
	}
	size := footprint(m)
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.entries[key]; el != nil {
		e := el.Value.(*entry)
		c.bytes += size - e.size
		e.msg, e.size = m, size
		c.lru.MoveToFront(el)
	} else {
		c.entries[key] = c.lru.PushFront(&entry{key: key, msg: m, size: size})
		c.bytes += size
	}
	for len(c.entries) > c.maxEntries || c.bytes > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.bytes -= e.size
	}
}

// validID reports whether a mailbox id may name a directory: hex digits
// only, as store.Mailbox.GUID gives, so that no key ever reaches a path
// outside the cache directory.
func validID(id string) bool {
	if len(id) < 2 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// mailboxDir is the directory of a mailbox's entries, or "" when there is
// no directory or the id cannot name one.
func (c *Cache) mailboxDir(id string) string {
	if c.dir == "" || !validID(id) {
		return ""
	}
	return filepath.Join(c.dir, id[:2], id)
}

func entryName(key Key) string {
	return strconv.FormatUint(uint64(key.UIDValidity), 10) + "-" + strconv.FormatUint(uint64(key.UID), 10)
}

// readDisk returns the structure kept in the directory, or nil.
func (c *Cache) readDisk(key Key, size int64) *rfc3501.Message {
	dir := c.mailboxDir(key.Mailbox)
	if dir == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, entryName(key)))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warn("reading a message structure cache entry failed", err)
		}
		return nil
	}
	m, err := decode(data, key, size)
	if err != nil {
		c.log.Debug("ignoring a damaged message structure cache entry", "mailbox", key.Mailbox, "uid", key.UID)
		return nil
	}
	return m
}

// writeDisk keeps m in the directory: written to a temporary file in the
// mailbox's directory and renamed over the entry, so that readers see the
// old entry, the new one, or none, never a part. Failures are logged and
// otherwise ignored.
func (c *Cache) writeDisk(key Key, m *rfc3501.Message) {
	dir := c.mailboxDir(key.Mailbox)
	if dir == "" {
		return
	}
	if _, ok := c.made.Load(dir); !ok {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			c.warn("creating a message structure cache directory failed", err)
			return
		}
		c.made.Store(dir, true)
	}
	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(suffix[:]))
	err := os.WriteFile(tmp, encode(key, m), 0o600)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, entryName(key)))
	}
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			// The directory was removed meanwhile: make it again next time.
			c.made.Delete(dir)
		}
		c.warn("writing a message structure cache entry failed", err)
	}
}

// warn logs the first failure of the directory as a warning and later ones
// at debug level, so that a broken directory does not flood the log.
func (c *Cache) warn(msg string, err error) {
	if c.warned.CompareAndSwap(false, true) {
		c.log.Warn(msg, "dir", c.dir, "err", err)
		return
	}
	c.log.Debug(msg, "dir", c.dir, "err", err)
}
