package msgcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
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
			got, err := decode(encode(key, m), key, int64(len(raw)))
			if err != nil {
				t.Fatal(err)
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
	got, err := decode(encode(key, m), key, m.Size)
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
	size := int64(len(raw))

	for i := range data {
		damaged := append([]byte(nil), data...)
		damaged[i] ^= 0x55
		if _, err := decode(damaged, key, size); !errors.Is(err, errCorrupt) {
			t.Fatalf("octet %d flipped: err %v, want errCorrupt", i, err)
		}
	}
	for n := range len(data) {
		if _, err := decode(data[:n], key, size); !errors.Is(err, errCorrupt) {
			t.Fatalf("truncated to %d octets: err %v, want errCorrupt", n, err)
		}
	}
	for _, other := range []Key{
		{Mailbox: mailboxID, UIDValidity: 3, UID: 10},
		{Mailbox: mailboxID, UIDValidity: 4, UID: 9},
		{Mailbox: strings.Repeat("f", 32), UIDValidity: 3, UID: 9},
	} {
		if _, err := decode(data, other, size); !errors.Is(err, errCorrupt) {
			t.Errorf("entry of %v read as %v: err %v, want errCorrupt", key, other, err)
		}
	}
	if _, err := decode(data, key, size+1); !errors.Is(err, errCorrupt) {
		t.Errorf("entry read for another size: err %v, want errCorrupt", err)
	}
	old := append([]byte(nil), data...)
	old[3] = formatVersion + 1
	if _, err := decode(old, key, size); !errors.Is(err, errCorrupt) {
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
	if _, err := decode(encode(key, &bad), key, int64(len(raw))); !errors.Is(err, errCorrupt) {
		t.Errorf("span beyond the message: err %v, want errCorrupt", err)
	}
}

func FuzzDecode(f *testing.F) {
	key := Key{Mailbox: mailboxID, UIDValidity: 1, UID: 2}
	for _, raw := range testMessages {
		data := encode(key, parse(f, raw))
		f.Add(data[headerLen:], int64(len(raw)))
	}
	f.Fuzz(func(t *testing.T, payload []byte, size int64) {
		m, err := decode(sealed(payload), key, size)
		if err != nil {
			return
		}
		// What decodes encodes to an entry that decodes the same.
		again, err := decode(encode(key, m), key, size)
		if err != nil {
			t.Fatalf("re-encoded entry: %v", err)
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

func entryPath(dir string, key Key) string {
	return filepath.Join(dir, key.Mailbox[:2], key.Mailbox, entryName(key))
}

func TestDisk(t *testing.T) {
	dir := t.TempDir()
	raw := testMessages[2]
	size := int64(len(raw))
	key := keyOf(42)
	var n counter

	first := New(Options{Dir: dir})
	m1, err := first.Load(key, size, n.parse(t, key, raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entryPath(dir, key)); err != nil {
		t.Fatalf("no entry on disk: %v", err)
	}

	// A new cache on the same directory, as after a restart.
	second := New(Options{Dir: dir})
	m2, err := second.Load(key, size, n.parse(t, key, raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.calls(key); got != 1 {
		t.Errorf("parsed %d times, want once", got)
	}
	if st := second.Stats(); st.DiskHits != 1 || st.Entries != 1 {
		t.Errorf("stats %+v, want one disk hit, kept in memory", st)
	}
	sameStructure(t, m1, m2)

	// Damaged entries are ignored and written again.
	for _, damage := range []func(path string) error{
		func(p string) error { return os.WriteFile(p, []byte("garbage"), 0o600) },
		func(p string) error { return os.Truncate(p, 20) },
		func(p string) error { return os.WriteFile(p, nil, 0o600) },
	} {
		if err := damage(entryPath(dir, key)); err != nil {
			t.Fatal(err)
		}
		before := n.calls(key)
		c := New(Options{Dir: dir})
		if _, err := c.Load(key, size, n.parse(t, key, raw)); err != nil {
			t.Fatal(err)
		}
		if got := n.calls(key); got != before+1 {
			t.Errorf("damaged entry: parsed %d times, want %d", got, before+1)
		}
		c = New(Options{Dir: dir})
		c.Load(key, size, n.parse(t, key, raw))
		if st := c.Stats(); st.DiskHits != 1 {
			t.Errorf("entry not written again after damage: stats %+v", st)
		}
	}

	// An entry for another size (which the store never gives one UID) is
	// not used.
	c := New(Options{Dir: dir})
	other := testMessages[0]
	if _, err := c.Load(key, int64(len(other)), n.parse(t, key, other)); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.DiskHits != 0 || st.Parses != 1 {
		t.Errorf("entry of another size used: stats %+v", st)
	}

	// No temporary files are left behind.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*", "*", ".tmp-*"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// TestDiskRemoved checks that the directory may be removed while the cache
// is in use: entries are written again.
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
	if _, err := os.Stat(entryPath(dir, keyOf(3))); err != nil {
		t.Errorf("entry not written after the directory was removed: %v", err)
	}
}

// TestDiskBadMailboxID checks that a key whose mailbox id is not hex never
// reaches the file system.
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
