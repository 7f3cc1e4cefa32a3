package harness

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds every wait for a line from the server. It is
// generous on purpose: tests wait for what they expect and never sleep, so
// the timeout only decides how long a broken server takes to fail a test.
const DefaultTimeout = 20 * time.Second

// Conn is a client connection to a line-oriented protocol (IMAP, POP3, LMTP).
// It checks that every line the server sends ends in CRLF.
type Conn struct {
	// Timeout bounds each read of one line; zero means DefaultTimeout.
	Timeout time.Duration

	nc  net.Conn
	r   *bufio.Reader
	tls bool
}

// ErrBareLF reports a server line that ended in LF without CR.
var ErrBareLF = errors.New("server line ends in a bare LF, not CRLF")

// Dial opens a plain TCP connection.
func Dial(addr string) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc, r: bufio.NewReader(nc)}, nil
}

// DialTLS opens a connection with implicit TLS (POP3S, RFC 8314 §3.3).
func DialTLS(addr string, cfg *tls.Config) (*Conn, error) {
	d := &net.Dialer{Timeout: DefaultTimeout}
	nc, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc, r: bufio.NewReader(nc), tls: true}, nil
}

// TLS reports whether the connection is encrypted.
func (c *Conn) TLS() bool { return c.tls }

// StartTLS runs the TLS handshake on the open connection, as the client does
// after the server accepted STLS (RFC 2595 §4) or STARTTLS (RFC 3207). Bytes
// the server sent before the handshake and that were not read are an error:
// they would be a plaintext injection.
func (c *Conn) StartTLS(cfg *tls.Config) error {
	if c.tls {
		return errors.New("TLS is already active")
	}
	if n := c.r.Buffered(); n > 0 {
		b, _ := c.r.Peek(n)
		return fmt.Errorf("server sent %q before the TLS handshake", b)
	}
	tc := tls.Client(c.nc, cfg)
	if err := tc.SetDeadline(time.Now().Add(c.timeout())); err != nil {
		return err
	}
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	if err := tc.SetDeadline(time.Time{}); err != nil {
		return err
	}
	c.nc = tc
	c.r = bufio.NewReader(tc)
	c.tls = true
	return nil
}

// ConnectionState returns the TLS state of an encrypted connection.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

func (c *Conn) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// Write sends b as it is, in one write.
func (c *Conn) Write(b []byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.timeout())); err != nil {
		return err
	}
	_, err := c.nc.Write(b)
	return err
}

// WriteLine sends line followed by CRLF.
func (c *Conn) WriteLine(line string) error {
	return c.Write([]byte(line + "\r\n"))
}

// ReadLine reads one line and returns it without its CRLF. A line that ends
// in a bare LF is returned (without the LF) together with ErrBareLF.
func (c *Conn) ReadLine() (string, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(c.timeout())); err != nil {
		return "", err
	}
	s, err := c.r.ReadString('\n')
	if err != nil {
		if err == io.EOF && s != "" {
			return s, fmt.Errorf("connection closed inside a line: %q", s)
		}
		return s, err
	}
	if !strings.HasSuffix(s, "\r\n") {
		return strings.TrimSuffix(s, "\n"), ErrBareLF
	}
	return s[:len(s)-2], nil
}

// ExpectEOF waits for the server to close the connection and fails if it
// sends anything first.
func (c *Conn) ExpectEOF() error {
	if err := c.nc.SetReadDeadline(time.Now().Add(c.timeout())); err != nil {
		return err
	}
	b := make([]byte, 512)
	n, err := c.r.Read(b)
	if n > 0 {
		return fmt.Errorf("expected the server to close the connection, got %q", b[:n])
	}
	if err == io.EOF || errors.Is(err, net.ErrClosed) {
		return nil
	}
	var ne *net.OpError
	if errors.As(err, &ne) && strings.Contains(ne.Err.Error(), "connection reset") {
		return nil
	}
	if err == nil {
		return errors.New("expected the server to close the connection")
	}
	return fmt.Errorf("expected the server to close the connection: %w", err)
}

// Close closes the connection without a protocol goodbye.
func (c *Conn) Close() error { return c.nc.Close() }

// POP3Multiline reports whether a successful reply to the POP3 command line
// is multi-line (RFC 1939 §3): LIST and UIDL without an argument, RETR, TOP,
// CAPA (RFC 2449 §5) and AUTH without a mechanism (the mechanism listing
// that clients such as fetchmail rely on).
func POP3Multiline(line string) bool {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return false
	}
	switch strings.ToUpper(fields[0]) {
	case "LIST", "UIDL", "AUTH":
		return len(fields) == 1
	case "RETR", "TOP", "CAPA":
		return true
	}
	return false
}

// ReadPOP3 reads one POP3 response: the status line and, when multi is true
// and the status is +OK, the lines up to and including the terminating ".".
// Lines are returned as sent, still dot-stuffed.
func (c *Conn) ReadPOP3(multi bool) (lines []string, ok bool, err error) {
	status, err := c.ReadLine()
	if err != nil {
		return nil, false, err
	}
	lines = append(lines, status)
	switch {
	case status == "+OK" || strings.HasPrefix(status, "+OK "):
		ok = true
	case status == "-ERR" || strings.HasPrefix(status, "-ERR "):
		return lines, false, nil
	case status == "+" || strings.HasPrefix(status, "+ "):
		// A SASL continuation (RFC 1734 §2, RFC 5034 §4).
		return lines, true, nil
	default:
		return lines, false, fmt.Errorf("POP3 status line %q is neither +OK nor -ERR", status)
	}
	if !multi {
		return lines, ok, nil
	}
	for {
		l, err := c.ReadLine()
		if err != nil {
			return lines, ok, err
		}
		lines = append(lines, l)
		if l == "." {
			return lines, ok, nil
		}
	}
}

// Unstuff turns the lines of a multi-line POP3 response (without the status
// line, with the final ".") into the octets they carry: byte-stuffing
// removed (RFC 1939 §3), each line ended with CRLF.
func Unstuff(lines []string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		if l == "." {
			break
		}
		b.WriteString(strings.TrimPrefix(l, "."))
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// Reply is one SMTP/LMTP reply.
type Reply struct {
	Code  int
	Lines []string // as sent, with code and separator
}

// OK reports a 2xx or 3xx reply.
func (r Reply) OK() bool { return r.Code >= 200 && r.Code < 400 }

func (r Reply) String() string { return strings.Join(r.Lines, "\n") }

// ReadReply reads one SMTP reply: lines "NNN-text" up to the line "NNN text"
// (RFC 5321 §4.2.1).
func (c *Conn) ReadReply() (Reply, error) {
	var r Reply
	for {
		l, err := c.ReadLine()
		if err != nil {
			return r, err
		}
		r.Lines = append(r.Lines, l)
		if len(l) < 3 {
			return r, fmt.Errorf("malformed reply line %q", l)
		}
		code, err := strconv.Atoi(l[:3])
		if err != nil || code < 200 || code > 599 {
			return r, fmt.Errorf("malformed reply line %q", l)
		}
		if r.Code != 0 && code != r.Code {
			return r, fmt.Errorf("reply line %q changes the code %d", l, r.Code)
		}
		r.Code = code
		switch {
		case len(l) == 3 || l[3] == ' ':
			return r, nil
		case l[3] == '-':
		default:
			return r, fmt.Errorf("malformed reply line %q", l)
		}
	}
}

// CRLF converts every bare LF in b to CRLF, leaving CRLF pairs alone.
func CRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte("\n")))
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// DotStuff prepares message octets for DATA (RFC 5321 §4.5.2): bare LFs
// become CRLF, a line starting with "." gets another, the message ends with
// CRLF, and the terminating ".\r\n" follows.
func DotStuff(msg []byte) []byte {
	msg = CRLF(msg)
	var b bytes.Buffer
	for len(msg) > 0 {
		line := msg
		if i := bytes.Index(msg, []byte("\r\n")); i >= 0 {
			line = msg[:i+2]
		}
		msg = msg[len(line):]
		if line[0] == '.' {
			b.WriteByte('.')
		}
		b.Write(line)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// Delivery is the outcome of one LMTP transaction: one reply per recipient
// that RCPT accepted, in RCPT order (RFC 2033 §4.2).
type Delivery struct {
	RcptReplies []Reply          // the reply to each RCPT, in order
	DataReplies map[string]Reply // by recipient, for those RCPT accepted
}

// Deliver runs LHLO, MAIL, RCPT for each recipient, DATA and QUIT over a new
// LMTP connection to addr. It fails if any step other than RCPT and the
// per-recipient DATA replies is refused.
func Deliver(addr, from string, rcpts []string, msg []byte) (*Delivery, error) {
	c, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if r, err := c.ReadReply(); err != nil || r.Code != 220 {
		return nil, fmt.Errorf("LMTP greeting: %v %v", r, err)
	}
	step := func(line string, want int) error {
		if err := c.WriteLine(line); err != nil {
			return err
		}
		r, err := c.ReadReply()
		if err != nil {
			return fmt.Errorf("%s: %w", line, err)
		}
		if r.Code != want {
			return fmt.Errorf("%s: %s", line, r)
		}
		return nil
	}
	if err := step("LHLO client.example.org", 250); err != nil {
		return nil, err
	}
	if err := step("MAIL FROM:<"+from+">", 250); err != nil {
		return nil, err
	}
	d := &Delivery{DataReplies: map[string]Reply{}}
	var accepted []string
	for _, rcpt := range rcpts {
		if err := c.WriteLine("RCPT TO:<" + rcpt + ">"); err != nil {
			return nil, err
		}
		r, err := c.ReadReply()
		if err != nil {
			return nil, err
		}
		d.RcptReplies = append(d.RcptReplies, r)
		if r.Code/100 == 2 {
			accepted = append(accepted, rcpt)
		}
	}
	if len(accepted) == 0 {
		return d, errors.New("no recipient was accepted")
	}
	if err := step("DATA", 354); err != nil {
		return d, err
	}
	if err := c.Write(DotStuff(msg)); err != nil {
		return d, err
	}
	for _, rcpt := range accepted {
		r, err := c.ReadReply()
		if err != nil {
			return d, err
		}
		d.DataReplies[rcpt] = r
	}
	if err := step("QUIT", 221); err != nil {
		return d, err
	}
	return d, nil
}

// StripTrace drops the trace header fields that delivery puts in front of
// a message (RFC 5321 §4.4: Return-Path and Received; and Delivered-To),
// with their continuation lines, and returns the octets that follow. msg
// has CRLF line ends.
func StripTrace(msg []byte) []byte {
	for {
		end := bytes.Index(msg, []byte("\r\n"))
		if end < 0 {
			return msg
		}
		name, _, ok := bytes.Cut(msg[:end], []byte(":"))
		if !ok {
			return msg
		}
		switch strings.ToLower(string(name)) {
		case "return-path", "received", "delivered-to":
		default:
			return msg
		}
		msg = msg[end+2:]
		// Continuation lines of the same field (RFC 5322 §2.2.3).
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			end := bytes.Index(msg, []byte("\r\n"))
			if end < 0 {
				return nil
			}
			msg = msg[end+2:]
		}
	}
}

// Retrieve logs in to the POP3 server at addr with USER and PASS and
// returns every message of the maildrop as RETR sends it (unstuffed, CRLF
// line ends), leaving the maildrop as it was.
func Retrieve(addr, user, pass string) ([][]byte, error) {
	c, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cmd := func(line string, multi bool) ([]string, error) {
		if line != "" {
			if err := c.WriteLine(line); err != nil {
				return nil, err
			}
		}
		lines, ok, err := c.ReadPOP3(multi)
		if err != nil {
			return nil, err
		}
		if !ok {
			what := "greeting"
			if f := strings.Fields(line); len(f) > 0 {
				what = f[0] // never the password of PASS
			}
			return nil, fmt.Errorf("POP3 %s: %s", what, lines[0])
		}
		return lines, nil
	}
	if _, err := cmd("", false); err != nil {
		return nil, err
	}
	if _, err := cmd("USER "+user, false); err != nil {
		return nil, err
	}
	if _, err := cmd("PASS "+pass, false); err != nil {
		return nil, err
	}
	stat, err := cmd("STAT", false)
	if err != nil {
		return nil, err
	}
	var n int
	if _, err := fmt.Sscanf(stat[0], "+OK %d ", &n); err != nil {
		return nil, fmt.Errorf("STAT: %q: %v", stat[0], err)
	}
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		lines, err := cmd(fmt.Sprintf("RETR %d", i), true)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, Unstuff(lines[1:]))
	}
	if _, err := cmd("QUIT", false); err != nil {
		return nil, err
	}
	return msgs, nil
}
