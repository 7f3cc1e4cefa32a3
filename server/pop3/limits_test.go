package pop3

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const loginTimeoutLine = "-ERR login timeout, closing connection"

func loginTimeout(d time.Duration) envOption {
	return func(cfg *Config) { cfg.LoginTimeout = d }
}

// TestLoginTimeoutSilent: a client that connects and says nothing is told
// and disconnected when the login timeout passes, long before the idle
// timeout.
func TestLoginTimeoutSilent(t *testing.T) {
	env := newEnv(t, insecureAuth, loginTimeout(100*time.Millisecond))
	c := env.dial()
	if got := c.line(); got != loginTimeoutLine {
		t.Fatalf("got %q, want %q", got, loginTimeoutLine)
	}
	c.expectEOF()
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 0 })
}

// TestLoginTimeoutCountsFromConnect: commands in the AUTHORIZATION state do
// not renew the login timer, as they renew the idle timer. A command may
// cross the server's answer on the wire, and the server does not read it
// before it closes, so the client may see the connection reset instead of
// the answer; the log says why the session ended.
func TestLoginTimeoutCountsFromConnect(t *testing.T) {
	const timeout = 200 * time.Millisecond
	env := newEnv(t, insecureAuth, loginTimeout(timeout))
	connected := time.Now()
	c := env.dial()
	for {
		c.write("CAPA\r\n")
		c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		got, err := c.r.ReadString('\n')
		if err != nil || got == loginTimeoutLine+"\r\n" {
			break
		}
		if got != "+OK capability list follows\r\n" {
			t.Fatalf("CAPA: %q", got)
		}
		c.lines()
	}
	if elapsed := time.Since(connected); elapsed < timeout {
		t.Errorf("session ended after %v, before the login timeout of %v", elapsed, timeout)
	}
	waitFor(t, "the log line", func() bool { return strings.Contains(env.logs.String(), `msg="login timeout"`) })
}

// TestLoginTimeoutInAuthExchange: a client that stops in the middle of an
// AUTH exchange (RFC 1734 §2) is told and disconnected too. (The timer is
// long enough for the exchange to start on a loaded machine.)
func TestLoginTimeoutInAuthExchange(t *testing.T) {
	env := newEnv(t, insecureAuth, loginTimeout(4*time.Second))
	c := env.dial()
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	if got := c.line(); got != loginTimeoutLine {
		t.Fatalf("got %q, want %q", got, loginTimeoutLine)
	}
	c.expectEOF()
}

// TestLoginTimeoutEndsAtLogin: once the client has authenticated, the login
// timer no longer applies; the idle timer does (RFC 1939 §3). The session
// keeps working past the moment the login timer would have fired. (The
// timer is long enough for a login on a loaded machine.)
func TestLoginTimeoutEndsAtLogin(t *testing.T) {
	const timeout = 4 * time.Second
	env := newEnv(t, insecureAuth, loginTimeout(timeout))
	connected := time.Now()
	c := env.dial()
	c.login("alice", alicePassword)
	for time.Since(connected) < timeout+timeout/2 {
		c.expect("NOOP", "+OK")
	}
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
	c.expectEOF()
}

// TestLoginTimeoutTLSHandshake: on the implicit-TLS port the handshake is
// within the login timeout: a client that sends half a ClientHello is
// disconnected when it passes.
func TestLoginTimeoutTLSHandshake(t *testing.T) {
	env := newEnv(t, withTLS, loginTimeout(100*time.Millisecond))
	nc, err := net.DialTimeout("tcp", env.tlsAddr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// A TLS record header announcing a handshake message of 512 octets,
	// and nothing of the message.
	if _, err := nc.Write([]byte{0x16, 0x03, 0x01, 0x02, 0x00}); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.ReadAll(nc); err != nil {
		t.Fatalf("waiting for the server to close: %v", err)
	}
	waitFor(t, "the log line", func() bool {
		return strings.Contains(env.logs.String(), "login timeout in the TLS handshake")
	})
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 0 })
}

// dialFrom connects to addr from the loopback address local (127.0.0.0/8 is
// all loopback on Linux) and returns the connection without reading.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from %s: %v", local, err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// TestMaxConnectionsPerIP: a client address over its share is refused with
// -ERR [SYS/TEMP] (RFC 3206 §4) and closed; POP3 and POP3S count together;
// other addresses are not affected; a share frees when a session ends.
func TestMaxConnectionsPerIP(t *testing.T) {
	env := newEnv(t, insecureAuth, withTLS, func(cfg *Config) { cfg.MaxConnectionsPerIP = 2 })
	a := env.dial()
	env.dialTLS()

	refused := "-ERR [SYS/TEMP] too many connections from your address\r\n"
	nc := dialFrom(t, "127.0.0.1", env.addr)
	nc.SetReadDeadline(time.Now().Add(ioTimeout))
	if got, err := io.ReadAll(nc); err != nil || string(got) != refused {
		t.Errorf("third connection got %q, %v; want %q", got, err, refused)
	}
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", env.tlsAddr, env.clientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.SetReadDeadline(time.Now().Add(ioTimeout))
	if got, err := io.ReadAll(tc); string(got) != refused {
		t.Errorf("third connection over TLS got %q, %v; want %q", got, err, refused)
	}

	// Another address has its own share.
	other := newClient(t, dialFrom(t, "127.0.0.2", env.addr))
	other.login("bob", bobPassword)

	a.expect("QUIT", "+OK pop.example.org POP3 server signing off")
	a.expectEOF()
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 2 })
	b := env.dial()
	b.login("alice", alicePassword)
}
