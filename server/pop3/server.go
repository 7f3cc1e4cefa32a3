package pop3

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/internal/connlimit"
	"github.com/loftmail/loft/server/internal/listeners"
	"github.com/loftmail/loft/store"
)

// Config configures a POP3 server.
type Config struct {
	Store     *store.Store
	Directory directory.Directory
	// TLSConfig enables STLS (RFC 2595 §4) and implicit TLS (RFC 8314 §3.1).
	// Nil: neither.
	TLSConfig *tls.Config
	// AllowInsecureAuth reports whether USER/PASS and the SASL mechanisms that
	// send a password (PLAIN, LOGIN) may be used without TLS on a connection
	// from remote (RFC 2595 §2.3). Nil means never.
	AllowInsecureAuth func(remote net.Addr) bool
	// Hostname is named in the greeting. Default: the host's name.
	Hostname string
	// Implementation is the value of the IMPLEMENTATION capability
	// (RFC 2449 §6.9), for example "Loft 0.1". Empty: not announced.
	Implementation string
	// Logger receives the server's logs. Default: discarded.
	Logger *slog.Logger
	// MaxLineLength is the longest command line accepted, in octets with its
	// CRLF. Default 512; at least 255 (RFC 2449 §4).
	MaxLineLength int
	// IdleTimeout closes a session that sends nothing for this long, without
	// entering the UPDATE state (RFC 1939 §3: at least 10 minutes). Default
	// 10 minutes.
	IdleTimeout time.Duration
	// LoginTimeout is how long a client has to authenticate, counted from
	// the moment its connection is accepted: the TLS handshake of implicit
	// TLS, STLS and every command of the AUTHORIZATION state fall within
	// it. When it has passed, the session is told "-ERR login timeout" and
	// closed (when the TLS handshake is what has not finished, it is
	// closed without a word). It keeps clients that connect and say
	// nothing, or half a TLS ClientHello, from holding a connection slot
	// for IdleTimeout. Once the client has authenticated, only IdleTimeout
	// applies (RFC 1939 §3's autologout timer is for the authenticated
	// session). Default 60 seconds; negative means none.
	LoginTimeout time.Duration
	// MaxConnections is the most sessions at once; 0 means no limit. A
	// connection over the limit gets "-ERR [SYS/TEMP] too many connections"
	// and is closed.
	MaxConnections int
	// MaxConnectionsPerIP is the most sessions one client IP address may
	// have at once; 0 means no limit. A connection over the limit gets
	// "-ERR [SYS/TEMP] too many connections from your address" and is
	// closed. Loopback addresses are counted like any other; connections
	// through a unix socket are not counted.
	MaxConnectionsPerIP int
	// AuthFailureDelay is how long a failed authentication waits before it
	// answers, to slow down password guessing. Default 1s; negative means
	// none.
	AuthFailureDelay time.Duration
}

// Defaults.
const (
	DefaultMaxLineLength    = 512
	DefaultIdleTimeout      = 10 * time.Minute
	DefaultLoginTimeout     = time.Minute
	DefaultAuthFailureDelay = time.Second

	// minLineLength is RFC 2449 §4's minimum for servers that offer CAPA.
	minLineLength = 255
	// rejectTimeout bounds the time spent telling a connection over
	// MaxConnections that it is refused (for implicit TLS, the handshake).
	rejectTimeout = 10 * time.Second
)

// Server is a POP3 server. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	commands commandTable

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
		cfg.MaxLineLength = DefaultMaxLineLength
	}
	if cfg.MaxLineLength < minLineLength {
		cfg.MaxLineLength = minLineLength
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
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:      cfg,
		log:      log.With("proto", "pop3"),
		commands: newCommandTable(),
		ctx:      ctx,
		cancel:   cancel,
		conns:    listeners.New[*conn](),
	}
}

// Errors of Serve.
var (
	// ErrNoTLS: implicit TLS is asked for without a TLSConfig.
	ErrNoTLS = errors.New("pop3: implicit TLS needs Config.TLSConfig")
	// ErrConfig: the Config lacks its Store or its Directory.
	ErrConfig = errors.New("pop3: Config.Store and Config.Directory are required")
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

// accept starts a session for nc, or refuses it when the server is full,
// the client's address has its share of sessions, or the server is
// shutting down.
func (s *Server) accept(nc net.Conn, implicitTLS bool) {
	accepted := time.Now()
	var rw net.Conn = nc
	if implicitTLS {
		rw = tls.Server(nc, s.cfg.TLSConfig)
	}
	n := s.active.Add(1)
	if limit := s.cfg.MaxConnections; limit > 0 && n > int64(limit) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", limit)
		go refuse(rw, nc, "too many connections")
		return
	}
	ip, counted := connlimit.ClientIP(nc.RemoteAddr())
	counted = counted && s.cfg.MaxConnectionsPerIP > 0
	if counted && !s.perIP.Acquire(ip, s.cfg.MaxConnectionsPerIP) {
		s.active.Add(-1)
		s.log.Warn("connection refused: too many connections from one address", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnectionsPerIP)
		go refuse(rw, nc, "too many connections from your address")
		return
	}
	release := func() {
		if counted {
			s.perIP.Release(ip)
		}
		s.active.Add(-1)
	}
	c := newConn(s, nc, rw, implicitTLS, accepted)
	if !s.conns.Go(c, c.serve, release) {
		release()
		go refuse(rw, nc, "server shutting down")
	}
}

// refuse answers a connection that will not get a session, then closes it.
func refuse(rw, raw net.Conn, why string) {
	defer rw.Close()
	raw.SetDeadline(time.Now().Add(rejectTimeout))
	rw.Write(errLine(&response{code: codeSysTemp, text: why}))
}

// ActiveConnections returns the number of sessions being served.
func (s *Server) ActiveConnections() int { return int(s.active.Load()) }

// Shutdown stops the server: it closes the listeners, tells every idle
// session "-ERR [SYS/TEMP] server shutting down" and closes it, and lets a
// session that is running a command finish that command first. Sessions that
// did not QUIT do not enter the UPDATE state, so their deletions are not
// applied (RFC 1939 §6). Shutdown waits for every session to end; when ctx
// ends first, it closes the remaining connections and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	return s.conns.Shutdown(ctx, (*conn).interrupt, func(c *conn) { c.raw.Close() }, s.cancel)
}
