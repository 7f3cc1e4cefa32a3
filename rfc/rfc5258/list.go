package rfc5258

import (
	"fmt"
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Capability is the capability name of the extension (§3).
const Capability = "LIST-EXTENDED"

// Kind is the class of a selection option in the grammar of §6.
type Kind int

const (
	// Base options can be used by themselves and restrict the names
	// returned (list-select-base-opt: SUBSCRIBED).
	Base Kind = iota
	// Independent options do not interact with others
	// (list-select-independent-opt: REMOTE; RFC 6154's SPECIAL-USE).
	Independent
	// Modifier options require a base option (list-select-mod-opt:
	// RECURSIVEMATCH).
	Modifier
)

// SelectOption is one row of a server's table of selection options (§3.1).
type SelectOption struct {
	Name string // upper case
	Kind Kind
	// Implies is the return option that the selection option implies
	// (SUBSCRIBED implies SUBSCRIBED, §3.1), or "".
	Implies string
}

// ReturnOption is one row of a server's table of return options (§3.2).
type ReturnOption struct {
	Name string // upper case
	// Value says the option takes an option-value (§6), such as RFC
	// 5819's STATUS (MESSAGES); options without it take none.
	Value bool
}

// The options this RFC defines.
const (
	Subscribed     = "SUBSCRIBED"     // selection (§3.1) and return (§3.2) option
	Remote         = "REMOTE"         // selection option (§3.1)
	RecursiveMatch = "RECURSIVEMATCH" // selection option (§3.1)
	Children       = "CHILDREN"       // return option (§4)
)

// SelectOptions returns the selection options of §3.1, for a server's table.
func SelectOptions() []SelectOption {
	return []SelectOption{
		{Name: Subscribed, Kind: Base, Implies: Subscribed},
		{Name: Remote, Kind: Independent},
		{Name: RecursiveMatch, Kind: Modifier},
	}
}

// ReturnOptions returns the return options of §3.2 and §4, for a server's
// table.
func ReturnOptions() []ReturnOption {
	return []ReturnOption{{Name: Subscribed}, {Name: Children}}
}

// Value is an option-value or one of its components (§6 option-val-comp):
// an astring, or a parenthesised list when IsList.
type Value struct {
	String string
	IsList bool
	List   []Value
}

// Option is one option as a client sent it.
type Option struct {
	Name string // upper case
	// Value is the option-value's components (the parenthesised list
	// that follows the name), nil when the option has none.
	Value []Value
	// HasValue reports whether an option-value was given.
	HasValue bool
}

// Command holds the arguments of a LIST command (§6 list).
type Command struct {
	// Extended reports whether the command uses the extended syntax in any
	// of the three ways of §1 (selection options, a parenthesised pattern
	// list, return options). An extended LIST never treats an empty
	// pattern as a request for the hierarchy delimiter (§3).
	Extended bool
	// Select holds the selection options, each once (§3: an option given
	// twice counts once), in the order first given.
	Select []Option
	// Reference is the reference name, modified UTF-7 decoded.
	Reference string
	// Patterns holds the mailbox patterns, modified UTF-7 decoded (one
	// for the base syntax).
	Patterns []string
	// Return holds the return options, each once, in the order first
	// given.
	Return []Option
}

// Decode reads the arguments of LIST (§6 list, after "LIST"), from the SP
// that follows the command name up to, not including, the CRLF. Errors are
// the decoder's (a BAD response): the options' names and values are not
// checked here, see Check.
func Decode(dec *rfc3501.Decoder, cmd *Command) bool {
	*cmd = Command{}
	if !dec.SP() {
		return false
	}
	if dec.Peek('(') {
		cmd.Extended = true
		if !decodeOptions(dec, &cmd.Select) || !dec.SP() {
			return false
		}
	}
	if !dec.Mailbox(&cmd.Reference) || !dec.SP() {
		return false
	}
	if dec.Peek('(') {
		cmd.Extended = true
		ok := dec.List(func() bool {
			var p string
			if !dec.ListMailbox(&p) {
				return false
			}
			cmd.Patterns = append(cmd.Patterns, p)
			return true
		})
		if !ok {
			return false
		}
		if len(cmd.Patterns) == 0 {
			return dec.Fail("expected at least one mailbox pattern")
		}
	} else {
		var p string
		if !dec.ListMailbox(&p) {
			return false
		}
		cmd.Patterns = []string{p}
	}
	if !dec.Peek(' ') {
		return true
	}
	cmd.Extended = true
	var word string
	if !dec.SP() || !dec.Atom(&word) {
		return false
	}
	if !strings.EqualFold(word, "RETURN") {
		return dec.Fail("expected RETURN, found " + word)
	}
	return dec.SP() && decodeOptions(dec, &cmd.Return)
}

// decodeOptions reads "(" [option *(SP option)] ")" where option is a name
// (an atom) optionally followed by SP and an option-value. Since a value
// starts with "(" and a name never does, one octet of lookahead after the
// SP tells them apart.
func decodeOptions(dec *rfc3501.Decoder, opts *[]Option) bool {
	if !dec.ExpectByte('(') {
		return false
	}
	if dec.Peek(')') {
		return dec.ExpectByte(')')
	}
	for {
		var o Option
		if !dec.Atom(&o.Name) {
			return false
		}
		o.Name = strings.ToUpper(o.Name)
		more := false
		if dec.Peek(' ') {
			dec.SP()
			if dec.Peek('(') {
				o.HasValue = true
				if !decodeValue(dec, &o.Value) {
					return false
				}
				more = dec.Peek(' ') && dec.SP()
			} else {
				more = true
			}
		}
		if !slices.ContainsFunc(*opts, func(p Option) bool { return p.Name == o.Name }) {
			*opts = append(*opts, o)
		}
		if !more {
			return dec.ExpectByte(')')
		}
	}
}

// decodeValue reads a parenthesised list of astrings and nested lists.
func decodeValue(dec *rfc3501.Decoder, v *[]Value) bool {
	*v = []Value{}
	return dec.List(func() bool {
		var item Value
		if dec.Peek('(') {
			item.IsList = true
			if !decodeValue(dec, &item.List) {
				return false
			}
		} else if !dec.AString(&item.String) {
			return false
		}
		*v = append(*v, item)
		return true
	})
}

// Check checks the options against the server's tables (§3): an option the
// server does not know is an error, as is a value for an option that takes
// none or no value for one that needs it, and a modifier option
// (RECURSIVEMATCH) without a base option, "(RECURSIVEMATCH)" and "(REMOTE
// RECURSIVEMATCH)" among them (§3.1). The caller answers each error with
// BAD. The values themselves are the option's owner's to check.
func (c *Command) Check(sel []SelectOption, ret []ReturnOption) error {
	var base, mod string
	for _, o := range c.Select {
		i := slices.IndexFunc(sel, func(s SelectOption) bool { return s.Name == o.Name })
		if i < 0 {
			return fmt.Errorf("unknown LIST selection option %s", o.Name)
		}
		if o.HasValue {
			return fmt.Errorf("LIST selection option %s takes no value", o.Name)
		}
		switch sel[i].Kind {
		case Base:
			base = o.Name
		case Modifier:
			mod = o.Name
		}
	}
	if mod != "" && base == "" {
		return fmt.Errorf("LIST selection option %s needs a selection option such as %s", mod, Subscribed)
	}
	for _, o := range c.Return {
		i := slices.IndexFunc(ret, func(r ReturnOption) bool { return r.Name == o.Name })
		if i < 0 {
			return fmt.Errorf("unknown LIST return option %s", o.Name)
		}
		if o.HasValue != ret[i].Value {
			if o.HasValue {
				return fmt.Errorf("LIST return option %s takes no value", o.Name)
			}
			return fmt.Errorf("LIST return option %s needs a value", o.Name)
		}
	}
	return nil
}

// Selects reports whether the selection option name was given.
func (c *Command) Selects(name string) bool {
	return slices.ContainsFunc(c.Select, func(o Option) bool { return o.Name == name })
}

// Returns returns the return option name, given or implied by a selection
// option in sel (§3.1: SUBSCRIBED implies SUBSCRIBED), and whether there is
// one. An implied option has no value.
func (c *Command) Returns(name string, sel []SelectOption) (Option, bool) {
	if i := slices.IndexFunc(c.Return, func(o Option) bool { return o.Name == name }); i >= 0 {
		return c.Return[i], true
	}
	for _, s := range sel {
		if s.Implies == name && c.Selects(s.Name) {
			return Option{Name: name}, true
		}
	}
	return Option{}, false
}

// BaseOptions returns the base selection options given (those that a
// CHILDINFO extended data item names, §3.5), in the order given.
func (c *Command) BaseOptions(sel []SelectOption) []string {
	var out []string
	for _, o := range c.Select {
		if i := slices.IndexFunc(sel, func(s SelectOption) bool { return s.Name == o.Name }); i >= 0 && sel[i].Kind == Base {
			out = append(out, o.Name)
		}
	}
	return out
}
