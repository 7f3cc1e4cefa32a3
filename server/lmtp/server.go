package lmtp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/loftmail/loft/rfc/rfc3848"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMessageBytes = 50 << 20
	DefaultMaxRecipients   = 1000
	DefaultDetailSeparator = "+"
	DefaultTimeout         = 5 * time.Minute
	// maxLineLength bounds a command line and a line of message data.
	maxLineLength = 1 << 20
	// spoolMemory is how much of a message is spooled in memory before
	// the spool moves to a temporary file.
	spoolMemory = 1 << 20
	// directoryTimeout bounds the lookups of one RCPT.
	directoryTimeout = 30 * time.Second
	// rejectWriteTimeout bounds the write of the reply to a connection
	// refused for MaxConnections.
	rejectWriteTimeout = 10 * time.Second
)

// Config configures a Server.
type Config struct {
	// Store receives the messages; Directory resolves recipients. Both
	// are required.
	Store     *store.Store
	Directory directory.Directory
	// Hostname names this server in the greeting and in Received fields;
	// it must be a domain name. Default: the system's host name if it is
	// one, else "localhost".
	Hostname string
	// TLSConfig enables STARTTLS (RFC 3207); nil offers no STARTTLS.
	TLSConfig *tls.Config
	// Logger receives one line per recipient and delivery; nil discards.
	Logger *slog.Logger
	// MaxMessageBytes is the largest message accepted, in octets as sent
	// (after dot-unstuffing), and is advertised as SIZE. Default 50 MiB;
	// larger messages get 552 5.3.4.
	MaxMessageBytes int64
	// MaxRecipients is the most RCPTs accepted in one transaction
	// (452 4.5.3 beyond). Default 1000.
	MaxRecipients int
	// OverQuotaPermanent makes a full mailbox a permanent failure,
	// 552 5.2.2, instead of 452 4.2.2.
	OverQuotaPermanent bool
	// DetailSeparator splits "user+detail" local parts so that mail to
	// user+detail@domain reaches user@domain when no account has the full
	// address. Default "+"; set Config.NoDetail to disable.
	DetailSeparator string
	// NoDetail disables detail addresses.
	NoDetail bool
	// SpoolDir holds the temporary file of a message for several accounts
	// that is larger than 1 MiB. Default os.TempDir().
	SpoolDir string
	// ReadTimeout closes a connection whose client sends nothing for this
	// long (421 4.4.2); WriteTimeout bounds each reply. Zero means the
	// default, 5 minutes (RFC 5321 §4.5.3.2.7 asks a server to wait at
	// least that long for a command); a negative value means none.
	ReadTimeout, WriteTimeout time.Duration
	// MaxConnections bounds open connections; zero or less means no bound.
	MaxConnections int
}

// Server is an LMTP server. Create it with New.
type Server struct {
	cfg  Config
	log  *slog.Logger
	smtp *smtp.Server

	shuttingDown atomic.Bool

	mu     sync.Mutex
	conns  map[*conn]struct{}
	active atomic.Int64
}

// New returns a Server for cfg, with defaults filled in. Configuration
// errors (no store, no directory, a host name that is not a domain) are
// reported by Serve.
func New(cfg Config) *Server {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.NoDetail {
		cfg.DetailSeparator = ""
	} else if cfg.DetailSeparator == "" {
		cfg.DetailSeparator = DefaultDetailSeparator
	}
	cfg.ReadTimeout = timeout(cfg.ReadTimeout)
	cfg.WriteTimeout = timeout(cfg.WriteTimeout)
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
		if h, err := os.Hostname(); err == nil && rfc3848.IsDomain(h) {
			cfg.Hostname = h
		}
	}
	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		conns: make(map[*conn]struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ss := smtp.NewServer(smtp.BackendFunc(s.newSession))
	ss.LMTP = true
	ss.Domain = cfg.Hostname
	ss.TLSConfig = cfg.TLSConfig
	ss.MaxMessageBytes = cfg.MaxMessageBytes
	ss.MaxRecipients = cfg.MaxRecipients
	ss.MaxLineLength = maxLineLength
	// Read deadlines are set by conn on every read, as an idle timeout;
	// go-smtp's own would cover a whole DATA transfer from its start.
	ss.ReadTimeout = 0
	ss.WriteTimeout = cfg.WriteTimeout
	ss.ErrorLog = errorLog{s.log}
	s.smtp = ss
	return s
}

// timeout applies the default to a zero timeout and turns a negative one
// into none.
func timeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultTimeout
	case d < 0:
		return 0
	}
	return d
}

// check reports configuration errors.
func (s *Server) check() error {
	switch {
	case s.cfg.Store == nil:
		return errors.New("lmtp: Config.Store is nil")
	case s.cfg.Directory == nil:
		return errors.New("lmtp: Config.Directory is nil")
	case !rfc3848.IsDomain(s.cfg.Hostname):
		return fmt.Errorf("lmtp: Config.Hostname %q is not a domain name", s.cfg.Hostname)
	}
	return nil
}

// Serve accepts connections on ln, TCP or Unix-domain, until Shutdown,
// and then returns nil. It may be called for several listeners at once.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.shuttingDown.Load() {
		ln.Close()
		return nil
	}
	return s.smtp.Serve(&listener{Listener: ln, srv: s})
}

// Shutdown stops accepting connections and ends the open ones gracefully:
// a connection with no mail transaction in progress is told 421 and
// closed at once, one with a transaction is closed when its transaction
// ends, so no delivery is cut short. If ctx ends first, the remaining
// connections are closed forcibly and ctx's error is returned; a message
// whose data was complete may then be stored without its client hearing
// so, and the client will send it again (at least once, never lost).
func (s *Server) Shutdown(ctx context.Context) error {
	s.shuttingDown.Store(true)
	s.mu.Lock()
	for c := range s.conns {
		if !c.busy.Load() {
			c.drain()
		}
	}
	s.mu.Unlock()
	err := s.smtp.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		s.mu.Lock()
		for c := range s.conns {
			c.Conn.Close()
		}
		s.mu.Unlock()
		return err
	}
	return err
}

// ActiveConnections returns the number of open connections.
func (s *Server) ActiveConnections() int {
	return int(s.active.Load())
}

// listener counts and limits the connections of one Serve.
type listener struct {
	net.Listener
	srv *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.srv
		n := s.active.Add(1)
		if max := s.cfg.MaxConnections; max > 0 && n > int64(max) {
			s.active.Add(-1)
			go s.reject(nc)
			continue
		}
		c := &conn{Conn: nc, srv: s, id: newID(), readTimeout: s.cfg.ReadTimeout}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		if s.shuttingDown.Load() {
			c.drain()
		}
		return c, nil
	}
}

// reject answers a connection beyond MaxConnections with 421 4.3.2
// (RFC 5321 §3.1 lets a server refuse a session with 421 in place of the
// greeting; RFC 3463 §3.4 X.3.2 System not accepting network messages).
func (s *Server) reject(nc net.Conn) {
	defer nc.Close()
	nc.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
	fmt.Fprintf(nc, "421 4.3.2 %s Too many connections, try again later\r\n", s.cfg.Hostname)
	s.log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnections)
}

// conn is a connection as the server tracks it: its id for logs, its
// idle timeout, and whether a mail transaction is in progress.
type conn struct {
	net.Conn
	srv         *Server
	id          string
	readTimeout time.Duration

	busy     atomic.Bool // between MAIL and the end of the transaction
	draining atomic.Bool // reads fail at once: the server is shutting down
	once     sync.Once
}

// Read renews the idle deadline before each read, unless the connection
// is draining. Setting the deadline before checking draining, and drain
// setting draining before the deadline, leaves no order in which a drain
// is undone.
func (c *conn) Read(p []byte) (int, error) {
	if c.readTimeout > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.readTimeout))
		if c.draining.Load() {
			c.Conn.SetReadDeadline(time.Now())
		}
	}
	return c.Conn.Read(p)
}

// drain makes the next read fail with a timeout, which go-smtp answers
// with 421 and closes the connection. Commands already buffered are still
// answered first.
func (c *conn) drain() {
	c.draining.Store(true)
	c.Conn.SetReadDeadline(time.Now())
}

// Close closes the connection once and stops tracking it.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
		c.srv.active.Add(-1)
	})
	return err
}

// connOf finds the server's conn under a go-smtp connection, which is
// wrapped in a *tls.Conn after STARTTLS.
func connOf(nc net.Conn) *conn {
	for {
		switch c := nc.(type) {
		case *conn:
			return c
		case interface{ NetConn() net.Conn }:
			nc = c.NetConn()
		default:
			return nil
		}
	}
}

// idEncoding writes ids in upper-case letters and digits 2-7: atext, so an
// id is an RFC 5321 Atom for the Received ID clause.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random 16-character id for a connection or transaction.
func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// errorLog passes go-smtp's internal errors to the logger.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	l.log.Warn("lmtp: " + fmt.Sprintf(format, v...))
}

func (l errorLog) Println(v ...any) {
	l.log.Warn("lmtp: " + fmt.Sprint(v...))
}
