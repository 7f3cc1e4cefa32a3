package imap

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server/imap/msgcache"
	"github.com/loftmail/loft/store"
)

// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8, §7.4.2).
//
// Choices:
//
//   - The data items are answered in the order requested; an item named
//     twice is answered once (BODY[X] and BODY.PEEK[X] are one item, which
//     sets \Seen when either form does). UID FETCH adds UID at the end when
//     it was not requested (§6.4.8, as in its example).
//   - BODY[section] of a part that does not exist, and HEADER, TEXT or
//     HEADER.FIELDS of a part that is not MESSAGE/RFC822, is the empty string
//     "", as Dovecot answers (lib-imap-storage imap_msgpart_open: "MIME part
//     not found. return an empty part"); RFC 3501 names no error for it and
//     §6.4.5 answers a partial fetch beyond the end with an empty string too.
//     Every empty section is sent as "", every other one as a literal.
//   - NUL, which no IMAP string may hold (§4.3.1, §9 note 3), is sent as the
//     octet 0x80 in body sections, as Dovecot does: sizes and partial offsets
//     stay those of the stored octets.
//   - Non-PEEK BODY[…], RFC822 and RFC822.TEXT set \Seen on every message
//     they name, in one store operation before the responses, except after
//     EXAMINE (§6.3.2); a message whose flags change has FLAGS in its FETCH
//     response (§6.4.5 SHOULD), at the end unless FLAGS was requested.
//   - A sequence number beyond the last message, and any sequence set in an
//     empty mailbox ("1:*" included), is BAD (RFC 3501 §9 seq-number; RFC
//     9051 §9 says so of "*" in an empty mailbox: "This includes "*" if the
//     selected mailbox is empty"); Dovecot answers "1:*" in an empty
//     mailbox with BAD too ("Invalid messageset"). UIDs that name no
//     message are left out, so UID FETCH in an empty mailbox is OK with no
//     data (§6.4.8).
//   - A message expunged elsewhere and not yet announced (RFC 2180 §4.1.1):
//     FLAGS, INTERNALDATE, RFC822.SIZE and UID come from the session's view;
//     the other items are answered while the store can still open the
//     message's octets, and when it cannot, the message is left out of the
//     answer, which still completes with OK (doc.go).
//   - BINARY[…], BINARY.PEEK[…] and BINARY.SIZE[…] (RFC 3516) are in
//     binary.go; BINARY sets \Seen as BODY[…] does.
//   - ENVELOPE, BODY, BODYSTRUCTURE and the places of sections come from the
//     server's message structure cache (msgcache, DESIGN.md rule 7), so that
//     a message is parsed once; the octets are streamed from the store.

// fetch implements FETCH (RFC 3501 §6.4.5).
func (c *conn) fetch(tag string, dec *rfc3501.Decoder) error {
	return c.fetchCmd(dec, false)
}

// uidFetch implements UID FETCH (RFC 3501 §6.4.8).
func (c *conn) uidFetch(tag string, dec *rfc3501.Decoder) error {
	return c.fetchCmd(dec, true)
}

// fetchCmd runs FETCH, or UID FETCH when uid is set: it decodes the
// arguments, sets \Seen where the items ask for it, and writes a FETCH
// response for every message the set names.
func (c *conn) fetchCmd(dec *rfc3501.Decoder, uid bool) error {
	var set rfc3501.SeqSet
	if !dec.SP() || !dec.SeqSet(&set) || !dec.SP() {
		return dec.Err()
	}
	items, err := parseFetchAtts(dec)
	if err != nil {
		return c.skipRest(dec, err)
	}
	if !dec.CRLF() {
		return dec.Err()
	}
	seqs, err := c.sel.resolve(set, uid)
	if err != nil {
		return err
	}
	req := newFetchRequest(items, uid)
	var changed map[uint32]bool
	// RFC 4314 §4: a FETCH that implies \Seen does not set it without "s".
	// A session read-only for want of shared rights may still keep the
	// user's own \Seen (RFC 4314 §5.2); EXAMINE sets nothing (RFC 3501
	// §6.3.2).
	if req.setsSeen && !c.sel.examined && c.sel.rights.Has(rfc4314.Seen) {
		if err := c.checkBinarySeen(req, seqs); err != nil {
			return err
		}
		if changed, err = c.markSeen(seqs); err != nil {
			return err
		}
	}
	// The structures parsed by this command are written to the disk cache
	// together, at the end.
	req.cache = c.s.cache.NewBatch()
	req.mailbox, req.validity = c.sel.mbox.GUID(), c.sel.snap.UIDValidity
	defer req.cache.Flush()
	for _, seq := range seqs {
		if err := c.fetchMessage(req, seq, changed[seq]); err != nil {
			return err
		}
		if err := c.enc.Err(); err != nil {
			return &abortError{err}
		}
	}
	return nil
}

// skipRest answers an argument error that the decoder did not see (an
// unknown data item): the rest of the command is skipped, so that the
// session stays in step with the client.
func (c *conn) skipRest(dec *rfc3501.Decoder, err error) error {
	var r *response
	if !errors.As(err, &r) {
		return err // the decoder's: the engine skips the rest
	}
	if derr := dec.DiscardLine(); derr != nil {
		return &abortError{derr}
	}
	return err
}

// fetchKind is what a FETCH data item asks for.
type fetchKind uint8

const (
	fetchFlags         fetchKind = iota // FLAGS
	fetchInternalDate                   // INTERNALDATE
	fetchSize                           // RFC822.SIZE
	fetchUID                            // UID
	fetchEnvelope                       // ENVELOPE
	fetchBody                           // BODY: BODYSTRUCTURE without extension data
	fetchBodyStructure                  // BODYSTRUCTURE
	fetchSection                        // BODY[…], BODY.PEEK[…], RFC822, RFC822.HEADER, RFC822.TEXT
	fetchBinary                         // BINARY[…], BINARY.PEEK[…] (RFC 3516, binary.go)
	fetchBinarySize                     // BINARY.SIZE[…] (RFC 3516)
)

// fetchItem is one FETCH data item (RFC 3501 §6.4.5).
type fetchItem struct {
	kind fetchKind
	// name is the item's name in the FETCH response (§7.4.2): "FLAGS",
	// "RFC822.HEADER", or for BODY[…] and BODY.PEEK[…] "BODY[section]"
	// with "<origin>" after it for a partial fetch. It tells items apart.
	name    string
	section rfc3501.Section
	partial *rfc3501.Partial
	// bodySection: BODY[…] or BODY.PEEK[…] rather than an RFC822 form.
	bodySection bool
	// setSeen: the item sets \Seen (BODY[…], RFC822, RFC822.TEXT).
	setSeen bool
}

// whole reports whether a section item is the whole message, which needs
// no structure.
func (it *fetchItem) whole() bool {
	return len(it.section.Part) == 0 && it.section.Specifier == ""
}

// fetchAtts is the table of the data items that are one keyword (RFC 3501
// §6.4.5); BODY[…] and BODY.PEEK[…] are parsed by parseFetchAtt.
var fetchAtts = map[string]fetchItem{
	"FLAGS":         {kind: fetchFlags, name: "FLAGS"},
	"INTERNALDATE":  {kind: fetchInternalDate, name: "INTERNALDATE"},
	"RFC822.SIZE":   {kind: fetchSize, name: "RFC822.SIZE"},
	"UID":           {kind: fetchUID, name: "UID"},
	"ENVELOPE":      {kind: fetchEnvelope, name: "ENVELOPE"},
	"BODY":          {kind: fetchBody, name: "BODY"},
	"BODYSTRUCTURE": {kind: fetchBodyStructure, name: "BODYSTRUCTURE"},
	// RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is
	// BODY[TEXT], each answered under its own name.
	"RFC822":        {kind: fetchSection, name: "RFC822", setSeen: true},
	"RFC822.HEADER": {kind: fetchSection, name: "RFC822.HEADER", section: rfc3501.Section{Specifier: rfc3501.SectionHeader}},
	"RFC822.TEXT":   {kind: fetchSection, name: "RFC822.TEXT", section: rfc3501.Section{Specifier: rfc3501.SectionText}, setSeen: true},
}

// fetchMacros are the macros of RFC 3501 §6.4.5, valid only alone.
var fetchMacros = map[string][]string{
	"ALL":  {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"},
	"FAST": {"FLAGS", "INTERNALDATE", "RFC822.SIZE"},
	"FULL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"},
}

// parseFetchAtts reads the data items of FETCH up to the CRLF (RFC 3501 §9
// fetch: a macro, one fetch-att, or a parenthesised list of at least one
// fetch-att). It returns the decoder's error, or a BAD response for an item
// the grammar does not know, after which the rest of the command has not
// been read.
func parseFetchAtts(dec *rfc3501.Decoder) ([]fetchItem, error) {
	var items []fetchItem
	if dec.Peek('(') {
		var refused error
		ok := dec.List(func() bool {
			it, err := parseFetchAtt(dec, false)
			if err != nil {
				refused = err
				return false
			}
			items = append(items, it...)
			return true
		})
		if refused != nil {
			return nil, refused
		}
		if !ok {
			return nil, dec.Err()
		}
		if len(items) == 0 {
			return nil, bad("FETCH needs at least one data item")
		}
		return items, nil
	}
	items, err := parseFetchAtt(dec, true)
	if err != nil {
		return nil, err
	}
	return items, nil
}

// parseFetchAtt reads one fetch-att, or with macros one macro, and returns
// its items.
func parseFetchAtt(dec *rfc3501.Decoder, macros bool) ([]fetchItem, error) {
	var kw string
	if !dec.Keyword(&kw) {
		return nil, dec.Err()
	}
	name := strings.ToUpper(kw)
	if list, ok := fetchMacros[name]; ok {
		if !macros {
			// §6.4.5: "A macro must be used by itself".
			return nil, bad("FETCH macro %s must be used alone", name)
		}
		items := make([]fetchItem, len(list))
		for i, n := range list {
			items[i] = fetchAtts[n]
		}
		return items, nil
	}
	if _, ok := binaryAtts[name]; ok && dec.Peek('[') {
		return parseBinaryAtt(dec, name) // RFC 3516 §4.2
	}
	if (name == "BODY" || name == "BODY.PEEK") && dec.Peek('[') {
		it := fetchItem{kind: fetchSection, bodySection: true, setSeen: name == "BODY"}
		if !dec.Section(&it.section) {
			return nil, dec.Err()
		}
		if dec.Peek('<') {
			var p rfc3501.Partial
			if !dec.Partial(&p) {
				return nil, dec.Err()
			}
			it.partial = &p
		}
		it.name = sectionName(it.section, it.partial)
		return []fetchItem{it}, nil
	}
	it, ok := fetchAtts[name]
	if !ok {
		if name == "BODY.PEEK" {
			return nil, bad("BODY.PEEK needs a section")
		}
		return nil, bad("unknown FETCH data item %s", quoteName(kw))
	}
	return []fetchItem{it}, nil
}

// quoteName makes a client's item name safe for response text.
func quoteName(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// sectionName is the name of a BODY[…] item in the FETCH response (RFC 3501
// §7.4.2): "BODY[section]", and for a partial fetch "<origin>" after it.
func sectionName(s rfc3501.Section, p *rfc3501.Partial) string {
	name := "BODY[" + s.String() + "]"
	if p != nil {
		name += "<" + strconv.FormatInt(p.Offset, 10) + ">"
	}
	return name
}

// requestName is an item as a client names it in FETCH, for tests and the
// fuzz target: parsing it gives the item back.
func (it *fetchItem) requestName() string {
	if it.kind == fetchBinary || it.kind == fetchBinarySize {
		return it.binaryRequestName()
	}
	if !it.bodySection {
		return it.name
	}
	s := "BODY"
	if !it.setSeen {
		s += ".PEEK"
	}
	s += "[" + it.section.String() + "]"
	if it.partial != nil {
		s += "<" + strconv.FormatInt(it.partial.Offset, 10) + "." + strconv.FormatInt(it.partial.Count, 10) + ">"
	}
	return s
}

// fetchRequest is what one FETCH asks of every message.
type fetchRequest struct {
	items []fetchItem
	// structure: some item needs the message's parsed structure; octets:
	// some item reads its octets.
	structure, octets bool
	setsSeen          bool
	hasFlags          bool
	binary            bool // some item is BINARY[…] (binary.go)
	// spans is scratch space for the sections of one message, bins for
	// its BINARY items.
	spans [][]rfc3501.Span
	bins  []binaryData
	// cache loads message structures, which the cache names by the
	// mailbox's id and UIDVALIDITY and the message's UID.
	cache    *msgcache.Batch
	mailbox  string
	validity uint32
}

// newFetchRequest merges items named twice and, for UID FETCH, adds UID
// (RFC 3501 §6.4.8: "UID FETCH ... MUST implicitly include the UID message
// data item").
func newFetchRequest(items []fetchItem, uid bool) *fetchRequest {
	req := &fetchRequest{}
	index := make(map[string]int, len(items))
	for _, it := range items {
		if i, ok := index[it.name]; ok {
			req.items[i].setSeen = req.items[i].setSeen || it.setSeen
			continue
		}
		index[it.name] = len(req.items)
		req.items = append(req.items, it)
	}
	if _, ok := index["UID"]; uid && !ok {
		req.items = append(req.items, fetchAtts["UID"])
	}
	for _, it := range req.items {
		switch it.kind {
		case fetchFlags:
			req.hasFlags = true
		case fetchEnvelope, fetchBody, fetchBodyStructure:
			req.structure = true
		case fetchSection, fetchBinary, fetchBinarySize:
			req.binary = req.binary || it.kind == fetchBinary
			req.octets = true
			req.structure = req.structure || !it.whole()
			req.setsSeen = req.setsSeen || it.setSeen
		}
	}
	req.spans = make([][]rfc3501.Span, len(req.items))
	req.bins = make([]binaryData, len(req.items))
	return req
}

// markSeen sets \Seen on the messages seqs (RFC 3501 §6.4.5: BODY[…] "The
// \Seen flag is implicitly set") in one store operation, records what it
// reports, and returns the sequence numbers whose flags changed. Messages
// expunged elsewhere are left alone.
func (c *conn) markSeen(seqs []uint32) (map[uint32]bool, error) {
	uids := make([]uint32, 0, len(seqs))
	for _, seq := range seqs {
		if v := c.sel.msg(seq); !v.expunged {
			uids = append(uids, v.UID)
		}
	}
	if len(uids) == 0 {
		return nil, nil
	}
	res, err := c.sel.mbox.Store(uids, store.AddFlags, []string{string(imap.FlagSeen)}, 0)
	if err != nil {
		return nil, err
	}
	changed := make(map[uint32]bool, len(res.Changed))
	for _, m := range res.Changed {
		if seq := c.sel.seqOf(m.UID); seq != 0 {
			c.sel.reported(m)
			changed[seq] = true
		}
	}
	return changed, nil
}

// gone reports whether opening a message failed because its octets are no
// longer in the store.
func gone(err error) bool {
	return errors.Is(err, store.ErrExpunged) || errors.Is(err, store.ErrNotFound)
}

// fetchMessage writes the FETCH response of the message seq; flagsChanged
// adds FLAGS when the request has no FLAGS. Everything that can fail is done
// before the response is begun, so that an error leaves no partial
// response; only writing can then fail, and that ends the session.
func (c *conn) fetchMessage(req *fetchRequest, seq uint32, flagsChanged bool) error {
	v := c.sel.msg(seq)
	src := &fetchSource{mbox: c.sel.mbox, uid: v.UID}
	defer src.close()
	err := c.loadSource(req, v, src)
	if gone(err) {
		return nil // RFC 2180 §4.1.1: left out
	}
	if err != nil {
		return err
	}
	c.writeFetch(req, seq, v, src, flagsChanged)
	return nil
}

// fetchSource is what the items of one message are answered from, besides
// the session's view: its octets and its structure, when items need them.
type fetchSource struct {
	mbox *store.Mailbox
	uid  uint32
	r    *store.MessageReader
	m    *rfc3501.Message
}

func (src *fetchSource) open() error {
	if src.r != nil {
		return nil
	}
	r, err := src.mbox.Open(src.uid)
	if err != nil {
		return err
	}
	src.r = r
	return nil
}

func (src *fetchSource) close() {
	if src.r != nil {
		src.r.Close()
	}
}

// loadSource opens the message's octets when an item reads them, or when
// the message was expunged elsewhere (doc.go: answered only while its
// octets can be read); takes its structure from the cache, which parses it
// at most once; and finds the octets of every section item.
func (c *conn) loadSource(req *fetchRequest, v *viewMsg, src *fetchSource) error {
	if req.octets || req.structure && v.expunged {
		if err := src.open(); err != nil {
			return err
		}
	}
	if req.structure {
		key := msgcache.Key{Mailbox: req.mailbox, UIDValidity: req.validity, UID: v.UID}
		m, err := req.cache.Load(key, v.Size, func() (*rfc3501.Message, error) {
			if err := src.open(); err != nil {
				return nil, err
			}
			return rfc3501.ParseMessage(src.r, src.r.Size())
		})
		if err != nil {
			return err
		}
		src.m = m
	}
	for i := range req.items {
		switch it := &req.items[i]; it.kind {
		case fetchSection:
			spans, err := sectionSpans(it, src.m, src.r)
			if err != nil {
				return err
			}
			req.spans[i] = spans
		case fetchBinary, fetchBinarySize:
			d, err := measureBinary(it, src.m, src.r)
			if err != nil {
				return err
			}
			req.bins[i] = d
		}
	}
	return nil
}

// writeFetch writes the FETCH response of message seq (RFC 3501 §7.4.2),
// its items in the order requested.
func (c *conn) writeFetch(req *fetchRequest, seq uint32, v *viewMsg, src *fetchSource, flagsChanged bool) {
	enc := c.enc
	enc.Untagged().Number(seq).SP().Atom("FETCH").SP().Atom("(")
	for i := range req.items {
		it := &req.items[i]
		if i > 0 {
			enc.SP()
		}
		switch it.kind {
		case fetchFlags:
			enc.Atom("FLAGS").SP().Flags(c.sel.flags(seq))
		case fetchInternalDate:
			enc.Atom("INTERNALDATE").SP().DateTime(v.InternalDate)
		case fetchSize:
			enc.Atom("RFC822.SIZE").SP().Number64(uint64(max(v.Size, 0)))
		case fetchUID:
			enc.Atom("UID").SP().Number(v.UID)
		case fetchEnvelope:
			enc.Atom("ENVELOPE").SP().Envelope(src.m.Envelope)
		case fetchBody:
			enc.Atom("BODY").SP().BodyStructure(src.m.Body, false)
		case fetchBodyStructure:
			enc.Atom("BODYSTRUCTURE").SP().BodyStructure(src.m.Body, true)
		case fetchSection:
			writeSectionName(enc, it)
			enc.SP()
			if n := rfc3501.SpansLen(req.spans[i]); n > 0 {
				enc.Literal(noNUL{rfc3501.SpansReader(src.r, req.spans[i])}, n, false)
			} else {
				enc.String("")
			}
		case fetchBinary, fetchBinarySize:
			writeBinary(enc, it, req.bins[i], src.m, src.r)
		}
	}
	if flagsChanged && !req.hasFlags {
		// §6.4.5: the flags that fetching the body changed.
		enc.SP().Atom("FLAGS").SP().Flags(c.sel.flags(seq))
	}
	enc.Atom(")").CRLF()
}

// sectionSpans returns the octets of a section item: the whole message,
// or the section as rfc3501 finds it in the structure m, cut to the partial
// range. A section that the message does not have is empty.
func sectionSpans(it *fetchItem, m *rfc3501.Message, r *store.MessageReader) ([]rfc3501.Span, error) {
	var spans []rfc3501.Span
	if it.whole() {
		if n := r.Size(); n > 0 {
			spans = []rfc3501.Span{{Off: 0, Len: n}}
		}
	} else {
		var err error
		spans, err = m.Section(r, it.section)
		switch {
		case errors.Is(err, rfc3501.ErrNoSuchPart):
			spans = nil
		case err != nil:
			return nil, err
		}
	}
	if it.partial != nil {
		spans = it.partial.Apply(spans)
	}
	return spans, nil
}

// writeSectionName writes the name of a section item. HEADER.FIELDS names
// are written as the client sent them, as astrings, which may be literals,
// so the name is written in pieces rather than as one atom.
func writeSectionName(enc *rfc3501.Encoder, it *fetchItem) {
	if !it.bodySection {
		enc.Atom(it.name)
		return
	}
	s := it.section
	if s.Specifier != rfc3501.SectionHeaderFields && s.Specifier != rfc3501.SectionHeaderFieldsNot {
		enc.Atom(it.name)
		return
	}
	prefix := "BODY["
	for _, n := range s.Part {
		prefix += strconv.Itoa(n) + "."
	}
	enc.Atom(prefix + s.Specifier).SP()
	enc.List(len(s.Fields), func(i int) { enc.AString(s.Fields[i]) })
	enc.Atom("]")
	if it.partial != nil {
		enc.Atom("<" + strconv.FormatInt(it.partial.Offset, 10) + ">")
	}
}

// noNUL replaces NUL octets, which no IMAP string may hold (RFC 3501 §4.3.1,
// §9 note 3), with 0x80, keeping the length.
type noNUL struct{ r io.Reader }

func (f noNUL) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	b := p[:n]
	for i := bytes.IndexByte(b, 0); i >= 0; i = bytes.IndexByte(b, 0) {
		b[i] = 0x80
		b = b[i+1:]
	}
	return n, err
}
