package imap

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/imap/msgcache"
	"github.com/loftmail/loft/server/internal/connlimit"
	"github.com/loftmail/loft/server/internal/listeners"
	"github.com/loftmail/loft/store"
)

// Config configures an IMAP server.
type Config struct {
	Store     *store.Store
	Directory directory.Directory
	// TLSConfig enables STARTTLS (RFC 3501 §6.2.1, RFC 2595 §3.1) and
	// implicit TLS (RFC 8314 §3.1). Nil: neither.
	TLSConfig *tls.Config
	// AllowInsecureAuth reports whether LOGIN and the SASL mechanisms that
	// send a password (PLAIN, LOGIN) may be used without TLS on a connection
	// from remote (RFC 2595 §2.3, RFC 3501 §6.2.3). Nil means never; then
	// LOGINDISABLED is announced on connections without TLS.
	AllowInsecureAuth func(remote net.Addr) bool
	// Hostname is named in the greeting. Default: the host's name.
	Hostname string
	// Logger receives the server's logs. Default: discarded.
	Logger *slog.Logger
	// MaxLineLength is the longest line segment of a command (the octets
	// between the start of the command or the end of a literal and the next
	// CRLF), in octets. Default 64 KiB (rfc3501.DefaultMaxLine); at least
	// 1000 (RFC 2683 §3.2.1.5 asks clients to stay under 1000 octets).
	MaxLineLength int
	// MaxLiteralSize is the largest literal accepted in APPEND, in octets.
	// Literals in other commands are bounded by MaxLineLength. A larger
	// literal is refused before any octet of it is read (RFC 3501 §7.5: no
	// continuation request is sent), with "NO [TOOBIG]". Default 50 MiB.
	MaxLiteralSize int64
	// LiteralPlus announces LITERAL+ instead of LITERAL- (RFC 7888 §5:
	// never both; literal.go says what each means here). Default false.
	LiteralPlus bool
	// IdleTimeout is the autologout timer: a session that sends nothing for
	// this long is closed with "* BYE" (RFC 3501 §5.4: at least 30 minutes).
	// Default 30 minutes; shorter values are for tests.
	IdleTimeout time.Duration
	// LoginTimeout is how long a client has to authenticate, counted from
	// the moment its connection is accepted: the TLS handshake of implicit
	// TLS, STARTTLS and every command of the not authenticated state fall
	// within it. When it has passed, the session is told "* BYE login
	// timeout" and closed (without a word when the TLS handshake is what has
	// not finished). It keeps clients that connect and say nothing from
	// holding a connection for IdleTimeout; once authenticated, only
	// IdleTimeout applies (RFC 3501 §5.4). Default 60 seconds; negative
	// means none.
	LoginTimeout time.Duration
	// MaxConnections is the most sessions at once; 0 means no limit. A
	// connection over the limit gets "* BYE [UNAVAILABLE]" and is closed.
	MaxConnections int
	// MaxConnectionsPerIP is the most sessions one client IP address may
	// have at once; 0 means no limit. A connection over the limit gets
	// "* BYE [UNAVAILABLE] too many connections from your address" and is
	// closed. Loopback addresses count like any other; connections through
	// a unix socket are not counted.
	MaxConnectionsPerIP int
	// AuthFailureDelay is how long a failed authentication waits before it
	// answers, to slow down password guessing. Default 1s; negative means
	// none.
	AuthFailureDelay time.Duration
	// CacheDir is a directory on local disk where the parsed structures of
	// messages (ENVELOPE, BODYSTRUCTURE, the places of the parts) are kept
	// across restarts (DESIGN.md, rule 7; msgcache). Empty: none.
	CacheDir string
	// CacheEntries and CacheBytes bound the parsed structures kept in
	// memory: their number and their estimated size in octets. Zero means
	// msgcache.DefaultMaxEntries and msgcache.DefaultMaxBytes; negative
	// keeps none.
	CacheEntries int
	CacheBytes   int64
	// Now is the server's clock, read by the search keys that depend on the
	// current time (RFC 5032 OLDER and YOUNGER). Nil: time.Now. Tests set
	// it so that their results do not depend on when they run.
	Now func() time.Time
	// OtherUsersPrefix begins the names of other users' mailboxes (RFC 2342
	// §5, the Other Users' Namespace): with the default "Other Users/",
	// "Other Users/alice/Project" is alice's mailbox "Project", which a
	// session sees when alice's ACL lets it (RFC 4314). It ends with the
	// delimiter "/"; a value without one gets it added.
	OtherUsersPrefix string
	// SharedPrefix begins the names of the shared folders (RFC 2342 §5, the
	// Shared Namespace), which live in the store account SharedAccount:
	// "Shared/Lists" is that account's mailbox "Lists". Default "Shared/".
	SharedPrefix string
	// SharedAccount is the store account that holds the shared folders; ""
	// (the default) offers no shared namespace. Nobody logs in as it (it
	// must not be a login of the directory: that user would own every
	// shared folder): its folders are reached through their ACLs, which
	// `loft adm acl` sets.
	SharedAccount string
	// GroupPrefix begins an ACL identifier that names a directory group
	// (RFC 4314 §2 leaves the form to the server). Default "$".
	GroupPrefix string
	// Admins are the login names that may SETQUOTA (RFC 9208 §4.1.3:
	// "typically restricted to administrators").
	Admins []string
	// DefaultQuotaStorage (octets) and DefaultQuotaMessages are the limits
	// of an account whose directory entry sets none; 0 means no limit.
	DefaultQuotaStorage  int64
	DefaultQuotaMessages int64
}

// Defaults.
const (
	DefaultMaxLiteralSize   = 50 << 20
	DefaultIdleTimeout      = 30 * time.Minute
	DefaultLoginTimeout     = time.Minute
	DefaultAuthFailureDelay = time.Second

	// minLineLength is the least MaxLineLength: RFC 2683 §3.2.1.5 asks
	// clients to keep lines under 1000 octets.
	minLineLength = 1000
	// rejectTimeout bounds the time spent telling a connection over
	// MaxConnections that it is refused (for implicit TLS, the handshake),
	// and the final writes of a session.
	rejectTimeout = 10 * time.Second
)

// Server is an IMAP server. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	commands commandTable
	// enableable is the table of extensions ENABLE can enable (enable.go).
	enableable []enableable
	cache      *msgcache.Cache // parsed message structures (fetch.go)

	ctx    context.Context // cancelled when Shutdown gives up waiting
	cancel context.CancelFunc

	conns *listeners.Set[*conn] // listeners, sessions and shutdown

	active atomic.Int64
	perIP  connlimit.PerIP
	lastID atomic.Uint64
}

// New returns a server for cfg, with defaults filled in.
func New(cfg Config) *Server {
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = defaultMaxLine
	}
	cfg.MaxLineLength = max(cfg.MaxLineLength, minLineLength)
	if cfg.MaxLiteralSize <= 0 {
		cfg.MaxLiteralSize = DefaultMaxLiteralSize
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	switch {
	case cfg.LoginTimeout == 0:
		cfg.LoginTimeout = DefaultLoginTimeout
	case cfg.LoginTimeout < 0:
		cfg.LoginTimeout = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AuthFailureDelay == 0 {
		cfg.AuthFailureDelay = DefaultAuthFailureDelay
	}
	if cfg.Hostname == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			cfg.Hostname = h
		} else {
			cfg.Hostname = "localhost"
		}
	}
	if cfg.OtherUsersPrefix == "" {
		cfg.OtherUsersPrefix = "Other Users/"
	}
	if cfg.SharedPrefix == "" {
		cfg.SharedPrefix = "Shared/"
	}
	for _, p := range []*string{&cfg.OtherUsersPrefix, &cfg.SharedPrefix} {
		if !strings.HasSuffix(*p, delimiter) {
			*p += delimiter
		}
	}
	if cfg.GroupPrefix == "" {
		cfg.GroupPrefix = rfc4314.DefaultGroupPrefix
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:        cfg,
		log:        log.With("proto", "imap"),
		commands:   newCommandTable(),
		enableable: newEnableTable(),
		cache: msgcache.New(msgcache.Options{
			MaxEntries: cfg.CacheEntries,
			MaxBytes:   cfg.CacheBytes,
			Dir:        cfg.CacheDir,
			Logger:     log.With("proto", "imap"),
		}),
		ctx:    ctx,
		cancel: cancel,
		conns:  listeners.New[*conn](),
	}
}

// Errors of Serve.
var (
	// ErrNoTLS: implicit TLS is asked for without a TLSConfig.
	ErrNoTLS = errors.New("imap: implicit TLS needs Config.TLSConfig")
	// ErrConfig: the Config lacks its Store or its Directory.
	ErrConfig = errors.New("imap: Config.Store and Config.Directory are required")
)

// Serve accepts connections on ln and serves each in its own goroutine; with
// implicitTLS, every connection starts with a TLS handshake (RFC 8314 §3.1).
// It blocks until ln fails or Shutdown is called, and returns nil after
// Shutdown. Serve may be called for several listeners at once.
func (s *Server) Serve(ln net.Listener, implicitTLS bool) error {
	if s.cfg.Store == nil || s.cfg.Directory == nil {
		return ErrConfig
	}
	if implicitTLS && s.cfg.TLSConfig == nil {
		return ErrNoTLS
	}
	return s.conns.Serve(ln, s.log, func(nc net.Conn) { s.accept(nc, implicitTLS) })
}

// accept starts a session for nc, or refuses it when the server is full, the
// client's address has its share of sessions, or the server is shutting
// down.
func (s *Server) accept(nc net.Conn, implicitTLS bool) {
	accepted := time.Now()
	n := s.active.Add(1)
	if limit := s.cfg.MaxConnections; limit > 0 && n > int64(limit) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", limit)
		go s.refuse(nc, implicitTLS, "too many connections")
		return
	}
	ip, counted := connlimit.ClientIP(nc.RemoteAddr())
	counted = counted && s.cfg.MaxConnectionsPerIP > 0
	if counted && !s.perIP.Acquire(ip, s.cfg.MaxConnectionsPerIP) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections from one address", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnectionsPerIP)
		go s.refuse(nc, implicitTLS, "too many connections from your address")
		return
	}
	release := func() {
		if counted {
			s.perIP.Release(ip)
		}
		s.active.Add(-1)
	}
	c := newConn(s, nc, implicitTLS, accepted)
	if !s.conns.Go(c, c.serve, release) {
		release()
		go s.refuse(nc, implicitTLS, "server shutting down")
	}
}

// refuse answers a connection that will not get a session with a BYE
// greeting (RFC 3501 §7.1.5: the server is closing the connection), then
// closes it.
func (s *Server) refuse(nc net.Conn, implicitTLS bool, why string) {
	var rw net.Conn = nc
	if implicitTLS {
		rw = tls.Server(nc, s.cfg.TLSConfig)
	}
	defer rw.Close()
	nc.SetDeadline(time.Now().Add(rejectTimeout))
	rw.Write([]byte("* BYE [UNAVAILABLE] " + why + "\r\n"))
}

// ActiveConnections returns the number of sessions being served.
func (s *Server) ActiveConnections() int { return int(s.active.Load()) }

// Shutdown stops the server: it closes the listeners, sends "* BYE" to every
// session that is waiting for a command and closes it, and lets a session
// that is running a command finish that command first (then it gets its BYE).
// Shutdown waits for every session to end; when ctx ends first, it closes the
// remaining connections and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	return s.conns.Shutdown(ctx, (*conn).interrupt, func(c *conn) { c.raw.Close() }, s.cancel)
}
