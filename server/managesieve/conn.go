package managesieve

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
	"time"

	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/internal/logintimer"
	"github.com/loftmail/loft/store"
)

// state is a session state (§2), as a bit so that the command table can
// list several.
type state uint8

const (
	stateNonAuth state = 1 << iota // before AUTHENTICATE (§2)
	stateAuth                      // after a successful AUTHENTICATE
	anyState     = stateNonAuth | stateAuth
)

const (
	readBufferSize  = 4096
	writeBufferSize = 32 * 1024
)

// conn is one ManageSieve session.
type conn struct {
	s   *Server
	id  uint64
	log *slog.Logger
	ctx context.Context

	raw       net.Conn // the TCP connection: deadlines are set here
	nc        net.Conn // what is read and written: raw, or TLS over it
	r         *bufio.Reader
	dec       *rfc5804.Reader
	w         *bufio.Writer
	tlsActive bool

	state        state
	loginTimer   logintimer.Timer // LoginTimeout, from the accept or UNAUTHENTICATE
	authFailures int
	user         string         // the authenticated login name
	account      *store.Account // the user's account, once authenticated
}

func newConn(s *Server, raw net.Conn, accepted time.Time) *conn {
	id := s.lastID.Add(1)
	c := &conn{
		s:          s,
		id:         id,
		log:        s.log.With("conn", id, "remote", raw.RemoteAddr().String()),
		ctx:        s.ctx,
		raw:        raw,
		nc:         raw,
		r:          bufio.NewReaderSize(raw, readBufferSize),
		w:          bufio.NewWriterSize(raw, writeBufferSize),
		state:      stateNonAuth,
		loginTimer: logintimer.Start(accepted, s.cfg.LoginTimeout),
	}
	c.newDecoder()
	return c
}

// minLiteral is the least literal the decoder accepts whatever the
// script size limit, so that SASL responses and names fit.
const minLiteral = 64 << 10

// newDecoder sets up the command decoder on c.r with the server's limits:
// a literal may hold the largest script allowed (PUTSCRIPT checks that
// limit itself, so that a script between it and minLiteral gets the same
// QUOTA/MAXSIZE).
func (c *conn) newDecoder() {
	c.dec = rfc5804.NewReader(c.r)
	c.dec.MaxLine = c.s.cfg.MaxLineLength
	c.dec.MaxLiteral = max(c.s.cfg.MaxScriptSize, minLiteral)
}

// interrupt wakes a session blocked reading a command, so that it sees the
// shutdown; see readCommand for why this cannot be missed.
func (c *conn) interrupt() { c.raw.SetReadDeadline(time.Unix(1, 0)) }

// Errors that end the session.
var (
	errShutdown     = errors.New("server shutting down")
	errLoginTimeout = errors.New("login timeout")
	errLogout       = errors.New("logout")
)

// byeError ends the session with a BYE response.
type byeError struct{ resp rfc5804.Response }

func (e *byeError) Error() string { return "BYE " + e.resp.Text }

// abortError ends the session without a response: the connection failed.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }

// serve runs the session until LOGOUT, BYE, an error, a timeout or the
// shutdown. recover is used here and only here: a panic in a handler is
// logged with its stack, answered BYE (TRYLATER) and ends this session, not
// the server.
func (c *conn) serve() {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in session", "user", c.user, "panic", r, "stack", string(debug.Stack()))
			c.w.Reset(c.nc) // drop what the failed command queued
			c.bye(rfc5804.CodeTryLater, "internal error")
		}
		c.nc.Close()
		c.log.Info("connection closed", "user", c.user, "duration", time.Since(start))
	}()
	c.log.Info("connection opened")
	// §1.7: the capabilities are sent upon connection, then OK.
	c.sendCapabilities()
	c.send(rfc5804.AppendResponse(nil, rfc5804.Response{Status: rfc5804.OK, Text: "Loft ManageSieve ready"}))
	for {
		// Pipelined commands (§2) get their answers in one write: the
		// buffer is flushed unless a whole further line is waiting.
		if !c.lineBuffered() {
			if err := c.flush(); err != nil {
				c.log.Info("write failed", "user", c.user, "err", err)
				return
			}
		}
		cmd, err := c.readCommand()
		if err != nil {
			if !c.readFailed(err) {
				continue
			}
			return
		}
		if end := c.dispatch(cmd); end {
			c.flush()
			return
		}
		if c.s.conns.ShuttingDown() {
			c.bye(rfc5804.CodeTryLater, "server shutting down")
			return
		}
	}
}

// readFailed answers a failed read and reports whether the session ends.
func (c *conn) readFailed(err error) bool {
	var se *rfc5804.SyntaxError
	var lt *rfc5804.LiteralTooBigError
	switch {
	case errors.As(err, &se):
		c.reply(rfc5804.Response{Status: rfc5804.NO, Text: se.Msg})
		return false
	case errors.As(err, &lt) && lt.Discarded:
		// §1.3 QUOTA/MAXSIZE: the only literal that can be this long is
		// a script.
		c.reply(noCode(rfc5804.CodeQuotaMaxSize, fmt.Sprintf("a literal may have at most %d octets", c.dec.MaxLiteral)).resp)
		return false
	case errors.As(err, &lt):
		c.bye(rfc5804.CodeQuotaMaxSize, fmt.Sprintf("literal of %d octets is far over the limit of %d", lt.Size, c.dec.MaxLiteral))
	case errors.Is(err, errShutdown):
		c.bye(rfc5804.CodeTryLater, "server shutting down")
	case isTimeout(err) && c.loginExpired():
		c.log.Info("login timeout", "timeout", c.s.cfg.LoginTimeout)
		c.bye("", "login timeout")
	case isTimeout(err):
		// §1.2: an inactivity autologout, at least 30 minutes.
		c.log.Info("idle timeout", "user", c.user)
		c.bye("", "idle timeout")
	case !errors.Is(err, io.EOF):
		c.log.Info("read failed", "user", c.user, "err", err)
	}
	return true
}

// bye sends BYE with an optional code and flushes it within rejectTimeout.
func (c *conn) bye(code, text string) {
	r := rfc5804.Response{Status: rfc5804.BYE, Text: text}
	if code != "" {
		r.Code = &rfc5804.Code{Name: code}
	}
	c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
	c.reply(r)
	c.w.Flush()
}

// deadline is when the next read or write must be done: IdleTimeout from
// now, or, before authentication, the end of LoginTimeout if sooner.
func (c *conn) deadline() time.Time {
	return c.loginTimer.Deadline(time.Now(), c.s.cfg.IdleTimeout, c.state == stateNonAuth)
}

// loginExpired reports whether the client has used up LoginTimeout
// without authenticating.
func (c *conn) loginExpired() bool {
	return c.loginTimer.Expired(time.Now(), c.state == stateNonAuth)
}

// armRead sets the read deadline and returns errShutdown once the server
// is shutting down. The deadline is set before the flag is read, and
// Shutdown sets the flag before it sets a past deadline: so either this
// read sees the flag, or Shutdown's deadline ends the read.
func (c *conn) armRead() error {
	c.raw.SetReadDeadline(c.deadline())
	if c.s.conns.ShuttingDown() {
		return errShutdown
	}
	return nil
}

func (c *conn) readCommand() (*rfc5804.Command, error) {
	if err := c.armRead(); err != nil {
		return nil, err
	}
	cmd, err := c.dec.ReadCommand()
	if err != nil && isTimeout(err) && c.s.conns.ShuttingDown() {
		return nil, errShutdown
	}
	return cmd, err
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

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// flush writes what is buffered, within the current deadline.
func (c *conn) flush() error {
	if c.w.Buffered() == 0 {
		return nil
	}
	c.raw.SetWriteDeadline(c.deadline())
	return c.w.Flush()
}

// send queues octets for the client. Write errors are sticky in the
// bufio.Writer and end the session at the next flush.
func (c *conn) send(b []byte) { c.w.Write(b) }

// reply queues a final response.
func (c *conn) reply(r rfc5804.Response) { c.send(rfc5804.AppendResponse(nil, r)) }

// ok queues OK with an optional text.
func (c *conn) ok(text string) {
	c.reply(rfc5804.Response{Status: rfc5804.OK, Text: text})
}

// dispatch runs one command through the command table and reports whether
// the session ends.
func (c *conn) dispatch(cmd *rfc5804.Command) (end bool) {
	start := time.Now()
	c.raw.SetWriteDeadline(c.deadline())
	err := c.run(cmd)
	var abort *abortError
	var bye *byeError
	switch {
	case err == nil:
		c.logCommand(slog.LevelDebug, "command", cmd.Name, start, nil)
		return false
	case errors.Is(err, errLogout):
		c.logCommand(slog.LevelDebug, "command", cmd.Name, start, nil)
		return true
	case errors.As(err, &abort):
		c.logCommand(slog.LevelInfo, "session aborted", cmd.Name, start, abort.err)
		return true
	case errors.As(err, &bye):
		c.logCommand(slog.LevelInfo, "session ended", cmd.Name, start, err)
		c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
		c.reply(bye.resp)
		return true
	case errors.Is(err, errShutdown):
		c.bye(rfc5804.CodeTryLater, "server shutting down")
		return true
	case errors.Is(err, errLoginTimeout):
		c.log.Info("login timeout", "timeout", c.s.cfg.LoginTimeout)
		c.bye("", "login timeout")
		return true
	}
	c.reply(errorResponse(err))
	if isInternal(err) {
		c.logCommand(slog.LevelError, "command failed", cmd.Name, start, err)
	} else {
		c.logCommand(slog.LevelDebug, "command refused", cmd.Name, start, err)
	}
	return false
}

// logCommand logs one command with the session's user, the command name
// (never its arguments: AUTHENTICATE carries secrets) and its duration.
func (c *conn) logCommand(level slog.Level, msg, name string, start time.Time, err error) {
	if !c.log.Enabled(c.ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("user", c.user), slog.String("cmd", name), slog.Duration("duration", time.Since(start))}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	c.log.LogAttrs(c.ctx, level, msg, attrs...)
}

// handshake runs the TLS handshake of STARTTLS within the login timeout.
func (c *conn) handshake(tc *tls.Conn) error {
	c.raw.SetDeadline(c.deadline())
	defer c.raw.SetDeadline(time.Time{})
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
