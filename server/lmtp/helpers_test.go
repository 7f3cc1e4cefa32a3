package lmtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc2034"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// The enhanced status codes of MAIL and RCPT success (RFC 3463 §3.2, as in
// RFC 2034 §6), and a recipient accepted in the form transaction takes.
const (
	mailOK       = "2.1.0"
	rcptOK       = "2.1.5"
	rcptAccepted = "250 " + rcptOK
)

// ioTimeout bounds every read and write of a test client, so that a broken
// server fails a test instead of hanging it. No test depends on it
// passing.
const ioTimeout = 60 * time.Second

// testEnv is a server on the real store and the real file directory.
type testEnv struct {
	t     testing.TB
	store *store.Store
	dir   *directory.File
	srv   *Server
	cfg   Config
	addr  string // TCP address
	sock  string // Unix-domain socket path, when serving one
	logs  *syncBuffer
	done  chan error // Serve's results
	nServ int
	// setup runs after the users exist; options add to it.
	setup []func()
}

type envOption func(*testEnv)

// withConfig edits the Config before the server is made.
func withConfig(f func(*Config)) envOption { return func(e *testEnv) { f(&e.cfg) } }

// withUnix serves a Unix-domain socket as well as TCP.
func withUnix() envOption {
	return func(e *testEnv) {
		// Socket paths are limited to about 100 octets; t.TempDir may be
		// longer.
		d, err := os.MkdirTemp("", "lmtp")
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { os.RemoveAll(d) })
		e.sock = filepath.Join(d, "s")
	}
}

// users every test environment has.
var testUsers = []directory.UserSpec{
	{Login: "alice", Addresses: []string{"alice@example.org", "al@example.net"}},
	{Login: "bob", Addresses: []string{"bob@example.org"}},
	{Login: "carol", Addresses: []string{"carol@example.org", "carol+exact@example.org"}},
	{Login: "postmaster", Addresses: []string{"postmaster@example.org"}},
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := directory.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	for _, u := range testUsers {
		if err := dir.AddUser(u); err != nil {
			t.Fatalf("AddUser(%s): %v", u.Login, err)
		}
	}
	e := &testEnv{t: t, store: st, dir: dir, logs: &syncBuffer{}, done: make(chan error, 2)}
	e.cfg = Config{
		Store:     st,
		Directory: dir,
		Hostname:  "mx.example.org",
		Logger:    slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(e)
	}
	e.srv = New(e.cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	e.serve(ln)
	if e.sock != "" {
		ul, err := net.Listen("unix", e.sock)
		if err != nil {
			t.Fatal(err)
		}
		e.serve(ul)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range e.nServ {
			if err := <-e.done; err != nil {
				t.Errorf("Serve returned %v after Shutdown, want nil", err)
			}
		}
	})
	return e
}

func (e *testEnv) serve(ln net.Listener) {
	e.nServ++
	go func() { e.done <- e.srv.Serve(ln) }()
}

// messages returns the octets of every message in login's INBOX, in UID
// order; none if the account does not exist.
func (e *testEnv) messages(login string) [][]byte {
	e.t.Helper()
	a, err := e.store.Account(login)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	mb, err := a.Mailbox("INBOX")
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := mb.Snapshot()
	if err != nil {
		e.t.Fatal(err)
	}
	var out [][]byte
	for _, m := range snap.Messages {
		r, err := mb.Open(m.UID)
		if err != nil {
			e.t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		if int64(len(b)) != m.Size {
			e.t.Fatalf("message %d: read %d octets, snapshot says %d", m.UID, len(b), m.Size)
		}
		out = append(out, b)
	}
	return out
}

// client is a raw LMTP client that writes exact bytes and checks every
// reply line against RFC 5321 §4.2 and RFC 2034 §4.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	// noStatus is set while reading replies that carry no enhanced status
	// code: the greeting and the LHLO reply (RFC 2034 §3 item 4).
	noStatus bool
}

// dial connects and reads the greeting, which must be 220 and name the
// server (RFC 5321 §4.2 Greeting).
func (e *testEnv) dial(network string) *client {
	e.t.Helper()
	addr := e.addr
	if network == "unix" {
		addr = e.sock
	}
	nc, err := net.Dial(network, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	c := newClient(e.t, nc)
	c.noStatus = true
	g := c.reply()
	c.noStatus = false
	if g[0].Code != 220 || !strings.HasPrefix(g[0].Text, e.cfg.Hostname+" ") {
		e.t.Fatalf("greeting %+v", g)
	}
	return c
}

func newClient(t testing.TB, nc net.Conn) *client {
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, conn: nc, r: bufio.NewReader(nc)}
}

// write sends s as it is, in one write.
func (c *client) write(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// send writes command lines, each ended with CRLF, in one write.
func (c *client) send(lines ...string) {
	c.t.Helper()
	c.write(strings.Join(lines, "\r\n") + "\r\n")
}

// reply reads one whole reply, all its lines.
func (c *client) reply() []rfc2034.ReplyLine {
	c.t.Helper()
	var lines []rfc2034.ReplyLine
	for {
		c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		s, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("reading a reply after %+v: %v", lines, err)
		}
		if !strings.HasSuffix(s, "\r\n") {
			c.t.Fatalf("reply line %q does not end in CRLF", s)
		}
		l, err := rfc2034.ParseReplyLine(strings.TrimSuffix(s, "\r\n"))
		if err != nil {
			c.t.Fatal(err)
		}
		if !c.noStatus {
			if err := rfc2034.CheckReplyLine(l); err != nil {
				c.t.Fatalf("%q: %v", s, err)
			}
		}
		if len(lines) > 0 && l.Code != lines[0].Code {
			c.t.Fatalf("multi-line reply changes code: %+v then %q", lines, s)
		}
		lines = append(lines, l)
		if !l.More {
			return lines
		}
	}
}

// expect reads one reply and checks its code and enhanced status code
// ("" for none); it returns the last line's text.
func (c *client) expect(code int, status string) string {
	c.t.Helper()
	r := c.reply()
	last := r[len(r)-1]
	got := ""
	if last.HasStatus {
		got = last.Status.String()
	}
	if last.Code != code || got != status {
		c.t.Fatalf("reply %d %s %q, want %d %s", last.Code, got, last.Text, code, status)
	}
	return last.Text
}

// lhlo greets and returns the capability keywords (RFC 2033 §4.1).
func (c *client) lhlo() []string {
	c.t.Helper()
	c.send("LHLO client.example")
	c.noStatus = true
	r := c.reply()
	c.noStatus = false
	if r[0].Code != 250 {
		c.t.Fatalf("LHLO: %+v", r)
	}
	var caps []string
	for _, l := range r[1:] {
		caps = append(caps, l.Text)
	}
	return caps
}

// dataBlock dot-stuffs a message and ends it (RFC 5321 §4.5.2): a "."
// that begins the data or follows CRLF is doubled, and CRLF "." CRLF ends
// it. A message that does not end in CRLF gets one, which becomes part of
// the message.
func dataBlock(msg string) string {
	var b strings.Builder
	if strings.HasPrefix(msg, ".") {
		b.WriteByte('.')
	}
	b.WriteString(strings.ReplaceAll(msg, "\r\n.", "\r\n.."))
	if !strings.HasSuffix(msg, "\r\n") {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.String()
}

// normalized is what the server must store for data sent as msg: bare
// LF becomes CRLF, a CR alone stays, and a CRLF is added at the end when
// dataBlock added one. It is written independently of the server's code.
func normalized(msg string) string {
	if !strings.HasSuffix(msg, "\r\n") {
		msg += "\r\n"
	}
	return strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
}

// transaction sends MAIL, the RCPTs, DATA and the message in one
// pipelined write, checks the MAIL reply and the RCPT replies against
// rcptStatus ("250 2.1.5", "550 5.1.1" …), then DATA's 354, and returns
// the per-recipient replies after the data (RFC 2033 §4.2), which must
// come one per accepted RCPT, in order, naming it.
func (c *client) transaction(from string, rcpts []string, rcptStatus []string, msg string) []string {
	c.t.Helper()
	lines := []string{"MAIL FROM:<" + from + ">"}
	for _, r := range rcpts {
		lines = append(lines, "RCPT TO:<"+r+">")
	}
	lines = append(lines, "DATA")
	accepted := 0
	for _, s := range rcptStatus {
		if strings.HasPrefix(s, "2") {
			accepted++
		}
	}
	if accepted == 0 {
		c.t.Fatal("transaction with no accepted recipient")
	}
	c.write(strings.Join(lines, "\r\n") + "\r\n" + dataBlock(msg))
	c.expect(250, mailOK)
	var acceptedRcpts []string
	for i, s := range rcptStatus {
		var code int
		var status string
		fmt.Sscanf(s, "%d %s", &code, &status)
		c.expect(code, status)
		if code/100 == 2 {
			acceptedRcpts = append(acceptedRcpts, rcpts[i])
		}
	}
	c.expect(354, "")
	var out []string
	for _, r := range acceptedRcpts {
		rl := c.reply()
		last := rl[len(rl)-1]
		if !strings.HasPrefix(last.Text, "<"+r+">") {
			c.t.Fatalf("data reply %+v does not name <%s>", last, r)
		}
		out = append(out, fmt.Sprintf("%d %s", last.Code, last.Status))
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// selfSigned returns a server TLS configuration with a fresh self-signed
// certificate for host, and a client configuration that trusts it.
func selfSigned(t testing.TB, host string) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool, ServerName: host}
	return server, client
}

func mustDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

func mustListen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
