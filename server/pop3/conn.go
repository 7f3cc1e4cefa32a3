package pop3

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
	"time"

	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/rfc/rfc2449"
	"github.com/loftmail/loft/server/internal/logintimer"
)

// state is a POP3 session state (RFC 1939 §3), as a bit so that the command
// table can list several.
type state uint8

const (
	stateAuthorization state = 1 << iota // RFC 1939 §4
	stateTransaction                     // RFC 1939 §5
)

func (st state) String() string {
	switch st {
	case stateAuthorization:
		return "AUTHORIZATION"
	case stateTransaction:
		return "TRANSACTION"
	}
	return "state(" + strconv.Itoa(int(st)) + ")"
}

const (
	readBufferSize  = 4096
	writeBufferSize = 32 * 1024
	copyBufferSize  = 32 * 1024
)

// conn is one POP3 session.
type conn struct {
	s   *Server
	id  uint64
	log *slog.Logger
	ctx context.Context

	raw       net.Conn // the TCP connection: deadlines are set here
	nc        net.Conn // what is read and written: raw, or TLS over it
	r         *bufio.Reader
	w         *bufio.Writer
	tlsActive bool

	state          state
	loginTimer     logintimer.Timer // LoginTimeout, from the accept
	pendingUser    string           // the name given by a successful USER
	userBeforePass string           // pendingUser as it was before the current command
	user           string           // the authenticated login name
	drop           *maildrop
	copyBuf        []byte
}

func newConn(s *Server, raw, nc net.Conn, tlsActive bool, accepted time.Time) *conn {
	id := s.lastID.Add(1)
	return &conn{
		s:          s,
		id:         id,
		log:        s.log.With("conn", id, "remote", raw.RemoteAddr().String()),
		ctx:        s.ctx,
		raw:        raw,
		nc:         nc,
		r:          bufio.NewReaderSize(nc, max(readBufferSize, s.cfg.MaxLineLength)),
		w:          bufio.NewWriterSize(nc, writeBufferSize),
		tlsActive:  tlsActive,
		state:      stateAuthorization,
		loginTimer: logintimer.Start(accepted, s.cfg.LoginTimeout),
	}
}

// interrupt wakes a session blocked reading a command, so that it sees the
// shutdown; see serve for why this cannot be missed.
func (c *conn) interrupt() {
	c.raw.SetReadDeadline(time.Unix(1, 0))
}

// Errors of the connection itself, which end the session.
var (
	errLineTooLong  = errors.New("line too long")
	errShutdown     = errors.New("server shutting down")
	errLoginTimeout = errors.New("login timeout")
)

// abortError ends the session without a response: the connection failed, or
// a multi-line response could not be completed.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }

// serve runs the session until QUIT, an error, a timeout or the shutdown.
// recover is used here and only here: a panic in a handler is logged with its
// stack, answered with -ERR [SYS/TEMP] and ends this session, not the server.
func (c *conn) serve() {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in session", "user", c.user, "panic", r, "stack", string(debug.Stack()))
			c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
			c.w.Reset(c.nc) // drop what the failed command queued
			c.w.Write(errLine(&response{code: codeSysTemp, text: "internal error"}))
			c.w.Flush()
		}
		c.nc.Close()
		c.log.Info("connection closed", "user", c.user, "duration", time.Since(start))
	}()
	c.log.Info("connection opened", "tls", c.tlsActive)

	if c.tlsActive {
		if err := c.handshake(); err != nil {
			if isTimeout(err) && c.loginExpired() {
				c.log.Info("login timeout in the TLS handshake")
			} else {
				c.log.Info("TLS handshake failed", "err", err)
			}
			return
		}
	}
	c.send(rfc2449.AppendOK(nil, "", c.s.cfg.Hostname+" POP3 server ready"))
	for {
		// PIPELINING (RFC 2449 §6.6): answers are written when no further
		// complete command is waiting, so that a batch of commands gets
		// its answers in one write.
		if !c.lineBuffered() {
			if err := c.flush(); err != nil {
				if isTimeout(err) && c.loginExpired() {
					// The client did not take the answers in time.
					c.log.Info("login timeout", "timeout", c.s.cfg.LoginTimeout, "err", err)
				} else {
					c.log.Info("write failed", "user", c.user, "err", err)
				}
				return
			}
		}
		line, err := c.readCommandLine(c.s.cfg.MaxLineLength)
		switch {
		case err == nil:
		case errors.Is(err, errLineTooLong):
			c.reply(&response{text: "line too long"})
			continue
		case errors.Is(err, errShutdown):
			c.sayShutdown()
			return
		case isTimeout(err) && c.loginExpired():
			c.sayLoginTimeout()
			return
		case isTimeout(err):
			// RFC 1939 §3: the autologout timer closes the connection
			// without a response and without entering UPDATE.
			c.log.Info("idle timeout", "user", c.user)
			return
		default:
			if !errors.Is(err, io.EOF) {
				c.log.Info("read failed", "user", c.user, "err", err)
			}
			return
		}
		if quit := c.dispatch(line); quit {
			c.flush()
			return
		}
		if c.s.conns.ShuttingDown() {
			c.sayShutdown()
			return
		}
	}
}

func (c *conn) sayShutdown() {
	c.log.Info("closing for shutdown", "user", c.user)
	c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
	c.reply(&response{code: codeSysTemp, text: "server shutting down"})
	c.w.Flush()
}

// sayLoginTimeout ends a session that has not authenticated within
// LoginTimeout.
func (c *conn) sayLoginTimeout() {
	c.log.Info("login timeout", "timeout", c.s.cfg.LoginTimeout)
	c.raw.SetWriteDeadline(time.Now().Add(rejectTimeout))
	c.reply(&response{text: "login timeout, closing connection"})
	c.w.Flush()
}

// deadline is when the next read or write must be done: IdleTimeout from
// now, or, before the client has authenticated, the end of LoginTimeout if
// that comes first.
func (c *conn) deadline() time.Time {
	return c.loginTimer.Deadline(time.Now(), c.s.cfg.IdleTimeout, c.state == stateAuthorization)
}

// loginExpired reports whether the client has used up LoginTimeout
// without authenticating.
func (c *conn) loginExpired() bool {
	return c.loginTimer.Expired(time.Now(), c.state == stateAuthorization)
}

// lineBuffered reports whether a whole command line is already buffered.
func (c *conn) lineBuffered() bool {
	n := c.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := c.r.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

// readCommandLine reads a line of at most limit octets: it arms the idle
// timer (and, before authentication, the login timer) and returns
// errShutdown once the server is shutting down.
//
// The deadline is set before the shutdown flag is read, and Shutdown sets the
// flag before it sets a past deadline: so either this read sees the flag, or
// Shutdown's deadline comes after this one and ends the read.
func (c *conn) readCommandLine(limit int) ([]byte, error) {
	c.raw.SetReadDeadline(c.deadline())
	if c.s.conns.ShuttingDown() {
		return nil, errShutdown
	}
	line, err := c.readLine(limit)
	if err != nil && isTimeout(err) && c.s.conns.ShuttingDown() {
		return nil, errShutdown
	}
	return line, err
}

// readLine reads one line of at most limit octets including its line end,
// and returns it without CRLF (a bare LF is accepted too). A longer line is
// read to its end and discarded, and errLineTooLong returned, so that the
// session stays in step with the client.
func (c *conn) readLine(limit int) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		frag, err := c.r.ReadSlice('\n')
		if !tooLong {
			line = append(line, frag...)
			if len(line) > limit {
				tooLong, line = true, nil
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil:
			return nil, err
		case tooLong:
			return nil, errLineTooLong
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// handshake runs the TLS handshake of implicit TLS or STLS, within the
// idle timeout and the login timeout.
func (c *conn) handshake() error {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return fmt.Errorf("not a TLS connection")
	}
	c.raw.SetDeadline(c.deadline())
	defer c.raw.SetDeadline(time.Time{})
	// As in readCommandLine: deadline first, then the flag.
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

// flush writes what is buffered, within the idle timeout (and the login
// timeout, before authentication).
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

// ok queues "+OK text".
func (c *conn) ok(text string) { c.send(rfc1939.AppendOK(nil, text)) }

// reply queues the -ERR line for err; see errors.go.
func (c *conn) reply(err error) { c.send(errLine(err)) }

// dispatch runs one command line through the command table and reports
// whether the session ends.
func (c *conn) dispatch(line []byte) (quit bool) {
	start := time.Now()
	// A handler may write more than the buffer holds; the client has the
	// idle timeout (the login timeout, before authentication) to take it.
	c.raw.SetWriteDeadline(c.deadline())
	cmd, perr := rfc1939.ParseCommand(line)
	if cmd.Keyword == "" {
		c.reply(lineError(line))
		return false
	}
	// RFC 1939 §7: PASS is valid only immediately after a successful USER.
	c.userBeforePass, c.pendingUser = c.pendingUser, ""
	err := c.s.commands.run(c, cmd, perr)
	var abort *abortError
	switch {
	case err == nil || errors.Is(err, errQuit):
		c.logCommand(slog.LevelDebug, "command", cmd.Keyword, start, nil)
		return err != nil
	case errors.As(err, &abort):
		c.logCommand(slog.LevelInfo, "session aborted", cmd.Keyword, start, abort.err)
		return true
	case errors.Is(err, errShutdown):
		// The command was waiting for the client (an AUTH exchange).
		c.sayShutdown()
		return true
	case errors.Is(err, errLoginTimeout):
		// Likewise, past the login timeout.
		c.sayLoginTimeout()
		return true
	}
	c.reply(err)
	if isInternal(err) {
		c.logCommand(slog.LevelError, "command failed", cmd.Keyword, start, err)
	} else {
		c.logCommand(slog.LevelDebug, "command refused", cmd.Keyword, start, err)
	}
	return false
}

// lineError is the answer to a line from which ParseCommand takes no
// keyword. RFC 1939 §3 and RFC 2449 §3 make a command of printable ASCII
// separated by single spaces: a control character (NUL, ESC, a bare CR,
// a TAB) anywhere in the line is a syntax error, which is said as such
// rather than as an unknown command. The octet is named in hex, never
// echoed.
func lineError(line []byte) *response {
	if len(bytes.TrimSpace(line)) == 0 {
		return &response{text: "empty command line"}
	}
	if i := bytes.IndexFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return &response{text: fmt.Sprintf("invalid character 0x%02X in command", line[i])}
	}
	return &response{text: "unknown command"}
}

// logCommand logs one command with the session's user, the keyword (never the
// arguments: PASS and AUTH carry secrets) and its duration.
func (c *conn) logCommand(level slog.Level, msg, keyword string, start time.Time, err error) {
	if !c.log.Enabled(c.ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("user", c.user), slog.String("cmd", keyword), slog.Duration("duration", time.Since(start))}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	c.log.LogAttrs(c.ctx, level, msg, attrs...)
}

// errQuit is returned by a handler after its final response.
var errQuit = errors.New("quit")

// sendMessage streams r as a multi-line response with byte-stuffing
// (RFC 1939 §3), without holding the message in memory. Once the +OK line is
// queued no -ERR can follow, so a read error ends the session: the client
// sees the connection close instead of a truncated message that looks whole.
func (c *conn) sendMessage(r io.Reader) error {
	if c.copyBuf == nil {
		c.copyBuf = make([]byte, copyBufferSize)
	}
	dw := rfc1939.NewDotWriter(c.w)
	for {
		n, rerr := r.Read(c.copyBuf)
		if n > 0 {
			// The client has the idle timeout to take each chunk.
			c.raw.SetWriteDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
			if _, err := dw.Write(c.copyBuf[:n]); err != nil {
				return &abortError{fmt.Errorf("writing message: %w", err)}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return &abortError{fmt.Errorf("reading message: %w", rerr)}
		}
	}
	if err := dw.Close(); err != nil {
		return &abortError{fmt.Errorf("writing message: %w", err)}
	}
	return nil
}
