package rfc4314

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The identifiers of §2 that name no user.
const (
	// Anyone is the universal identity: every session (§2).
	Anyone = "anyone"
	// Authenticated is every authenticated user (an identifier that §2
	// leaves to the implementation): every IMAP session, as Loft has no
	// anonymous ones, but not the unknown sender of an LMTP delivery to a
	// folder (Subject.Anonymous).
	Authenticated = "authenticated"
	// DefaultGroupPrefix begins an identifier that names a group of the
	// directory: "$team" is the group "team" (the form of §3.2's example).
	DefaultGroupPrefix = "$"
)

// maxIdentifier bounds an identifier, in octets.
const maxIdentifier = 256

// CheckIdentifier refuses an identifier that §3 requires a BAD response
// for: empty (also "-" alone, whose positive form is empty), not UTF-8,
// longer than 256 octets, or holding control or space characters.
// Deviation: the identifier is not prepared with SASLprep; it is compared
// exactly, as login names are.
func CheckIdentifier(id string) error {
	pos := strings.TrimPrefix(id, "-")
	switch {
	case pos == "":
		return fmt.Errorf("empty identifier")
	case len(id) > maxIdentifier:
		return fmt.Errorf("identifier longer than %d octets", maxIdentifier)
	case !utf8.ValidString(id):
		return fmt.Errorf("identifier is not UTF-8")
	}
	for _, r := range id {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return fmt.Errorf("identifier holds the character %U", r)
		}
	}
	return nil
}

// Negative reports whether id names negative rights (§2: a leading "-"),
// and returns the identifier the rights are removed from.
func Negative(id string) (string, bool) {
	return strings.CutPrefix(id, "-")
}

// Entry is one <identifier, rights> pair of an ACL (§2).
type Entry struct {
	Identifier string
	Rights     Rights
}

// ACL is the access control list of one mailbox (§2), in the order the
// identifiers were first given rights. No identifier appears twice and no
// entry has empty rights.
type ACL []Entry

// Lookup returns the rights an identifier has in the list itself (not what
// it gets from other identifiers), and whether it is listed.
func (a ACL) Lookup(id string) (Rights, bool) {
	for _, e := range a {
		if e.Identifier == id {
			return e.Rights, true
		}
	}
	return 0, false
}

// Modify returns the list with id's rights changed by m (SETACL, §3.1). An
// identifier left with no rights is removed, so that GETACL does not show
// it. a is not changed.
func (a ACL) Modify(id string, m Modification) ACL {
	old, _ := a.Lookup(id)
	r := m.Apply(old)
	out := make(ACL, 0, len(a)+1)
	found := false
	for _, e := range a {
		if e.Identifier == id {
			found = true
			if r != 0 {
				out = append(out, Entry{id, r})
			}
			continue
		}
		out = append(out, e)
	}
	if !found && r != 0 {
		out = append(out, Entry{id, r})
	}
	return out
}

// Delete returns the list without id's entry (DELETEACL, §3.2). It does not
// touch "-id". a is not changed.
func (a ACL) Delete(id string) ACL {
	return slices.DeleteFunc(slices.Clone(a), func(e Entry) bool { return e.Identifier == id })
}

// Subject is the user whose rights are evaluated.
type Subject struct {
	// User is the login name.
	User string
	// Groups are the names of the directory groups the user belongs to.
	Groups []string
	// Anonymous is set for a subject nobody authenticated (an LMTP sender
	// the directory does not know): only "anyone" applies to it.
	Anonymous bool
}

// Policy is how a server evaluates identifiers.
type Policy struct {
	// Owner is the login name of the user whose account holds the
	// mailbox; "" for a mailbox that no user owns (the shared namespace).
	Owner string
	// GroupPrefix begins a group identifier; "" means DefaultGroupPrefix.
	GroupPrefix string
}

// Required returns the rights that a user always holds on the mailbox,
// whatever its ACL says (§2: "MAY force rights to always ... be granted";
// §3.7's required rights): the owner always has "l" and "a", so that no
// owner can lose sight of or control over a mailbox of its own.
func (p Policy) Required(id string) Rights {
	if p.Owner != "" && id == p.Owner {
		return Lookup | Admin
	}
	return 0
}

// matches reports whether the (positive) identifier id applies to s.
func (p Policy) matches(id string, s Subject) bool {
	prefix := p.GroupPrefix
	if prefix == "" {
		prefix = DefaultGroupPrefix
	}
	switch {
	case id == Anyone:
		return true
	case s.Anonymous:
		return false
	case id == Authenticated:
		return true
	}
	if g, ok := strings.CutPrefix(id, prefix); ok {
		// A group identifier names the group only, never a user whose
		// login happens to look like it (ReservedLogin).
		return slices.Contains(s.Groups, g)
	}
	return id == s.User
}

// ReservedLogin reports whether a login name would be read as an
// identifier of another kind (§2): "anyone", "authenticated", a negative
// identifier ("-bob") or a group ("$team"). Such a user cannot be told apart
// from what the identifier means: the ACL of each of its mailboxes begins
// with the owner's entry, so a user named "anyone" would open every one of
// its mailboxes to everyone, and one named "$team" would get the rights of
// the group. A server refuses these names as users and as accounts.
func (p Policy) ReservedLogin(login string) bool {
	prefix := p.GroupPrefix
	if prefix == "" {
		prefix = DefaultGroupPrefix
	}
	return login == Anyone || login == Authenticated ||
		strings.HasPrefix(login, "-") || strings.HasPrefix(login, prefix)
}

// Rights evaluates the list for s (§2): the union of the rights of every
// identifier that applies to s (the user, its groups, "anyone",
// "authenticated"; "anyone" alone for an anonymous subject), less the union of the negative rights ("-id") of every
// identifier that applies, plus what Required forces.
func (p Policy) Rights(a ACL, s Subject) Rights {
	var pos, neg Rights
	for _, e := range a {
		if id, ok := Negative(e.Identifier); ok {
			if p.matches(id, s) {
				neg |= e.Rights
			}
			continue
		}
		if p.matches(e.Identifier, s) {
			pos |= e.Rights
		}
	}
	return pos&^neg | p.Required(s.User)
}

// ListRights returns the LISTRIGHTS answer for id (§3.7): the rights id
// always has, and the rights it can be granted, each right on its own
// (Loft ties no rights together). The virtual "c" and "d" are listed too
// (§2.1.1), each on its own since their members are not tied.
func (p Policy) ListRights(id string) (required Rights, optional []string) {
	required = p.Required(id)
	if _, neg := Negative(id); neg {
		required = 0
	}
	for i := 0; i < len(letters); i++ {
		if required&(1<<i) == 0 {
			optional = append(optional, letters[i:i+1])
		}
	}
	if required&Create != Create {
		optional = append(optional, "c")
	}
	if required&Delete != Delete {
		optional = append(optional, "d")
	}
	return required, optional
}
