package msgcache

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// The directory.
//
// Each mailbox has a directory, DIR/<first two digits of its id>/<id>/,
// holding segment files named <UIDVALIDITY>.<first UID>-<last UID>.<size>.<random>:
// a magic number and a run of records, each the length of an entry (a
// uvarint) and the entry (encoding.go: checksum, key, structure). A segment
// is written once, to a temporary file in the same directory, and renamed
// into place, so that a reader sees a whole segment or none; it is never
// changed afterwards, only removed when merged into another. Nothing is
// fsynced: a crash may lose or damage segments, which costs time only.
//
// A FETCH writes the structures it parsed as one segment (more when they
// exceed segmentTarget octets). A structure missing from memory is looked
// for in the segments whose UID range holds its UID; a segment that is read
// has all its structures kept in memory, since a client that fetches one
// message's structure usually fetches its neighbours' too. When a mailbox
// has more than maxSegments small segments (under half of segmentTarget) of
// one UIDVALIDITY, they are merged into segments of about segmentTarget
// octets; the others are left alone, so each structure is rewritten only a
// few times.
//
// A damaged entry is skipped, a damaged length ends the segment, and a file
// whose name or magic is not a segment's is ignored. The directory may be
// removed at any time, even while the server runs. Entries of expunged
// messages stay until the directory is cleaned.

const (
	// segmentTarget is the size in octets at which a batch is written as a
	// segment, and at which merged segments are cut.
	segmentTarget = 1 << 20
	// maxSegments is the number of small segments of one UIDVALIDITY in a
	// mailbox beyond which they are merged.
	maxSegments = 16
	// listingTTL is how long a listing of a mailbox's segments is trusted:
	// a structure missing from it is looked for in a fresh listing after
	// that, in case another process wrote it.
	listingTTL = 2 * time.Second
	// maxListings bounds the listings kept.
	maxListings = 1024
)

var segmentMagic = [4]byte{'L', 'M', 'S', formatVersion}

// diskState is what a Cache knows of its directory.
type diskState struct {
	mu       sync.Mutex
	listings map[string]*listing // by mailbox directory
	made     map[string]bool     // mailbox directories known to exist
	merging  map[string]bool     // mailbox directories being merged
	warned   bool
}

func (d *diskState) init() {
	d.listings = make(map[string]*listing)
	d.made = make(map[string]bool)
	d.merging = make(map[string]bool)
}

// listing is the segments of one mailbox directory as last listed.
type listing struct {
	at   time.Time
	segs []segment
}

// segment is a segment file of a mailbox directory.
type segment struct {
	name        string
	validity    uint32
	first, last uint32
	size        int64
}

// small reports whether a segment is one that merging gathers.
func (s segment) small() bool { return s.size < segmentTarget/2 }

// segmentKey names the segments of one UIDVALIDITY of a mailbox.
type segmentKey struct {
	mailbox  string
	validity uint32
}

// validID reports whether a mailbox id may name a directory: lowercase hex
// digits only, as store.Mailbox.GUID gives, so that no key ever reaches a
// path outside the cache directory.
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

// mailboxDir is the directory of a mailbox's segments, or "" when there is
// no directory or the id cannot name one.
func (c *Cache) mailboxDir(id string) string {
	if c.dir == "" || !validID(id) {
		return ""
	}
	return filepath.Join(c.dir, id[:2], id)
}

func segmentName(validity, first, last uint32, size int) string {
	var r [8]byte
	rand.Read(r[:])
	return strconv.FormatUint(uint64(validity), 10) + "." + strconv.FormatUint(uint64(first), 10) + "-" +
		strconv.FormatUint(uint64(last), 10) + "." + strconv.Itoa(size) + "." + hex.EncodeToString(r[:])
}

// parseSegmentName reads a segment file's name; other names are not
// segments.
func parseSegmentName(name string) (segment, bool) {
	parts := strings.Split(name, ".")
	if len(parts) != 4 || len(parts[3]) != 16 {
		return segment{}, false
	}
	lo, hi, ok := strings.Cut(parts[1], "-")
	v, err1 := strconv.ParseUint(parts[0], 10, 32)
	first, err2 := strconv.ParseUint(lo, 10, 32)
	last, err3 := strconv.ParseUint(hi, 10, 32)
	size, err4 := strconv.ParseInt(parts[2], 10, 64)
	if !ok || err1 != nil || err2 != nil || err3 != nil || err4 != nil || first > last || size < 0 {
		return segment{}, false
	}
	return segment{name: name, validity: uint32(v), first: uint32(first), last: uint32(last), size: size}, true
}

// segments returns the segments of a mailbox directory: the listing kept,
// or a fresh one when there is none or when fresh is set and the one kept
// is older than listingTTL.
func (c *Cache) segments(dir string, fresh bool) []segment {
	c.disk.mu.Lock()
	l := c.disk.listings[dir]
	c.disk.mu.Unlock()
	if l != nil && (!fresh || time.Since(l.at) < listingTTL) {
		return l.segs
	}
	l = &listing{at: time.Now()}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.warn("listing a message structure cache directory failed", err)
	}
	for _, e := range entries {
		if s, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			l.segs = append(l.segs, s)
		}
	}
	c.disk.mu.Lock()
	if len(c.disk.listings) >= maxListings {
		clear(c.disk.listings)
	}
	c.disk.listings[dir] = l
	c.disk.mu.Unlock()
	return l.segs
}

// forget drops the listing of dir, so that the next lookup lists it again.
func (c *Cache) forget(dir string) {
	c.disk.mu.Lock()
	delete(c.disk.listings, dir)
	c.disk.mu.Unlock()
}

// added records a segment this process wrote in the listing kept of dir.
func (c *Cache) added(dir string, s segment) {
	c.disk.mu.Lock()
	defer c.disk.mu.Unlock()
	if l := c.disk.listings[dir]; l != nil {
		segs := append(slices.Clip(l.segs), s)
		c.disk.listings[dir] = &listing{at: l.at, segs: segs}
	}
}

// readDisk returns the structure kept in the directory for key, or nil. The
// segments that may hold it are read, and all they hold is kept in memory
// and, as the batch's last segment, in b.
func (c *Cache) readDisk(b *Batch, key Key, size int64) *rfc3501.Message {
	dir := c.mailboxDir(key.Mailbox)
	if dir == "" {
		return nil
	}
	var tried []string
	for _, fresh := range []bool{false, true} {
		for _, s := range c.segments(dir, fresh) {
			if s.validity != key.UIDValidity || key.UID < s.first || key.UID > s.last || slices.Contains(tried, s.name) {
				continue
			}
			tried = append(tried, s.name)
			seg := c.readSegment(dir, s.name, key)
			if seg == nil {
				continue
			}
			b.last, b.lastKey = seg, segmentKey{key.Mailbox, key.UIDValidity}
			if m := seg[key.UID]; m != nil && m.Size == size {
				return m
			}
		}
	}
	return nil
}

// readSegment reads a segment and returns the structures it holds of the
// mailbox and UIDVALIDITY of want, by UID. It keeps them in memory too:
// want's as the most recently used, the others only where not kept already.
func (c *Cache) readSegment(dir, name string, want Key) map[uint32]*rfc3501.Message {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			c.forget(dir) // merged away meanwhile
		} else {
			c.warn("reading a message structure cache segment failed", err)
		}
		return nil
	}
	c.segmentsRead.Add(1)
	recs := records(data)
	out := make(map[uint32]*rfc3501.Message, len(recs))
	for _, rec := range recs {
		key, m, err := decode(rec)
		if err != nil || key.Mailbox != want.Mailbox || key.UIDValidity != want.UIDValidity {
			continue
		}
		out[key.UID] = m
		if key != want {
			c.remember(key, m, true)
		}
	}
	if m := out[want.UID]; m != nil {
		c.remember(want, m, false)
	}
	return out
}

// records splits a segment into its entries. A segment without the magic
// has none; a length that runs beyond the data ends it.
func records(data []byte) [][]byte {
	if len(data) < len(segmentMagic) || [4]byte(data[:4]) != segmentMagic {
		return nil
	}
	var out [][]byte
	for rest := data[4:]; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			break
		}
		out = append(out, rest[k:k+int(n)])
		rest = rest[k+int(n):]
	}
	return out
}

// pendingSegment is a segment being collected by a Batch.
type pendingSegment struct {
	buf         []byte
	first, last uint32
}

func (p *pendingSegment) add(key Key, m *rfc3501.Message) {
	if len(p.buf) == 0 {
		p.buf = append(p.buf, segmentMagic[:]...)
		p.first, p.last = key.UID, key.UID
	}
	e := encode(key, m)
	p.buf = binary.AppendUvarint(p.buf, uint64(len(e)))
	p.buf = append(p.buf, e...)
	p.first, p.last = min(p.first, key.UID), max(p.last, key.UID)
}

// add keeps a parsed structure for the directory, writing a segment when
// enough have gathered.
func (b *Batch) add(key Key, m *rfc3501.Message) {
	if b.c.mailboxDir(key.Mailbox) == "" {
		return
	}
	if b.pending == nil {
		b.pending = make(map[segmentKey]*pendingSegment)
	}
	sk := segmentKey{key.Mailbox, key.UIDValidity}
	p := b.pending[sk]
	if p == nil {
		p = &pendingSegment{}
		b.pending[sk] = p
	}
	p.add(key, m)
	if len(p.buf) >= segmentTarget {
		b.c.writeSegment(sk, p)
		delete(b.pending, sk)
	}
}

// Flush writes the structures the batch parsed to the directory. Failures
// are logged and otherwise ignored. The batch may be used again.
func (b *Batch) Flush() {
	for sk, p := range b.pending {
		b.c.writeSegment(sk, p)
	}
	clear(b.pending)
}

// writeSegment writes a collected segment, then merges the mailbox's
// segments when there are too many.
func (c *Cache) writeSegment(sk segmentKey, p *pendingSegment) {
	dir := c.mailboxDir(sk.mailbox)
	if dir == "" || len(p.buf) == 0 {
		return
	}
	s, err := c.writeFile(dir, sk.validity, p.first, p.last, p.buf)
	if err != nil {
		c.warn("writing a message structure cache segment failed", err)
		return
	}
	c.added(dir, s)
	n := 0
	for _, s := range c.segments(dir, false) {
		if s.validity == sk.validity && s.small() {
			n++
		}
	}
	if n > maxSegments {
		c.merge(dir, sk)
	}
}

// writeFile writes data as a new segment of dir: to a temporary file, then
// renamed into place.
func (c *Cache) writeFile(dir string, validity, first, last uint32, data []byte) (segment, error) {
	c.disk.mu.Lock()
	made := c.disk.made[dir]
	c.disk.mu.Unlock()
	if !made {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return segment{}, err
		}
		c.disk.mu.Lock()
		c.disk.made[dir] = true
		c.disk.mu.Unlock()
	}
	name := segmentName(validity, first, last, len(data))
	tmp := filepath.Join(dir, ".tmp-"+name)
	err := os.WriteFile(tmp, data, 0o600)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			// The directory was removed meanwhile: make it again next time.
			c.disk.mu.Lock()
			delete(c.disk.made, dir)
			c.disk.mu.Unlock()
			c.forget(dir)
		}
		return segment{}, err
	}
	c.segmentsWritten.Add(1)
	return segment{name: name, validity: validity, first: first, last: last, size: int64(len(data))}, nil
}

// merge replaces the small segments of one UIDVALIDITY of a mailbox with
// segments of about segmentTarget octets holding each UID once, in UID
// order. The
// new segments are in place before the old ones are removed, so a reader
// never misses a structure that was there; one that listed the old
// segments finds them gone and lists again.
func (c *Cache) merge(dir string, sk segmentKey) {
	c.disk.mu.Lock()
	if c.disk.merging[dir] {
		c.disk.mu.Unlock()
		return
	}
	c.disk.merging[dir] = true
	c.disk.mu.Unlock()
	defer func() {
		c.disk.mu.Lock()
		delete(c.disk.merging, dir)
		c.disk.mu.Unlock()
		c.forget(dir)
	}()

	c.forget(dir)
	var old []string
	recs := map[uint32][]byte{}
	for _, s := range c.segments(dir, false) {
		if s.validity != sk.validity || !s.small() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, s.name))
		if err != nil {
			continue
		}
		old = append(old, s.name)
		for _, rec := range records(data) {
			if key, _, err := decode(rec); err == nil && key.Mailbox == sk.mailbox && key.UIDValidity == sk.validity {
				recs[key.UID] = rec
			}
		}
	}
	uids := make([]uint32, 0, len(recs))
	for uid := range recs {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	var p pendingSegment
	flush := func() bool {
		if len(p.buf) == 0 {
			return true
		}
		_, err := c.writeFile(dir, sk.validity, p.first, p.last, p.buf)
		p = pendingSegment{}
		if err != nil {
			c.warn("merging message structure cache segments failed", err)
			return false
		}
		return true
	}
	for _, uid := range uids {
		rec := recs[uid]
		if len(p.buf) == 0 {
			p.buf = append(p.buf, segmentMagic[:]...)
			p.first = uid
		}
		p.buf = binary.AppendUvarint(p.buf, uint64(len(rec)))
		p.buf = append(p.buf, rec...)
		p.last = uid
		if len(p.buf) >= segmentTarget && !flush() {
			return
		}
	}
	if !flush() {
		return
	}
	for _, name := range old {
		os.Remove(filepath.Join(dir, name))
	}
}

// warn logs the first failure of the directory as a warning and later ones
// at debug level, so that a broken directory does not flood the log.
func (c *Cache) warn(msg string, err error) {
	c.disk.mu.Lock()
	first := !c.disk.warned
	c.disk.warned = true
	c.disk.mu.Unlock()
	if first {
		c.log.Warn(msg, "dir", c.dir, "err", err)
		return
	}
	c.log.Debug(msg, "dir", c.dir, "err", err)
}
