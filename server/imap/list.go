package imap

import (
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3348"
	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/rfc/rfc5258"
	"github.com/loftmail/loft/rfc/rfc5819"
	"github.com/loftmail/loft/rfc/rfc6154"
	"github.com/loftmail/loft/store"
)

// listSelectOptions is the table of LIST selection options (RFC 5258 §3.1,
// RFC 6154 §2); an option not in it is BAD (RFC 5258 §3).
var listSelectOptions = append(rfc5258.SelectOptions(), rfc6154.SelectOption)

// listReturnOptions is the table of LIST return options (RFC 5258 §3.2, §4,
// RFC 5819 §2, RFC 6154 §2).
var listReturnOptions = append(rfc5258.ReturnOptions(), rfc5819.ReturnOption, rfc6154.ReturnOption)

// listCapabilities are what the LIST row of the command table announces.
func listCapabilities(*conn) []string {
	return []string{rfc5258.Capability, rfc5819.Capability, rfc6154.Capability, rfc3348.Capability}
}

// listName is one name that LIST may return, as the account's hierarchy
// and subscriptions describe it. listNames gathers them: a source of names
// from other namespaces adds its own here.
type listName struct {
	name        string
	mailbox     bool // a selectable mailbox
	exists      bool // a mailbox, or a level with children (\Noselect)
	hasChildren bool
	subscribed  bool // known only when the subscriptions were read
	specialUse  []string
}

// listNames returns the names of the account's hierarchy, and with subs
// also the subscribed names, sorted and each once. The hierarchy is what
// the session may see (RFC 4314 §4: mailboxes with "l"), with other users'
// and the shared folders where one of the patterns can reach them
// (visibleMailboxes).
func (c *conn) listNames(subs bool, patterns []string) ([]listName, error) {
	infos, err := c.visibleMailboxes(func(prefix string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return mayReach(p, prefix) })
	})
	if err != nil {
		return nil, err
	}
	out := make([]listName, 0, len(infos))
	for _, info := range infos {
		out = append(out, listName{name: info.Name, mailbox: info.Selectable, exists: true,
			hasChildren: info.HasChildren, specialUse: info.SpecialUse})
	}
	if !subs {
		return out, nil
	}
	names, err := c.account.Subscriptions()
	if err != nil {
		return nil, err
	}
	for _, s := range names {
		i, found := slices.BinarySearchFunc(out, s, func(n listName, s string) int { return strings.Compare(n.name, s) })
		if found {
			out[i].subscribed = true
			continue
		}
		out = slices.Insert(out, i, listName{name: s, subscribed: true})
	}
	return out, nil
}

// list implements LIST (RFC 3501 §6.3.8) with LIST-EXTENDED (RFC 5258:
// selection options, several patterns, return options), LIST-STATUS (RFC
// 5819), the special-use attributes (RFC 6154 §2) and the child attributes
// (RFC 3348), which every LIST response carries. In the base LIST a level
// that is not a mailbox is \Noselect; in an extended LIST it is
// \NonExistent (RFC 5258 §3, §5 example 11). \Noinferiors is never needed,
// as any mailbox may have children.
func (c *conn) list(tag string, dec *rfc3501.Decoder) error {
	var cmd rfc5258.Command
	if !rfc5258.Decode(dec, &cmd) || !dec.CRLF() {
		return dec.Err()
	}
	if !cmd.Extended && cmd.Patterns[0] == "" {
		// RFC 3501 §6.3.8: the hierarchy delimiter and the root name of
		// the reference; RFC 5258 §3: only in the base syntax.
		c.writeRoot("LIST", cmd.Reference)
		return nil
	}
	q, err := newListQuery(&cmd)
	if err != nil {
		return err
	}
	full := make([]string, len(cmd.Patterns))
	for i, p := range cmd.Patterns {
		full[i] = cmd.Reference + p
	}
	names, err := c.listNames(q.selSubscribed || q.retSubscribed, full)
	if err != nil {
		return err
	}
	byName := make(map[string]*listName, len(names))
	cands := make([]rfc5258.Candidate, 0, len(names))
	for i := range names {
		byName[names[i].name] = &names[i]
		cands = append(cands, rfc5258.Candidate{Name: names[i].name, Meets: q.meets(&names[i])})
	}
	for _, r := range rfc5258.Select(cands, q.match, q.recursive, delimiter) {
		n := byName[r.Name]
		if n == nil {
			n = &listName{name: r.Name} // a parent that is not in the hierarchy
		}
		noselect := !n.mailbox
		var values []uint64
		if q.items != nil && r.Meets && n.mailbox {
			// RFC 5819 §2: the STATUS is looked up first, so that a
			// mailbox that cannot be read is listed \Noselect without it.
			values, err = c.listStatus(n.name, q.items)
			noselect = errors.Is(err, store.ErrNotFound)
		}
		c.writeListLine("LIST", q.attrs(n, noselect), n.name)
		if r.ChildInfo {
			c.enc.SP()
			rfc5258.EncodeChildInfo(c.enc, q.base)
		}
		c.enc.CRLF()
		if values != nil {
			c.writeStatus(n.name, q.items, values)
		}
	}
	return nil
}

// listQuery is what a LIST command asks for, from its options.
type listQuery struct {
	extended      bool
	selSubscribed bool     // SUBSCRIBED selection option (RFC 5258 §3.1)
	selSpecial    bool     // SPECIAL-USE selection option (RFC 6154 §2)
	recursive     bool     // RECURSIVEMATCH (RFC 5258 §3.1)
	retSubscribed bool     // SUBSCRIBED return option, given or implied (§3.2)
	base          []string // the base selection options, for CHILDINFO (§3.5)
	items         []statusItem
	matchers      []*matcher
}

// newListQuery checks the options of cmd against the tables (BAD for what
// RFC 5258 §3 refuses) and compiles its patterns.
func newListQuery(cmd *rfc5258.Command) (*listQuery, error) {
	if err := cmd.Check(listSelectOptions, listReturnOptions); err != nil {
		return nil, bad("%v", err)
	}
	q := &listQuery{
		extended:      cmd.Extended,
		selSubscribed: cmd.Selects(rfc5258.Subscribed),
		selSpecial:    cmd.Selects(rfc6154.Option),
		recursive:     cmd.Selects(rfc5258.RecursiveMatch),
		base:          cmd.BaseOptions(listSelectOptions),
	}
	_, q.retSubscribed = cmd.Returns(rfc5258.Subscribed, listSelectOptions)
	if o, ok := cmd.Returns(rfc5819.Option, listSelectOptions); ok {
		names, err := rfc5819.Items(o)
		if err != nil {
			return nil, bad("%v", err)
		}
		for _, n := range names {
			it, found := statusItems[n]
			if !found {
				return nil, bad("unknown STATUS item %s", n)
			}
			q.items = append(q.items, it)
		}
	}
	for _, p := range cmd.Patterns {
		m := newMatcher(cmd.Reference + p)
		switch {
		case p == "" || m.wildcards > maxWildcards && cmd.Extended:
			// RFC 5258 §3: an empty pattern, and one the server does not
			// accept, are silently ignored.
		case m.wildcards > maxWildcards:
			return nil, errTooManyWildcards
		default:
			q.matchers = append(q.matchers, m)
		}
	}
	return q, nil
}

// match reports whether name matches one of the patterns (RFC 5258 §3).
func (q *listQuery) match(name string) bool {
	return slices.ContainsFunc(q.matchers, func(m *matcher) bool { return m.match(name) })
}

// meets reports whether n satisfies the selection criteria (RFC 5258 §3):
// with SUBSCRIBED the subscribed names, else the names of the hierarchy;
// with SPECIAL-USE only mailboxes that have a special use (RFC 6154 §2).
func (q *listQuery) meets(n *listName) bool {
	ok := n.exists
	if q.selSubscribed {
		ok = n.subscribed
	}
	return ok && (!q.selSpecial || len(n.specialUse) > 0)
}

// attrs returns the attributes of n's LIST response: \Noselect (base LIST,
// or a mailbox whose STATUS could not be read, RFC 5819 §2) or
// \NonExistent (RFC 5258 §3), the child attribute (RFC 3348),
// \Subscribed when asked for (RFC 5258 §3.2), the special uses (RFC 6154).
func (q *listQuery) attrs(n *listName, noselect bool) []string {
	var attrs []string
	switch {
	case noselect && (!q.extended || n.mailbox):
		attrs = append(attrs, string(imap.MailboxAttrNoSelect))
	case noselect:
		attrs = append(attrs, string(imap.MailboxAttrNonExistent))
	}
	if n.hasChildren {
		attrs = append(attrs, string(imap.MailboxAttrHasChildren))
	} else {
		attrs = append(attrs, string(imap.MailboxAttrHasNoChildren))
	}
	if q.retSubscribed && n.subscribed {
		attrs = append(attrs, string(imap.MailboxAttrSubscribed))
	}
	return append(attrs, n.specialUse...)
}

// listStatus returns the STATUS items of the mailbox name for LIST-STATUS
// (RFC 5819 §2). An error other than ErrNotFound is logged and leaves the
// STATUS response out, which §2 allows; so does a mailbox the session may
// not read (RFC 4314 §4: STATUS needs "r").
func (c *conn) listStatus(name string, items []statusItem) ([]uint64, error) {
	_, mbox, _, err := c.access(name, rfc4314.Read, 0)
	var r *response
	if errors.As(err, &r) {
		return nil, nil
	}
	var values []uint64
	if err == nil {
		values, err = statusValues(mbox, items)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.log.Warn("LIST-STATUS: cannot read the status of a mailbox", "mailbox", name, "err", err)
	}
	return values, err
}

// writeRoot answers a LIST or LSUB with an empty pattern: the hierarchy
// delimiter and the root name of the reference (RFC 3501 §6.3.8).
func (c *conn) writeRoot(kind, ref string) {
	root := ""
	if i := strings.Index(ref, delimiter); i >= 0 {
		root = ref[:i+1]
	}
	c.enc.Untagged().Atom(kind).SP().Atom(`(\Noselect)`).SP().String(delimiter).SP().
		AString(rfc3501.EncodeMailboxName(root)).CRLF()
}

// lsub implements LSUB (RFC 3501 §6.3.9): the subscribed names that match,
// whether or not they exist, and, for a "%" that stops above a subscribed
// name, the level it stops at, flagged \Noselect when that level is not
// itself subscribed. LIST-EXTENDED leaves it unchanged (RFC 5258 §1).
func (c *conn) lsub(tag string, dec *rfc3501.Decoder) error {
	var ref, pattern string
	if !dec.SP() || !dec.Mailbox(&ref) || !dec.SP() || !dec.ListMailbox(&pattern) || !dec.CRLF() {
		return dec.Err()
	}
	if pattern == "" {
		c.writeRoot("LSUB", ref)
		return nil
	}
	subs, err := c.account.Subscriptions()
	if err != nil {
		return err
	}
	subscribed := make(map[string]bool, len(subs))
	for _, s := range subs {
		subscribed[s] = true
	}
	m := newMatcher(ref + pattern)
	if m.wildcards > maxWildcards {
		return errTooManyWildcards
	}
	// Each name once, in the order of the sorted subscriptions: a parent
	// that only a "%" reaches comes just before the first name below it.
	done := map[string]bool{}
	for _, s := range subs {
		if !m.match(s) {
			for i := 0; i < len(s); i++ {
				if s[i] != '/' {
					continue
				}
				parent := s[:i]
				if done[parent] || subscribed[parent] || !m.match(parent) {
					continue
				}
				done[parent] = true
				c.writeListLine("LSUB", []string{`\Noselect`}, parent)
				c.enc.CRLF()
			}
			continue
		}
		if !done[s] {
			done[s] = true
			c.writeListLine("LSUB", nil, s)
			c.enc.CRLF()
		}
	}
	return nil
}

// writeListLine writes "* LIST (attrs) "/" name" (RFC 3501 §7.2.2, §7.2.3)
// without its CRLF, which may follow extended data (RFC 5258 §6
// mbox-list-extended).
func (c *conn) writeListLine(kind string, attrs []string, name string) {
	c.enc.Untagged().Atom(kind).SP().List(len(attrs), func(i int) { c.enc.Atom(attrs[i]) }).
		SP().String(delimiter).SP().AString(rfc3501.EncodeMailboxName(name))
}

// matcher matches mailbox names against a LIST pattern (RFC 3501 §6.3.8):
// "*" matches any octets, "%" any octets but the delimiter, and the rest
// stands for itself, except that the level INBOX matches case-insensitively.
// It runs in O(len(pattern) × len(name)) time whatever the pattern, so that
// no pattern can make it slow.
type matcher struct {
	pattern string
	tooLong bool // more literal octets than any name can have
	// wildcards counts the wildcards left after collapsing runs.
	wildcards int
}

// maxWildcards bounds the wildcards of a LIST or LSUB pattern, so that
// matching costs at most about (maxWildcards + 1) × 1024 steps per name
// once the literal octets fail to match. Real patterns have one or two.
const maxWildcards = 32

// errTooManyWildcards refuses a pattern over maxWildcards (RFC 5530 LIMIT).
var errTooManyWildcards = no(imap.ResponseCodeLimit, "a pattern may have at most %d wildcards", maxWildcards)

func newMatcher(pattern string) *matcher {
	// Runs of wildcards collapse: "**", "%*" and "*%" are "*", "%%" is "%".
	var b strings.Builder
	literal := 0
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		if ch != '*' && ch != '%' {
			literal++
			b.WriteByte(ch)
			continue
		}
		out := b.String()
		if n := len(out); n > 0 && (out[n-1] == '*' || out[n-1] == '%') {
			if ch == '*' || out[n-1] == '*' {
				s := out[:n-1] + "*"
				b.Reset()
				b.WriteString(s)
			}
			continue
		}
		b.WriteByte(ch)
	}
	m := &matcher{pattern: b.String(), tooLong: literal > maxMailboxName}
	m.wildcards = strings.Count(m.pattern, "*") + strings.Count(m.pattern, "%")
	return m
}

// maxMailboxName is the longest mailbox name the store keeps, in octets.
const maxMailboxName = 1024

// match reports whether name matches the pattern.
func (m *matcher) match(name string) bool {
	if m.tooLong {
		return false
	}
	p := m.pattern
	// fold is the number of leading octets of name compared without case:
	// the INBOX level.
	fold := 0
	if name == "INBOX" || strings.HasPrefix(name, "INBOX/") {
		fold = len("INBOX")
	}
	// cur[j]: p[:i] matches name[:j].
	cur := make([]bool, len(name)+1)
	next := make([]bool, len(name)+1)
	cur[0] = true
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch ch {
		case '*':
			// Any run: next[j] if cur[k] for some k ≤ j.
			any := false
			for j := 0; j <= len(name); j++ {
				any = any || cur[j]
				next[j] = any
			}
		case '%':
			// Any run without the delimiter.
			any := false
			for j := 0; j <= len(name); j++ {
				if j > 0 && name[j-1] == '/' {
					any = false
				}
				any = any || cur[j]
				next[j] = any
			}
		default:
			next[0] = false
			for j := 1; j <= len(name); j++ {
				c := name[j-1]
				eq := c == ch || j <= fold && lower(c) == lower(ch)
				next[j] = cur[j-1] && eq
			}
		}
		cur, next = next, cur
		if !slices.Contains(cur, true) {
			return false // nothing can match from here on
		}
	}
	return cur[len(name)]
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
