package sieve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// The values of Config.ErrorReport.
const (
	// ReportNone only logs a failing script.
	ReportNone = "none"
	// ReportInbox also appends a short notice to the user's INBOX.
	ReportInbox = "inbox"
)

// Defaults for zero Config fields.
const (
	DefaultCacheSize       = 1000
	DefaultVacationMinimum = 24 * time.Hour
	DefaultVacationMaximum = 90 * 24 * time.Hour
	// DefaultMaxScriptSize bounds a script, in octets.
	DefaultMaxScriptSize = 1 << 20
)

// Config configures an Engine.
type Config struct {
	// Extensions are the capability names scripts may require (RFC 5228
	// §3.2), as ManageSieve lists them; nil means DefaultExtensions. Each
	// must be one of DefaultExtensions.
	Extensions []string
	// GlobalScript is the path of the script run before every user's
	// own; "" for none. It is read at each delivery (a compiled copy is
	// cached by content), so a change takes effect at once.
	GlobalScript string
	// GlobalDir holds the scripts `include :global "name"` loads, as
	// files "name.sieve" (RFC 6609 §3.2); "" for none.
	GlobalDir string
	// Scripts, when set, replaces where the global and personal scripts
	// come from (DirectorySource: a directory that may hold them, such
	// as LDAP); nil reads GlobalScript and the store's active script.
	Scripts ScriptSource
	// Relay is where redirect, vacation and reject messages are sent.
	Relay RelayConfig
	// NamespacePrefixes begin the names that are not the user's own
	// mailboxes: IMAP's other users' and shared namespaces (RFC 2342
	// §5), "Other Users/" for one. fileinto never stores in, nor
	// creates, a mailbox of the account under one of them, which IMAP
	// would hide behind the namespace; such a copy goes to INBOX.
	NamespacePrefixes []string
	// Hostname is the domain name of this server, for Message-IDs, the
	// From of the messages Loft writes (MAILER-DAEMON@Hostname) and the
	// environment items "host" and "domain" (RFC 5183 §4.1).
	Hostname string
	// Limits of one script (rfc5228.Options); zero means the default.
	MaxScriptSize, MaxNesting, MaxRedirects, MaxActions, MaxIncludeDepth int
	// SubaddressSeparator separates user and detail (RFC 5233); it should
	// be the LMTP detail separator. "" means "+".
	SubaddressSeparator string
	// VacationMinimum and VacationMaximum bound the period of a vacation
	// response (RFC 5230 §4.1: a minimum above zero, normally 1 day; a
	// maximum above 7 days; RFC 6131 §2 for :seconds). A script that
	// gives no period gets 7 days, which the bounds then apply to, so
	// the default is 7 days or the minimum, whichever is greater (§4.1).
	VacationMinimum, VacationMaximum time.Duration
	// ErrorReport says how a user learns that their script failed:
	// ReportNone or ReportInbox. Default ReportInbox.
	ErrorReport string
	// CacheSize is the number of compiled scripts kept; default 1000.
	CacheSize int
	// Logger receives one line per failure and per action that sends
	// mail; nil discards.
	Logger *slog.Logger
}

// ScriptSource gives a delivery its scripts. Each method returns the
// script's name (for logs) and source, or nil source when there is none.
type ScriptSource interface {
	// Global returns the script every delivery runs first.
	Global(ctx context.Context) (name string, src []byte, err error)
	// Personal returns the account's active script (RFC 5804 §1.5).
	Personal(ctx context.Context, acct *directory.Account, sa *store.Account) (name string, src []byte, err error)
}

// Engine runs the global and personal Sieve scripts of each delivery and
// carries out their actions. It is the only place in Loft that executes
// Sieve actions. An Engine is safe for concurrent use.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	opts    rfc5228.Options
	exts    []string
	cache   *scriptCache
	relay   *relay
	scripts ScriptSource
	// swept holds, by login, when the account's vacation memory was last
	// swept (time.Time).
	swept sync.Map
}

// New returns an Engine for cfg with defaults filled in, or an error
// naming a field that is wrong.
func New(cfg Config) (*Engine, error) {
	if cfg.Extensions == nil {
		cfg.Extensions = DefaultExtensions()
	}
	exts, err := extensions(cfg.Extensions)
	if err != nil {
		return nil, err
	}
	if cfg.MaxScriptSize <= 0 {
		cfg.MaxScriptSize = DefaultMaxScriptSize
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.VacationMinimum <= 0 {
		cfg.VacationMinimum = DefaultVacationMinimum
	}
	if cfg.VacationMaximum <= 0 {
		cfg.VacationMaximum = DefaultVacationMaximum
	}
	switch {
	case cfg.VacationMaximum <= 7*24*time.Hour:
		return nil, fmt.Errorf("sieve: VacationMaximum %v must be above 7 days (RFC 5230 §4.1)", cfg.VacationMaximum)
	case cfg.VacationMinimum > cfg.VacationMaximum:
		return nil, fmt.Errorf("sieve: VacationMinimum %v is above VacationMaximum %v", cfg.VacationMinimum, cfg.VacationMaximum)
	}
	switch cfg.ErrorReport {
	case "":
		cfg.ErrorReport = ReportInbox
	case ReportNone, ReportInbox:
	default:
		return nil, fmt.Errorf("sieve: ErrorReport %q is not one of %s, %s", cfg.ErrorReport, ReportNone, ReportInbox)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.Relay.Hostname == "" {
		cfg.Relay.Hostname = cfg.Hostname
	}
	e := &Engine{
		cfg:   cfg,
		log:   cfg.Logger,
		cache: newScriptCache(cfg.CacheSize),
		relay: &relay{cfg: cfg.Relay},
		opts: rfc5228.Options{
			Extensions:          exts,
			MaxScriptSize:       cfg.MaxScriptSize,
			MaxNesting:          cfg.MaxNesting,
			MaxRedirects:        cfg.MaxRedirects,
			MaxActions:          cfg.MaxActions,
			MaxIncludeDepth:     cfg.MaxIncludeDepth,
			SubaddressSeparator: cfg.SubaddressSeparator,
		},
		scripts: cfg.Scripts,
	}
	for _, x := range exts {
		e.exts = append(e.exts, x.Name())
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.scripts == nil {
		e.scripts = fileSource{path: cfg.GlobalScript}
	}
	return e, nil
}

// Extensions returns the capability names scripts may require, in the
// configured order: what ManageSieve announces as SIEVE (RFC 5804 §1.7).
func (e *Engine) Extensions() []string { return append([]string(nil), e.exts...) }

// Check compiles a script with the engine's extensions and limits and
// returns the compiler's error, for ManageSieve's PUTSCRIPT and
// CHECKSCRIPT (RFC 5804 §2.6, §2.12).
func (e *Engine) Check(src []byte) error {
	_, err := e.compile(src)
	return err
}

// compile returns the compiled script for src, from the cache when the
// same source was compiled before.
func (e *Engine) compile(src []byte) (*rfc5228.Script, error) {
	return e.cache.get(src, func() (*rfc5228.Script, error) { return rfc5228.Compile(src, e.opts) })
}

// Delivery is one account's copy of a message, as LMTP hands it over
// (server/lmtp builds it for each account after the data).
type Delivery struct {
	// Account and Store are the recipient's directory entry and store
	// account.
	Account *directory.Account
	Store   *store.Account
	// From is the envelope sender, "" for <>; To the envelope recipient
	// that reached the account, without angle brackets.
	From, To string
	// Message is the account's copy, Size octets, CRLF line ends. It
	// begins with the Return-Path field that final delivery adds (RFC
	// 5321 §4.4), which redirect removes again.
	Message io.ReaderAt
	Size    int64
	// InternalDate is the time of arrival, and the time scripts see.
	InternalDate time.Time
	// Quota reports store.ErrOverQuota when size more octets would take
	// the account past its quota; nil checks nothing.
	Quota func(size int64) error
	// ID names the transaction in logs; Peer and Helo the client (Peer
	// is the environment item "remote-ip", RFC 5183 §4.1).
	ID   string
	Peer netip.Addr
	Helo string
	// Logger, when set, carries the session's attributes.
	Logger *slog.Logger
}

// Outcome is what Deliver did with a message.
type Outcome struct {
	// Reject is set when the message is refused at the protocol level
	// (RFC 5429 §2.1.1), with Reason in printable US-ASCII.
	Reject bool
	Reason string
	// Mailboxes received a copy, in the order they were stored; UID is
	// the copy's UID in the first.
	Mailboxes []string
	UID       uint32
}

// asciiReason is the reason given at the protocol level for a reason
// that is not printable US-ASCII (RFC 5429 §2.1.1: an implementation
// defined US-ASCII string).
const asciiReason = "Message refused by the recipient's mail filter"

// protocolReason returns reason if it can be an LMTP reply text: printable
// US-ASCII, line ends aside.
func protocolReason(reason string) (string, bool) {
	for i := 0; i < len(reason); i++ {
		c := reason[i]
		if c == '\r' || c == '\n' || c == '\t' {
			continue
		}
		if c < 0x20 || c > 0x7e {
			return asciiReason, false
		}
	}
	return reason, true
}

// userLines returns the text of errs for the user, one a line; a
// failure of the global script is named, not detailed.
func userLines(errs []error) string {
	var b strings.Builder
	for _, err := range errs {
		var se siteError
		if errors.As(err, &se) {
			b.WriteString("The site-wide filter failed; the administrator can see why in the server log.\n")
			continue
		}
		b.WriteString(err.Error())
		b.WriteString("\n")
	}
	return b.String()
}
