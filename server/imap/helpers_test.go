package imap

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
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
	cfg       Config
	addr      string
	tlsAddr   string // implicit TLS listener, when TLS is configured
	cert      *x509.Certificate
	logs      *syncBuffer
	served    chan error
	listeners int
}

type envOption func(*Config)

func insecureAuth(cfg *Config) { cfg.AllowInsecureAuth = func(net.Addr) bool { return true } }

func withTLS(cfg *Config) { cfg.TLSConfig = &tls.Config{} } // replaced by startEnv

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
	return startEnv(t, t.TempDir(), true, nil, opts...)
}

// newEnvWithCommands starts a server whose command table has extra rows,
// added before it serves anything: commands that tests of the engine need.
func newEnvWithCommands(t testing.TB, cmds []*command, opts ...envOption) *testEnv {
	t.Helper()
	return startEnv(t, t.TempDir(), true, cmds, opts...)
}

// newEnvSharing starts a second server with its own Store and File directory
// on the store root and directory of env, as a second Loft host would.
func newEnvSharing(t testing.TB, env *testEnv, opts ...envOption) *testEnv {
	t.Helper()
	return startEnv(t, env.root, false, nil, opts...)
}

func startEnv(t testing.TB, root string, addUsers bool, cmds []*command, opts ...envOption) *testEnv {
	t.Helper()
	st, err := store.Open(root+"/store", store.Options{NoSync: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir, err := directory.OpenFile(root + "/directory")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	if addUsers {
		for _, u := range []directory.UserSpec{
			{Login: "alice", Password: alicePassword, Addresses: []string{"alice@example.org"}},
			{Login: "bob", Password: bobPassword, Addresses: []string{"bob@example.org"}},
			{Login: "carol", Password: "carol-pw", Disabled: true},
		} {
			if err := dir.AddUser(u); err != nil {
				t.Fatal(err)
			}
		}
	}
	env := &testEnv{t: t, root: root, store: st, dir: dir, logs: &syncBuffer{}, served: make(chan error, 2)}
	cfg := Config{
		Store:            st,
		Directory:        dir,
		Hostname:         "imap.example.org",
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
	env.cfg = cfg
	env.srv = New(cfg)
	for _, cmd := range cmds {
		env.srv.commands.list = append(env.srv.commands.list, cmd)
		env.srv.commands.byName[cmd.name] = cmd
	}
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

// account returns the store account name, creating it.
func (e *testEnv) account(name string) *store.Account {
	e.t.Helper()
	if err := e.store.CreateAccount(name); err != nil && !errors.Is(err, store.ErrExists) {
		e.t.Fatal(err)
	}
	a, err := e.store.Account(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// mailbox returns the mailbox of account user, creating the account.
func (e *testEnv) mailbox(user, name string) *store.Mailbox {
	e.t.Helper()
	mb, err := e.account(user).Mailbox(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return mb
}

// deliver appends messages to a mailbox of user, with the given flags, and
// returns their UIDs.
func (e *testEnv) deliver(user, mailbox string, flags []string, msgs ...string) []uint32 {
	e.t.Helper()
	mb := e.mailbox(user, mailbox)
	var uids []uint32
	for _, m := range msgs {
		got, err := mb.Append(strings.NewReader(m), store.AppendOptions{Flags: flags})
		if err != nil {
			e.t.Fatal(err)
		}
		uids = append(uids, got.UID)
	}
	return uids
}

// snapshot returns the current state of a mailbox of user.
func (e *testEnv) snapshot(user, mailbox string) *store.Snapshot {
	e.t.Helper()
	snap, err := e.mailbox(user, mailbox).Snapshot()
	if err != nil {
		e.t.Fatal(err)
	}
	return snap
}

// snapshotAs returns the current state of a mailbox of user as viewer sees
// it (viewer's own \Seen when viewer is not user).
func (e *testEnv) snapshotAs(viewer, user, mailbox string) *store.Snapshot {
	e.t.Helper()
	snap, err := e.mailbox(user, mailbox).As(viewer).Snapshot()
	if err != nil {
		e.t.Fatal(err)
	}
	return snap
}

const greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] imap.example.org Loft IMAP4rev1 server ready"

// client is a raw line client: it sends and receives exact octets.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	tag  string // the command in progress
}

// dial connects; the greeting is returned by greeting.
func (e *testEnv) dialRaw() *client {
	e.t.Helper()
	nc, err := net.DialTimeout("tcp", e.addr, ioTimeout)
	if err != nil {
		e.t.Fatal(err)
	}
	c := &client{t: e.t, conn: nc, r: bufio.NewReader(nc)}
	e.t.Cleanup(func() { nc.Close() })
	return c
}

// dial connects and checks the greeting of a server that allows plaintext
// authentication.
func (e *testEnv) dial() *client {
	e.t.Helper()
	c := e.dialRaw()
	if g := c.line(); g != greeting {
		e.t.Fatalf("greeting %q, want %q", g, greeting)
	}
	return c
}

func (e *testEnv) dialTLS() *client {
	e.t.Helper()
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", e.tlsAddr, e.clientTLSConfig())
	if err != nil {
		e.t.Fatal(err)
	}
	c := &client{t: e.t, conn: nc, r: bufio.NewReader(nc)}
	e.t.Cleanup(func() { nc.Close() })
	return c
}

// login dials and logs in as user.
func (e *testEnv) login(user, password string) *client {
	e.t.Helper()
	c := e.dial()
	c.expectTagged("L1 LOGIN "+user+` "`+password+`"`, "L1 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
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

// until reads lines up to and including the first that starts with prefix.
func (c *client) until(prefix string) []string {
	c.t.Helper()
	var out []string
	for {
		l := c.line()
		out = append(out, l)
		if strings.HasPrefix(l, prefix) {
			return out
		}
	}
}

// cmd sends a command line and returns every line up to and including the
// tagged response (its tag is the line's first word) or a continuation
// request. A line that continues a command (a literal, an AUTHENTICATE
// response) is read up to the tagged response of the command in progress.
func (c *client) cmd(line string) []string {
	c.t.Helper()
	if c.tag == "" {
		c.tag, _, _ = strings.Cut(line, " ")
	}
	c.write(line + "\r\n")
	var out []string
	for {
		l := c.line()
		out = append(out, l)
		if l == "+" || strings.HasPrefix(l, "+ ") {
			return out
		}
		if strings.HasPrefix(l, c.tag+" ") {
			c.tag = ""
			return out
		}
	}
}

// expect sends a command line and checks every response line.
func (c *client) expect(line string, want ...string) {
	c.t.Helper()
	if diff := cmp.Diff(want, c.cmd(line)); diff != "" {
		c.t.Fatalf("%s: responses differ (-want +got):\n%s", line, diff)
	}
}

// expectTagged sends a command line and checks its last (tagged) line only.
func (c *client) expectTagged(line, want string) []string {
	c.t.Helper()
	got := c.cmd(line)
	if got[len(got)-1] != want {
		c.t.Fatalf("%s: got %q, want tagged %q", line, got, want)
	}
	return got
}

// expectBad sends a command line that has a syntax error at octet pos and
// checks the whole answer: a tagged BAD naming the position (the decoder's
// description that follows is rfc/rfc3501's).
func (c *client) expectBad(line string, pos int) {
	c.t.Helper()
	tag, _, _ := strings.Cut(line, " ")
	got := c.cmd(line)
	prefix := fmt.Sprintf("%s BAD syntax error at octet %d: ", tag, pos)
	if len(got) != 1 || !strings.HasPrefix(got[0], prefix) {
		c.t.Fatalf("%s: got %q, want one line starting with %q", line, got, prefix)
	}
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

const msg1 = "From: a@example.org\r\nSubject: one\r\n\r\nfirst\r\n"
const msg2 = "From: b@example.org\r\nSubject: two\r\n\r\nsecond\r\n"
const msg3 = "From: c@example.org\r\nSubject: three\r\n\r\nthird\r\n"

// writeTo runs write on an Encoder and appends what it wrote to out.
func writeTo(out *strings.Builder, write func(*rfc3501.Encoder)) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := rfc3501.NewEncoder(w)
	write(enc)
	enc.Flush()
	out.WriteString(buf.String())
}
