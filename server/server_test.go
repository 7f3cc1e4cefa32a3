package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/loftmail/loft/server/directory"
)

// ioTimeout bounds every read and write of the test clients so that a
// broken server fails the test instead of hanging it; no test outcome
// depends on it.
const ioTimeout = 30 * time.Second

// testConfig returns a configuration for a test server: its own data
// directory, every protocol on a free loopback port, and no delay after a
// failed login.
func testConfig(t *testing.T) *Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Hostname = "loft.test"
	cfg.Auth.FailureDelay = 0
	cfg.LMTP.Listen = []string{"127.0.0.1:0"}
	cfg.IMAP.Listen = []string{"127.0.0.1:0"}
	cfg.IMAPS.Listen = []string{"127.0.0.1:0"}
	cfg.POP3.Listen = []string{"127.0.0.1:0"}
	cfg.POP3S.Listen = []string{"127.0.0.1:0"}
	cfg.ManageSieve.Listen = []string{"127.0.0.1:0"}
	return cfg
}

// addUser provisions login with password and address in cfg's directory.
func addUser(t *testing.T, cfg *Config, login, password, address string) {
	t.Helper()
	dir, err := directory.OpenFile(cfg.DirectoryPath())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if err := dir.AddUser(directory.UserSpec{Login: login, Password: password, Addresses: []string{address}}); err != nil {
		t.Fatal(err)
	}
}

// startServer builds and starts a server for cfg and shuts it down when the
// test ends.
func startServer(t *testing.T, cfg *Config) *Server {
	t.Helper()
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		srv.Shutdown(context.Background())
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return srv
}

func addrOf(t *testing.T, srv *Server, proto string) net.Addr {
	t.Helper()
	addrs := srv.Addrs()[proto]
	if len(addrs) == 0 {
		t.Fatalf("no %s listener; Addrs() = %v", proto, srv.Addrs())
	}
	return addrs[0]
}

// lineClient is a line-oriented client for POP3 and LMTP.
type lineClient struct {
	t  *testing.T
	nc net.Conn
	tp *textproto.Conn
}

func dialLine(t *testing.T, addr net.Addr, tlsConf *tls.Config) *lineClient {
	t.Helper()
	var nc net.Conn
	var err error
	if tlsConf != nil {
		nc, err = tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, addr.Network(), addr.String(), tlsConf)
	} else {
		nc, err = net.DialTimeout(addr.Network(), addr.String(), ioTimeout)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	if err := nc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &lineClient{t: t, nc: nc, tp: textproto.NewConn(nc)}
}

func (c *lineClient) readLine() string {
	c.t.Helper()
	line, err := c.tp.ReadLine()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return line
}

// expect reads one line and fails the test unless it starts with prefix.
func (c *lineClient) expect(prefix string) string {
	c.t.Helper()
	line := c.readLine()
	if !strings.HasPrefix(line, prefix) {
		c.t.Fatalf("got %q, want a line starting with %q", line, prefix)
	}
	return line
}

// cmd sends a command line and reads the first line of the answer.
func (c *lineClient) cmd(format string, args ...any) string {
	c.t.Helper()
	if err := c.tp.PrintfLine(format, args...); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.readLine()
}

func (c *lineClient) dotLines() []string {
	c.t.Helper()
	lines, err := c.tp.ReadDotLines()
	if err != nil {
		c.t.Fatalf("read multi-line answer: %v", err)
	}
	return lines
}

// trustGenerated returns a client TLS configuration that trusts the
// certificate the server generated in cfg's data directory.
func trustGenerated(t *testing.T, cfg *Config) *tls.Config {
	t.Helper()
	pemData, err := os.ReadFile(filepath.Join(cfg.TLSDir(), certFileName))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		t.Fatal("no certificate in the generated PEM file")
	}
	return &tls.Config{RootCAs: roots, ServerName: "localhost"}
}

func TestStartAndShutdownEveryProtocol(t *testing.T) {
	cfg := testConfig(t)
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	cfg.LMTP.Listen = append(cfg.LMTP.Listen, "unix:"+sock)
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Addrs(); len(got) != 0 {
		t.Errorf("Addrs before Start = %v, want none", got)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err == nil {
		t.Error("second Start succeeded")
	}

	addrs := srv.Addrs()
	if n := len(addrs["lmtp"]); n != 2 {
		t.Fatalf("lmtp has %d listeners, want 2: %v", n, addrs)
	}
	for proto, as := range addrs {
		for _, a := range as {
			if tcp, ok := a.(*net.TCPAddr); ok && (tcp.Port == 0 || !tcp.IP.IsLoopback()) {
				t.Errorf("%s listens on %v, want a chosen loopback port", proto, a)
			}
		}
	}

	for _, a := range addrs["lmtp"] {
		c := dialLine(t, a, nil)
		c.expect("220 ")
		if line := c.cmd("LHLO client.test"); !strings.HasPrefix(line, "250") {
			t.Errorf("LHLO over %s: %q", a.Network(), line)
		}
	}
	c := dialLine(t, addrOf(t, srv, "pop3"), nil)
	c.expect("+OK")
	if n := srv.ActiveConnections()["pop3"]; n != 1 {
		t.Errorf("ActiveConnections()[pop3] = %d after greeting, want 1", n)
	}
	tc := dialLine(t, addrOf(t, srv, "pop3s"), trustGenerated(t, cfg))
	tc.expect("+OK")

	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("Wait after Shutdown = %v, want nil", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	for proto, as := range addrs {
		for _, a := range as {
			if nc, err := net.DialTimeout(a.Network(), a.String(), ioTimeout); err == nil {
				nc.Close()
				t.Errorf("%s still accepts connections on %v after Shutdown", proto, a)
			}
		}
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unix socket %s left behind (stat: %v)", sock, err)
	}
	if err := srv.Start(); err == nil {
		t.Error("Start after Shutdown succeeded")
	}
}

func TestStartPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	cfg := testConfig(t)
	cfg.POP3.Listen = []string{taken.Addr().String()}
	var logs bytes.Buffer
	srv, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Start()
	if err == nil {
		t.Fatalf("Start succeeded on a port in use: %v", srv.Addrs())
	}
	if msg := err.Error(); !strings.Contains(msg, "pop3.listen") || !strings.Contains(msg, taken.Addr().String()) {
		t.Errorf("error %q does not name pop3.listen and %s", msg, taken.Addr())
	}
	if got := srv.Addrs(); len(got) != 0 {
		t.Errorf("Addrs after a failed Start = %v, want none", got)
	}
	// A server that did not start does not log that it stopped.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if strings.Contains(logs.String(), "msg=stopped") {
		t.Errorf("logged stopped after a failed Start:\n%s", logs.String())
	}
}

// TestStoppedLogged: a server that started logs "stopped" when Shutdown has
// finished.
func TestStoppedLogged(t *testing.T) {
	var logs bytes.Buffer
	srv, err := New(testConfig(t), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=INFO msg=stopped") {
		t.Errorf("no stopped line in the log:\n%s", logs.String())
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	cfg := testConfig(t)
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("Wait = %v", err)
	}
	// The store and the directory are closed: another server opens them.
	again, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.MaxLineLength = 1
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "limits.max_line_length") {
		t.Errorf("New = %v, want an error naming limits.max_line_length", err)
	}
	cfg = testConfig(t)
	cfg.TLS = TLSConfig{CertFile: filepath.Join(cfg.DataDir, "absent.pem"), KeyFile: filepath.Join(cfg.DataDir, "absent.key")}
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "tls.cert_file") {
		t.Errorf("New = %v, want an error naming tls.cert_file", err)
	}
	// A global Sieve script that is missing or does not compile would
	// fail every delivery: the server does not start.
	for _, content := range []string{"", "fileinto \"x\";"} {
		cfg = testConfig(t)
		cfg.Sieve.GlobalScript = filepath.Join(cfg.DataDir, "global.sieve")
		if content != "" {
			if err := os.WriteFile(cfg.Sieve.GlobalScript, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "sieve.global_script") {
			t.Errorf("global script %q: New = %v, want an error naming sieve.global_script", content, err)
		}
	}
	cfg = testConfig(t)
	cfg.Sieve.GlobalDir = filepath.Join(cfg.DataDir, "absent")
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "sieve.global_dir") {
		t.Errorf("New = %v, want an error naming sieve.global_dir", err)
	}
}

func TestWaitReportsListenerFailure(t *testing.T) {
	cfg := testConfig(t)
	srv := startServer(t, cfg)
	var pop3ln net.Listener
	srv.mu.Lock()
	for _, b := range srv.listeners {
		if b.proto == "pop3" {
			pop3ln = b.ln
		}
	}
	srv.mu.Unlock()
	pop3ln.Close() // as a failing network would

	err := srv.Wait()
	if err == nil || !strings.Contains(err.Error(), "pop3 on "+pop3ln.Addr().String()) {
		t.Errorf("Wait = %v, want the pop3 listener's failure", err)
	}
	// The other listeners still serve until Shutdown.
	c := dialLine(t, addrOf(t, srv, "lmtp"), nil)
	c.expect("220 ")
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if again := srv.Wait(); again == nil || again.Error() != err.Error() {
		t.Errorf("Wait after Shutdown = %v, want the failure %v again", again, err)
	}
}

// TestDeliverAndRetrieve delivers a message over LMTP and reads it back
// over POP3 and POP3S, through the assembled server.
func TestDeliverAndRetrieve(t *testing.T) {
	cfg := testConfig(t)
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv := startServer(t, cfg)

	msg := "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: assembled\r\n\r\nHello Alice.\r\n"
	statuses := deliver(t, addrOf(t, srv, "lmtp"), "bob@example.org",
		[]string{"alice@example.org", "nobody@example.org"}, msg)
	if got := statuses["alice@example.org"]; got != 250 {
		t.Errorf("LMTP status for alice = %d, want 250", got)
	}
	if got := statuses["nobody@example.org"]; got/100 != 5 {
		t.Errorf("LMTP status for an unknown recipient = %d, want 5xx", got)
	}

	for _, proto := range []string{"pop3", "pop3s"} {
		var tlsConf *tls.Config
		if proto == "pop3s" {
			tlsConf = trustGenerated(t, cfg)
		}
		c := dialLine(t, addrOf(t, srv, proto), tlsConf)
		c.expect("+OK")
		if line := c.cmd("USER alice"); !strings.HasPrefix(line, "+OK") {
			t.Fatalf("%s USER: %q", proto, line)
		}
		if line := c.cmd("PASS secret"); !strings.HasPrefix(line, "+OK") {
			t.Fatalf("%s PASS: %q", proto, line)
		}
		var n, size int
		line := c.cmd("STAT")
		if _, err := fmt.Sscanf(line, "+OK %d %d", &n, &size); err != nil || n != 1 {
			t.Fatalf("%s STAT = %q, want one message", proto, line)
		}
		if line := c.cmd("RETR 1"); !strings.HasPrefix(line, "+OK") {
			t.Fatalf("%s RETR: %q", proto, line)
		}
		body := strings.Join(c.dotLines(), "\r\n") + "\r\n"
		// The delivered message, after the trace fields LMTP prepends.
		if !strings.HasSuffix(body, msg) {
			t.Errorf("%s RETR 1 = %q, want it to end with the delivered message", proto, body)
		}
		// RFC 1939 §5: the size is the message's octets with CRLF line ends.
		if size != len(body) {
			t.Errorf("%s STAT size %d, RETR sent %d octets", proto, size, len(body))
		}
		if line := c.cmd("QUIT"); !strings.HasPrefix(line, "+OK") {
			t.Errorf("%s QUIT: %q", proto, line)
		}
	}
}

// deliver sends one message over LMTP and returns the reply code for each
// recipient (RFC 2033 §4.2): 250 for the accepted, the RCPT or DATA reply
// for the others.
func deliver(t *testing.T, addr net.Addr, from string, to []string, msg string) map[string]int {
	t.Helper()
	nc, err := net.DialTimeout(addr.Network(), addr.String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(nc)
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("LHLO: %v", err)
	}
	if err := c.Mail(from, nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	statuses := make(map[string]int)
	var accepted []string
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				t.Fatalf("RCPT %s: %v", rcpt, err)
			}
			statuses[rcpt] = se.Code
			continue
		}
		accepted = append(accepted, rcpt)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		t.Fatalf("writing data: %v", err)
	}
	resps, err := w.CloseWithLMTPResponse()
	if err != nil {
		var lerr smtp.LMTPDataError
		if !errors.As(err, &lerr) {
			t.Fatalf("end of data: %v", err)
		}
		for rcpt, se := range lerr {
			statuses[rcpt] = se.Code
		}
	}
	for rcpt := range resps {
		statuses[rcpt] = 250
	}
	for _, rcpt := range accepted {
		if _, ok := statuses[rcpt]; !ok {
			t.Errorf("no reply for recipient %s", rcpt)
		}
	}
	if err := c.Quit(); err != nil {
		t.Errorf("QUIT: %v", err)
	}
	return statuses
}

// TestPlaintextPolicyWired checks that auth.plaintext reaches POP3: with
// "never", USER is refused on the clear port and accepted over TLS.
func TestPlaintextPolicyWired(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Plaintext = PlaintextNever
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv := startServer(t, cfg)

	c := dialLine(t, addrOf(t, srv, "pop3"), nil)
	c.expect("+OK")
	if line := c.cmd("USER alice"); !strings.HasPrefix(line, "-ERR") {
		t.Errorf("USER without TLS under plaintext=never: %q, want -ERR", line)
	}
	tc := dialLine(t, addrOf(t, srv, "pop3s"), trustGenerated(t, cfg))
	tc.expect("+OK")
	if line := tc.cmd("USER alice"); !strings.HasPrefix(line, "+OK") {
		t.Errorf("USER over TLS: %q, want +OK", line)
	}
	if line := tc.cmd("PASS secret"); !strings.HasPrefix(line, "+OK") {
		t.Errorf("PASS over TLS: %q, want +OK", line)
	}
}

// TestConnectionLimitsWired checks that limits.login_timeout reaches POP3
// and not LMTP, which has no login, and that limits.max_connections_per_ip
// reaches both.
func TestConnectionLimitsWired(t *testing.T) {
	cfg := testConfig(t)
	// Long enough for the four connections below to be made before the
	// POP3 session's timer fires, even on a loaded machine.
	cfg.Limits.LoginTimeout = Duration(3 * time.Second)
	cfg.Limits.MaxConnectionsPerIP = 1
	srv := startServer(t, cfg)

	lmtp := dialLine(t, addrOf(t, srv, "lmtp"), nil)
	lmtp.expect("220 ")
	refused := dialLine(t, addrOf(t, srv, "lmtp"), nil)
	refused.expect("421 4.7.0 ")

	pop := dialLine(t, addrOf(t, srv, "pop3"), nil)
	pop.expect("+OK")
	refused = dialLine(t, addrOf(t, srv, "pop3s"), trustGenerated(t, cfg))
	refused.expect("-ERR [SYS/TEMP] too many connections from your address")
	// The POP3 session, silent, ends at the login timeout ...
	pop.expect("-ERR login timeout")
	// ... which has passed for the older LMTP session too, still open.
	if line := lmtp.cmd("LHLO client.test"); !strings.HasPrefix(line, "250") {
		t.Errorf("LHLO after the login timeout: %q", line)
	}
}

// TestLineLengthWired checks that limits.max_line_length reaches LMTP.
func TestLineLengthWired(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limits.MaxLineLength = 600
	srv := startServer(t, cfg)
	c := dialLine(t, addrOf(t, srv, "lmtp"), nil)
	c.expect("220 ")
	pad := func(n int) string { return strings.Repeat("x", n-len("NOOP ")-2) }
	if line := c.cmd("NOOP %s", pad(600)); !strings.HasPrefix(line, "250 ") {
		t.Errorf("a line of 600 octets: %q", line)
	}
	if line := c.cmd("NOOP %s", pad(601)); !strings.HasPrefix(line, "500 5.5.2 ") {
		t.Errorf("a line of 601 octets: %q", line)
	}
}

// TestPostmasterWired checks that lmtp.postmaster reaches LMTP: mail for
// postmaster (RFC 5321 §4.5.1) is delivered to that account.
func TestPostmasterWired(t *testing.T) {
	cfg := testConfig(t)
	cfg.LMTP.Postmaster = "alice"
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv := startServer(t, cfg)
	st := deliver(t, addrOf(t, srv, "lmtp"), "bob@example.org", []string{"Postmaster", "POSTMASTER@example.net"}, "Subject: hi\r\n\r\nhello\r\n")
	if st["Postmaster"] != 250 || st["POSTMASTER@example.net"] != 250 {
		t.Fatalf("LMTP delivery to postmaster: %v", st)
	}
	c := dialLine(t, addrOf(t, srv, "pop3"), nil)
	c.expect("+OK")
	c.cmd("USER alice")
	if line := c.cmd("PASS secret"); !strings.HasPrefix(line, "+OK maildrop has 1 messages") {
		t.Errorf("alice's maildrop: %q, want the one copy for postmaster", line)
	}
}

// imapCmd sends an IMAP command and returns its responses up to and
// including the tagged one.
func (c *lineClient) imapCmd(tag, command string) []string {
	c.t.Helper()
	if err := c.tp.PrintfLine("%s %s", tag, command); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	var lines []string
	for {
		line := c.readLine()
		lines = append(lines, line)
		if strings.HasPrefix(line, tag+" ") {
			return lines
		}
	}
}

// TestIMAPWired checks that IMAP and IMAPS are served by the assembled
// server with auth.plaintext and the limits applied, and that a message
// delivered over LMTP is seen over IMAP.
func TestIMAPWired(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Plaintext = PlaintextNever
	cfg.Limits.MaxLiteralSize = 100
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv := startServer(t, cfg)

	c := dialLine(t, addrOf(t, srv, "imap"), nil)
	c.expect("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] loft.test ")
	if got := c.imapCmd("a1", "LOGIN alice secret"); got[len(got)-1] != "a1 NO [PRIVACYREQUIRED] plaintext authentication requires TLS" {
		t.Errorf("LOGIN without TLS under plaintext=never: %q", got)
	}
	if n := srv.ActiveConnections()["imap"]; n != 1 {
		t.Errorf("ActiveConnections()[imap] = %d, want 1", n)
	}

	if st := deliver(t, addrOf(t, srv, "lmtp"), "bob@example.org", []string{"alice@example.org"}, "Subject: hi\r\n\r\nhello\r\n"); st["alice@example.org"] != 250 {
		t.Fatalf("LMTP delivery: %v", st)
	}

	tc := dialLine(t, addrOf(t, srv, "imaps"), trustGenerated(t, cfg))
	tc.expect("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] loft.test ")
	if got := tc.imapCmd("b1", "LOGIN alice secret"); !strings.HasPrefix(got[len(got)-1], "b1 OK ") {
		t.Fatalf("LOGIN over TLS: %q", got)
	}
	got := tc.imapCmd("b2", "SELECT INBOX")
	if got[0] != "* 1 EXISTS" || got[1] != "* 1 RECENT" || !strings.HasPrefix(got[len(got)-1], "b2 OK [READ-WRITE]") {
		t.Errorf("SELECT INBOX after an LMTP delivery: %q", got)
	}
	// limits.max_literal_size: refused before the literal is sent.
	if got := tc.imapCmd("b3", "APPEND INBOX {101}"); got[0] != "b3 NO [TOOBIG] message larger than 100 octets" {
		t.Errorf("APPEND over max_literal_size: %q", got)
	}
}

// TestCurlPOP3S reads a message with curl over implicit TLS, trusting the
// generated certificate: a real client checks the certificate as OpenSSL
// does.
func TestCurlPOP3S(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed (run scripts/test-deps)")
		}
		t.Skip("SKIP: curl is not installed; run scripts/test-deps as root to install it")
	}
	cfg := testConfig(t)
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv := startServer(t, cfg)
	msg := "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: over curl\r\n\r\nRead me with curl.\r\n"
	if st := deliver(t, addrOf(t, srv, "lmtp"), "bob@example.org", []string{"alice@example.org"}, msg); st["alice@example.org"] != 250 {
		t.Fatalf("delivery: %v", st)
	}

	port := addrOf(t, srv, "pop3s").(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, "--silent", "--show-error",
		"--cacert", filepath.Join(cfg.TLSDir(), certFileName),
		"--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port),
		"--user", "alice:secret",
		fmt.Sprintf("pop3s://localhost:%d/1", port))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, stderr.Bytes())
	}
	if !bytes.Contains(out, []byte("Subject: over curl")) || !bytes.Contains(out, []byte("Read me with curl.")) {
		t.Errorf("curl retrieved %q, want the delivered message", out)
	}
}

// waitFor polls cond until it holds, failing the test if it does not within
// ioTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (s *Server) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// countMessages starts a server on cfg's data directory and returns what
// POP3 STAT says of login's maildrop.
func countMessages(t *testing.T, cfg *Config, login, password string) int {
	t.Helper()
	srv := startServer(t, cfg)
	c := dialLine(t, addrOf(t, srv, "pop3"), nil)
	c.expect("+OK")
	c.cmd("USER %s", login)
	if line := c.cmd("PASS %s", password); !strings.HasPrefix(line, "+OK") {
		t.Fatalf("PASS: %q", line)
	}
	var n, size int
	line := c.cmd("STAT")
	if _, err := fmt.Sscanf(line, "+OK %d %d", &n, &size); err != nil {
		t.Fatalf("STAT: %q", line)
	}
	c.cmd("QUIT")
	return n
}

// TestShutdownDrainsDelivery checks that a delivery in progress when
// Shutdown begins completes, is acknowledged and is stored.
func TestShutdownDrainsDelivery(t *testing.T) {
	cfg := testConfig(t)
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c := beginTransaction(t, addrOf(t, srv, "lmtp"), "alice@example.org")

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	waitFor(t, "Shutdown to begin", srv.isStopping)

	if line := c.cmd("DATA"); !strings.HasPrefix(line, "354") {
		t.Fatalf("DATA: %q", line)
	}
	// The one reply for the one recipient (RFC 2033 §4.2).
	if line := c.cmd("Subject: in flight\r\n\r\nDelivered during shutdown.\r\n."); !strings.HasPrefix(line, "250") {
		t.Errorf("reply after DATA: %q, want 250", line)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if n := countMessages(t, cfg, "alice", "secret"); n != 1 {
		t.Errorf("alice has %d messages after the drained delivery, want 1", n)
	}
}

// beginTransaction opens an LMTP connection and sends LHLO, MAIL and RCPT
// for rcpt, leaving the transaction open before DATA.
func beginTransaction(t *testing.T, addr net.Addr, rcpt string) *lineClient {
	t.Helper()
	c := dialLine(t, addr, nil)
	c.expect("220 ")
	for line := c.cmd("LHLO client.test"); !strings.HasPrefix(line, "250 "); line = c.readLine() {
		if !strings.HasPrefix(line, "250-") {
			t.Fatalf("LHLO: %q", line)
		}
	}
	if line := c.cmd("MAIL FROM:<bob@example.org>"); !strings.HasPrefix(line, "250") {
		t.Fatalf("MAIL: %q", line)
	}
	if line := c.cmd("RCPT TO:<%s>", rcpt); !strings.HasPrefix(line, "250") {
		t.Fatalf("RCPT: %q", line)
	}
	return c
}

// TestShutdownDeadline checks that a Shutdown whose context ends before
// the connections do closes them, reports the context's error, and still
// releases the data directory.
func TestShutdownDeadline(t *testing.T) {
	cfg := testConfig(t)
	addUser(t, cfg, "alice", "secret", "alice@example.org")
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c := beginTransaction(t, addrOf(t, srv, "lmtp"), "alice@example.org")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with an ended context = %v, want context.Canceled", err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("Wait = %v, want nil: no listener failed", err)
	}
	// The transaction was cut off: whatever the server sent last, the
	// connection ends.
	for {
		if _, err := c.tp.ReadLine(); err != nil {
			break
		}
	}
	if n := countMessages(t, cfg, "alice", "secret"); n != 0 {
		t.Errorf("alice has %d messages, want 0: the delivery never sent its data", n)
	}
}

// TestSieveConfigWired: the [sieve] section's extensions and redirect
// limit are what ManageSieve announces (RFC 5804 §1.7), since one engine
// checks scripts and runs them.
func TestSieveConfigWired(t *testing.T) {
	cfg := testConfig(t)
	cfg.Sieve.Extensions = []string{"fileinto", "vacation"}
	cfg.Sieve.MaxRedirects = 3
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	c := dialLine(t, addrOf(t, srv, "managesieve"), nil)
	var caps []string
	for {
		line := c.readLine()
		if strings.HasPrefix(line, "OK") {
			break
		}
		caps = append(caps, line)
	}
	for _, want := range []string{`"SIEVE" "fileinto vacation"`, `"MAXREDIRECTS" "3"`} {
		if !slices.Contains(caps, want) {
			t.Errorf("ManageSieve capabilities %q lack %s", caps, want)
		}
	}
}

// TestSieveEnabledWired: with sieve.enabled, LMTP deliveries go through
// the global script; with it false, straight to INBOX.
func TestSieveEnabledWired(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		t.Run(fmt.Sprintf("enabled=%v", enabled), func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Sieve.Enabled = enabled
			cfg.Sieve.GlobalScript = filepath.Join(cfg.DataDir, "global.sieve")
			if err := os.WriteFile(cfg.Sieve.GlobalScript, []byte(`require "ereject"; ereject "filtered";`), 0o600); err != nil {
				t.Fatal(err)
			}
			addUser(t, cfg, "alice", "secret", "alice@example.org")
			srv := startServer(t, cfg)
			statuses := deliver(t, addrOf(t, srv, "lmtp"), "bob@example.org", []string{"alice@example.org"},
				"Subject: x\r\n\r\nx\r\n")
			want := 250
			if enabled {
				want = 550 // RFC 5429 §2.1.1
			}
			if got := statuses["alice@example.org"]; got != want {
				t.Errorf("LMTP status %d, want %d", got, want)
			}
		})
	}
}
