package lmtp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/loftmail/loft/server/internal/connlimit"
)

// This file is the connection under go-smtp. go-smtp v0.26 runs the
// command loop, but it writes some replies the RFCs do not allow, its DATA
// reader loses the start of the line after a CR that precedes CRLF and
// refuses a message of exactly its size limit, and it offers no option or
// interface to change any of that. So go-smtp reads and writes the client
// through a conn, which
//
//   - hands go-smtp the input one whole line at a time, so that go-smtp
//     never holds input beyond the command it is answering, and refuses a
//     line longer than MaxLineLength before go-smtp sees any of it;
//   - rewrites go-smtp's replies line by line (replies.go);
//   - reads the message data of DATA itself (dotreader.go) and gives
//     go-smtp an empty message in its place;
//   - does STARTTLS itself (RFC 3207), so that it still sees the plaintext
//     after TLS starts; the TLS session goes on on a new go-smtp
//     connection, which starts with no state, as RFC 3207 §4.2 requires.
//
// go-smtp reads and writes through a leg. A conn has one leg at a time: a
// new one after STARTTLS, when the old one reads end-of-file, so that its
// go-smtp connection ends, and closing it does nothing.

// connMode says what go-smtp is reading.
type connMode uint8

const (
	modeCommand connMode = iota // command lines, and BDAT chunks
	modeData                    // the message of DATA: the empty stand-in
)

// emptyMessage is the message data go-smtp reads for a DATA: nothing but
// the final "." line. The message itself is read by the session from
// conn.message.
var emptyMessage = []byte(".\r\n")

// handshakeTimeout bounds a STARTTLS handshake when no read timeout is set.
const handshakeTimeout = DefaultTimeout

// conn is one client connection: its id for logs, its idle timeout,
// whether a mail transaction is in progress, and the adapter state.
type conn struct {
	srv         *Server
	ln          *listener
	id          string
	raw         net.Conn // as accepted: addresses and deadlines
	readTimeout time.Duration
	release     func() // uncounts the connection

	busy     atomic.Bool // between MAIL and the end of the transaction
	draining atomic.Bool // reads fail at once: the server is shutting down
	tls      atomic.Bool // STARTTLS has succeeded
	linger   atomic.Bool // close lingers: go-smtp closes while the client may be sending
	once     sync.Once

	// in buffers all input, after TLS when TLS is on. It is read by go-smtp
	// (through read) and, during DATA, by the session (through message);
	// never by both at once, since go-smtp reads the next command only
	// after the session has returned from LMTPData.
	in   *bufio.Reader
	tail []byte // the end of the last line go-smtp read, for STARTTLS
	eol  bool   // tail ends a line
	// line is what is left to hand go-smtp of the command line it is
	// reading, which is in c.in whole; chunk is what is left of the BDAT
	// chunk it is reading, and next the size of the chunk that follows
	// the current line.
	line  int
	chunk int64
	next  int64

	mu         sync.Mutex
	nc         net.Conn // raw, or the TLS connection over it
	gen        uint64   // the current leg; counts STARTTLS hand-overs
	mode       connMode
	stand      []byte     // what is left of emptyMessage in modeData
	data       *dotReader // the message of the DATA in progress
	dataTaken  bool       // the session has data
	tlsPending bool       // STARTTLS was answered 220: handshake at the next read

	wmu sync.Mutex
	rw  replyWriter
}

// inputBuffer is the least size of conn.in; it is MaxLineLength when that
// is larger, so that a whole command line fits.
const inputBuffer = 32 << 10

func newConn(s *Server, l *listener, nc net.Conn) *conn {
	c := &conn{srv: s, ln: l, id: newID(), raw: nc, nc: nc, readTimeout: s.cfg.ReadTimeout, eol: true}
	c.in = bufio.NewReaderSize(netReader{c}, max(inputBuffer, s.cfg.MaxLineLength))
	return c
}

// netConn returns the connection that carries the protocol.
func (c *conn) netConn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nc
}

// netReader reads the network for conn.in, renewing the idle deadline
// before each read.
type netReader struct{ c *conn }

func (r netReader) Read(p []byte) (int, error) {
	r.c.renewReadDeadline()
	return r.c.netConn().Read(p)
}

// renewReadDeadline sets the idle deadline, unless the connection is
// draining. Setting the deadline before checking draining, and drain
// setting draining before the deadline, leaves no order in which a drain
// is undone.
func (c *conn) renewReadDeadline() {
	if c.readTimeout > 0 {
		c.raw.SetReadDeadline(time.Now().Add(c.readTimeout))
	} else {
		c.raw.SetReadDeadline(time.Time{})
	}
	if c.draining.Load() {
		c.raw.SetReadDeadline(time.Now())
	}
}

// drain makes the next network read fail with a timeout, which go-smtp
// answers with 421 and closes the connection. Commands already buffered
// are still answered first.
func (c *conn) drain() {
	c.draining.Store(true)
	c.raw.SetReadDeadline(time.Now())
}

// close closes the connection once and stops tracking it.
func (c *conn) close() error {
	if c.linger.Swap(false) {
		c.lingerBeforeClose()
	}
	err := c.netConn().Close()
	c.once.Do(func() {
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
		c.release()
	})
	return err
}

// Bounds of lingerBeforeClose.
const (
	lingerTimeout = 2 * time.Second
	lingerOctets  = 1 << 20
)

// lingerBeforeClose prepares the close of a connection whose client may
// still be sending, after a reply that says the connection closes (a line
// too long, too many errors). Closing a socket with unread input resets
// the connection, and the client may then lose the reply before it reads
// it. So the output is shut (the client reads the reply, then end of
// file), and input is read and dropped until the client closes, for at
// most lingerTimeout and lingerOctets.
func (c *conn) lingerBeforeClose() {
	if tc, ok := c.netConn().(*tls.Conn); ok {
		tc.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
		tc.CloseWrite() // close_notify
	}
	if cw, ok := c.raw.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.raw.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c.raw, lingerOctets)
}

// read is go-smtp's read: the empty stand-in during DATA, then, once the
// message has been read to its end, input up to the end of one line.
func (c *conn) read(p []byte) (int, error) {
	c.mu.Lock()
	if c.mode == modeData {
		if len(c.stand) > 0 {
			n := copy(p, c.stand)
			c.stand = c.stand[n:]
			c.mu.Unlock()
			return n, nil
		}
		d := c.data
		c.mode, c.data = modeCommand, nil
		c.mu.Unlock()
		// The session reads the message to its end; should it not have,
		// the rest is message, never commands.
		if err := d.finish(); err != nil {
			return 0, err
		}
		c.mu.Lock()
	}
	tlsPending := c.tlsPending
	c.tlsPending = false
	c.mu.Unlock()
	if tlsPending {
		return 0, c.startTLS()
	}
	return c.readLine(p)
}

// readLine gives go-smtp the next command line, or the octets of the BDAT
// chunk it is reading. go-smtp's reader thus never holds input beyond the
// line it is answering: when it answers DATA with 354 the message is still
// here, and when it answers STARTTLS what the client sent after it is
// still here to be discarded.
//
// A command line is handed over only once it is whole in c.in, so that a
// line longer than MaxLineLength (RFC 5321 §4.5.3.1.4) is refused before
// go-smtp has any of it: go-smtp answers smtp.ErrTooLongLine with 500 and
// closes the connection, and no part of the line runs as a command. A
// line that the client leaves unfinished when the connection fails or
// times out is never handed over either.
func (c *conn) readLine(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.chunk > 0 {
		return c.readChunk(p)
	}
	if c.line == 0 {
		n, err := c.wholeLine()
		if err != nil {
			return 0, err
		}
		b, _ := c.in.Peek(n)
		c.line = n
		c.next, _ = bdatChunk(b)
	}
	b, _ := c.in.Peek(c.line)
	n := copy(p, b)
	c.noteLine(b[:n])
	c.in.Discard(n)
	c.line -= n
	if c.line == 0 {
		c.chunk, c.next = c.next, 0
	}
	return n, nil
}

// wholeLine waits until c.in holds a whole line and returns its length,
// LF included; it returns smtp.ErrTooLongLine when MaxLineLength octets
// hold no LF.
func (c *conn) wholeLine() (int, error) {
	limit := c.srv.cfg.MaxLineLength
	searched := 0
	for {
		b, _ := c.in.Peek(min(c.in.Buffered(), limit))
		if i := bytes.IndexByte(b[searched:], '\n'); i >= 0 {
			return searched + i + 1, nil
		}
		searched = len(b)
		if searched >= limit {
			return 0, smtp.ErrTooLongLine
		}
		// Read more: at least one octet more than is buffered. An error
		// comes only with nothing more.
		if _, err := c.in.Peek(searched + 1); err != nil {
			return 0, err
		}
	}
}

// readChunk hands go-smtp octets of the BDAT chunk it is reading, as they
// are: a chunk is not made of lines (RFC 3030 §2).
func (c *conn) readChunk(p []byte) (int, error) {
	if c.in.Buffered() == 0 {
		if _, err := c.in.Peek(1); err != nil {
			return 0, err
		}
	}
	n := int(min(int64(len(p)), int64(c.in.Buffered()), c.chunk))
	b, _ := c.in.Peek(n)
	copy(p, b)
	c.in.Discard(n)
	c.chunk -= int64(n)
	if c.chunk == 0 {
		c.eol = true // a command line starts after the chunk
	}
	return n, nil
}

// bdatChunk returns the size of the chunk that go-smtp v0.26 reads after
// the command line line: for a BDAT whose arguments it can parse (a chunk
// size of at most 32 bits, then optionally LAST; RFC 3030 §2), go-smtp
// reads the chunk whether it accepts the command or refuses it (no
// transaction, too big). It parses the line as go-smtp's parseCmd and
// handleBdat do. ok is false for any other line.
func bdatChunk(line []byte) (size int64, ok bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if len(s) < 5 || s[4] != ' ' || !strings.EqualFold(s[:4], "BDAT") {
		return 0, false
	}
	args := strings.Fields(s[5:])
	if len(args) == 0 || len(args) > 2 || len(args) == 2 && !strings.EqualFold(args[1], "LAST") {
		return 0, false
	}
	n, err := strconv.ParseUint(args[0], 10, 32)
	if err != nil {
		return 0, false
	}
	return int64(n), true
}

// maxTail is how much of a line noteLine keeps.
const maxTail = 16

// noteLine keeps the last octets of the line go-smtp reads.
func (c *conn) noteLine(b []byte) {
	if c.eol {
		c.tail = c.tail[:0]
	}
	c.tail = append(c.tail, b...)
	if len(c.tail) > maxTail {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-maxTail:]...)
	}
	c.eol = len(b) > 0 && b[len(b)-1] == '\n'
}

// bareSTARTTLS reports whether the line go-smtp took for STARTTLS is the
// verb alone. go-smtp takes any line that begins with "STARTTLS" for one;
// RFC 3207 §4 allows no parameters.
func (c *conn) bareSTARTTLS() bool {
	t := bytes.TrimSuffix(bytes.TrimSuffix(c.tail, []byte("\n")), []byte("\r"))
	return len(t) >= 8 && bytes.EqualFold(t[len(t)-8:], []byte("STARTTLS"))
}

// startData begins the message of a DATA that go-smtp has answered 354.
func (c *conn) startData() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mode = modeData
	c.stand = emptyMessage
	c.data = &dotReader{r: c.in, max: c.srv.cfg.MaxMessageBytes, maxLine: maxDataLine}
	c.dataTaken = false
}

// message returns the message of the DATA in progress, once; nil when no
// DATA is in progress (BDAT, whose chunks go-smtp reads itself).
func (c *conn) message() io.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mode != modeData || c.dataTaken {
		return nil
	}
	c.dataTaken = true
	return c.data
}

// startTLS runs the TLS handshake after the 220 reply to STARTTLS and
// hands the connection over to a new leg (RFC 3207 §4.2: the protocol
// starts again from the greeting, which the client does not get again).
// It returns io.EOF, which ends the old leg's go-smtp connection quietly.
func (c *conn) startTLS() error {
	// RFC 3207 §4.2: nothing the client sent in the clear may count as
	// sent over TLS. A client waits for 220 before the handshake, so what
	// is buffered came with the STARTTLS line, perhaps injected by someone
	// on the path.
	if n := c.in.Buffered(); n > 0 {
		c.srv.log.Warn("discarding input sent after STARTTLS", "conn", c.id, "octets", n)
		c.in.Discard(n)
	}
	// The transaction, if one was open, ends with the old session.
	c.busy.Store(false)
	d := c.readTimeout
	if d <= 0 {
		d = handshakeTimeout
	}
	tc := tls.Server(c.raw, c.srv.cfg.TLSConfig)
	c.raw.SetDeadline(time.Now().Add(d))
	err := tc.Handshake()
	c.raw.SetWriteDeadline(time.Time{})
	c.renewReadDeadline()
	if err != nil {
		c.srv.log.Info("STARTTLS handshake failed", "conn", c.id, "err", err)
		return io.EOF
	}
	c.mu.Lock()
	c.nc = tc
	c.gen++
	next := &leg{c: c, gen: c.gen}
	c.mu.Unlock()
	c.tls.Store(true)
	c.in.Reset(netReader{c})
	c.eol = true
	c.line, c.chunk, c.next = 0, 0, 0
	c.wmu.Lock()
	c.rw.dropGreeting = true
	c.wmu.Unlock()
	if !c.ln.handOver(next) {
		// Serve has returned: the server is shutting down.
		tc.SetWriteDeadline(time.Now().Add(rejectWriteTimeout))
		io.WriteString(tc, c.srv.shutdownLine())
		c.close()
	}
	return io.EOF
}

// leg is the net.Conn go-smtp holds. Once STARTTLS has handed the
// connection to a newer leg, an old leg reads end-of-file, and closing it
// leaves the connection open.
type leg struct {
	c   *conn
	gen uint64
}

func (l *leg) live() bool {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return l.gen == l.c.gen
}

func (l *leg) Read(p []byte) (int, error) {
	if !l.live() {
		return 0, io.EOF
	}
	return l.c.read(p)
}

func (l *leg) Write(p []byte) (int, error) {
	if !l.live() {
		return 0, net.ErrClosed
	}
	return l.c.write(p)
}

func (l *leg) Close() error {
	if !l.live() {
		return nil
	}
	return l.c.close()
}

func (l *leg) LocalAddr() net.Addr  { return l.c.raw.LocalAddr() }
func (l *leg) RemoteAddr() net.Addr { return l.c.raw.RemoteAddr() }

// SetDeadline and SetWriteDeadline are go-smtp's write timeout. go-smtp
// sets no read deadline (Server.ReadTimeout is zero): netReader does.
func (l *leg) SetDeadline(t time.Time) error { return l.c.raw.SetWriteDeadline(t) }

func (l *leg) SetReadDeadline(time.Time) error { return nil }

func (l *leg) SetWriteDeadline(t time.Time) error { return l.c.raw.SetWriteDeadline(t) }

// connOf finds the server's conn under a go-smtp connection.
func connOf(nc net.Conn) (*conn, uint64) {
	if l, ok := nc.(*leg); ok {
		return l.c, l.gen
	}
	return nil, 0
}

// current reports whether gen is the connection's current leg.
func (c *conn) current(gen uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen == gen
}

// listener counts and limits the connections of one Serve, and passes
// connections handed over after STARTTLS back to go-smtp's Serve.
type listener struct {
	net.Listener
	srv *Server

	start    sync.Once
	accepted chan accepted
	handed   chan *leg
	stop     chan struct{} // closed when Serve has returned
}

type accepted struct {
	nc  net.Conn
	err error
}

func newListener(ln net.Listener, s *Server) *listener {
	return &listener{Listener: ln, srv: s, accepted: make(chan accepted), handed: make(chan *leg), stop: make(chan struct{})}
}

// acceptLoop accepts for Accept until Serve has returned.
func (l *listener) acceptLoop() {
	for {
		nc, err := l.Listener.Accept()
		select {
		case l.accepted <- accepted{nc, err}:
		case <-l.stop:
			if nc != nil {
				nc.Close()
			}
			return
		}
	}
}

// handOver gives go-smtp a connection's new leg. It reports false if
// Serve has returned.
func (l *listener) handOver(lg *leg) bool {
	select {
	case l.handed <- lg:
		return true
	case <-l.stop:
		return false
	}
}

func (l *listener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	for {
		var a accepted
		select {
		case lg := <-l.handed:
			return lg, nil
		case a = <-l.accepted:
		}
		if a.err != nil {
			return nil, a.err
		}
		s := l.srv
		n := s.active.Add(1)
		if max := s.cfg.MaxConnections; max > 0 && n > int64(max) {
			s.active.Add(-1)
			go s.reject(a.nc)
			continue
		}
		ip, counted := connlimit.ClientIP(a.nc.RemoteAddr())
		counted = counted && s.cfg.MaxConnectionsPerIP > 0
		if counted && !s.perIP.Acquire(ip, s.cfg.MaxConnectionsPerIP) {
			s.active.Add(-1)
			go s.rejectPerIP(a.nc)
			continue
		}
		c := newConn(s, l, a.nc)
		c.release = func() {
			if counted {
				s.perIP.Release(ip)
			}
			s.active.Add(-1)
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		if s.shuttingDown.Load() {
			c.drain()
		}
		return &leg{c: c}, nil
	}
}
