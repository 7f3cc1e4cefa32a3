package imap

import (
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc3516"
	"github.com/loftmail/loft/server/imap/msgcache"
	"github.com/loftmail/loft/store"
)

// FETCH BINARY[…], BINARY.PEEK[…] and BINARY.SIZE[…] (RFC 3516 §4.2,
// §4.3): the section's content after content-transfer decoding. The
// decoding rules and the choices where the RFC is silent are in
// rfc/rfc3516's package doc. Every item is measured before the response is
// begun (the decoded size, and whether the data sent holds a NUL, which
// makes it a literal8), and decoded again while it is written: the stored
// octets do not change, so both passes agree, and no decoded section is
// held in memory.

// binaryAtts is the table of the BINARY data items (RFC 3516 §7 fetch-att),
// each followed by a section-binary.
var binaryAtts = map[string]fetchItem{
	"BINARY":      {kind: fetchBinary, setSeen: true},
	"BINARY.PEEK": {kind: fetchBinary},
	"BINARY.SIZE": {kind: fetchBinarySize},
}

// parseBinaryAtt reads the section-binary, and for BINARY and BINARY.PEEK the
// partial, of the item name (upper case, from binaryAtts).
func parseBinaryAtt(dec *rfc3501.Decoder, name string) ([]fetchItem, error) {
	it := binaryAtts[name]
	if !rfc3516.ReadSection(dec, &it.section.Part) {
		return nil, dec.Err()
	}
	if it.kind == fetchBinary && dec.Peek('<') {
		var p rfc3501.Partial
		if !dec.Partial(&p) {
			return nil, dec.Err()
		}
		it.partial = &p
	}
	it.name = binaryName(it.kind, it.section.Part, it.partial)
	return []fetchItem{it}, nil
}

// binaryName is an item's name in the FETCH response (RFC 3516 §7
// msg-att-static): "BINARY[1.2]", with "<origin>" for a partial fetch, or
// "BINARY.SIZE[1.2]". BINARY and BINARY.PEEK answer under one name.
func binaryName(kind fetchKind, part []int, p *rfc3501.Partial) string {
	if kind == fetchBinarySize {
		return "BINARY.SIZE[" + rfc3516.FormatSection(part) + "]"
	}
	name := "BINARY[" + rfc3516.FormatSection(part) + "]"
	if p != nil {
		name += "<" + strconv.FormatInt(p.Offset, 10) + ">"
	}
	return name
}

// binaryRequestName is a BINARY item as a client names it in FETCH.
func (it *fetchItem) binaryRequestName() string {
	if it.kind == fetchBinarySize {
		return it.name
	}
	s := "BINARY"
	if !it.setSeen {
		s += ".PEEK"
	}
	s += "[" + rfc3516.FormatSection(it.section.Part) + "]"
	if it.partial != nil {
		s += "<" + strconv.FormatInt(it.partial.Offset, 10) + "." + strconv.FormatInt(it.partial.Count, 10) + ">"
	}
	return s
}

// binaryData is what the measuring pass found of one BINARY item.
type binaryData struct {
	total int64 // the decoded size of the whole section (BINARY.SIZE)
	size  int64 // the octets sent: total cut to the partial range
	nul   bool  // a NUL lies among them: sent as a literal8
}

// binaryReader returns a reader of the decoded octets of a section: the
// whole message as stored; a part's body decoded from its
// Content-Transfer-Encoding, with CRLF line ends for TEXT/* (RFC 3516 §6);
// nothing for a part the message does not have. An encoding Loft cannot
// decode is NO [UNKNOWN-CTE] (§4.3). A MULTIPART or MESSAGE/RFC822 part
// should have an identity encoding (RFC 2045 §6.4), which Decode passes
// through; one that has base64 or quoted-printable all the same is decoded
// too (§4.2 asks for the section "after performing Content-Transfer-
// Encoding-related decoding": sending it encoded would pass encoded octets
// off as decoded ones).
func binaryReader(part []int, m *rfc3501.Message, r *store.MessageReader) (io.Reader, error) {
	if len(part) == 0 {
		return io.NewSectionReader(r, 0, r.Size()), nil
	}
	p := m.Part(part)
	if p == nil {
		return strings.NewReader(""), nil
	}
	body := io.NewSectionReader(r, p.Body.Off, p.Body.Len)
	if err := checkCTE(part, p); err != nil {
		return nil, err
	}
	dec, err := rfc3516.Decode(p.Encoding, body)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(p.Type, "TEXT") {
		return rfc3516.CRLF(dec), nil
	}
	return dec, nil
}

// checkCTE refuses a part p (number part) whose encoding Loft cannot
// decode, with NO [UNKNOWN-CTE] (RFC 3516 §4.3).
func checkCTE(part []int, p *rfc3501.BodyStructure) error {
	if p == nil || rfc3516.Known(p.Encoding) {
		return nil
	}
	return no(imap.ResponseCodeUnknownCTE, "cannot decode the content-transfer-encoding %s of part %s",
		quoteName(p.Encoding), rfc3516.FormatSection(part))
}

// checkBinarySeen is run before a FETCH with BINARY items sets \Seen: when
// one of them names a part that Loft cannot decode in one of the messages,
// the command fails with NO [UNKNOWN-CTE] (§4.3) before it changes any
// flag. Messages whose octets are gone are left to the FETCH itself.
func (c *conn) checkBinarySeen(req *fetchRequest, seqs []uint32) error {
	if !req.binary {
		return nil
	}
	// The structures are kept in the cache for the FETCH that follows.
	batch := c.s.cache.NewBatch()
	defer batch.Flush()
	guid, validity := c.sel.mbox.GUID(), c.sel.snap.UIDValidity
	for _, seq := range seqs {
		v := c.sel.msg(seq)
		src := &fetchSource{mbox: c.sel.mbox, uid: v.UID}
		key := msgcache.Key{Mailbox: guid, UIDValidity: validity, UID: v.UID}
		m, err := batch.Load(key, v.Size, func() (*rfc3501.Message, error) {
			if err := src.open(); err != nil {
				return nil, err
			}
			return rfc3501.ParseMessage(src.r, src.r.Size())
		})
		src.close()
		if gone(err) {
			continue
		}
		if err != nil {
			return err
		}
		for i := range req.items {
			if it := &req.items[i]; it.kind == fetchBinary && len(it.section.Part) > 0 {
				if err := checkCTE(it.section.Part, m.Part(it.section.Part)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// measureBinary is the measuring pass of a BINARY or BINARY.SIZE item.
func measureBinary(it *fetchItem, m *rfc3501.Message, r *store.MessageReader) (binaryData, error) {
	rd, err := binaryReader(it.section.Part, m, r)
	if err != nil {
		return binaryData{}, err
	}
	off, count := int64(0), int64(-1)
	if it.partial != nil {
		off, count = it.partial.Offset, it.partial.Count
	}
	total, nul, err := rfc3516.Measure(rd, off, count)
	if err != nil {
		return binaryData{}, err
	}
	size := max(total-off, 0)
	if count >= 0 {
		size = min(size, count)
	}
	return binaryData{total: total, size: size, nul: nul}, nil
}

// writeBinary writes a BINARY or BINARY.SIZE item (RFC 3516 §4.3): the
// decoded octets as a literal8 when they hold a NUL, as a literal otherwise,
// and as "" when there are none; or the decoded size. A read error while the
// literal is written fails the encoder, which ends the session.
func writeBinary(enc *rfc3501.Encoder, it *fetchItem, d binaryData, m *rfc3501.Message, r *store.MessageReader) {
	enc.Atom(it.name).SP()
	if it.kind == fetchBinarySize {
		enc.Number64(uint64(d.total))
		return
	}
	if d.size == 0 {
		enc.String("")
		return
	}
	rd, err := binaryReader(it.section.Part, m, r)
	if err == nil && it.partial != nil {
		_, err = io.CopyN(io.Discard, rd, it.partial.Offset)
	}
	if err != nil {
		rd = failReader{err}
	}
	enc.Literal(rd, d.size, d.nul)
}

// failReader fails every read.
type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }
