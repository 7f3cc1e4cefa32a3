package store

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"sort"
	"sync"
	"time"
)

// Message is one message of a mailbox as a Snapshot records it.
type Message struct {
	UID          uint32    // RFC 3501 §2.3.1.1
	ModSeq       uint64    // RFC 7162 §3.1: the record number of its last change
	Size         int64     // octets (RFC 3501 RFC822.SIZE)
	InternalDate time.Time // RFC 3501 §2.3.3, in UTC
	// Flags are the message's flags, sorted (byte order) and unique
	// (case-insensitively); system flags canonical (\Seen …). Shared
	// between snapshots: never modify.
	Flags []string
}

// Snapshot is the immutable state of a mailbox after some record: its
// status and every message not expunged. Snapshots are shared; never modify
// one or the slices in it.
type Snapshot struct {
	UIDValidity   uint32    // RFC 3501 §2.3.1.1, from the box file
	UIDNext       uint32    // the UID the next message will get
	HighestModSeq uint64    // RFC 7162 §3.1.2.1: number of the last record (0: none yet)
	Messages      []Message // ascending UID

	guid string
	recs []uint64 // recs[uid-1]: the record that holds the message uid
	// seen is the per-user \Seen state at this snapshot (never modified);
	// views caches the per-user views made from it (seen.go).
	seen  map[string]map[uint32]userSeen
	views sync.Map  // user -> *Snapshot
	base  *Snapshot // a user's view: the snapshot it was made from

	// octets is the sum of the messages' sizes, computed on first use by
	// Octets: a Snapshot is immutable, so the sum never changes.
	octetsOnce sync.Once
	octets     int64
}

// Octets returns the sum of the sizes of the snapshot's messages. It is
// computed once per Snapshot, and the store keeps a mailbox's Snapshot until
// the mailbox changes, so summing an unchanged mailbox again costs nothing
// (Account.Usage).
func (s *Snapshot) Octets() int64 {
	s.octetsOnce.Do(func() {
		for _, m := range s.Messages {
			s.octets += m.Size
		}
	})
	return s.octets
}

// Lookup returns the message with the given UID, and whether it is in the
// snapshot.
func (s *Snapshot) Lookup(uid uint32) (Message, bool) {
	i := sort.Search(len(s.Messages), func(i int) bool { return s.Messages[i].UID >= uid })
	if i < len(s.Messages) && s.Messages[i].UID == uid {
		return s.Messages[i], true
	}
	return Message{}, false
}

// Changes lists what happened between two snapshots of one mailbox.
type Changes struct {
	Expunged []uint32  // UIDs in old and not in new, ascending
	New      []Message // messages in new and not in old, ascending UID
	Updated  []Message // messages in both whose mod-sequence changed, as in new
}

// Diff returns the changes from old to new, two snapshots of one mailbox
// with old taken first. A nil old counts as empty. In O(len(old)+len(new)).
func Diff(old, new *Snapshot) Changes {
	var c Changes
	var om, nm []Message
	if old != nil {
		om = old.Messages
	}
	if new != nil {
		nm = new.Messages
	}
	i, j := 0, 0
	for i < len(om) || j < len(nm) {
		switch {
		case j == len(nm) || i < len(om) && om[i].UID < nm[j].UID:
			c.Expunged = append(c.Expunged, om[i].UID)
			i++
		case i == len(om) || nm[j].UID < om[i].UID:
			c.New = append(c.New, nm[j])
			j++
		default:
			if om[i].ModSeq != nm[j].ModSeq {
				c.Updated = append(c.Updated, nm[j])
			}
			i++
			j++
		}
	}
	return c
}

// The snapshot file (FORMAT.md, "Snapshots"): a binary encoding of the state
// after record K, ending with a CRC-32C of everything before it.
const snapMagic = "LOFTSNAP1\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// snapFile is a decoded snapshot file.
type snapFile struct {
	k           uint64
	uidValidity uint32
	uidNext     uint64
	recs        []uint64
	msgs        []Message
}

func encodeSnapshot(s *Snapshot) []byte {
	b := make([]byte, 0, len(snapMagic)+16*len(s.Messages)+4*len(s.recs)+64)
	b = append(b, snapMagic...)
	b = binary.AppendUvarint(b, s.HighestModSeq)
	b = binary.AppendUvarint(b, uint64(s.UIDValidity))
	b = binary.AppendUvarint(b, uint64(len(s.recs)))
	prev := uint64(0)
	for _, k := range s.recs {
		b = binary.AppendUvarint(b, k-prev)
		prev = k
	}
	// Distinct flag sets, in order of first use.
	index := map[string]int{}
	var sets [][]string
	ids := make([]int, len(s.Messages))
	for i, m := range s.Messages {
		key := flagKey(m.Flags)
		id, ok := index[key]
		if !ok {
			id = len(sets)
			index[key] = id
			sets = append(sets, m.Flags)
		}
		ids[i] = id
	}
	b = binary.AppendUvarint(b, uint64(len(sets)))
	for _, set := range sets {
		b = binary.AppendUvarint(b, uint64(len(set)))
		for _, f := range set {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(s.Messages)))
	prevUID := uint32(0)
	for i, m := range s.Messages {
		b = binary.AppendUvarint(b, uint64(m.UID-prevUID))
		prevUID = m.UID
		b = binary.AppendUvarint(b, m.ModSeq)
		b = binary.AppendVarint(b, m.InternalDate.Unix())
		b = binary.AppendUvarint(b, uint64(m.InternalDate.Nanosecond()))
		b = binary.AppendUvarint(b, uint64(m.Size))
		b = binary.AppendUvarint(b, uint64(ids[i]))
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func flagKey(flags []string) string {
	n := 0
	for _, f := range flags {
		n += len(f) + 1
	}
	b := make([]byte, 0, n)
	for _, f := range flags {
		b = append(b, f...)
		b = append(b, 0)
	}
	return string(b)
}

var errBadSnapshot = errors.New("store: damaged snapshot")

// snapReader decodes varints with a sticky error.
type snapReader struct {
	b   []byte
	err bool
}

func (r *snapReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *snapReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// decodeSnapshot parses and validates a snapshot file: checksum, counts
// within what the data can hold, record numbers strictly increasing and at
// most K, UIDs ascending and below UIDNEXT, mod-sequences between the
// message's record and K, flags canonical. Anything else is errBadSnapshot.
func decodeSnapshot(data []byte) (*snapFile, error) {
	if len(data) < len(snapMagic)+4 || string(data[:len(snapMagic)]) != snapMagic {
		return nil, errBadSnapshot
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return nil, errBadSnapshot
	}
	r := &snapReader{b: body[len(snapMagic):]}
	sf := &snapFile{k: r.uvarint()}
	uv := r.uvarint()
	if uv == 0 || uv > math.MaxUint32 {
		return nil, errBadSnapshot
	}
	sf.uidValidity = uint32(uv)
	nrecs := r.uvarint()
	if r.err || nrecs > uint64(len(r.b)) || nrecs > math.MaxUint32 {
		return nil, errBadSnapshot
	}
	sf.recs = make([]uint64, nrecs)
	prev := uint64(0)
	for i := range sf.recs {
		d := r.uvarint()
		if d == 0 || prev+d < prev || prev+d > sf.k {
			return nil, errBadSnapshot
		}
		prev += d
		sf.recs[i] = prev
	}
	sf.uidNext = nrecs + 1
	nsets := r.uvarint()
	if r.err || nsets > uint64(len(r.b)) {
		return nil, errBadSnapshot
	}
	sets := make([][]string, nsets)
	for i := range sets {
		nf := r.uvarint()
		if r.err || nf > uint64(len(r.b)) {
			return nil, errBadSnapshot
		}
		var flags []string
		for range nf {
			f := string(r.bytes(r.uvarint()))
			if r.err {
				return nil, errBadSnapshot
			}
			flags = append(flags, f)
		}
		list := make([]byte, 0, 64)
		list = appendFlagList(list, flags)
		if parsed, err := parseFlagList(list); err != nil || len(parsed) != len(flags) {
			return nil, errBadSnapshot
		}
		sets[i] = flags
	}
	nmsgs := r.uvarint()
	if r.err || nmsgs > nrecs {
		return nil, errBadSnapshot
	}
	sf.msgs = make([]Message, nmsgs)
	uid := uint64(0)
	for i := range sf.msgs {
		d := r.uvarint()
		uid += d
		modseq := r.uvarint()
		sec := r.varint()
		nsec := r.uvarint()
		size := r.uvarint()
		set := r.uvarint()
		if r.err || d == 0 || uid > nrecs || modseq < sf.recs[uid-1] || modseq > sf.k ||
			nsec >= 1e9 || size == 0 || size > maxSize || set >= nsets {
			return nil, errBadSnapshot
		}
		sf.msgs[i] = Message{
			UID:          uint32(uid),
			ModSeq:       modseq,
			Size:         int64(size),
			InternalDate: time.Unix(sec, int64(nsec)).UTC(),
			Flags:        sets[set],
		}
	}
	if len(r.b) != 0 {
		return nil, errBadSnapshot
	}
	return sf, nil
}
