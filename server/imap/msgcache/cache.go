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
// server's local disk that keeps entries across restarts (disk.go).
package msgcache

import (
	"container/list"
	"log/slog"
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
	MemoryHits      int64 // structures found in memory
	DiskHits        int64 // structures read from the directory
	Parses          int64 // structures that had to be parsed
	SegmentsRead    int64 // segment files read
	SegmentsWritten int64 // segment files written, merges included
	Entries         int   // structures in memory now
	Bytes           int64 // their estimated memory
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

	disk diskState

	memoryHits      atomic.Int64
	diskHits        atomic.Int64
	parses          atomic.Int64
	segmentsRead    atomic.Int64
	segmentsWritten atomic.Int64
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
	c.disk.init()
	return c
}

// Load returns the structure of the message key, whose size is size
// octets: from memory, else from the directory, else from parse, whose
// result is then kept in memory and written to the directory at once. An
// error of parse is returned as it is and nothing is kept. A command that
// loads many structures uses a Batch, which writes them together.
func (c *Cache) Load(key Key, size int64, parse func() (*rfc3501.Message, error)) (*rfc3501.Message, error) {
	b := c.NewBatch()
	defer b.Flush()
	return b.Load(key, size, parse)
}

// Batch loads structures like Cache.Load, and keeps those it had to parse
// until Flush, which writes them to the directory together (one segment
// file per mailbox rather than one file per message). Not safe for
// concurrent use; one command uses one Batch.
type Batch struct {
	c       *Cache
	pending map[segmentKey]*pendingSegment
	// last holds the structures of the last segment the batch read, by
	// UID, so that a FETCH of many messages reads each segment once even
	// when memory keeps fewer structures than a segment holds.
	last    map[uint32]*rfc3501.Message
	lastKey segmentKey
}

// NewBatch returns an empty batch.
func (c *Cache) NewBatch() *Batch { return &Batch{c: c} }

// Load is Cache.Load, except that a structure that had to be parsed is
// written at the latest by Flush.
func (b *Batch) Load(key Key, size int64, parse func() (*rfc3501.Message, error)) (*rfc3501.Message, error) {
	c := b.c
	if m := c.memory(key); m != nil && m.Size == size {
		c.memoryHits.Add(1)
		return m, nil
	}
	if m := b.last[key.UID]; m != nil && m.Size == size && b.lastKey == (segmentKey{key.Mailbox, key.UIDValidity}) {
		c.diskHits.Add(1)
		return m, nil
	}
	if m := c.readDisk(b, key, size); m != nil {
		c.diskHits.Add(1)
		return m, nil
	}
	m, err := parse()
	if err != nil {
		return nil, err
	}
	c.parses.Add(1)
	c.remember(key, m, false)
	b.add(key, m)
	return m, nil
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	n, b := len(c.entries), c.bytes
	c.mu.Unlock()
	return Stats{
		MemoryHits:      c.memoryHits.Load(),
		DiskHits:        c.diskHits.Load(),
		Parses:          c.parses.Load(),
		SegmentsRead:    c.segmentsRead.Load(),
		SegmentsWritten: c.segmentsWritten.Load(),
		Entries:         n,
		Bytes:           b,
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
// beyond the bounds. With ifAbsent, a structure already kept stays as it
// is, and where it is in the LRU order.
func (c *Cache) remember(key Key, m *rfc3501.Message, ifAbsent bool) {
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
		if ifAbsent {
			return
		}
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
