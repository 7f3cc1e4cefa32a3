package rfc4314

import (
	"fmt"
	"strings"
)

// Capability is the capability that announces the extension (§2).
const Capability = "ACL"

// RightsCapability is the RIGHTS= capability (§5.1.1, §7 rights-capa): the
// rights beyond RFC 2086's that Loft supports, which must include "t", "e",
// "x" and "k".
const RightsCapability = "RIGHTS=texk"

// Rights is a set of the standard rights of §2.1, one bit per right. The
// obsolete virtual rights "c" and "d" (§2.1.1) are not bits: they stand for
// their members (Create, Delete) when parsed and are added to the output of
// String.
type Rights uint16

// The standard rights (§2.1).
const (
	Lookup      Rights = 1 << iota // l: the mailbox is visible to LIST/LSUB, SUBSCRIBE
	Read                           // r: SELECT, EXAMINE, STATUS
	Seen                           // s: keep \Seen across sessions
	Write                          // w: flags other than \Seen and \Deleted
	Insert                         // i: APPEND, COPY into
	Post                           // p: send mail to the mailbox's submission address
	CreateChild                    // k: CREATE below, RENAME to below
	DeleteBox                      // x: DELETE, RENAME from
	DeleteMsgs                     // t: set or clear \Deleted
	Expunge                        // e: EXPUNGE, and expunge by CLOSE
	Admin                          // a: SETACL, DELETEACL, GETACL, LISTRIGHTS
)

// All is every standard right: what a mailbox's owner holds by default.
const All = Lookup | Read | Seen | Write | Insert | Post | CreateChild | DeleteBox | DeleteMsgs | Expunge | Admin

// The virtual rights of §2.1.1, as the sets they stand for. Loft follows
// §2.1.1's first group of RFC 2086 servers: "c" (create) is "k" and "x",
// "d" (delete) is "e" and "t", as the examples of §2.1.1 and §3.1 assume.
const (
	Create = CreateChild | DeleteBox
	Delete = Expunge | DeleteMsgs
)

// letters are the standard rights in the order String writes them.
const letters = "lrswipkxtea"

// Has reports whether r holds every right of want.
func (r Rights) Has(want Rights) bool { return r&want == want }

// String returns the rights as the letters of §2.1 in the order
// "lrswipkxtea", followed by the virtual "c" when any member of Create is
// present and "d" when any member of Delete is (§2.1.1: the server MUST
// include them in MYRIGHTS and ACL responses). No rights is "".
func (r Rights) String() string {
	var b strings.Builder
	for i := 0; i < len(letters); i++ {
		if r&(1<<i) != 0 {
			b.WriteByte(letters[i])
		}
	}
	if r&Create != 0 {
		b.WriteByte('c')
	}
	if r&Delete != 0 {
		b.WriteByte('d')
	}
	return b.String()
}

// Letters returns the rights as the letters of §2.1 only, without the
// virtual "c" and "d": for storage and for the capability.
func (r Rights) Letters() string {
	var b strings.Builder
	for i := 0; i < len(letters); i++ {
		if r&(1<<i) != 0 {
			b.WriteByte(letters[i])
		}
	}
	return b.String()
}

// RightsError is a rights string that §3.1 requires a BAD response for: an
// upper-case letter (§2: "uppercase rights are not allowed") or a right that
// Loft does not support (digits, other lower-case letters).
type RightsError struct {
	Rights string // the string as given
	Pos    int    // the octet offset of the offending character
	Upper  bool   // true for an upper-case letter
}

func (e *RightsError) Error() string {
	ch := e.Rights[e.Pos]
	if e.Upper {
		return fmt.Sprintf("uppercase rights are not allowed (%q at offset %d)", ch, e.Pos)
	}
	return fmt.Sprintf("the %q right is not supported (offset %d)", ch, e.Pos)
}

// ParseRights parses a rights string (§7 rights: lower-case letters and
// digits): each letter of §2.1, with "c" and "d" standing for Create and
// Delete (§2.1.1). A letter may repeat. Errors: *RightsError.
func ParseRights(s string) (Rights, error) {
	var r Rights
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == 'c':
			r |= Create
		case ch == 'd':
			r |= Delete
		case strings.IndexByte(letters, ch) >= 0:
			r |= 1 << strings.IndexByte(letters, ch)
		default:
			return 0, &RightsError{Rights: s, Pos: i, Upper: 'A' <= ch && ch <= 'Z'}
		}
	}
	return r, nil
}

// Op is how a modification combines with the rights an identifier has
// (§3.1).
type Op uint8

const (
	Replace Op = iota // no prefix: the rights replace the existing ones
	Add               // "+": the rights are added
	Remove            // "-": the rights are removed
)

// Modification is the third argument of SETACL (§3.1, §7 mod-rights).
type Modification struct {
	Op     Op
	Rights Rights
}

// ParseModification parses SETACL's mod-rights: an optional "+" or "-",
// then zero or more rights (§3.1). Errors: *RightsError.
func ParseModification(s string) (Modification, error) {
	var m Modification
	rest := s
	switch {
	case strings.HasPrefix(s, "+"):
		m.Op, rest = Add, s[1:]
	case strings.HasPrefix(s, "-"):
		m.Op, rest = Remove, s[1:]
	}
	r, err := ParseRights(rest)
	if err != nil {
		re := err.(*RightsError)
		re.Rights, re.Pos = s, re.Pos+len(s)-len(rest)
		return Modification{}, re
	}
	m.Rights = r
	return m, nil
}

// Apply returns the rights that old becomes under the modification.
func (m Modification) Apply(old Rights) Rights {
	switch m.Op {
	case Add:
		return old | m.Rights
	case Remove:
		return old &^ m.Rights
	}
	return m.Rights
}

// String writes the modification as SETACL takes it.
func (m Modification) String() string {
	switch m.Op {
	case Add:
		return "+" + m.Rights.Letters()
	case Remove:
		return "-" + m.Rights.Letters()
	}
	return m.Rights.Letters()
}
