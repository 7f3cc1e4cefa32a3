package msgcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// corpusDir holds malformed MIME messages shared by the project's tests;
// tests that read it skip when it is absent.
const corpusDir = "../../../../shared/corpus"

const mailboxID = "0123456789abcdef0123456789abcdef"

// testMessages are raw messages whose structures exercise every field of
// the encoding: groups, empty and absent envelope fields, nested
// multiparts and MESSAGE/RFC822, parameters, dispositions, languages.
var testMessages = []string{
	"Subject: plain\r\n\r\nbody\r\n",
	"Date: \r\nSubject:\r\nFrom: a@b.c\r\nTo: undisclosed:;\r\nCc: g: x@y.z, \"Q W\" <q@w.e>;, <r@s.t>\r\n" +
		"In-Reply-To: <x@y>\r\nMessage-ID: <id@host>\r\n\r\nno MIME\r\n",
	"From: x\r\nContent-Type: multipart/mixed; boundary=b; title*0*=us-ascii'en'a%20; title*1=b\r\n" +
		"Content-Disposition: inline; x=y\r\nContent-Language: en, de\r\nContent-Location: http://example.org/\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-ID: <1@x>\r\nContent-Description: one\r\n" +
		"Content-MD5: abc=\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n" +
		"--c\r\n\r\nx\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>\r\n--c--\r\n" +
		"--b--\r\n",
	"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: digest part\r\n\r\nhi\r\n--d--\r\n",
	"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
}

func parse(t testing.TB, raw string) *rfc3501.Message {
	t.Helper()
	m, err := rfc3501.ParseMessage(strings.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// allMessages returns testMessages and the corpus messages, when present.
func allMessages(t testing.TB) []string {
	msgs := append([]string(nil), testMessages...)
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(data))
	}
	return msgs
}

// sameStructure compares two structures field by field; nil and empty
// slices are the same, as BODYSTRUCTURE sends both as NIL.
func sameStructure(t *testing.T, want, got *rfc3501.Message) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("structure differs (-want +got):\n%s", diff)
	}
}

func TestEncodeDecode(t *testing.T) {
	for i, raw := range allMessages(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			m := parse(t, raw)
			key := Key{Mailbox: mailboxID, UIDValidity: 7, UID: uint32(i + 1)}
			gotKey, got, err := decode(encode(key, m))
			if err != nil {
				t.Fatal(err)
			}
			if gotKey != key {
				t.Errorf("key %v, want %v", gotKey, key)
			}
			sameStructure(t, m, got)
		})
	}
}

// TestEncodeNilAndEmpty checks that an absent envelope field (NIL) and an
// empty one ("") stay apart (RFC 3501 §7.4.2).
func TestEncodeNilAndEmpty(t *testing.T) {
	m := parse(t, testMessages[1])
	if m.Envelope.Date == nil || *m.Envelope.Date != "" || m.Envelope.Subject == nil {
		t.Fatalf("fixture: Date %v, Subject %v, want both present and empty", m.Envelope.Date, m.Envelope.Subject)
	}
	key := Key{Mailbox: mailboxID, UIDValidity: 1, UID: 1}
	_, got, err := decode(encode(key, m))
	if err != nil {
		t.Fatal(err)
	}
	if got.Envelope.Date == nil || *got.Envelope.Date != "" {
		t.Errorf("Date = %v, want present and empty", got.Envelope.Date)
	}
	if got.Envelope.Bcc != nil || got.Envelope.InReplyTo == nil || got.Envelope.Sender == nil {
		t.Errorf("envelope %+v: Bcc must be absent, In-Reply-To and Sender present", got.Envelope)
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	raw := testMessages[2]
	m := parse(t, raw)
	key := Key{Mailbox: mailboxID, UIDValidity: 3, UID: 9}
	data := encode(key, m)

	for i := range data {
		damaged := append([]byte(nil), data...)
		damaged[i] ^= 0x55
		if _, _, err := decode(damaged); !errors.Is(err, errCorrupt) {
			t.Fatalf("octet %d flipped: err %v, want errCorrupt", i, err)
		}
	}
	for n := range len(data) {
		if _, _, err := decode(data[:n]); !errors.Is(err, errCorrupt) {
			t.Fatalf("truncated to %d octets: err %v, want errCorrupt", n, err)
		}
	}
	old := append([]byte(nil), data...)
	old[3] = formatVersion + 1
	if _, _, err := decode(old); !errors.Is(err, errCorrupt) {
		t.Errorf("entry of another format version: err %v, want errCorrupt", err)
	}
}

// sealed returns payload as an entry with a valid magic and checksum, so
// that decode's own checks, not the checksum, meet what is in it.
func sealed(payload []byte) []byte {
	data := append(magic[:], 0, 0, 0, 0)
	data = append(data, payload...)
	binary.BigEndian.PutUint32(data[4:8], crc32.Checksum(data[headerLen:], castagnoli))
	return data
}

// TestDecodeSpansChecked checks that an entry whose spans leave the message
// is refused even when its checksum is right.
func TestDecodeSpansChecked(t *testing.T) {
	raw := testMessages[0]
	m := parse(t, raw)
	key := Key{Mailbox: mailboxID, UIDValidity: 1, UID: 1}
	bad := *m
	body := *m.Body
	body.Body.Len = int64(len(raw)) + 1
	bad.Body = &body
	if _, _, err := decode(encode(key, &bad)); !errors.Is(err, errCorrupt) {
		t.Errorf("span beyond the message: err %v, want errCorrupt", err)
	}
}

func FuzzDecode(f *testing.F) {
	key := Key{Mailbox: mailboxID, UIDValidity: 1, UID: 2}
	for _, raw := range testMessages {
		data := encode(key, parse(f, raw))
		f.Add(data[headerLen:])
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		key, m, err := decode(sealed(payload))
		if err != nil {
			return
		}
		// What decodes encodes to an entry that decodes the same.
		key2, again, err := decode(encode(key, m))
		if err != nil {
			t.Fatalf("re-encoded entry: %v", err)
		}
		if key2 != key {
			t.Fatalf("key %v, then %v", key, key2)
		}
		sameStructure(t, m, again)
	})
}

// counter is a parse function that counts its calls.
type counter struct {
	mu sync.Mutex
	n  map[Key]int
}

func (c *counter) parse(t testing.TB, key Key, raw string) func() (*rfc3501.Message, error) {
	return func() (*rfc3501.Message, error) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[Key]int{}
		}
		c.n[key]++
		c.mu.Unlock()
		return parse(t, raw), nil
	}
}

func (c *counter) calls(key Key) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func keyOf(uid uint32) Key { return Key{Mailbox: mailboxID, UIDValidity: 5, UID: uid} }

func TestMemoryLRU(t *testing.T) {
	raw := testMessages[0]
	size := int64(len(raw))
	c := New(Options{MaxEntries: 2})
	var n counter
	load := func(uid uint32) {
		t.Helper()
		if _, err := c.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw)); err != nil {
			t.Fatal(err)
		}
	}
	load(1)
	load(2)
	load(1) // 1 is now the most recently used
	load(3) // evicts 2
	load(1)
	load(2)
	want := map[uint32]int{1: 1, 2: 2, 3: 1}
	for uid, w := range want {
		if got := n.calls(keyOf(uid)); got != w {
			t.Errorf("UID %d parsed %d times, want %d", uid, got, w)
		}
	}
	st := c.Stats()
	if st.Entries != 2 || st.Parses != 4 || st.MemoryHits != 2 || st.DiskHits != 0 {
		t.Errorf("stats %+v, want 2 entries, 4 parses, 2 memory hits", st)
	}
}

func TestMemoryBytesBound(t *testing.T) {
	raw := testMessages[2]
	m := parse(t, raw)
	one := footprint(m)
	c := New(Options{MaxBytes: one + one/2})
	var n counter
	for uid := uint32(1); uid <= 3; uid++ {
		if _, err := c.Load(keyOf(uid), m.Size, n.parse(t, keyOf(uid), raw)); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.Entries != 1 || st.Bytes != one {
		t.Errorf("stats %+v, want one entry of %d bytes", st, one)
	}
	// A structure larger than the bound is not kept at all.
	small := New(Options{MaxBytes: one - 1})
	small.Load(keyOf(1), m.Size, n.parse(t, keyOf(1), raw))
	if st := small.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("stats %+v, want nothing kept", st)
	}
}

func TestMemoryDisabled(t *testing.T) {
	raw := testMessages[0]
	c := New(Options{MaxEntries: -1})
	var n counter
	for range 2 {
		c.Load(keyOf(1), int64(len(raw)), n.parse(t, keyOf(1), raw))
	}
	if got := n.calls(keyOf(1)); got != 2 {
		t.Errorf("parsed %d times, want 2 with no memory cache", got)
	}
}

func TestParseErrorNotKept(t *testing.T) {
	c := New(Options{Dir: t.TempDir()})
	failure := errors.New("disk on fire")
	_, err := c.Load(keyOf(1), 10, func() (*rfc3501.Message, error) { return nil, failure })
	if !errors.Is(err, failure) {
		t.Fatalf("Load: %v, want the parse error", err)
	}
	if st := c.Stats(); st.Entries != 0 || st.Parses != 0 {
		t.Errorf("stats %+v after a failed parse, want nothing", st)
	}
}

// segmentsIn lists the segment files of a mailbox directory.
func segmentsIn(t *testing.T, dir, id string) []segment {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, id[:2], id))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []segment
	for _, e := range entries {
		if s, ok := parseSegmentName(e.Name()); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestDisk(t *testing.T) {
	dir := t.TempDir()
	raw := testMessages[2]
	size := int64(len(raw))
	var n counter

	first := New(Options{Dir: dir})
	m42, err := first.Load(keyOf(42), size, n.parse(t, keyOf(42), raw))
	if err != nil {
		t.Fatal(err)
	}
	if segs := segmentsIn(t, dir, mailboxID); len(segs) != 1 || segs[0].first != 42 || segs[0].last != 42 {
		t.Fatalf("segments after Load: %+v, want one for UID 42", segs)
	}
	// A batch writes what it parsed as one segment, at Flush.
	b := first.NewBatch()
	for uid := uint32(1); uid <= 5; uid++ {
		if _, err := b.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw)); err != nil {
			t.Fatal(err)
		}
	}
	if segs := segmentsIn(t, dir, mailboxID); len(segs) != 1 {
		t.Fatalf("segments before Flush: %+v, want still one", segs)
	}
	b.Flush()
	if segs := segmentsIn(t, dir, mailboxID); len(segs) != 2 {
		t.Fatalf("segments after Flush: %+v, want two", segs)
	}

	// A new cache on the same directory, as after a restart: the segment
	// that holds UID 3 is read, and its neighbours come with it.
	second := New(Options{Dir: dir})
	for _, uid := range []uint32{3, 1, 5, 42} {
		m, err := second.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
		if err != nil {
			t.Fatal(err)
		}
		sameStructure(t, m42, m)
	}
	for uid := uint32(1); uid <= 5; uid++ {
		if got := n.calls(keyOf(uid)); got != 1 {
			t.Errorf("UID %d parsed %d times, want once", uid, got)
		}
	}
	if st := second.Stats(); st.Parses != 0 || st.DiskHits != 2 || st.MemoryHits != 2 || st.SegmentsRead != 2 || st.Entries != 6 {
		t.Errorf("stats %+v, want 2 segments read, 2 disk and 2 memory hits, 6 entries", st)
	}

	// An entry for another size (which the store never gives one UID) is
	// not used.
	third := New(Options{Dir: dir})
	if _, err := third.Load(keyOf(42), int64(len(testMessages[0])), n.parse(t, keyOf(42), testMessages[0])); err != nil {
		t.Fatal(err)
	}
	if st := third.Stats(); st.DiskHits != 0 || st.Parses != 1 {
		t.Errorf("entry of another size used: stats %+v", st)
	}

	// No temporary files are left behind.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*", "*", ".tmp-*"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// TestDiskBatchWithoutMemory checks that a batch reads a segment once even
// when memory keeps no structure.
func TestDiskBatchWithoutMemory(t *testing.T) {
	dir := t.TempDir()
	raw := testMessages[1]
	size := int64(len(raw))
	var n counter
	w := New(Options{Dir: dir})
	b := w.NewBatch()
	for uid := uint32(1); uid <= 50; uid++ {
		b.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
	}
	b.Flush()

	c := New(Options{Dir: dir, MaxEntries: -1})
	b = c.NewBatch()
	for uid := uint32(1); uid <= 50; uid++ {
		if _, err := b.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw)); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.SegmentsRead != 1 || st.DiskHits != 50 || st.Parses != 0 || st.Entries != 0 {
		t.Errorf("stats %+v, want one segment read for 50 disk hits, nothing in memory", st)
	}
}

// TestDiskDamage checks that damaged segments cost parses, never errors:
// a damaged entry is skipped, a damaged length ends the segment, and a
// file that is not a segment is ignored.
func TestDiskDamage(t *testing.T) {
	raw := testMessages[2]
	size := int64(len(raw))
	setup := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		c := New(Options{Dir: dir})
		b := c.NewBatch()
		var n counter
		for uid := uint32(1); uid <= 3; uid++ {
			b.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
		}
		b.Flush()
		segs := segmentsIn(t, dir, mailboxID)
		if len(segs) != 1 {
			t.Fatalf("segments %+v, want one", segs)
		}
		return dir, filepath.Join(dir, mailboxID[:2], mailboxID, segs[0].name)
	}
	entryLen := len(encode(keyOf(1), parse(t, raw)))
	prefix := 4 + len(binary.AppendUvarint(nil, uint64(entryLen)))
	for _, tc := range []struct {
		name   string
		damage func(data []byte) []byte
		parsed []uint32 // the UIDs that must be parsed again
	}{
		{"garbage", func([]byte) []byte { return []byte("garbage") }, []uint32{1, 2, 3}},
		{"empty", func([]byte) []byte { return nil }, []uint32{1, 2, 3}},
		{"magic", func(d []byte) []byte { d[0] = 'X'; return d }, []uint32{1, 2, 3}},
		{"entry 2", func(d []byte) []byte { d[prefix+entryLen+prefix-4+20] ^= 1; return d }, []uint32{2}},
		{"length 2", func(d []byte) []byte { d[prefix+entryLen] = 0xff; return d }, []uint32{2, 3}},
		{"truncated", func(d []byte) []byte { return d[:len(d)-10] }, []uint32{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, path := setup(t)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			c := New(Options{Dir: dir})
			var n counter
			for uid := uint32(1); uid <= 3; uid++ {
				if _, err := c.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw)); err != nil {
					t.Fatal(err)
				}
			}
			for uid := uint32(1); uid <= 3; uid++ {
				want := 0
				if slices.Contains(tc.parsed, uid) {
					want = 1
				}
				if got := n.calls(keyOf(uid)); got != want {
					t.Errorf("UID %d parsed %d times, want %d", uid, got, want)
				}
			}
			// What was parsed again is written again.
			again := New(Options{Dir: dir})
			for uid := uint32(1); uid <= 3; uid++ {
				again.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
			}
			if st := again.Stats(); st.Parses != 0 {
				t.Errorf("after rewriting: stats %+v, want no parse", st)
			}
		})
	}
}

// TestDiskMerge checks that many small segments are merged into few, that
// full segments are left alone, and that nothing is lost.
func TestDiskMerge(t *testing.T) {
	dir := t.TempDir()
	raw := testMessages[2]
	size := int64(len(raw))
	c := New(Options{Dir: dir, MaxEntries: -1})
	var n counter

	// Enough structures for a full segment and a small one.
	perEntry := len(encode(keyOf(1), parse(t, raw))) + 2
	bulk := uint32(segmentTarget/perEntry + 10)
	b := c.NewBatch()
	for uid := uint32(1); uid <= bulk; uid++ {
		b.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
	}
	b.Flush()
	var full []string
	for _, s := range segmentsIn(t, dir, mailboxID) {
		if !s.small() {
			full = append(full, s.name)
		}
	}
	if len(full) != 1 {
		t.Fatalf("segments %+v, want one full", segmentsIn(t, dir, mailboxID))
	}
	// Small segments, one structure each, until with the rest of the bulk
	// there are more than maxSegments: then they are merged.
	for uid := bulk + 1; uid <= bulk+maxSegments; uid++ {
		c.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw))
	}
	segs := segmentsIn(t, dir, mailboxID)
	small := 0
	for _, s := range segs {
		if s.small() {
			small++
		}
	}
	if small != 1 || !slices.ContainsFunc(segs, func(s segment) bool { return s.name == full[0] }) {
		t.Errorf("after merging: %+v, want the full segment and one small one", segs)
	}
	// Everything is still there.
	fresh := New(Options{Dir: dir})
	for uid := uint32(1); uid <= bulk+maxSegments; uid++ {
		if _, err := fresh.Load(keyOf(uid), size, n.parse(t, keyOf(uid), raw)); err != nil {
			t.Fatal(err)
		}
	}
	if st := fresh.Stats(); st.Parses != 0 {
		t.Errorf("after merging: %d structures parsed again", st.Parses)
	}
}

// TestDiskRemoved checks that the directory may be removed while the cache
// is in use: segments are written again.
func TestDiskRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	raw := testMessages[0]
	size := int64(len(raw))
	c := New(Options{Dir: dir, MaxEntries: -1})
	var n counter
	c.Load(keyOf(1), size, n.parse(t, keyOf(1), raw))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	c.Load(keyOf(2), size, n.parse(t, keyOf(2), raw)) // fails to write, is forgotten
	c.Load(keyOf(3), size, n.parse(t, keyOf(3), raw)) // makes the directory again
	if segs := segmentsIn(t, dir, mailboxID); len(segs) != 1 || segs[0].first != 3 {
		t.Errorf("segments %+v after the directory was removed, want one for UID 3", segs)
	}
	if got := n.calls(keyOf(1)); got != 1 {
		t.Errorf("UID 1 parsed %d times, want once", got)
	}
}

// TestDiskForeignFiles checks that files that are not segments are left
// alone.
func TestDiskForeignFiles(t *testing.T) {
	dir := t.TempDir()
	mdir := filepath.Join(dir, mailboxID[:2], mailboxID)
	if err := os.MkdirAll(filepath.Join(mdir, "5.1-9.10.0123456789abcdef.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"README", ".tmp-5.1-9.10.0123456789abcdef", "5.1-9.x.0123456789abcdef", "5.9-1.10.0123456789abcdef"} {
		if err := os.WriteFile(filepath.Join(mdir, name), []byte("LMS\x01junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := New(Options{Dir: dir})
	var n counter
	raw := testMessages[0]
	if _, err := c.Load(keyOf(5), int64(len(raw)), n.parse(t, keyOf(5), raw)); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Parses != 1 || st.SegmentsRead != 0 {
		t.Errorf("stats %+v, want one parse and no segment read", st)
	}
}

// TestDiskBadMailboxID checks that a key whose mailbox id is not lowercase
// hex never reaches the file system.
func TestDiskBadMailboxID(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "cache")
	raw := testMessages[0]
	c := New(Options{Dir: dir})
	var n counter
	for _, id := range []string{"../../etc", "", "a", "0123/4567", "ABCDEF", strings.Repeat("a", 65)} {
		key := Key{Mailbox: id, UIDValidity: 1, UID: 1}
		if _, err := c.Load(key, int64(len(raw)), n.parse(t, key, raw)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("files created for bad mailbox ids: %v", entries)
	}
}

// TestConcurrent loads the same keys from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	msgs := allMessages(t)
	c := New(Options{Dir: dir, MaxEntries: 5})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				j := (i + g) % len(msgs)
				raw := msgs[j]
				key := keyOf(uint32(j + 1))
				m, err := c.Load(key, int64(len(raw)), func() (*rfc3501.Message, error) {
					return rfc3501.ParseMessage(strings.NewReader(raw), int64(len(raw)))
				})
				if err != nil || m.Size != int64(len(raw)) {
					t.Errorf("Load %v: %v, size %v", key, err, m)
					return
				}
			}
		})
	}
	wg.Wait()
	if st := c.Stats(); st.Entries > 5 {
		t.Errorf("stats %+v: more entries than the bound", st)
	}
}
