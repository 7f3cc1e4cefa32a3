package rfc5228

import (
	"errors"
	"time"
)

// Extension is a Sieve extension that a script may "require" (RFC 5228
// §3.2). Each extension package exports one or more values (rfc5230.Extension,
// rfc5231.Extension, rfc5429.Reject and rfc5429.Ereject, …), and Compile
// takes the explicit list of those it may use in Options.Extensions.
//
// Name is the capability string of the IANA registry ("vacation",
// "relational", "comparator-i;ascii-numeric"), the word ManageSieve lists in
// its SIEVE capability. The compiler implements each extension it knows by
// that name; Compile refuses an Extensions list that names one it does not
// know (see Supported).
type Extension interface {
	Name() string
}

// Options is what a compiled script may use and the limits it runs under.
// The zero value allows the base language only, with the default limits.
type Options struct {
	// Extensions are those a script may require; "require" of any other
	// name is a compile-time error (RFC 5228 §3.2).
	Extensions []Extension
	// MaxScriptSize is the largest script accepted, in octets; 0 means no
	// limit.
	MaxScriptSize int
	// MaxNesting is the deepest nesting of blocks, and of test lists,
	// accepted (RFC 5228 §2.10.7 asks for at least 15); 0 means
	// DefaultMaxNesting.
	MaxNesting int
	// MaxRedirects is the number of redirect actions one run may take
	// (RFC 5228 §4.2); one more is a run-time error. 0 means
	// DefaultMaxRedirects.
	MaxRedirects int
	// MaxActions is the number of actions one run may take (RFC 5228
	// §2.10.4), the implicit keep not counted; one more is a run-time error.
	// 0 means DefaultMaxActions.
	MaxActions int
	// MaxIncludeDepth is how deeply "include" may nest (RFC 6609 §3.2); 0
	// means DefaultMaxIncludeDepth.
	MaxIncludeDepth int
	// MaxIncludes is how many times one run may include a script, in all
	// (RFC 6609 §3.1 allows limits), so that includes repeated at every
	// level cannot multiply; 0 means DefaultMaxIncludes.
	MaxIncludes int
	// SubaddressSeparator separates user and detail in a local part for
	// RFC 5233's :user and :detail; "" means "+". The detail follows the
	// first occurrence.
	SubaddressSeparator string
}

// Defaults for the zero values of Options.
const (
	DefaultMaxNesting      = 32
	DefaultMaxRedirects    = 8
	DefaultMaxActions      = 64
	DefaultMaxIncludeDepth = 8
	DefaultMaxIncludes     = 64
)

// Script is a compiled script, ready to Run any number of times, from any
// number of goroutines at once.
type Script struct {
	opts     Options
	exts     map[string]bool // the extensions the script required
	commands []*cmdNode
	globals  map[string]bool // variables declared global (RFC 6609 §3.3)
}

// Requires returns the capability names the script requires, sorted.
func (s *Script) Requires() []string { return sortedKeys(s.exts) }

// Result is what a run decided.
type Result struct {
	// Actions are the actions to execute, in the order the script took
	// them, identical keep and fileinto actions (same mailbox) and
	// identical redirects merged into the first (RFC 5228 §2.10.3); the
	// implicit keep, when it applies, is the last, a Keep with Implicit
	// set.
	Actions []Action
	// ImplicitKeep reports whether the implicit keep applies (RFC 5228
	// §2.10.2): no action cancelled it, or the run failed.
	ImplicitKeep bool
	// Stopped reports whether the run ended with the "stop" command (RFC
	// 5228 §3.3), in the script or in one it included; a caller that runs
	// several scripts in sequence ends processing there.
	Stopped bool
}

// ErrNotFound is what Env.Include returns for a script that does not
// exist.
var ErrNotFound = errors.New("sieve script not found")

// Location says where "include" looks for a script (RFC 6609 §3.2).
type Location string

// The locations of RFC 6609 §3.2.
const (
	Personal Location = "personal"
	Global   Location = "global"
)

// Env gives a run access to the message, its envelope, the time and the
// delivery's context. Run calls it only from its own goroutine, and only
// for what the script's executed tests need. MessageEnv implements it for
// a message in memory.
type Env interface {
	// Header returns the values of every header field named name (ASCII
	// case-insensitive), in the order they appear in the header: the raw
	// octets after the colon, folded or unfolded, RFC 2047 encoded words
	// not decoded. nil when there is none.
	Header(name string) []string
	// Size is the message's size in octets (RFC 5228 §5.9).
	Size() int64
	// EnvelopeFrom is the reverse-path of the SMTP/LMTP MAIL command
	// without angle brackets, "" for the null reverse-path.
	EnvelopeFrom() string
	// EnvelopeTo is the forward-path of the RCPT command that caused this
	// delivery, without angle brackets (RFC 5228 §5.4).
	EnvelopeTo() string
	// Envelope returns an envelope part other than "from" and "to" and
	// whether it is known, for parts that extensions define (RFC 6009's
	// "orcpt", …); the envelope test treats an unknown part as absent.
	// The base language never calls it.
	Envelope(part string) (string, bool)
	// Body returns the message body: the octets after the empty line that
	// ends the header (RFC 5173 §4), nil when there is no such line (an
	// empty body is non-nil). Called only by the body test.
	Body() []byte
	// Now is the time of delivery, for currentdate (RFC 5260 §5), asked at
	// most once per run so that every test sees one point in time; its
	// location is the "local time zone" of the date tests (§4.1).
	Now() time.Time
	// Environment returns an environment item of RFC 5183 §4 ("domain",
	// "host", "name", "phase", "remote-ip", …) and whether it is known.
	Environment(name string) (string, bool)
	// Include returns the compiled script that "include" names (RFC 6609
	// §3.2), compiled with the caller's Options, or an error wrapping
	// ErrNotFound when there is none; any other error is a run-time error.
	Include(loc Location, name string) (*Script, error)
	// MailboxExists reports whether the user's mailbox exists (RFC 5490
	// §3.1), name in UTF-8 as fileinto takes it.
	MailboxExists(name string) bool
}

// Capability is an Extension named by its capability string; the
// extension packages export their values as Capability constants.
type Capability string

// Name returns the capability string.
func (c Capability) Name() string { return string(c) }

// The extensions RFC 5228 itself defines, and the comparator of RFC 4790
// §9.1 that scripts require as "comparator-i;ascii-numeric" (§2.7.3).
// "comparator-i;octet" and "comparator-i;ascii-casemap" need no value:
// every script may require them.
const (
	FileIntoExtension          Capability = "fileinto"          // §4.1
	EnvelopeExtension          Capability = "envelope"          // §5.4
	EncodedCharacterExtension  Capability = "encoded-character" // §2.4.2.4
	NumericComparatorExtension Capability = "comparator-i;ascii-numeric"
)
