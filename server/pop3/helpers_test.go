package pop3

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
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// ioTimeout bounds every read and write of the test client, so that a broken
// server fails a test instead of hanging it. It is never what a test waits for.
const ioTimeout = 30 * time.Second

// Test users of the file directory.
const (
	alicePassword = "alice secret pw"
	bobPassword   = "bob-Pa55"
)

// testEnv is a running server with a real store and a real file directory.
type testEnv struct {
	t         testing.TB
	root      string
	store     *store.Store
	dir       *directory.File
	srv       *Server
	addr      string
	tlsAddr   string // implicit TLS listener, when TLS is configured
	cert      *x509.Certificate
	logs      *syncBuffer
	served    chan error
	listeners int
}

type envOption func(*Config)

func insecureAuth(cfg *Config) { cfg.AllowInsecureAuth = func(net.Addr) bool { return true } }

func withTLS(cfg *Config) { cfg.TLSConfig = &tls.Config{} } // replaced by newEnv

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	return startEnv(t, t.TempDir(), true, opts...)
}

// newEnvSharing starts a second server with its own Store and File directory
// on the store root and directory of env, as a second Loft host would.
func newEnvSharing(t testing.TB, env *testEnv, opts ...envOption) *testEnv {
	t.Helper()
	return startEnv(t, env.root, false, opts...)
}

func startEnv(t testing.TB, root string, addUsers bool, opts ...envOption) *testEnv {
	t.Helper()
	st, err := store.Open(root+"/store", store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := directory.OpenFile(root + "/directory")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	users := []directory.UserSpec{
		{Login: "alice", Password: alicePassword, Addresses: []string{"alice@example.org"}},
		{Login: "bob", Password: bobPassword, Addresses: []string{"bob@example.org"}},
		{Login: "carol", Password: "carol-pw", Disabled: true},
	}
	for _, u := range users {
		if !addUsers {
			break
		}
		if err := dir.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	env := &testEnv{t: t, root: root, store: st, dir: dir, logs: &syncBuffer{}, served: make(chan error, 2)}
	cfg := Config{
		Store:            st,
		Directory:        dir,
		Hostname:         "pop.example.org",
		Implementation:   "Loft 0.1",
		Logger:           slog.New(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AuthFailureDelay: -1,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.TLSConfig != nil {
		cert, leaf := testCertificate(t)
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		env.cert = leaf
	}
	env.srv = New(cfg)
	env.addr = env.listen(false)
	if cfg.TLSConfig != nil {
		env.tlsAddr = env.listen(true)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := env.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range env.listeners {
			select {
			case err := <-env.served:
				if err != nil {
					t.Errorf("Serve returned %v after Shutdown, want nil", err)
				}
			case <-ctx.Done():
				t.Errorf("Serve did not return after Shutdown")
			}
		}
	})
	return env
}

func (e *testEnv) listen(implicitTLS bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.listeners++
	go func() { e.served <- e.srv.Serve(ln, implicitTLS) }()
	return ln.Addr().String()
}

// testCertificate makes a self-signed ECDSA certificate for "localhost".
func testCertificate(t testing.TB) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
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
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

func (e *testEnv) clientTLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(e.cert)
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// inbox returns the INBOX of account name, creating the account.
func (e *testEnv) inbox(name string) *store.Mailbox {
	e.t.Helper()
	if err := e.store.CreateAccount(name); err != nil && !errors.Is(err, store.ErrExists) {
		e.t.Fatal(err)
	}
	a, err := e.store.Account(name)
	if err != nil {
		e.t.Fatal(err)
	}
	mb, err := a.Mailbox("INBOX")
	if err != nil {
		e.t.Fatal(err)
	}
	return mb
}

// deliver appends messages to the INBOX of name and returns their UIDs.
func (e *testEnv) deliver(name string, msgs ...string) []uint32 {
	e.t.Helper()
	mb := e.inbox(name)
	var uids []uint32
	for _, m := range msgs {
		got, err := mb.Append(strings.NewReader(m), store.AppendOptions{})
		if err != nil {
			e.t.Fatal(err)
		}
		uids = append(uids, got.UID)
	}
	return uids
}

// uids returns the UIDs now in the INBOX of name.
func (e *testEnv) uids(name string) []uint32 {
	e.t.Helper()
	snap, err := e.inbox(name).Snapshot()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []uint32
	for _, m := range snap.Messages {
		out = append(out, m.UID)
	}
	return out
}

// client is a raw line client: it sends and receives exact octets.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dial connects and checks the greeting.
func (e *testEnv) dial() *client {
	e.t.Helper()
	nc, err := net.DialTimeout("tcp", e.addr, ioTimeout)
	if err != nil {
		e.t.Fatal(err)
	}
	return newClient(e.t, nc)
}

func (e *testEnv) dialTLS() *client {
	e.t.Helper()
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", e.tlsAddr, e.clientTLSConfig())
	if err != nil {
		e.t.Fatal(err)
	}
	return newClient(e.t, nc)
}

func newClient(t testing.TB, nc net.Conn) *client {
	t.Helper()
	c := &client{t: t, conn: nc, r: bufio.NewReader(nc)}
	t.Cleanup(func() { nc.Close() })
	if g := c.line(); g != "+OK pop.example.org POP3 server ready" {
		t.Fatalf("greeting %q", g)
	}
	return c
}

// write sends raw octets.
func (c *client) write(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// line reads one response line and returns it without CRLF; the line must end
// in CRLF.
func (c *client) line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading response: %v (got %q)", err, s)
	}
	if !strings.HasSuffix(s, "\r\n") {
		c.t.Fatalf("response line %q does not end in CRLF", s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// cmd sends a command line and returns the first response line.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.write(line + "\r\n")
	return c.line()
}

// expect sends a command line and checks the first response line.
func (c *client) expect(line, want string) {
	c.t.Helper()
	if got := c.cmd(line); got != want {
		c.t.Fatalf("%s: got %q, want %q", line, got, want)
	}
}

// expectPrefix sends a command line and checks how the response begins.
func (c *client) expectPrefix(line, prefix string) string {
	c.t.Helper()
	got := c.cmd(line)
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("%s: got %q, want prefix %q", line, got, prefix)
	}
	return got
}

// body reads the rest of a multi-line response and returns its exact octets
// as sent, terminating line included. Lines are split at every LF; the
// server stuffs every line that begins with ".", so the line ".\r\n" is
// only ever the terminator.
func (c *client) body() string {
	c.t.Helper()
	var b strings.Builder
	for {
		c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		s, err := c.r.ReadString('\n')
		b.WriteString(s)
		if err != nil {
			c.t.Fatalf("reading multi-line response: %v (so far %q)", err, b.String())
		}
		if s == ".\r\n" {
			return b.String()
		}
	}
}

// lines reads a multi-line response of listing lines.
func (c *client) lines() []string {
	c.t.Helper()
	body := strings.TrimSuffix(c.body(), ".\r\n")
	if body == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
}

// decode reads a multi-line response with rfc1939.DotReader.
func (c *client) decode() []byte {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	b, err := io.ReadAll(rfc1939.NewDotReader(c.r))
	if err != nil {
		c.t.Fatalf("reading multi-line response: %v", err)
	}
	return b
}

// expectEOF checks that the server closes the connection with nothing more.
func (c *client) expectEOF() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	rest, err := io.ReadAll(c.r)
	if err != nil {
		c.t.Fatalf("waiting for close: %v (got %q)", err, rest)
	}
	if len(rest) != 0 {
		c.t.Fatalf("got %q before close, want nothing", rest)
	}
}

// login logs in with USER and PASS.
func (c *client) login(user, password string) string {
	c.t.Helper()
	c.expect("USER "+user, "+OK send PASS")
	return c.expectPrefix("PASS "+password, "+OK maildrop has ")
}

// stuffed is an independent statement of what the server sends for a message
// (rfc1939 package documentation): every line, split after each LF, that
// begins with "." gets another "."; a CRLF is added when the message does not
// end in one; then the terminating line.
func stuffed(msg string) string {
	var b strings.Builder
	rest := msg
	for rest != "" {
		i := strings.IndexByte(rest, '\n') + 1
		if i == 0 {
			i = len(rest)
		}
		if rest[0] == '.' {
			b.WriteByte('.')
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
	}
	if msg != "" && !strings.HasSuffix(msg, "\r\n") {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.String()
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It is for conditions that the test cannot be told about.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
