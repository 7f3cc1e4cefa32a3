package managesieve

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/internal/connlimit"
	"github.com/loftmail/loft/server/internal/listeners"
	"github.com/loftmail/loft/store"
)

// Checker validates Sieve scripts for PUTSCRIPT and CHECKSCRIPT (RFC 5804
// §2.6, §2.12). The Sieve engine satisfies it.
type Checker interface {
	// Check returns nil if script is a valid Sieve script (RFC 5228) that
	// uses only supported extensions, or an error whose text lists every
	// error found, one per line, each with its line and column; the text
	// is shown to the user as is.
	Check(script []byte) error
	// Extensions returns the "require" names of the supported extensions,
	// for the SIEVE capability (§1.7).
	Extensions() []string
}

// Warner is an optional interface of a Checker: warnings about a valid
// script that may not do what its author meant (§1.3 WARNINGS), one per
// line with its line number.
type Warner interface {
	Warnings(script []byte) []string
}

// Config configures a ManageSieve server.
type Config struct {
	Store     *store.Store
	Directory directory.Directory
	Checker   Checker
	// TLSConfig enables STARTTLS (§2.2). Nil: not offered.
	TLSConfig *tls.Config
	// AllowInsecureAuth reports whether PLAIN and LOGIN, which send the
	// password in the clear, may be used without TLS on a connection from
	// remote (RFC 2595 §2.3, as IMAP and POP3 do). Nil means never.
	AllowInsecureAuth func(remote net.Addr) bool
	// Implementation is the IMPLEMENTATION capability (§1.7). Default
	// "Loft".
	Implementation string
	// MaxRedirects is announced as MAXREDIRECTS (§1.7) when above 0: the
	// most redirect actions one script run performs.
	MaxRedirects int
	// NotifyMethods are announced as NOTIFY (§1.7) when not empty: the URI
	// schemes of the enotify extension's methods.
	NotifyMethods []string
	// MaxScriptSize is the largest script in octets; a larger one is
	// refused with QUOTA/MAXSIZE (§1.3). Default DefaultMaxScriptSize.
	MaxScriptSize int64
	// MaxScripts is the most scripts an account may have; one more is
	// refused with QUOTA/MAXSCRIPTS (§1.3). Default DefaultMaxScripts.
	MaxScripts int
	// MaxLineLength bounds a command line, literal bodies excluded, in
	// octets. Default rfc5804.DefaultMaxLine.
	MaxLineLength int
	// Logger receives the server's logs. Default: discarded.
	Logger *slog.Logger
	// IdleTimeout closes an authenticated session that sends nothing for
	// this long, with BYE. §1.2: at least 30 minutes, which is also the
	// default; shorter values are raised to it.
	IdleTimeout time.Duration
	// LoginTimeout is how long a client has to authenticate, from the
	// moment its connection is accepted (STARTTLS and every command before
	// authentication fall within it); then it is told BYE and closed.
	// Default 60 seconds; negative means none.
	LoginTimeout time.Duration
	// MaxConnections is the most sessions at once; 0 means no limit.
	MaxConnections int
	// MaxConnectionsPerIP is the most sessions from one client address;
	// 0 means no limit.
	MaxConnectionsPerIP int
	// AuthFailureDelay is how long a failed authentication waits before
	// its answer. Default 1s; negative means none.
	AuthFailureDelay time.Duration
	// MaxAuthFailures is how many failed AUTHENTICATE commands a session
	// may make; the next failure is answered with BYE (§1.2, as in §2.1's
	// example). Default 3.
	MaxAuthFailures int
}

// Defaults.
const (
	DefaultMaxScriptSize    = 1 << 20
	DefaultMaxScripts       = 100
	DefaultIdleTimeout      = 30 * time.Minute // §1.2's minimum
	DefaultLoginTimeout     = time.Minute
	DefaultAuthFailureDelay = time.Second
	DefaultMaxAuthFailures  = 3

	// rejectTimeout bounds the time spent telling a refused connection why.
	rejectTimeout = 10 * time.Second
)

// Server is a ManageSieve server. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	commands map[string]*command

	ctx    context.Context // cancelled when Shutdown gives up waiting
	cancel context.CancelFunc
	conns  *listeners.Set[*conn]

	active atomic.Int64
	perIP  connlimit.PerIP
	lastID atomic.Uint64

	// putLocks holds a *sync.Mutex per account (by login) that
	// PUTSCRIPT holds from its quota check to its store, so that
	// sessions of one account on this server cannot each pass the
	// MAXSCRIPTS check and together go over it.
	putLocks sync.Map
}

// putLock returns the PUTSCRIPT lock of the account login.
func (s *Server) putLock(login string) *sync.Mutex {
	m, _ := s.putLocks.LoadOrStore(login, new(sync.Mutex))
	return m.(*sync.Mutex)
}

// New returns a server for cfg, with defaults filled in.
func New(cfg Config) *Server {
	if cfg.Implementation == "" {
		cfg.Implementation = "Loft"
	}
	if cfg.MaxScriptSize <= 0 {
		cfg.MaxScriptSize = DefaultMaxScriptSize
	}
	if cfg.MaxScripts <= 0 {
		cfg.MaxScripts = DefaultMaxScripts
	}
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = rfc5804.DefaultMaxLine
	}
	if cfg.IdleTimeout < DefaultIdleTimeout {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	switch {
	case cfg.LoginTimeout == 0:
		cfg.LoginTimeout = DefaultLoginTimeout
	case cfg.LoginTimeout < 0:
		cfg.LoginTimeout = 0
	}
	if cfg.AuthFailureDelay == 0 {
		cfg.AuthFailureDelay = DefaultAuthFailureDelay
	}
	if cfg.MaxAuthFailures <= 0 {
		cfg.MaxAuthFailures = DefaultMaxAuthFailures
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:      cfg,
		log:      log.With("proto", "managesieve"),
		commands: newCommandTable(),
		ctx:      ctx,
		cancel:   cancel,
		conns:    listeners.New[*conn](),
	}
}

// ErrConfig: the Config lacks its Store, Directory or Checker.
var ErrConfig = errors.New("managesieve: Config.Store, Config.Directory and Config.Checker are required")

// Serve accepts connections on ln and serves each in its own goroutine. It
// blocks until ln fails or Shutdown is called, and returns nil after
// Shutdown. Serve may be called for several listeners at once.
func (s *Server) Serve(ln net.Listener) error {
	if s.cfg.Store == nil || s.cfg.Directory == nil || s.cfg.Checker == nil {
		return ErrConfig
	}
	return s.conns.Serve(ln, s.log, s.accept)
}

// accept starts a session for nc, or refuses it with BYE (TRYLATER) when
// the server is full, the client's address has its share, or the server
// is shutting down.
func (s *Server) accept(nc net.Conn) {
	accepted := time.Now()
	n := s.active.Add(1)
	if limit := s.cfg.MaxConnections; limit > 0 && n > int64(limit) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", limit)
		go refuse(nc, "too many connections")
		return
	}
	ip, counted := connlimit.ClientIP(nc.RemoteAddr())
	counted = counted && s.cfg.MaxConnectionsPerIP > 0
	if counted && !s.perIP.Acquire(ip, s.cfg.MaxConnectionsPerIP) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections from one address", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnectionsPerIP)
		go refuse(nc, "too many connections from your address")
		return
	}
	release := func() {
		if counted {
			s.perIP.Release(ip)
		}
		s.active.Add(-1)
	}
	c := newConn(s, nc, accepted)
	if !s.conns.Go(c, c.serve, release) {
		release()
		go refuse(nc, "server shutting down")
	}
}

// refuse answers BYE (TRYLATER) to a connection that gets no session (§1.3:
// a temporary condition) and closes it.
func refuse(nc net.Conn, why string) {
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(rejectTimeout))
	nc.Write(rfc5804.AppendResponse(nil, rfc5804.Response{Status: rfc5804.BYE, Code: &rfc5804.Code{Name: rfc5804.CodeTryLater}, Text: why}))
}

// ActiveConnections returns the number of sessions being served.
func (s *Server) ActiveConnections() int { return int(s.active.Load()) }

// Shutdown stops the server: it closes the listeners, tells every idle
// session BYE and closes it, and lets a session that is running a command
// finish it first. It waits for every session to end; when ctx ends first,
// it closes the remaining connections and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	return s.conns.Shutdown(ctx, (*conn).interrupt, func(c *conn) { c.raw.Close() }, s.cancel)
}
