package imap

import (
	"errors"
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc2342"
	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/store"
)

// namespaces returns the session's namespaces (RFC 2342 §5): the personal
// one, with no prefix; other users' mailboxes under Config.OtherUsersPrefix;
// and, when Config.SharedAccount is set, the shared folders under
// Config.SharedPrefix. "/" is every namespace's delimiter.
func (c *conn) namespaces() rfc2342.Response {
	r := rfc2342.Response{
		Personal: []rfc2342.Namespace{{Prefix: "", Delimiter: '/'}},
		Other:    []rfc2342.Namespace{{Prefix: c.s.cfg.OtherUsersPrefix, Delimiter: '/'}},
	}
	if c.s.cfg.SharedAccount != "" {
		r.Shared = []rfc2342.Namespace{{Prefix: c.s.cfg.SharedPrefix, Delimiter: '/'}}
	}
	return r
}

// namespace implements NAMESPACE (RFC 2342 §5).
func (c *conn) namespace(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	c.namespaces().Encode(c.enc.Untagged()).CRLF()
	return nil
}

// visibleMailboxes lists, in the names the client uses and sorted, the
// mailboxes the session may see (RFC 4314 §4: LIST shows only mailboxes
// with "l", and a mailbox without it is left out even when it has visible
// children), and the levels above them as non-selectable names: its own
// hierarchy, and other users' and the shared folders where reach reports
// that a LIST pattern can reach names under their prefix (mayReach).
// HasChildren counts visible names only.
func (c *conn) visibleMailboxes(reach func(prefix string) bool) ([]store.MailboxInfo, error) {
	own := mailboxRef{acct: c.account, owner: c.user}
	out, err := c.visibleIn(own, "")
	if err != nil {
		return nil, err
	}
	type space struct {
		prefix, acct, owner string
	}
	var spaces []space
	if reach(c.s.cfg.OtherUsersPrefix) {
		users, err := c.s.cfg.Store.Accounts()
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u != c.user && u != c.s.cfg.SharedAccount && !strings.Contains(u, delimiter) && !c.reservedLogin(u) {
				spaces = append(spaces, space{c.s.cfg.OtherUsersPrefix + u + delimiter, u, u})
			}
		}
	}
	if c.s.cfg.SharedAccount != "" && reach(c.s.cfg.SharedPrefix) {
		spaces = append(spaces, space{c.s.cfg.SharedPrefix, c.s.cfg.SharedAccount, ""})
	}
	for _, sp := range spaces {
		a, err := c.s.cfg.Store.Account(sp.acct)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		names, err := c.visibleIn(mailboxRef{acct: a, owner: sp.owner}, sp.prefix)
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			continue
		}
		// The levels of the prefix ("Other Users", "Other Users/alice").
		levels := strings.Split(strings.TrimSuffix(sp.prefix, delimiter), delimiter)
		for i := range levels {
			name := strings.Join(levels[:i+1], delimiter)
			if !slices.ContainsFunc(out, func(m store.MailboxInfo) bool { return m.Name == name }) {
				out = append(out, store.MailboxInfo{Name: name, HasChildren: true})
			}
		}
		out = append(out, names...)
	}
	slices.SortFunc(out, func(a, b store.MailboxInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// visibleIn lists the mailboxes of ref.acct that the session may see, with
// prefix before their names, and the levels with visible names below them.
func (c *conn) visibleIn(ref mailboxRef, prefix string) ([]store.MailboxInfo, error) {
	infos, err := ref.acct.Mailboxes()
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	for _, info := range infos {
		if !info.Selectable {
			continue
		}
		if c.policy(ref).Required(c.user).Has(rfc4314.Lookup) {
			// The owner always has "l": no ACL to read.
			visible[info.Name] = true
			continue
		}
		mbox, err := ref.acct.Mailbox(info.Name)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		r, err := c.rightsOn(ref, mbox)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.Has(rfc4314.Lookup) {
			visible[info.Name] = true
		}
	}
	hasVisibleBelow := func(name string) bool {
		for v := range visible {
			if strings.HasPrefix(v, name+delimiter) {
				return true
			}
		}
		return false
	}
	var out []store.MailboxInfo
	for _, info := range infos {
		below := hasVisibleBelow(info.Name)
		switch {
		case visible[info.Name]:
		case !info.Selectable && below:
		default:
			continue
		}
		info.Name, info.HasChildren = prefix+info.Name, below
		out = append(out, info)
	}
	return out, nil
}

// mayReach reports whether a LIST pattern (reference and mailbox joined)
// can match a name beginning with prefix: the literal part of the pattern
// before its first wildcard and the prefix must agree as far as both go.
func mayReach(pattern, prefix string) bool {
	lit := pattern
	if i := strings.IndexAny(pattern, "*%"); i >= 0 {
		lit = pattern[:i]
	}
	n := min(len(lit), len(prefix))
	return lit[:n] == prefix[:n]
}
