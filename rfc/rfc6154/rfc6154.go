package rfc6154

import (
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc5258"
)

// Capabilities (§2, §3).
const (
	Capability       = "SPECIAL-USE"
	CreateCapability = "CREATE-SPECIAL-USE"
)

// ResponseCodeUseAttr is the response code of a CREATE refused because of
// its special use (§3, §5.3).
const ResponseCodeUseAttr imap.ResponseCode = "USEATTR"

// Option is the name of the SPECIAL-USE selection option and return option
// (§2, §6).
const Option = "SPECIAL-USE"

// SelectOption is the SPECIAL-USE selection option: only mailboxes with a
// special-use attribute (§2). §6 makes it a list-select-independent-opt, so
// RECURSIVEMATCH does not go with it alone; it implies the return option.
var SelectOption = rfc5258.SelectOption{Name: Option, Kind: rfc5258.Independent, Implies: Option}

// ReturnOption is the SPECIAL-USE return option: return the special-use
// attributes (§2).
var ReturnOption = rfc5258.ReturnOption{Name: Option}

// Attributes are the special-use attributes of §2, in its order.
var Attributes = []imap.MailboxAttr{
	imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts, imap.MailboxAttrFlagged,
	imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash,
}

// NonVirtual are the attributes of §2 that describe what an ordinary
// mailbox holds; \All and \Flagged present messages of other mailboxes,
// which §2 says is "almost certain to represent a virtual mailbox" (and
// "likely" for \Flagged). A store without virtual mailboxes supports these.
var NonVirtual = []imap.MailboxAttr{
	imap.MailboxAttrArchive, imap.MailboxAttrDrafts, imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash,
}

// Canonical returns the spelling of §2 for attr, an attribute of §2 in any
// case (attributes, like flags, are case-insensitive), and whether it is one.
func Canonical(attr string) (imap.MailboxAttr, bool) {
	for _, a := range Attributes {
		if strings.EqualFold(attr, string(a)) {
			return a, true
		}
	}
	return "", false
}

// DecodeCreateParams reads the create-params of CREATE (RFC 4466 §2.2:
// SP "(" create-param *(SP create-param) ")"), from the SP after the
// mailbox name, of which this extension defines USE (§6: "USE" SP "("
// [use-attr *(SP use-attr)] ")"). It appends each use-attr, as sent, to
// uses. Another parameter is a syntax error (RFC 4466 §2.2: BAD), as is a
// use-attr that is not "\" atom; whether the attributes are supported is
// the caller's decision (§3: NO [USEATTR]).
func DecodeCreateParams(dec *rfc3501.Decoder, uses *[]string) bool {
	if !dec.SP() {
		return false
	}
	n := 0
	ok := dec.List(func() bool {
		n++
		var name string
		if !dec.Atom(&name) {
			return false
		}
		if !strings.EqualFold(name, "USE") {
			return dec.Fail("unknown CREATE parameter " + name)
		}
		return dec.SP() && dec.List(func() bool {
			if !dec.ExpectByte('\\') {
				return false
			}
			var a string
			if !dec.Atom(&a) {
				return false
			}
			*uses = append(*uses, `\`+a)
			return true
		})
	})
	if ok && n == 0 {
		return dec.Fail("expected at least one CREATE parameter")
	}
	return ok
}
