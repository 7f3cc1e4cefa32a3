package lmtp

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/emersion/go-smtp"
	"github.com/loftmail/loft/rfc/rfc3463"
	"github.com/loftmail/loft/rfc/rfc3848"
	"github.com/loftmail/loft/rfc/rfc6152"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// session is one LHLO session: go-smtp makes one per LHLO, and a new one
// after STARTTLS.
type session struct {
	srv  *Server
	conn *conn  // the connection under go-smtp's (conn.go)
	gen  uint64 // the leg the session runs on
	log  *slog.Logger
	helo string
	peer netip.Addr // invalid for a Unix-domain socket
	tls  bool

	// mu guards tx: with CHUNKING, go-smtp runs LMTPData while the command
	// loop goes on, and an RSET then resets the session under it.
	mu sync.Mutex
	tx *transaction // the open mail transaction; nil between transactions
}

// transaction is one mail transaction, from MAIL to the end of the data
// or RSET. Once the data starts it is only read.
type transaction struct {
	from    string
	body    rfc6152.Body
	size    int64 // MAIL SIZE=, 0 if not given
	rcpts   []rcpt
	targets map[string]*target // by login (NUL and login for a folder): one delivery per target
	order   []*target          // in order of first RCPT
}

// current returns the open transaction, or nil.
func (s *session) current() *transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tx
}

// rcpt is one accepted RCPT TO, in command order: each gets its own reply
// after the data (RFC 2033 §4.2).
type rcpt struct {
	path string // the forward-path exactly as go-smtp passed it to Rcpt
	t    *target
}

// target is one account receiving the message, however many RCPTs led to
// it.
type target struct {
	login   string // the account's login; "ACCOUNT:MAILBOX" for a folder
	account *directory.Account
	store   *store.Account
	mailbox string // where the message goes: "" for INBOX, or a folder's mailbox
	forPath string // the first RCPT that reached it, for the Received "for"
	status  *smtp.SMTPError
	uid     uint32
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	if s.shuttingDown.Load() {
		return nil, s.shutdownStatus()
	}
	sess := &session{srv: s, helo: c.Hostname()}
	sess.conn, sess.gen = connOf(c.Conn())
	sess.tls = sess.conn != nil && sess.conn.tls.Load()
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		sess.peer = ap.Addr().Unmap()
	}
	id := ""
	if sess.conn != nil {
		id = sess.conn.id
	}
	remote := c.Conn().RemoteAddr()
	if _, unix := remote.(*net.UnixAddr); unix {
		sess.log = s.log.With("conn", id, "remote", "unix", "helo", sess.helo, "tls", sess.tls)
	} else {
		sess.log = s.log.With("conn", id, "remote", remote.String(), "helo", sess.helo, "tls", sess.tls)
	}
	sess.log.Debug("session")
	return sess, nil
}

// Mail starts a transaction (RFC 5321 §4.1.1.2). The reverse-path must be
// one that can be written into Return-Path; BODY is 7BIT or 8BITMIME
// (RFC 6152 §2).
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.srv.shuttingDown.Load() {
		return s.srv.shutdownStatus()
	}
	// RFC 5321 §4.1.4: MAIL may not be sent while a transaction is open;
	// §4.3.2 answers it with 503.
	if s.current() != nil {
		return errNestedMail
	}
	if from != "" {
		if _, err := rfc3848.FormatPath(from); err != nil {
			s.log.Info("mail refused", "from", from, "status", errBadSender.Code, "code", codeString(errBadSender))
			return errBadSender
		}
	}
	body, err := rfc6152.ParseBody(string(opts.Body))
	if err != nil {
		return errBadBody
	}
	s.mu.Lock()
	s.tx = &transaction{from: from, body: body, size: opts.Size}
	s.mu.Unlock()
	if s.conn != nil {
		s.conn.busy.Store(true)
	}
	return nil
}

// Rcpt resolves one recipient and checks that it can take a message now
// (RFC 2033 §4.2: replies after DATA are only for RCPTs accepted here).
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	tx := s.current()
	if tx == nil {
		// go-smtp refuses RCPT before MAIL itself; this is for safety.
		return errNoMail
	}
	st := s.rcpt(tx, to)
	if st != nil {
		s.log.Info("rcpt refused", "from", tx.from, "rcpt", to, "status", st.Code, "code", codeString(st))
		return st
	}
	return nil
}

// rcpt adds a recipient to tx. go-smtp calls Rcpt from its command loop
// and refuses RCPT while data is being read, so nothing reads tx meanwhile.
func (s *session) rcpt(tx *transaction, to string) *smtp.SMTPError {
	a, err := parseAddress(to)
	if err != nil {
		return errBadRcpt
	}
	// A directory that does not answer in time is unavailable: 451 4.4.3.
	ctx, cancel := context.WithTimeout(context.Background(), directoryTimeout)
	defer cancel()
	if f, ok := s.srv.folderFor(a); ok {
		t, status := s.folderTarget(ctx, tx, f)
		if status != nil {
			return status
		}
		return s.addTarget(tx, to, t)
	}
	acct, err := resolve(ctx, s.srv.cfg.Directory, a, s.srv.cfg.DetailSeparator, s.srv.cfg.Postmaster)
	if err != nil {
		switch {
		case errors.Is(err, errNoPostmaster):
			// RFC 5321 §4.5.1: mail for postmaster MUST be accepted.
			s.log.Warn("mail for postmaster refused: create the postmaster account", "rcpt", to, "account", s.srv.cfg.Postmaster)
		case !errors.Is(err, directory.ErrNotFound):
			s.log.Warn("directory lookup failed", "rcpt", to, "err", err)
		}
		return s.srv.statusFor(err)
	}
	if !acct.Enabled {
		return errDisabled
	}
	acct = s.srv.withDefaultQuota(acct)
	if t, ok := tx.targets[acct.Login]; ok {
		tx.rcpts = append(tx.rcpts, rcpt{path: to, t: t})
		return nil
	}
	sa, err := s.srv.storeAccount(acct.Login)
	if err != nil {
		s.log.Warn("store account unavailable", "rcpt", to, "account", acct.Login, "err", err)
		return s.srv.statusFor(err)
	}
	return s.addTarget(tx, to, &target{login: acct.Login, account: acct, store: sa})
}

// addTarget adds the recipient to to tx with its target, one delivery per
// target however many recipients reach it. A new target's account must
// have room for the declared size (RFC 1870 SIZE), or at least one octet:
// an account exactly at its storage quota can take nothing more.
func (s *session) addTarget(tx *transaction, to string, t *target) *smtp.SMTPError {
	key := t.login
	if t.mailbox != "" {
		key = "\x00" + key // a folder: never an account's login (no control characters)
	}
	if old, ok := tx.targets[key]; ok {
		tx.rcpts = append(tx.rcpts, rcpt{path: to, t: old})
		return nil
	}
	if err := checkQuota(t.account, t.store, max(tx.size, 1)); err != nil {
		return s.srv.statusFor(err)
	}
	t.forPath = to
	if tx.targets == nil {
		tx.targets = make(map[string]*target)
	}
	tx.targets[key] = t
	tx.order = append(tx.order, t)
	tx.rcpts = append(tx.rcpts, rcpt{path: to, t: t})
	return nil
}

// withDefaultQuota returns acct with the configured default quota where its
// directory entry sets none.
func (s *Server) withDefaultQuota(acct *directory.Account) *directory.Account {
	if acct.QuotaStorage == 0 && s.cfg.DefaultQuotaStorage > 0 ||
		acct.QuotaMessages == 0 && s.cfg.DefaultQuotaMessages > 0 {
		withDefaults := *acct
		withDefaults.QuotaStorage = cmp.Or(acct.QuotaStorage, s.cfg.DefaultQuotaStorage)
		withDefaults.QuotaMessages = cmp.Or(acct.QuotaMessages, s.cfg.DefaultQuotaMessages)
		return &withDefaults
	}
	return acct
}

// storeAccount opens the store account named by a login, creating it the
// first time mail arrives for a directory account that has none.
func (s *Server) storeAccount(login string) (*store.Account, error) {
	return s.cfg.Store.OpenAccount(login)
}

// checkQuota reports store.ErrOverQuota when adding a message of size
// octets would take the account past its message or storage quota (zero
// quotas are unlimited).
func checkQuota(acct *directory.Account, sa *store.Account, size int64) error {
	if acct.QuotaMessages <= 0 && acct.QuotaStorage <= 0 {
		return nil
	}
	u, err := sa.Usage()
	if err != nil {
		return err
	}
	if acct.QuotaMessages > 0 && u.Messages+1 > acct.QuotaMessages {
		return store.ErrOverQuota
	}
	if acct.QuotaStorage > 0 && u.Octets+size > acct.QuotaStorage {
		return store.ErrOverQuota
	}
	return nil
}

// Data is never called: go-smtp calls LMTPData in LMTP mode. Should that
// change, it delivers all the same and reports the first failure, so that
// the client tries again: a recipient already served may then get a second
// copy, but none loses the message.
func (s *session) Data(r io.Reader) error {
	tx := s.current()
	if tx == nil {
		return errNoMail
	}
	s.deliver(tx, s.message(r))
	for _, t := range tx.order {
		if t.status.Code/100 != 2 {
			return t.status
		}
	}
	return nil
}

// LMTPData delivers the message and sets one status per accepted RCPT, in
// RCPT order (RFC 2033 §4.2), each RCPT of an account getting that
// account's outcome.
func (s *session) LMTPData(r io.Reader, sc smtp.StatusCollector) error {
	tx := s.current()
	if tx == nil {
		return errNoMail
	}
	s.deliver(tx, s.message(r))
	for _, rc := range tx.rcpts {
		sc.SetStatus(rc.path, rc.t.status)
	}
	return nil
}

// message returns the reader of the message: after DATA, the connection's
// own (conn.go, dotreader.go), go-smtp's r then holding an empty message;
// after BDAT, r, which has the chunks as they came (RFC 3030 §2).
func (s *session) message(r io.Reader) io.Reader {
	if s.conn != nil {
		if m := s.conn.message(); m != nil {
			return m
		}
	}
	return r
}

// Reset ends the transaction (RSET, the end of DATA, a new LHLO).
func (s *session) Reset() {
	s.mu.Lock()
	s.tx = nil
	s.mu.Unlock()
	if s.conn != nil {
		s.conn.busy.Store(false)
		if s.srv.shuttingDown.Load() {
			s.conn.drain()
		}
	}
}

// Logout ends the session. A session that STARTTLS has replaced leaves
// the connection to its successor.
func (s *session) Logout() error {
	if s.conn != nil && s.conn.current(s.gen) {
		s.conn.busy.Store(false)
	}
	return nil
}

// codeString formats a reply's enhanced status code for logs.
func codeString(e *smtp.SMTPError) string {
	c := e.EnhancedCode
	return rfc3463.Code{Class: c[0], Subject: c[1], Detail: c[2]}.String()
}
