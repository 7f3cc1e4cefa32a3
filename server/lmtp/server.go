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
	"github.com/loftmail/loft/server/internal/connlimit"
	"github.com/loftmail/loft/store"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMessageBytes = 50 << 20
	DefaultMaxRecipients   = 1000
	DefaultDetailSeparator = "+"
	DefaultPostmaster      = "postmaster"
	DefaultTimeout         = 5 * time.Minute
	DefaultMaxLineLength   = 8192
	// minLineLength is the least MaxLineLength: RFC 5321 §4.5.3.1.4 lets
	// a client send command lines of 512 octets.
	minLineLength = 512
	// maxDataLine bounds a line of message data (dotReader), its line end
	// included. RFC 5321 §4.5.3.1.6 requires 1000 and RFC 6152 §3 leaves
	// the limit of 8BITMIME data to the server; message data is streamed,
	// never held a line at a time, so the limit costs no memory.
	maxDataLine = 1 << 20
	// spoolMemory is how much of a message is spooled in memory before
	// the spool moves to a temporary file.
	spoolMemory = 1 << 20
	// directoryTimeout bounds the lookups of one RCPT.
	directoryTimeout = 30 * time.Second
	// rejectWriteTimeout bounds the write of the reply to a connection
	// refused for MaxConnections.
	rejectWriteTimeout = 10 * time.Second
)

// Folder is an address that delivers into one mailbox of one store
// account. The sender must hold the "p" right on the mailbox (RFC 4314
// §2.1): the ACL is evaluated for the account whose address is the MAIL
// FROM, with its groups, or, for a sender the directory does not know, for
// "anyone" alone; else the recipient is refused with 550 5.7.1.
type Folder struct {
	Address string // a mail address
	Account string // the store account (a login name, or the shared folders' account)
	Mailbox string // the mailbox's full name in that account
}

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
	// TLSConfig enables STARTTLS (RFC 3207), which the server does itself
	// rather than go-smtp (conn.go); nil offers no STARTTLS.
	TLSConfig *tls.Config
	// Logger receives one line per recipient and delivery; nil discards.
	Logger *slog.Logger
	// MaxMessageBytes is the largest message accepted, and is advertised
	// as SIZE (RFC 1870). It counts the message size as RFC 1870 defines
	// it: the octets the client sends after DATA's 354 reply, CRLFs
	// included, less the dots added by dot-stuffing and the final "."
	// line; with BDAT, the sum of the chunk sizes. A message of exactly
	// MaxMessageBytes octets is accepted; a longer one gets 552 5.3.4.
	// Default 50 MiB.
	MaxMessageBytes int64
	// MaxRecipients is the most RCPTs accepted in one transaction
	// (452 4.5.3 beyond). Default 1000.
	MaxRecipients int
	// MaxLineLength is the longest command line accepted, in octets with
	// its CRLF; a longer one is answered 500 5.5.2 and the connection
	// closed. A connection buffers at most this much of a command line.
	// Default 8192; at least 512 (RFC 5321 §4.5.3.1.4). It does not apply
	// to message data (see the package documentation).
	MaxLineLength int
	// OverQuotaPermanent makes a full mailbox a permanent failure,
	// 552 5.2.2, instead of 452 4.2.2.
	OverQuotaPermanent bool
	// DefaultQuotaStorage (octets) and DefaultQuotaMessages are the quota
	// of an account whose directory entry sets none; 0 means no limit.
	DefaultQuotaStorage  int64
	DefaultQuotaMessages int64
	// Folders are addresses that deliver into a mailbox other than an
	// account's INBOX: a shared folder (RFC 4314's "p" right: "send mail to
	// submission address for mailbox"). Addresses are compared as
	// directory.CanonicalAddress makes them; an address here wins over the
	// directory's.
	Folders []Folder
	// GroupPrefix begins an ACL identifier that names a directory group
	// (as in the IMAP server). Default "$".
	GroupPrefix string
	// DetailSeparator splits "user+detail" local parts so that mail to
	// user+detail@domain reaches user@domain when no account has the full
	// address. Default "+"; set Config.NoDetail to disable.
	DetailSeparator string
	// NoDetail disables detail addresses.
	NoDetail bool
	// Postmaster is the login of the account that receives the mail for
	// postmaster (RFC 5321 §4.5.1): <Postmaster>, and postmaster at any
	// domain, in any case, unless an account owns that address. If the
	// account does not exist, such mail is refused, 550 5.1.1, and a
	// warning logged. Default "postmaster".
	Postmaster string
	// SpoolDir holds the temporary file of a message for several accounts
	// that is larger than 1 MiB. Default os.TempDir().
	SpoolDir string
	// ReadTimeout closes a connection whose client sends nothing for this
	// long (421 4.4.2); WriteTimeout bounds each reply. Zero means the
	// default, 5 minutes (RFC 5321 §4.5.3.2.7 asks a server to wait at
	// least that long for a command); a negative value means none.
	ReadTimeout, WriteTimeout time.Duration
	// Filter, when set, decides where each account's copy goes and stores
	// it (Sieve, server/sieve); nil appends every copy to the INBOX.
	Filter Filter
	// MaxConnections bounds open connections; zero or less means no bound.
	MaxConnections int
	// MaxConnectionsPerIP bounds the open connections of one client IP
	// address; zero or less means no bound. A connection over it is
	// answered 421 4.7.0 and closed. Loopback addresses are counted like
	// any other; Unix-domain connections are not counted.
	MaxConnectionsPerIP int
}

// Server is an LMTP server. Create it with New.
type Server struct {
	cfg  Config
	log  *slog.Logger
	smtp *smtp.Server

	shuttingDown atomic.Bool

	mu        sync.Mutex
	conns     map[*conn]struct{}
	listeners map[*listener]struct{} // of the Serve calls running
	active    atomic.Int64
	perIP     connlimit.PerIP
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
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = DefaultMaxLineLength
	}
	cfg.MaxLineLength = max(cfg.MaxLineLength, minLineLength)
	if cfg.NoDetail {
		cfg.DetailSeparator = ""
	} else if cfg.DetailSeparator == "" {
		cfg.DetailSeparator = DefaultDetailSeparator
	}
	if cfg.Postmaster == "" {
		cfg.Postmaster = DefaultPostmaster
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
		cfg:       cfg,
		log:       cfg.Logger,
		conns:     make(map[*conn]struct{}),
		listeners: make(map[*listener]struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ss := smtp.NewServer(smtp.BackendFunc(s.newSession))
	ss.LMTP = true
	ss.Domain = cfg.Hostname
	// conn does STARTTLS, so that it can go on adapting the protocol
	// under TLS (conn.go); go-smtp never sees TLS.
	ss.TLSConfig = nil
	// go-smtp enforces the limit on MAIL SIZE= (RFC 1870) and on BDAT
	// chunks, exactly; conn's DATA reader enforces it on DATA.
	ss.MaxMessageBytes = cfg.MaxMessageBytes
	ss.MaxRecipients = cfg.MaxRecipients
	// conn enforces MaxLineLength, before go-smtp sees a line (conn.go);
	// go-smtp's own check, which lets a line cut at its limit through as
	// a command when the cut falls in its buffer, is off.
	ss.MaxLineLength = 0
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
	// Under mu, Serve either sees that Shutdown has begun or registers
	// its listener for Shutdown to close: go-smtp's Shutdown closes only
	// the listeners its Serve has already taken, and a Serve that starts
	// after it would accept forever.
	s.mu.Lock()
	if s.shuttingDown.Load() {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	l := newListener(ln, s)
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		close(l.stop)
	}()
	err := s.smtp.Serve(l)
	if s.shuttingDown.Load() {
		return nil // the listener was closed by Shutdown
	}
	return err
}

// Shutdown stops accepting connections and ends the open ones gracefully:
// a connection with no mail transaction in progress is told 421 4.3.2 and
// closed at once, one with a transaction is closed when its transaction
// ends, so no delivery is cut short. If ctx ends first, the remaining
// connections are closed forcibly and ctx's error is returned; a message
// whose data was complete may then be stored without its client hearing
// so, and the client will send it again (at least once, never lost).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shuttingDown.Store(true)
	for l := range s.listeners {
		l.Listener.Close()
	}
	for c := range s.conns {
		if !c.busy.Load() {
			c.drain()
		}
	}
	s.mu.Unlock()
	err := s.smtp.Shutdown(ctx)
	// The listeners are closed already: go-smtp closing them again
	// reports net.ErrClosed.
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		s.mu.Lock()
		for c := range s.conns {
			c.raw.Close()
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

// reject answers a connection beyond MaxConnections with 421 4.3.2
// (RFC 5321 §3.1 lets a server refuse a session with 421 in place of the
// greeting; RFC 3463 §3.4 X.3.2 System not accepting network messages).
func (s *Server) reject(nc net.Conn) {
	defer nc.Close()
	nc.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
	fmt.Fprintf(nc, "421 4.3.2 %s Too many connections, try again later\r\n", s.cfg.Hostname)
	s.log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnections)
}

// rejectPerIP answers a connection beyond MaxConnectionsPerIP with 421
// 4.7.0 (RFC 5321 §3.1, §3.8; RFC 3463 §3.8 X.7.0 Other or undefined
// security status: a policy of this server, not a fault of the system).
func (s *Server) rejectPerIP(nc net.Conn) {
	defer nc.Close()
	nc.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
	fmt.Fprintf(nc, "421 4.7.0 %s Too many connections from your address, try again later\r\n", s.cfg.Hostname)
	s.log.Warn("connection refused: too many connections from one address", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnectionsPerIP)
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
