package msgcache

import (
	"encoding/binary"
	"errors"
	"hash/crc32"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// The entry format. An entry is
//
//	magic (4 octets) | CRC-32C of the rest (4 octets, big-endian) | payload
//
// and the payload is the key (mailbox id, UIDVALIDITY, UID) followed by the
// message structure: unsigned and signed varints, strings as a length and
// their octets, and a presence octet (0 or 1) before every optional value,
// so that an absent header field (NIL) and an empty one ("") stay apart as
// RFC 3501 §7.4.2 requires of ENVELOPE.
//
// formatVersion is the last octet of the magic. Change it whenever this
// encoding changes, or whenever rfc3501.ParseMessage starts to give other
// results for the same octets: entries written before are then ignored.
const formatVersion = 1

var (
	magic      = [4]byte{'L', 'M', 'C', formatVersion}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// headerLen is the size of the magic and the checksum.
const headerLen = 8

// Limits that keep a damaged entry from costing much: the deepest nesting
// of entities (each MESSAGE/RFC822 adds two levels) and the most entities
// that rfc3501.ParseMessage can produce, with room to spare.
const (
	maxDecodeDepth = 2*rfc3501.MaxDepth + 4
	maxDecodeNodes = 4 * rfc3501.MaxParts
)

var errCorrupt = errors.New("msgcache: corrupt entry")

// encode returns the entry of m under key.
func encode(key Key, m *rfc3501.Message) []byte {
	w := writer{b: make([]byte, headerLen, 512)}
	copy(w.b, magic[:])
	w.str(key.Mailbox)
	w.uint(uint64(key.UIDValidity))
	w.uint(uint64(key.UID))
	w.int(m.Size)
	w.envelope(m.Envelope)
	w.body(m.Body)
	binary.BigEndian.PutUint32(w.b[4:8], crc32.Checksum(w.b[headerLen:], castagnoli))
	return w.b
}

// decode returns the key and the message structure of an entry. Any
// damage, and an entry of another format version, is errCorrupt.
func decode(data []byte) (Key, *rfc3501.Message, error) {
	if len(data) < headerLen || [4]byte(data[:4]) != magic ||
		crc32.Checksum(data[headerLen:], castagnoli) != binary.BigEndian.Uint32(data[4:8]) {
		return Key{}, nil, errCorrupt
	}
	r := reader{b: data[headerLen:]}
	var key Key
	key.Mailbox = r.str()
	validity, uid := r.uint(), r.uint()
	if validity > 1<<32-1 || uid > 1<<32-1 {
		return Key{}, nil, errCorrupt
	}
	key.UIDValidity, key.UID = uint32(validity), uint32(uid)
	m := &rfc3501.Message{Size: r.int()}
	r.size = m.Size
	if m.Size < 0 {
		return Key{}, nil, errCorrupt
	}
	m.Envelope = r.envelope()
	m.Body = r.body(0)
	if r.bad || len(r.b) != 0 || m.Body == nil {
		return Key{}, nil, errCorrupt
	}
	return key, m, nil
}

// writer appends the encoding of a structure to b.
type writer struct{ b []byte }

func (w *writer) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }

func (w *writer) present(ok bool) bool {
	if ok {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
	return ok
}

func (w *writer) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *writer) optStr(s *string) {
	if w.present(s != nil) {
		w.str(*s)
	}
}

func (w *writer) strs(list []string) {
	w.uint(uint64(len(list)))
	for _, s := range list {
		w.str(s)
	}
}

func (w *writer) addresses(list []rfc3501.Address) {
	w.uint(uint64(len(list)))
	for _, a := range list {
		w.str(a.Name)
		w.str(a.ADL)
		w.str(a.Mailbox)
		w.str(a.Host)
	}
}

func (w *writer) envelope(e *rfc3501.Envelope) {
	if !w.present(e != nil) {
		return
	}
	w.optStr(e.Date)
	w.optStr(e.Subject)
	for _, list := range [][]rfc3501.Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		w.addresses(list)
	}
	w.optStr(e.InReplyTo)
	w.optStr(e.MessageID)
}

func (w *writer) params(ps []rfc3501.Param) {
	w.uint(uint64(len(ps)))
	for _, p := range ps {
		w.str(p.Name)
		w.str(p.Value)
	}
}

func (w *writer) span(s rfc3501.Span) {
	w.int(s.Off)
	w.int(s.Len)
}

func (w *writer) body(b *rfc3501.BodyStructure) {
	if !w.present(b != nil) {
		return
	}
	w.span(b.Header)
	w.span(b.Body)
	w.str(b.Type)
	w.str(b.Subtype)
	w.params(b.Params)
	w.str(b.ID)
	w.str(b.Description)
	w.str(b.Encoding)
	w.int(b.Lines)
	w.envelope(b.Envelope)
	w.body(b.Message)
	w.uint(uint64(len(b.Parts)))
	for _, p := range b.Parts {
		w.body(p)
	}
	w.str(b.MD5)
	if w.present(b.Disposition != nil) {
		w.str(b.Disposition.Value)
		w.params(b.Disposition.Params)
	}
	w.strs(b.Language)
	w.str(b.Location)
}

// reader decodes what writer encodes. The first problem sets bad; later
// reads return zero values, so a damaged entry is read to its end cheaply
// and then refused.
type reader struct {
	b     []byte
	bad   bool
	size  int64 // the message size, which every span must lie within
	nodes int
}

func (r *reader) fail() { r.bad, r.b = true, nil }

func (r *reader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) present() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail()
		return false
	}
	ok := r.b[0] == 1
	r.b = r.b[1:]
	return ok
}

// count reads the length of a list whose elements take at least one octet
// each, so that a damaged length cannot ask for a huge allocation.
func (r *reader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) optStr() *string {
	if !r.present() {
		return nil
	}
	s := r.str()
	return &s
}

func (r *reader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *reader) addresses() []rfc3501.Address {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]rfc3501.Address, n)
	for i := range out {
		out[i] = rfc3501.Address{Name: r.str(), ADL: r.str(), Mailbox: r.str(), Host: r.str()}
	}
	return out
}

func (r *reader) envelope() *rfc3501.Envelope {
	if !r.present() {
		return nil
	}
	e := &rfc3501.Envelope{Date: r.optStr(), Subject: r.optStr()}
	e.From = r.addresses()
	e.Sender = r.addresses()
	e.ReplyTo = r.addresses()
	e.To = r.addresses()
	e.Cc = r.addresses()
	e.Bcc = r.addresses()
	e.InReplyTo = r.optStr()
	e.MessageID = r.optStr()
	return e
}

func (r *reader) params() []rfc3501.Param {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]rfc3501.Param, n)
	for i := range out {
		out[i] = rfc3501.Param{Name: r.str(), Value: r.str()}
	}
	return out
}

// span reads a span and checks that it lies within the message, so that a
// damaged entry never sends a reader beyond the message's octets.
func (r *reader) span() rfc3501.Span {
	s := rfc3501.Span{Off: r.int(), Len: r.int()}
	if s.Off < 0 || s.Len < 0 || s.Off > r.size || s.Len > r.size-s.Off {
		r.fail()
		return rfc3501.Span{}
	}
	return s
}

func (r *reader) body(depth int) *rfc3501.BodyStructure {
	if !r.present() {
		return nil
	}
	r.nodes++
	if depth > maxDecodeDepth || r.nodes > maxDecodeNodes {
		r.fail()
		return nil
	}
	b := &rfc3501.BodyStructure{Header: r.span(), Body: r.span()}
	b.Type = r.str()
	b.Subtype = r.str()
	b.Params = r.params()
	b.ID = r.str()
	b.Description = r.str()
	b.Encoding = r.str()
	b.Lines = r.int()
	b.Envelope = r.envelope()
	b.Message = r.body(depth + 1)
	if n := r.count(); n > 0 {
		b.Parts = make([]*rfc3501.BodyStructure, n)
		for i := range b.Parts {
			if b.Parts[i] = r.body(depth + 1); b.Parts[i] == nil {
				r.fail()
				return nil
			}
		}
	}
	b.MD5 = r.str()
	if r.present() {
		b.Disposition = &rfc3501.Disposition{Value: r.str(), Params: r.params()}
	}
	b.Language = r.strs()
	b.Location = r.str()
	if r.bad {
		return nil
	}
	return b
}

// footprint estimates the memory that m holds, for the cache's byte bound:
// its strings and the headers of the values that hold them.
func footprint(m *rfc3501.Message) int64 {
	const (
		ptr     = 8
		strHdr  = 16
		sliceHd = 24
	)
	var n int64 = 64
	optStr := func(s *string) {
		if s != nil {
			n += ptr + strHdr + int64(len(*s))
		}
	}
	addrs := func(list []rfc3501.Address) {
		n += sliceHd
		for _, a := range list {
			n += 4*strHdr + int64(len(a.Name)+len(a.ADL)+len(a.Mailbox)+len(a.Host))
		}
	}
	env := func(e *rfc3501.Envelope) {
		if e == nil {
			return
		}
		n += 4*ptr + 6*sliceHd
		optStr(e.Date)
		optStr(e.Subject)
		optStr(e.InReplyTo)
		optStr(e.MessageID)
		for _, list := range [][]rfc3501.Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
			addrs(list)
		}
	}
	params := func(ps []rfc3501.Param) {
		n += sliceHd
		for _, p := range ps {
			n += 2*strHdr + int64(len(p.Name)+len(p.Value))
		}
	}
	var body func(b *rfc3501.BodyStructure, depth int)
	body = func(b *rfc3501.BodyStructure, depth int) {
		if b == nil || depth > maxDecodeDepth {
			return
		}
		n += 4*16 + 8*strHdr + 3*sliceHd + 4*ptr + 8
		n += int64(len(b.Type) + len(b.Subtype) + len(b.ID) + len(b.Description) + len(b.Encoding) + len(b.MD5) + len(b.Location))
		params(b.Params)
		for _, l := range b.Language {
			n += strHdr + int64(len(l))
		}
		if b.Disposition != nil {
			n += strHdr + int64(len(b.Disposition.Value))
			params(b.Disposition.Params)
		}
		env(b.Envelope)
		body(b.Message, depth+1)
		n += int64(len(b.Parts)) * ptr
		for _, p := range b.Parts {
			body(p, depth+1)
		}
	}
	env(m.Envelope)
	body(m.Body, 0)
	return n
}
