package imap

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/server/internal/logintimer"
	"github.com/loftmail/loft/store"
)

// state is an IMAP session state (RFC 3501 §3), as a bit so that the command
// table can list several.
type state uint8

const (
	stateNotAuthenticated state = 1 << iota // §3.1
	stateAuthenticated                      // §3.2
	stateSelected                           // §3.3
	stateLogout                             // §3.4
)

func (st state) String() string {
	switch st {
	case stateNotAuthenticated:
		return "not authenticated"
	case stateAuthenticated:
		return "authenticated"
	case stateSelected:
		return "selected"
	case stateLogout:
		return "logout"
	}
	return "state(" + strconv.Itoa(int(st)) + ")"
}

// The buffers are kept for the whole session and are most of what an idle
// session costs (BenchmarkIdleConnMemory), so they are small: longer lines
// and literals arrive in several reads, larger responses leave in several
// writes.
const (
	readBufferSize  = 4 * 1024
	writeBufferSize = 8 * 1024
	// defaultMaxLine is Config.MaxLineLength's default.
	defaultMaxLine = rfc3501.DefaultMaxLine
)

// conn is one IMAP session.
type conn struct {
	s   *Server
	id  uint64
	log *slog.Logger
	ctx context.Context

	raw       net.Conn      // the TCP connection: write deadlines are set here
	dc        *deadlineConn // raw with the idle timer re-armed on every read
	nc        net.Conn      // what is read and written: dc, or TLS over it
	r         *bufio.Reader
	w         *bufio.Writer
	dec       *rfc3501.Decoder
	enc       *rfc3501.Encoder
	tlsActive bool
	// waiting is set while the session waits for the client between commands
	// (or in an exchange such as AUTHENTICATE): only then does a shutdown
	// end a read.
	waiting atomic.Bool

	state   state
	user    string
	account *store.Account
	sel     *selected  // the selected mailbox, in the selected state
	enabled enabledSet // extensions enabled with ENABLE (enable.go, RFC 5161)
	// groups are the directory groups of the user as of login, for ACL
	// identifiers (RFC 4314 §2).
	groups []string
	// cmd is the row of the command being run: its acl field is what the
	// access checks of acl.go require.
	cmd *command

	// literalMax is the largest literal the command being decoded may send;
	// appendLiteral marks an APPEND message literal (NO [TOOBIG] rather
	// than BAD when it is too large).
	literalMax    int64
	appendLiteral bool
	// literalCheck, if set, may refuse a literal by its size before it is
	// accepted (APPEND: the mailbox, the flags and the quota).
	literalCheck func(size int64) error

	// loginTimer is LoginTimeout, from the accept.
	loginTimer logintimer.Timer
}

func newConn(s *Server, raw net.Conn, implicitTLS bool, accepted time.Time) *conn {
	id := s.lastID.Add(1)
	c := &conn{
		s:     s,
		id:    id,
		log:   s.log.With("conn", id, "remote", raw.RemoteAddr().String()),
		ctx:   s.ctx,
		raw:   raw,
		state: stateNotAuthenticated,
	}
	c.loginTimer = logintimer.Start(accepted, s.cfg.LoginTimeout)
	c.dc = &deadlineConn{Conn: raw, c: c}
	c.nc = c.dc
	if implicitTLS {
		c.nc = tls.Server(c.dc, s.cfg.TLSConfig)
		c.tlsActive = true
	}
	c.r = bufio.NewReaderSize(c.nc, readBufferSize)
	c.w = bufio.NewWriterSize(c.nc, writeBufferSize)
	c.dec = rfc3501.NewDecoder(c.r)
	c.dec.MaxLine = s.cfg.MaxLineLength
	c.dec.LiteralFunc = c.literal
	c.enc = rfc3501.NewEncoder(c.w)
	return c
}

// deadlineConn arms the autologout timer afresh before every read, so that a
// client that keeps sending (a long APPEND literal) is never cut off, and ends
// a read for the shutdown only while the session waits for a command.
type deadlineConn struct {
	net.Conn
	c *conn
}

func (d *deadlineConn) Read(p []byte) (int, error) {
	c := d.c
	for {
		deadline := c.deadline()
		d.Conn.SetReadDeadline(deadline)
		// The deadline is set before the shutdown flag is read, and
		// Shutdown sets the flag before it sets a past deadline
		// (interrupt): so either this read sees the flag, or Shutdown's
		// deadline comes after ours and ends the read.
		if c.s.conns.ShuttingDown() && c.waiting.Load() {
			return 0, errShutdown
		}
		n, err := d.Conn.Read(p)
		if n == 0 && err != nil && isTimeout(err) && c.s.conns.ShuttingDown() &&
			!c.waiting.Load() && time.Now().Before(deadline) {
			// Shutdown interrupted a command that is reading its
			// arguments: let it finish, then the session says BYE.
			continue
		}
		if err != nil && isTimeout(err) && c.s.conns.ShuttingDown() && c.waiting.Load() {
			return n, errShutdown
		}
		return n, err
	}
}

// deadline is when the next read or write must be done: IdleTimeout from
// now, or, before the client has authenticated, the end of LoginTimeout if
// that comes first.
func (c *conn) deadline() time.Time {
	return c.loginTimer.Deadline(time.Now(), c.s.cfg.IdleTimeout, c.state == stateNotAuthenticated)
}

// timeoutMessage is the BYE text for a read or write that timed out: the
// login timeout before authentication if it has passed, else the
// autologout timer (RFC 3501 §5.4).
func (c *conn) timeoutMessage() string {
	if c.loginTimer.Expired(time.Now(), c.state == stateNotAuthenticated) {
		c.log.Info("login timeout", "timeout", c.s.cfg.LoginTimeout)
		return "login timeout"
	}
	c.log.Info("autologout", "user", c.user)
	return "autologout; idle for too long"
}

// interrupt wakes a session blocked reading, so that it sees the shutdown.
func (c *conn) interrupt() {
	c.raw.SetReadDeadline(time.Unix(1, 0))
}

// Errors of the connection itself, which end the session.
var (
	errShutdown = errors.New("server shutting down")
	// errLogout is returned by LOGOUT after its BYE (RFC 3501 §6.1.3).
	errLogout = errors.New("logout")
)

// abortError ends the session without a response: the connection failed.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// serve runs the session until LOGOUT, an error, the autologout timer or the
// shutdown. recover is used here and only here: a panic in a handler is
// logged with its stack, answered with "* BYE [SERVERBUG]" (and the tagged NO
// of the command, when its tag is known), and ends this session, not the
// server.
func (c *conn) serve() {
	start := time.Now()
	var tag string // the command being run, for the recovery
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in session", "user", c.user, "tag", tag, "panic", r, "stack", string(debug.Stack()))
			c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
			c.w.Reset(c.nc) // drop what the failed command queued
			c.w.WriteString("* BYE [SERVERBUG] internal server error\r\n")
			if tag != "" {
				c.w.WriteString(tag + " NO [SERVERBUG] internal server error\r\n")
			}
			c.w.Flush()
		}
		c.nc.Close()
		c.log.Info("connection closed", "user", c.user, "duration", time.Since(start))
	}()
	c.log.Info("connection opened", "tls", c.tlsActive)

	if c.tlsActive {
		if err := c.handshake(); err != nil {
			if isTimeout(err) && c.loginTimer.Expired(time.Now(), c.state == stateNotAuthenticated) {
				c.log.Info("login timeout in the TLS handshake")
			} else {
				c.log.Info("TLS handshake failed", "err", err)
			}
			return
		}
	}
	// RFC 3501 §7.1.1: the greeting, with the capabilities (§7.1 CAPABILITY
	// response code) so that a client need not ask.
	c.enc.Untagged().Atom("OK").SP().ResponseCode(codeCapability, c.writeCapabilities).
		Text(c.s.cfg.Hostname + " Loft IMAP4rev1 server ready").CRLF()
	for {
		// Answers are written when no further command line is waiting, so
		// that a pipelined batch gets its answers in one write.
		if !c.lineBuffered() {
			if err := c.flush(); err != nil {
				c.log.Info("write failed", "user", c.user, "err", err)
				return
			}
		}
		if c.s.conns.ShuttingDown() {
			c.bye("server shutting down")
			return
		}
		var err error
		tag, err = c.readTag()
		if err != nil {
			if c.endOnReadError(err) {
				return
			}
			continue
		}
		if end := c.dispatch(tag); end {
			c.flush()
			return
		}
		tag = ""
	}
}

// lineBuffered reports whether a whole line is already buffered.
func (c *conn) lineBuffered() bool {
	n := c.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := c.r.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

// readTag waits for the next command and reads its tag. A line that does not
// start with a tag gets an untagged BAD (RFC 3501 §7.1.3) and is skipped.
func (c *conn) readTag() (string, error) {
	c.waiting.Store(true)
	var tag string
	ok := c.dec.Tag(&tag)
	c.waiting.Store(false)
	if ok {
		return tag, nil
	}
	err := c.dec.Err()
	var se *rfc3501.SyntaxError
	if !errors.As(err, &se) {
		return "", err
	}
	if derr := c.dec.DiscardLine(); derr != nil {
		return "", derr
	}
	if errors.Is(err, rfc3501.ErrLineTooLong) {
		c.enc.Untagged().Atom("BAD").SP().Text("line too long").CRLF()
	} else {
		c.enc.Untagged().Atom("BAD").SP().Text("expected a command tag").CRLF()
	}
	return "", errSkipped
}

// errSkipped is a line that was answered and skipped by readTag.
var errSkipped = errors.New("line skipped")

// endOnReadError handles an error met while waiting for a command and
// reports whether the session ends.
func (c *conn) endOnReadError(err error) bool {
	switch {
	case errors.Is(err, errSkipped):
		return false
	case errors.Is(err, errShutdown):
		c.bye("server shutting down")
	case isTimeout(err):
		// RFC 3501 §5.4: the autologout timer, or the login timeout.
		c.bye(c.timeoutMessage())
	case errors.Is(err, io.EOF):
	default:
		c.log.Info("read failed", "user", c.user, "err", err)
	}
	return true
}

// bye sends an untagged BYE (RFC 3501 §7.1.5) before the session ends.
func (c *conn) bye(text string) {
	c.log.Info("closing", "user", c.user, "reason", text)
	c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
	c.enc.Untagged().Atom("BYE").SP().Text(text).CRLF()
	c.w.Flush()
}

// handshake runs the TLS handshake of implicit TLS or STARTTLS.
func (c *conn) handshake() error {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return fmt.Errorf("not a TLS connection")
	}
	c.raw.SetWriteDeadline(c.deadline())
	c.waiting.Store(true)
	defer c.waiting.Store(false)
	if c.s.conns.ShuttingDown() {
		return errShutdown
	}
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return err
	}
	st := tc.ConnectionState()
	c.log.Info("TLS established", "version", tls.VersionName(st.Version), "cipher", tls.CipherSuiteName(st.CipherSuite))
	return nil
}

// flush writes what is buffered, within the idle timeout.
func (c *conn) flush() error {
	if c.w.Buffered() == 0 {
		return c.enc.Err()
	}
	c.raw.SetWriteDeadline(c.deadline())
	return c.enc.Flush()
}

// literal is the decoder's LiteralFunc: the literal policy (RFC 3501 §7.5).
// An accepted synchronising literal gets its continuation request; a refused
// one gets none, so the client does not send it and the command ends at the
// announcement (the tagged response follows). A non-synchronizing literal
// (RFC 7888, literal.go) gets no continuation request; a refused one is
// read and thrown away by the decoder, and the command is answered.
func (c *conn) literal(size int64, nonSync, binary bool) error {
	if nonSync {
		if err := c.nonSyncRefusal(size); err != nil {
			return err
		}
	}
	switch {
	case binary && !c.appendLiteral:
		// RFC 3516 §4.4 allows literal8 in APPEND's message only.
		return bad("literal8 is allowed only for an APPEND message")
	case size > c.literalMax && c.appendLiteral:
		return no(imap.ResponseCodeTooBig, "message larger than %d octets", c.literalMax)
	case size > c.literalMax:
		return bad("literal larger than %d octets", c.literalMax)
	case size == 0 && c.appendLiteral:
		// RFC 3501 §6.3.11 appends a message; an empty one is none.
		return no(imap.ResponseCodeCannot, "empty message")
	}
	if c.literalCheck != nil {
		if err := c.literalCheck(size); err != nil {
			return err
		}
	}
	if nonSync {
		return nil
	}
	c.enc.Continuation("Ready for literal data").CRLF()
	if err := c.flush(); err != nil {
		return &abortError{err}
	}
	return nil
}

// readCommandName reads SP and the command name after the tag; "UID" is
// joined with the command it prefixes (RFC 3501 §6.4.8).
func (c *conn) readCommandName() (string, bool) {
	var name string
	if !c.dec.SP() || !c.dec.Atom(&name) {
		return "", false
	}
	name = strings.ToUpper(name)
	if name == "UID" {
		var sub string
		if !c.dec.SP() || !c.dec.Atom(&sub) {
			return "", false
		}
		name += " " + strings.ToUpper(sub)
	}
	return name, true
}

// dispatch reads and runs one command whose tag has been read, and reports
// whether the session ends. A command flows: decoder → table → state check →
// handler → pending mailbox changes → tagged completion.
func (c *conn) dispatch(tag string) (end bool) {
	start := time.Now()
	// A handler may write more than the buffer holds; the client has the
	// idle timeout to take it.
	c.raw.SetWriteDeadline(c.deadline())
	c.literalMax, c.appendLiteral, c.literalCheck = int64(c.s.cfg.MaxLineLength), false, nil

	name, ok := c.readCommandName()
	var err error
	ran := false
	switch {
	case !ok:
		err = c.dec.Err()
		name = "?"
	default:
		cmd := c.s.commands.lookup(name)
		switch {
		case cmd == nil:
			err = bad("unknown command %s", name)
		case cmd.states&c.state == 0:
			err = bad("%s is not valid in the %s state", name, c.state)
		default:
			c.cmd = cmd
			// RFC 4314 §4: the rights on the selected mailbox are checked
			// before the handler runs; a refused command is skipped.
			if err = c.checkSelected(cmd); err == nil {
				ran = true
				err = cmd.run(c, tag, c.dec)
			}
		}
	}
	// A command that was not decoded to its end is skipped to its end: the
	// session stays in step with the client.
	var abort *abortError
	if !errors.As(err, &abort) && (!ran || c.dec.Err() != nil) {
		if derr := c.dec.DiscardLine(); derr != nil {
			return c.endCommand(tag, name, start, &abortError{derr})
		}
	}
	return c.endCommand(tag, name, start, err)
}

// endCommand sends the pending mailbox changes and the tagged completion of a
// command, logs it, and reports whether the session ends.
func (c *conn) endCommand(tag, name string, start time.Time, err error) bool {
	var abort *abortError
	switch {
	case errors.Is(err, errAnswered):
		c.logCommand(slog.LevelDebug, "command", name, tag, start, nil)
		return false
	case errors.Is(err, errLogout):
		c.logCommand(slog.LevelDebug, "command", name, tag, start, nil)
		return true
	case errors.As(err, &abort):
		switch {
		case errors.Is(abort.err, errShutdown):
			c.bye("server shutting down")
		case isTimeout(abort.err):
			c.bye(c.timeoutMessage())
		}
		c.logCommand(slog.LevelInfo, "session aborted", name, tag, start, abort.err)
		return true
	case errors.Is(err, errShutdown):
		// The command was waiting for the client (an AUTHENTICATE
		// exchange).
		c.bye("server shutting down")
		return true
	case isTimeout(err):
		c.bye(c.timeoutMessage())
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	resp := &response{status: statusOK, text: name + " completed"}
	if err != nil {
		resp = errorResponse(err)
	}
	// Pending changes of the selected mailbox come before the tagged
	// response (RFC 3501 §7: untagged data, then the completion), for every
	// command that was decoded in full.
	gone := false
	if c.sel != nil && resp.status != statusBAD {
		cmd := c.s.commands.lookup(name)
		gone = c.announce(cmd != nil && cmd.flags&mayExpunge != 0)
	}
	c.enc.Tagged(tag, resp.status)
	if resp.code != "" {
		c.enc.ResponseCode(resp.code, resp.args)
	}
	c.enc.Text(resp.text).CRLF()
	switch {
	case err == nil || resp.status == statusOK:
		c.logCommand(slog.LevelDebug, "command", name, tag, start, nil)
	case isInternal(err):
		c.logCommand(slog.LevelError, "command failed", name, tag, start, err)
	default:
		c.logCommand(slog.LevelDebug, "command refused", name, tag, start, err)
	}
	if gone {
		c.bye("the selected mailbox was deleted")
		return true
	}
	return false
}

// announce sends the pending changes of the selected mailbox (selected.go)
// and reports whether the mailbox is gone, which ends the session.
func (c *conn) announce(expungeAllowed bool) (gone bool) {
	// RFC 4314 §5.1.1: nothing more is reported of a mailbox the session
	// may no longer read (the rights are read afresh: IDLE calls this
	// between commands).
	if r, err := c.rightsOn(c.sel.ref, c.sel.mbox); err == nil {
		c.sel.rights = r
	}
	if !c.sel.rights.Has(rfc4314.Read) {
		return false
	}
	err := c.sel.refresh()
	if errors.Is(err, store.ErrNotFound) {
		c.log.Info("selected mailbox deleted", "user", c.user, "mailbox", c.sel.name)
		return true
	}
	if err != nil {
		c.log.Warn("refreshing the selected mailbox failed", "user", c.user, "mailbox", c.sel.name, "err", err)
	}
	c.sel.writeUpdates(c.enc, expungeAllowed)
	return false
}

// logCommand logs one command with the session's user, the command name
// (never its arguments: LOGIN and AUTHENTICATE carry secrets), its tag and
// its duration.
func (c *conn) logCommand(level slog.Level, msg, name, tag string, start time.Time, err error) {
	if !c.log.Enabled(c.ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("user", c.user), slog.String("cmd", name), slog.String("tag", tag),
		slog.Duration("duration", time.Since(start))}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	c.log.LogAttrs(c.ctx, level, msg, attrs...)
}
