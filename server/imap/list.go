package imap

import (
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// list implements LIST (RFC 3501 §6.3.8) with the child attributes of RFC
// 3348 (\HasChildren, \HasNoChildren). Levels that are not mailboxes are
// \Noselect; \Noinferiors is never needed, as any mailbox may have children.
func (c *conn) list(tag string, dec *rfc3501.Decoder) error {
	var ref, pattern string
	if !dec.SP() || !dec.Mailbox(&ref) || !dec.SP() || !dec.ListMailbox(&pattern) || !dec.CRLF() {
		return dec.Err()
	}
	if pattern == "" {
		// §6.3.8: the hierarchy delimiter and the root name of the
		// reference.
		root := ""
		if i := strings.Index(ref, delimiter); i >= 0 {
			root = ref[:i+1]
		}
		c.enc.Untagged().Atom("LIST").SP().Atom(`(\Noselect)`).SP().String(delimiter).SP().
			AString(rfc3501.EncodeMailboxName(root)).CRLF()
		return nil
	}
	m := newMatcher(ref + pattern)
	if m.wildcards > maxWildcards {
		return errTooManyWildcards
	}
	// RFC 4314 §4: only the mailboxes the session may see, never NO.
	infos, err := c.visibleMailboxes(ref + pattern)
	if err != nil {
		return err
	}
	for _, info := range infos {
		if !m.match(info.Name) {
			continue
		}
		var attrs []string
		if !info.Selectable {
			attrs = append(attrs, `\Noselect`)
		}
		if info.HasChildren {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
		c.writeListLine("LIST", attrs, info.Name)
	}
	return nil
}

// lsub implements LSUB (RFC 3501 §6.3.9): the subscribed names that match,
// whether or not they exist, and, for a "%" that stops above a subscribed
// name, the level it stops at, flagged \Noselect when that level is not
// itself subscribed.
func (c *conn) lsub(tag string, dec *rfc3501.Decoder) error {
	var ref, pattern string
	if !dec.SP() || !dec.Mailbox(&ref) || !dec.SP() || !dec.ListMailbox(&pattern) || !dec.CRLF() {
		return dec.Err()
	}
	if pattern == "" {
		root := ""
		if i := strings.Index(ref, delimiter); i >= 0 {
			root = ref[:i+1]
		}
		c.enc.Untagged().Atom("LSUB").SP().Atom(`(\Noselect)`).SP().String(delimiter).SP().
			AString(rfc3501.EncodeMailboxName(root)).CRLF()
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
			}
			continue
		}
		if !done[s] {
			done[s] = true
			c.writeListLine("LSUB", nil, s)
		}
	}
	return nil
}

// writeListLine writes "* LIST (attrs) "/" name" (RFC 3501 §7.2.2, §7.2.3).
func (c *conn) writeListLine(kind string, attrs []string, name string) {
	c.enc.Untagged().Atom(kind).SP().List(len(attrs), func(i int) { c.enc.Atom(attrs[i]) }).
		SP().String(delimiter).SP().AString(rfc3501.EncodeMailboxName(name)).CRLF()
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
