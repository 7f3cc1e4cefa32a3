package imap

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4731"
	"github.com/loftmail/loft/rfc/rfc5032"
	"github.com/loftmail/loft/rfc/rfc5182"
	"github.com/loftmail/loft/server/imap/msgcache"
	"github.com/loftmail/loft/store"
)

// searchCharsets are the charsets SEARCH accepts for its strings (RFC 3501
// §6.4.4: US-ASCII must be supported, others may be), as BADCHARSET lists
// them.
var searchCharsets = []string{"US-ASCII", "UTF-8"}

// search implements SEARCH (RFC 3501 §6.4.4): the untagged SEARCH response
// (§7.2.5) lists the sequence numbers of the matching messages, ascending.
// With result options (RETURN, RFC 4466 §2.6.1) it answers with ESEARCH
// (RFC 4731) and may save its result (RFC 5182).
func (c *conn) search(tag string, dec *rfc3501.Decoder) error {
	return c.searchMessages(tag, dec, false)
}

// uidSearch implements UID SEARCH (RFC 3501 §6.4.8): SEARCH answering with
// UIDs. The keys keep their meaning: a sequence set is still of sequence
// numbers, and UID takes UIDs.
func (c *conn) uidSearch(tag string, dec *rfc3501.Decoder) error {
	return c.searchMessages(tag, dec, true)
}

// searchCapabilities are the extensions of SEARCH that the "SEARCH" row of the
// command table announces: ESEARCH (RFC 4731 §4), SEARCHRES (RFC 5182 §3)
// and WITHIN (RFC 5032 §2).
func searchCapabilities(*conn) []string {
	return []string{rfc4731.Capability, rfc5182.Capability, rfc5032.Capability}
}

// searchReturnOpts is the table of SEARCH result options (RFC 4466
// search-return-opt): RFC 4731 §3.1's and RFC 5182's SAVE. None takes
// parameters.
var searchReturnOpts = map[string]bool{
	rfc4731.Min:   true,
	rfc4731.Max:   true,
	rfc4731.All:   true,
	rfc4731.Count: true,
	rfc5182.Save:  true,
}

// searchMessages decodes a search program, checks its charset, runs it over
// the selected mailbox's view and writes the SEARCH response.
//
// Strings are matched as UTF-8 whatever the charset named (US-ASCII is a
// subset; 8-bit octets in a US-ASCII string are taken as UTF-8 rather than
// refused, as several clients send them so). A charset other than US-ASCII
// and UTF-8 is refused with NO [BADCHARSET (US-ASCII UTF-8)] (§6.4.4), after
// the whole command has been read.
//
// With result options, the matches are answered with one ESEARCH response
// (RFC 4731 §3.1) instead, except that SAVE alone answers nothing (RFC 5182
// §1); RETURN () means RETURN (ALL). SAVE sets the search result variable
// (RFC 5182 §2.1, §2.4) when the search succeeds and empties it when the
// command fails with NO; a BAD response leaves it alone.
func (c *conn) searchMessages(tag string, dec *rfc3501.Decoder, uid bool) error {
	q, err := parseSearch(dec, c.s.cfg.Now())
	if err != nil {
		return err
	}
	save := slices.Contains(q.ret, rfc5182.Save)
	seqs, err := c.runSearch(q)
	if err != nil {
		if save {
			c.sel.clearSaved()
		}
		return err
	}
	if save {
		c.sel.setSaved(rfc5182.Saved(q.ret, seqs))
	}
	found := seqs
	if uid {
		found = c.sel.uids(seqs)
	}
	c.writeSearchResult(tag, uid, q.ret, found)
	return nil
}

// writeSearchResult answers a search that found found (sequence numbers, or
// UIDs with uid), its result options ret: nil, RFC 3501's SEARCH response
// (§7.2.5); otherwise RFC 4731's ESEARCH, RETURN () standing for RETURN
// (ALL) (§3.1); nothing for SAVE alone (RFC 5182 §1).
func (c *conn) writeSearchResult(tag string, uid bool, ret []string, found []uint32) {
	switch {
	case ret == nil:
		enc := c.enc.Untagged().Atom("SEARCH")
		for _, n := range found {
			enc.SP().Number(n)
		}
		enc.CRLF()
	case len(ret) == 0:
		(&rfc4731.Result{Tag: tag, UID: uid, Found: found, Options: []string{rfc4731.All}}).Encode(c.enc)
	case slices.ContainsFunc(ret, func(o string) bool { return o != rfc5182.Save }):
		(&rfc4731.Result{Tag: tag, UID: uid, Found: found, Options: ret}).Encode(c.enc)
	}
}

// runSearch checks the charset of a decoded search and runs it over the
// selected mailbox's view, returning the matching sequence numbers.
func (c *conn) runSearch(q *searchQuery) ([]uint32, error) {
	if q.charset != "" && !slices.ContainsFunc(searchCharsets, func(cs string) bool { return strings.EqualFold(cs, q.charset) }) {
		return nil, &response{status: statusNO, code: imap.ResponseCodeBadCharset, args: func(e *rfc3501.Encoder) {
			e.List(len(searchCharsets), func(i int) { e.Atom(searchCharsets[i]) })
		}, text: "unsupported charset " + q.charset}
	}
	// Body keys take the structure of each message from the server's
	// cache (msgcache), as FETCH does; what is parsed here is written to
	// the disk cache together at the end.
	batch := c.s.cache.NewBatch()
	defer batch.Flush()
	guid, validity := c.sel.mbox.GUID(), c.sel.snap.UIDValidity
	return q.run(c.sel, c.ctx.Err, func(v *viewMsg, parse func() (*rfc3501.Message, error)) (*rfc3501.Message, error) {
		return batch.Load(msgcache.Key{Mailbox: guid, UIDValidity: validity, UID: v.UID}, v.Size, parse)
	})
}

// parseSearch decodes the arguments of SEARCH up to and including the CRLF
// (RFC 4466 §2.6.1 search: [SP "RETURN" SP "(" [search-return-opt *(SP
// search-return-opt)] ")"] SP ["CHARSET" SP astring SP] search-key *(SP
// search-key)). now is the current time, for OLDER and YOUNGER (RFC 5032). A
// syntax error is the decoder's; an unknown key or result option, "$" beside
// other elements of a set, or keys nested too deeply are a BAD response,
// after which the rest of the command has been skipped.
func parseSearch(dec *rfc3501.Decoder, now time.Time) (*searchQuery, error) {
	p := &searchParser{dec: dec, keys: searchKeys, q: &searchQuery{}, now: now}
	root, ok := p.program()
	if !ok {
		if p.bad == nil {
			return nil, dec.Err()
		}
		if dec.Err() == nil {
			// The parser stopped where the decoder saw nothing wrong:
			// skip the rest of the command here.
			if err := dec.DiscardLine(); err != nil {
				return nil, &abortError{err}
			}
		}
		return nil, p.bad
	}
	p.q.root = root
	return p.q, nil
}

// searchQuery is a decoded search program.
type searchQuery struct {
	charset string // as given after CHARSET, or ""
	// ret are the result options after RETURN, in upper case: nil without
	// RETURN, empty for RETURN ().
	ret  []string
	root searchNode
	// bodyNeedles are the folded strings of the BODY and TEXT keys: one
	// pass over a message's body finds them all.
	bodyNeedles []string
}

// run evaluates the query on every message of the view and returns the
// matching sequence numbers, ascending. Messages expunged elsewhere but not
// yet announced are matched on what the view holds, and on their octets while
// the store can still read them; once the octets are gone they have no header
// and no body. stop is consulted between messages (the server's shutdown).
// structure, if not nil, returns a message's parsed structure, calling parse
// when it has none.
func (q *searchQuery) run(sel *selected, stop func() error, structure structureFunc) ([]uint32, error) {
	var out []uint32
	m := &searchMsg{q: q, mbox: sel.mbox, structure: structure}
	defer m.close()
	for seq := uint32(1); seq <= sel.count(); seq++ {
		if err := stop(); err != nil {
			return nil, err
		}
		m.reset(sel, seq)
		ok := q.root.match(m)
		m.close()
		if m.err != nil {
			return nil, m.err
		}
		if ok {
			out = append(out, seq)
		}
	}
	return out, nil
}

// searchMsg is one message under evaluation: its view entry, and its header
// and body as far as some key needed them (loaded once, on first use).
type searchMsg struct {
	q         *searchQuery
	structure structureFunc
	mbox      *store.Mailbox
	sel       *selected
	seq       uint32
	v         *viewMsg
	count     uint32 // the number of messages, what "*" means
	r         *store.MessageReader
	gone      bool // the octets cannot be read any more

	headerDone bool
	header     headerSet
	bodyDone   bool
	bodyFound  []bool // per q.bodyNeedles
	body       bodyScanner
	err        error
}

func (m *searchMsg) reset(sel *selected, seq uint32) {
	m.sel, m.seq, m.v, m.count = sel, seq, sel.msg(seq), sel.count()
	m.gone, m.headerDone, m.bodyDone = false, false, false
	m.bodyFound = m.bodyFound[:0]
}

func (m *searchMsg) close() {
	if m.r != nil {
		m.r.Close()
		m.r = nil
	}
}

// open opens the message's octets once; it reports false when they are gone
// (expunged and freed) or cannot be read, the latter recorded in m.err.
func (m *searchMsg) open() bool {
	if m.r != nil {
		return true
	}
	if m.gone || m.err != nil {
		return false
	}
	r, err := m.mbox.Open(m.v.UID)
	switch {
	case errors.Is(err, store.ErrExpunged), errors.Is(err, store.ErrNotFound):
		m.gone = true
		return false
	case err != nil:
		m.err = err
		return false
	}
	m.r = r
	return true
}

// structureFunc returns the parsed structure of a message of the view,
// calling parse when it does not have it.
type structureFunc func(v *viewMsg, parse func() (*rfc3501.Message, error)) (*rfc3501.Message, error)

// scanBody looks for every body needle in the opened message.
func (m *searchMsg) scanBody() error {
	parse := func() (*rfc3501.Message, error) { return rfc3501.ParseMessage(m.r, m.r.Size()) }
	load := parse
	if m.structure != nil {
		load = func() (*rfc3501.Message, error) { return m.structure(m.v, parse) }
	}
	return m.body.scan(m.r, load, m.q.bodyNeedles, m.bodyFound)
}

// hasFlag reports whether the message has the flag (flags and keywords are
// compared case-insensitively).
func (m *searchMsg) hasFlag(flag string) bool {
	return slices.ContainsFunc(m.v.Flags, func(f string) bool { return strings.EqualFold(f, flag) })
}

// headerFields returns the message's header fields, read on first use.
func (m *searchMsg) headerFields() *headerSet {
	if !m.headerDone {
		m.headerDone = true
		m.header.parse(nil)
		if m.open() {
			if err := m.header.read(m.r, 0, m.r.Size()); err != nil {
				m.err = err
			}
		}
	}
	return &m.header
}

// bodyHas reports whether the body has the body needle i.
func (m *searchMsg) bodyHas(i int) bool {
	if !m.bodyDone {
		m.bodyDone = true
		m.bodyFound = append(m.bodyFound, make([]bool, len(m.q.bodyNeedles))...)
		if m.open() {
			if err := m.scanBody(); err != nil {
				m.err = err
			}
		}
	}
	return m.bodyFound[i]
}

// maxSearchDepth bounds the nesting of NOT, OR and parenthesised keys.
const maxSearchDepth = 100

// searchParser reads search keys through the command's decoder.
type searchParser struct {
	dec   *rfc3501.Decoder
	keys  map[string]searchKeyFunc
	q     *searchQuery
	now   time.Time // for OLDER and YOUNGER
	depth int
	bad   *response // a BAD decided by the parser, not the decoder
}

// searchKeyFunc reads the arguments of one search key (after its name) and
// returns the node that evaluates it.
type searchKeyFunc func(p *searchParser) (searchNode, bool)

// program reads [SP "RETURN" SP "(" …")"] SP ["CHARSET" SP astring SP]
// search-key *(SP search-key) CRLF.
func (p *searchParser) program() (searchNode, bool) {
	dec := p.dec
	if !dec.SP() {
		return nil, false
	}
	var keys []searchNode
	for {
		var n searchNode
		var ok bool
		if len(keys) == 0 && p.q.charset == "" && !dec.Peek('(') && !p.peekSeqSet() {
			// The first word may be RETURN or CHARSET rather than a key.
			var name string
			if !dec.Keyword(&name) {
				return nil, false
			}
			if p.q.ret == nil && strings.EqualFold(name, "RETURN") {
				if !p.returnOpts() || !dec.SP() {
					return nil, false
				}
				continue
			}
			if strings.EqualFold(name, "CHARSET") {
				if !dec.SP() || !dec.AString(&p.q.charset) || !dec.SP() {
					return nil, false
				}
				if p.q.charset == "" {
					return p.fail("CHARSET needs a charset name")
				}
				n, ok = p.key()
			} else {
				n, ok = p.named(name)
			}
		} else {
			n, ok = p.key()
		}
		if !ok {
			return nil, false
		}
		keys = append(keys, n)
		if !dec.Peek(' ') {
			break
		}
		dec.SP()
	}
	if !dec.CRLF() {
		return nil, false
	}
	return newAnd(keys), true
}

// returnOpts reads the result options after RETURN (RFC 4731 §3.1, RFC 5182
// §3) and checks them against the table.
func (p *searchParser) returnOpts() bool {
	var opts []string
	if !rfc4731.ReadReturnOpts(p.dec, &opts) {
		return false
	}
	for _, o := range opts {
		if !searchReturnOpts[o] {
			_, ok := p.fail("unknown SEARCH result option %s", quoteName(o))
			return ok
		}
	}
	p.q.ret = append([]string{}, opts...) // not nil: RETURN was given
	return true
}

func (p *searchParser) fail(format string, args ...any) (searchNode, bool) {
	if p.bad == nil {
		p.bad = bad(format, args...)
	}
	return nil, false
}

// key reads one search-key (RFC 3501 §9): a parenthesised list, a sequence
// set, or a key name and its arguments, looked up in the table.
func (p *searchParser) key() (searchNode, bool) {
	dec := p.dec
	if p.depth >= maxSearchDepth {
		return p.fail("search keys nested too deeply")
	}
	p.depth++
	defer func() { p.depth-- }()
	switch {
	case dec.Peek('('):
		var keys []searchNode
		ok := dec.List(func() bool {
			n, ok := p.key()
			keys = append(keys, n)
			return ok
		})
		if !ok || p.bad != nil {
			return nil, false
		}
		if len(keys) == 0 {
			return p.fail("a parenthesised search key may not be empty")
		}
		return newAnd(keys), true
	case p.peekSeqSet():
		var set rfc3501.SeqSet
		if !dec.SeqSet(&set) {
			return nil, false
		}
		return p.setNode(set, false)
	}
	var name string
	if !dec.Keyword(&name) {
		return nil, false
	}
	return p.named(name)
}

// setNode is the node of a sequence set key, or of UID: "$" stands for the
// saved search result in both (RFC 5182 §2.1, Example 3), and may not be
// mixed with other elements (§3).
func (p *searchParser) setNode(set rfc3501.SeqSet, uid bool) (searchNode, bool) {
	switch {
	case set.Dollar:
		if r := checkDollar(set); r != nil {
			if p.bad == nil {
				p.bad = r
			}
			return nil, false
		}
		return savedNode{}, true
	case uid:
		return uidNode{set}, true
	}
	return seqNode{set}, true
}

// named reads the arguments of the key name, which has been read.
func (p *searchParser) named(name string) (searchNode, bool) {
	parse, found := p.keys[strings.ToUpper(name)]
	if !found {
		return p.fail("unknown search key %s", name)
	}
	return parse(p)
}

func (p *searchParser) peekSeqSet() bool {
	if p.dec.Peek('*') || p.dec.Peek('$') {
		return true
	}
	for c := byte('0'); c <= '9'; c++ {
		if p.dec.Peek(c) {
			return true
		}
	}
	return false
}

// needle reads SP astring and returns it folded (searchfold.go).
func (p *searchParser) needle() (string, bool) {
	var s string
	if !p.dec.SP() || !p.dec.AString(&s) {
		return "", false
	}
	return foldString(s), true
}

// bodyNeedle reads SP astring and registers it as a body needle.
func (p *searchParser) bodyNeedle() (needle string, index int, ok bool) {
	needle, ok = p.needle()
	if !ok {
		return "", 0, false
	}
	p.q.bodyNeedles = append(p.q.bodyNeedles, needle)
	return needle, len(p.q.bodyNeedles) - 1, true
}

// searchKeys is the table of search keys of RFC 3501 §6.4.4, by name in upper
// case: each entry reads the key's arguments (§9 search-key) after its name.
// A parser reaches it through searchParser.keys, as NOT and OR read further
// keys.
var searchKeys = map[string]searchKeyFunc{
	"ALL":        func(*searchParser) (searchNode, bool) { return allNode{}, true },
	"ANSWERED":   flagKey(imap.FlagAnswered, true),
	"DELETED":    flagKey(imap.FlagDeleted, true),
	"DRAFT":      flagKey(imap.FlagDraft, true),
	"FLAGGED":    flagKey(imap.FlagFlagged, true),
	"SEEN":       flagKey(imap.FlagSeen, true),
	"UNANSWERED": flagKey(imap.FlagAnswered, false),
	"UNDELETED":  flagKey(imap.FlagDeleted, false),
	"UNDRAFT":    flagKey(imap.FlagDraft, false),
	"UNFLAGGED":  flagKey(imap.FlagFlagged, false),
	"UNSEEN":     flagKey(imap.FlagSeen, false),
	"KEYWORD":    keywordKey(true),
	"UNKEYWORD":  keywordKey(false),
	"RECENT":     func(*searchParser) (searchNode, bool) { return recentNode{true}, true },
	"OLD":        func(*searchParser) (searchNode, bool) { return recentNode{false}, true },
	// NEW is "(RECENT UNSEEN)".
	"NEW": func(*searchParser) (searchNode, bool) {
		return newAnd([]searchNode{recentNode{true}, flagNode{string(imap.FlagSeen), false}}), true
	},
	"LARGER":     sizeKey(true),
	"SMALLER":    sizeKey(false),
	"BEFORE":     dateKey(false, dateBefore),
	"ON":         dateKey(false, dateOn),
	"SINCE":      dateKey(false, dateSince),
	"SENTBEFORE": dateKey(true, dateBefore),
	"SENTON":     dateKey(true, dateOn),
	"SENTSINCE":  dateKey(true, dateSince),
	"BCC":        fieldKey("bcc"),
	"CC":         fieldKey("cc"),
	"FROM":       fieldKey("from"),
	"SUBJECT":    fieldKey("subject"),
	"TO":         fieldKey("to"),
	"HEADER": func(p *searchParser) (searchNode, bool) {
		var name string
		if !p.dec.SP() || !p.dec.AString(&name) {
			return nil, false
		}
		needle, ok := p.needle()
		return headerNode{foldString(name), []byte(needle)}, ok
	},
	"BODY": func(p *searchParser) (searchNode, bool) {
		needle, i, ok := p.bodyNeedle()
		return bodyNode{needle, i}, ok
	},
	"TEXT": func(p *searchParser) (searchNode, bool) {
		needle, i, ok := p.bodyNeedle()
		return textNode{bodyNode{needle, i}, []byte(needle)}, ok
	},
	"UID": func(p *searchParser) (searchNode, bool) {
		var set rfc3501.SeqSet
		if !p.dec.SP() || !p.dec.SeqSet(&set) {
			return nil, false
		}
		return p.setNode(set, true)
	},
	// RFC 5032 §3.
	rfc5032.KeyOlder:   withinKey(rfc5032.Older),
	rfc5032.KeyYounger: withinKey(rfc5032.Younger),
	"NOT": func(p *searchParser) (searchNode, bool) {
		if !p.dec.SP() {
			return nil, false
		}
		n, ok := p.key()
		return notNode{n}, ok
	},
	"OR": func(p *searchParser) (searchNode, bool) {
		if !p.dec.SP() {
			return nil, false
		}
		a, ok := p.key()
		if !ok || !p.dec.SP() {
			return nil, false
		}
		b, ok := p.key()
		return orNode{a, b}, ok
	},
}

func flagKey(flag imap.Flag, set bool) searchKeyFunc {
	return func(*searchParser) (searchNode, bool) { return flagNode{string(flag), set}, true }
}

// keywordKey reads KEYWORD and UNKEYWORD's flag-keyword (an atom).
func keywordKey(set bool) searchKeyFunc {
	return func(p *searchParser) (searchNode, bool) {
		var kw string
		if !p.dec.SP() || !p.dec.Atom(&kw) {
			return nil, false
		}
		return flagNode{kw, set}, true
	}
}

// withinKey reads the interval of OLDER or YOUNGER (RFC 5032 §3: SP
// nz-number, in seconds) and fixes the target time from the parser's clock.
func withinKey(cmp func(date, target time.Time) bool) searchKeyFunc {
	return func(p *searchParser) (searchNode, bool) {
		var n uint32
		if !p.dec.SP() || !p.dec.NzNumber(&n) {
			return nil, false
		}
		return withinNode{rfc5032.Target(p.now, n), cmp}, true
	}
}

func sizeKey(larger bool) searchKeyFunc {
	return func(p *searchParser) (searchNode, bool) {
		var n uint32
		if !p.dec.SP() || !p.dec.Number(&n) {
			return nil, false
		}
		return sizeNode{int64(n), larger}, true
	}
}

func dateKey(sent bool, cmp dateCmp) searchKeyFunc {
	return func(p *searchParser) (searchNode, bool) {
		var t time.Time
		if !p.dec.SP() || !p.dec.Date(&t) {
			return nil, false
		}
		if sent {
			return sentDateNode{dayOf(t), cmp}, true
		}
		return internalDateNode{dayOf(t), cmp}, true
	}
}

// fieldKey reads the string of BCC, CC, FROM, SUBJECT and TO: a substring
// of the header field that the envelope structure's field is made from.
func fieldKey(field string) searchKeyFunc {
	return func(p *searchParser) (searchNode, bool) {
		needle, ok := p.needle()
		return headerNode{field, []byte(needle)}, ok
	}
}

// searchNode is a decoded search key. match evaluates it on one message;
// cost says what it reads, so that AND can try the cheap keys first.
type searchNode interface {
	match(m *searchMsg) bool
	cost() int
}

// Costs of evaluating a key.
const (
	costView   = iota // the view: flags, UID, size, internal date
	costHeader        // the message's header
	costBody          // the message's body
)

// andNode matches when every key matches (§6.4.4: keys side by side, and a
// parenthesised list). Its keys are ordered by cost.
type andNode []searchNode

func newAnd(keys []searchNode) searchNode {
	if len(keys) == 1 {
		return keys[0]
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b searchNode) int { return a.cost() - b.cost() })
	return andNode(keys)
}

func (n andNode) match(m *searchMsg) bool {
	for _, k := range n {
		if !k.match(m) {
			return false
		}
	}
	return true
}

func (n andNode) cost() int {
	c := costView
	for _, k := range n {
		c = max(c, k.cost())
	}
	return c
}

type orNode struct{ a, b searchNode }

func (n orNode) match(m *searchMsg) bool {
	if n.a.cost() > n.b.cost() {
		return n.b.match(m) || n.a.match(m)
	}
	return n.a.match(m) || n.b.match(m)
}

func (n orNode) cost() int { return max(n.a.cost(), n.b.cost()) }

type notNode struct{ n searchNode }

func (n notNode) match(m *searchMsg) bool { return !n.n.match(m) }
func (n notNode) cost() int               { return n.n.cost() }

type allNode struct{}

func (allNode) match(*searchMsg) bool { return true }
func (allNode) cost() int             { return costView }

// flagNode is a system flag key (SEEN, UNSEEN …) or KEYWORD/UNKEYWORD.
type flagNode struct {
	flag string
	set  bool
}

func (n flagNode) match(m *searchMsg) bool { return m.hasFlag(n.flag) == n.set }
func (flagNode) cost() int                 { return costView }

// recentNode is RECENT (set) or OLD: \Recent as this session has it.
type recentNode struct{ set bool }

func (n recentNode) match(m *searchMsg) bool { return m.v.recent == n.set }
func (recentNode) cost() int                 { return costView }

// sizeNode is LARGER or SMALLER: the RFC822.SIZE against n.
type sizeNode struct {
	n      int64
	larger bool
}

func (n sizeNode) match(m *searchMsg) bool {
	if n.larger {
		return m.v.Size > n.n
	}
	return m.v.Size < n.n
}
func (sizeNode) cost() int { return costView }

// seqNode is a sequence set of message sequence numbers; "*" is the last
// message. A number beyond the last message names none: a search is a
// question about messages, not an action on them, so it is not a BAD
// response here as it is for FETCH, STORE and COPY.
type seqNode struct{ set rfc3501.SeqSet }

func (n seqNode) match(m *searchMsg) bool { return n.set.Contains(m.seq, m.count) }
func (seqNode) cost() int                 { return costView }

// uidNode is UID: a set of UIDs, "*" the highest UID in the view.
type uidNode struct{ set rfc3501.SeqSet }

func (n uidNode) match(m *searchMsg) bool { return n.set.Contains(m.v.UID, m.sel.maxUID()) }
func (uidNode) cost() int                 { return costView }

// savedNode is "$", as a sequence set or after UID: the messages in the
// search result variable (RFC 5182 §2.1).
type savedNode struct{}

func (savedNode) match(m *searchMsg) bool { return m.sel.inSaved(m.v.UID) }
func (savedNode) cost() int               { return costView }

// withinNode is OLDER or YOUNGER (RFC 5032 §2): the internal date against
// the target time.
type withinNode struct {
	target time.Time
	cmp    func(date, target time.Time) bool
}

func (n withinNode) match(m *searchMsg) bool { return n.cmp(m.v.InternalDate, n.target) }
func (withinNode) cost() int                 { return costView }

// A day is a calendar date as year*416 + month*32 + day, which orders as
// the dates do.
type day int

func dayOf(t time.Time) day { return day(t.Year()*416 + int(t.Month())*32 + t.Day()) }

// dateCmp is how a date key compares a message's date d with its argument
// a.
type dateCmp int

const (
	dateBefore dateCmp = iota // d < a
	dateOn                    // d = a
	dateSince                 // d ≥ a
)

func (c dateCmp) holds(d, a day) bool {
	switch c {
	case dateBefore:
		return d < a
	case dateOn:
		return d == a
	}
	return d >= a
}

// internalDateNode is BEFORE, ON or SINCE: the internal date "disregarding
// time and timezone" (§6.4.4). The store keeps internal dates in UTC (the
// zone an APPEND gave is not kept), so the date compared is the UTC date, the
// one FETCH INTERNALDATE shows.
type internalDateNode struct {
	date day
	cmp  dateCmp
}

func (n internalDateNode) match(m *searchMsg) bool {
	return n.cmp.holds(dayOf(m.v.InternalDate.UTC()), n.date)
}
func (internalDateNode) cost() int { return costView }

// sentDateNode is SENTBEFORE, SENTON or SENTSINCE: the date of the Date:
// header as written, in the zone written there (time and zone disregarded).
// A message without a Date: field that parses matches none of them.
type sentDateNode struct {
	date day
	cmp  dateCmp
}

func (n sentDateNode) match(m *searchMsg) bool {
	h := m.headerFields()
	for i := range h.count() {
		if string(h.name(i)) == "date" {
			t, ok := parseSentDate(string(h.raw(i)))
			return ok && n.cmp.holds(dayOf(t), n.date)
		}
	}
	return false
}
func (sentDateNode) cost() int { return costHeader }

// headerNode is HEADER, and BCC, CC, FROM, SUBJECT and TO: some field of
// that name whose decoded value holds the needle (an empty needle: any field
// of that name). For the address keys the field stands for the envelope
// structure's field that is made from it.
type headerNode struct {
	name   string // folded
	needle []byte // folded
}

func (n headerNode) match(m *searchMsg) bool {
	h := m.headerFields()
	for i := range h.count() {
		if string(h.name(i)) == n.name && bytes.Contains(h.value(i), n.needle) {
			return true
		}
	}
	return false
}
func (headerNode) cost() int { return costHeader }

// bodyNode is BODY: the decoded text of the body (searchtext.go).
type bodyNode struct {
	needle string
	index  int // in searchQuery.bodyNeedles
}

func (n bodyNode) match(m *searchMsg) bool { return n.needle == "" || m.bodyHas(n.index) }
func (bodyNode) cost() int                 { return costBody }

// textNode is TEXT: the header fields (names and decoded values), then the
// body.
type textNode struct {
	body   bodyNode
	needle []byte // body.needle
}

func (n textNode) match(m *searchMsg) bool {
	if n.body.needle == "" {
		return true
	}
	h := m.headerFields()
	for i := range h.count() {
		if bytes.Contains(h.line(i), n.needle) {
			return true
		}
	}
	return n.body.match(m)
}
func (textNode) cost() int { return costBody }
