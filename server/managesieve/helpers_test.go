package managesieve_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/managesieve"
	"github.com/loftmail/loft/store"
)

// ioTimeout bounds every read and write of the test client, so that a
// broken server fails a test instead of hanging it. No test waits for it.
const ioTimeout = 60 * time.Second

const alicePassword = "alice secret pw"

// fakeChecker stands in for the Sieve engine: a line containing "error"
// is an error at that line and the column of the word; a line containing
// "redirect" draws a warning.
type fakeChecker struct{}

func (fakeChecker) Check(script []byte) error {
	var errs []string
	for i, line := range strings.Split(string(script), "\n") {
		if col := strings.Index(line, "error"); col >= 0 {
			errs = append(errs, fmt.Sprintf("line %d: column %d: unknown command", i+1, col+1))
		}
	}
	if errs != nil {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

func (fakeChecker) Extensions() []string { return []string{"fileinto", "vacation"} }

func (fakeChecker) Warnings(script []byte) []string {
	var ws []string
	for i, line := range strings.Split(string(script), "\n") {
		if strings.Contains(line, "redirect") {
			ws = append(ws, fmt.Sprintf("line %d: this redirect might be ignored", i+1))
		}
	}
	return ws
}

// flakyDirectory answers ErrUnavailable while down is set. With cheap
// set, it checks alice's password by comparison instead of the file
// directory's deliberately slow hash, so that a fuzz target can log in for
// every input.
type flakyDirectory struct {
	directory.Directory
	mu    sync.Mutex
	down  bool
	cheap bool
}

func (d *flakyDirectory) Authenticate(ctx context.Context, login, password string) (*directory.Account, error) {
	d.mu.Lock()
	down, cheap := d.down, d.cheap
	d.mu.Unlock()
	switch {
	case down:
		return nil, directory.ErrUnavailable
	case cheap && login == "alice" && password == alicePassword:
		return d.Directory.LookupLogin(ctx, login)
	case cheap:
		return nil, directory.ErrAuthFailed
	}
	return d.Directory.Authenticate(ctx, login, password)
}

type testEnv struct {
	t     testing.TB
	store *store.Store
	dir   *flakyDirectory
	srv   *managesieve.Server
	addr  string
	roots *tls.Config
	logs  *syncBuffer
}

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

type envOption func(*managesieve.Config)

func insecureAuth(cfg *managesieve.Config) {
	cfg.AllowInsecureAuth = func(net.Addr) bool { return true }
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	root := t.TempDir()
	st, err := store.Open(root+"/store", store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fd, err := directory.OpenFile(root + "/directory")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fd.Close() })
	for _, u := range []directory.UserSpec{
		{Login: "alice", Password: alicePassword, Addresses: []string{"alice@example.org"}},
		{Login: "carol", Password: "carol-pw", Disabled: true},
	} {
		if err := fd.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	certFile, keyFile, roots, err := harness.WriteCertificate(root)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, store: st, dir: &flakyDirectory{Directory: fd}, logs: &syncBuffer{},
		roots: &tls.Config{RootCAs: roots, ServerName: "localhost"}}
	cfg := managesieve.Config{
		Store:            st,
		Directory:        env.dir,
		Checker:          fakeChecker{},
		TLSConfig:        &tls.Config{Certificates: []tls.Certificate{cert}},
		Logger:           slog.New(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AuthFailureDelay: -1,
		MaxRedirects:     2,
	}
	for _, o := range opts {
		o(&cfg)
	}
	env.srv = managesieve.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- env.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if err := env.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after Shutdown", err)
		}
		if strings.Contains(env.logs.String(), "panic in session") {
			t.Errorf("a session panicked:\n%s", env.logs.String())
		}
	})
	return env
}

// client is a raw client: it sends exact octets and reads logical lines.
type client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dial connects and reads the greeting (capabilities and OK).
func (e *testEnv) dial() (*client, []string) {
	e.t.Helper()
	nc, err := net.DialTimeout("tcp", e.addr, ioTimeout)
	if err != nil {
		e.t.Fatal(err)
	}
	c := &client{t: e.t, conn: nc, r: bufio.NewReader(nc)}
	e.t.Cleanup(func() { nc.Close() })
	lines, resp := c.read()
	if resp.Status != rfc5804.OK {
		e.t.Fatalf("greeting ended with %+v", resp)
	}
	return c, lines
}

func (c *client) write(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// line reads one logical line.
func (c *client) line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	l, err := rfc5804.ReadLine(c.r, 1<<24)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(l)
}

// read reads data lines up to a final response.
func (c *client) read() (data []string, resp rfc5804.Response) {
	c.t.Helper()
	for {
		l := c.line()
		if _, ok := rfc5804.FinalStatus([]byte(l)); ok {
			r, err := rfc5804.ParseResponse([]byte(l))
			if err != nil {
				c.t.Fatalf("bad response %q: %v", l, err)
			}
			return data, r
		}
		data = append(data, l)
	}
}

// cmd sends a command line (CRLF added) and returns the data lines and
// the final response.
func (c *client) cmd(line string) ([]string, rfc5804.Response) {
	c.t.Helper()
	c.write(line + "\r\n")
	return c.read()
}

// ok sends a command and fails unless it gets OK.
func (c *client) ok(line string) []string {
	c.t.Helper()
	data, r := c.cmd(line)
	if r.Status != rfc5804.OK {
		c.t.Fatalf("%.60q: %+v", line, r)
	}
	return data
}

// no sends a command and checks that it gets NO with the code want ("" for
// none).
func (c *client) no(line, want string) rfc5804.Response {
	c.t.Helper()
	_, r := c.cmd(line)
	code := ""
	if r.Code != nil {
		code = r.Code.Name
	}
	if r.Status != rfc5804.NO || code != want {
		c.t.Fatalf("%.60q: %+v, want NO (%s)", line, r, want)
	}
	return r
}

// starttls runs STARTTLS and returns the capabilities sent after it.
func (c *client) starttls(cfg *tls.Config) []string {
	c.t.Helper()
	c.ok("STARTTLS")
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
	caps, r := c.read()
	if r.Status != rfc5804.OK {
		c.t.Fatalf("after STARTTLS: %+v", r)
	}
	return caps
}

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

// login authenticates alice with PLAIN and an initial response.
func (c *client) login() {
	c.t.Helper()
	c.ok(`AUTHENTICATE "PLAIN" "` + plain("alice", alicePassword) + `"`)
}

// literal returns s as a client literal.
func literal(s string) string { return fmt.Sprintf("{%d+}\r\n%s", len(s), s) }

// capMap parses capability lines into name (upper case) -> value.
func capMap(t testing.TB, lines []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range lines {
		strs, atom, err := rfc5804.ParseDataLine([]byte(l))
		if err != nil || atom != "" || len(strs) == 0 || len(strs) > 2 {
			t.Fatalf("bad capability line %q: %v", l, err)
		}
		v := ""
		if len(strs) == 2 {
			v = strs[1]
		}
		m[strings.ToUpper(strs[0])] = v
	}
	return m
}

func dialRaw(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, ioTimeout) }

func newReader(nc net.Conn) *bufio.Reader { return bufio.NewReader(nc) }
