package pop3

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/server/directory"
)

// TestShutdownIdle: idle sessions are told and closed, deletions of sessions
// that did not QUIT are not applied (RFC 1939 §6), and the listeners close.
func TestShutdownIdle(t *testing.T) {
	env := newEnv(t, insecureAuth)
	uids := env.deliver("alice", msgPlain, msgDots)
	a := env.dial()
	a.login("alice", alicePassword)
	a.expect("DELE 1", "+OK message 1 deleted")
	b := env.dial()
	b.expect("USER bob", "+OK send PASS")
	if n := env.srv.ActiveConnections(); n != 2 {
		t.Errorf("ActiveConnections = %d, want 2", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range []*client{a, b} {
		if got := c.line(); got != "-ERR [SYS/TEMP] server shutting down" {
			t.Errorf("got %q", got)
		}
		c.expectEOF()
	}
	if n := env.srv.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections = %d after Shutdown", n)
	}
	if diff := cmp.Diff(uids, env.uids("alice")); diff != "" {
		t.Errorf("store after Shutdown (-want +got):\n%s", diff)
	}
	if c, err := net.Dial("tcp", env.addr); err == nil {
		c.Close()
		t.Error("listener still accepts after Shutdown")
	}
}

// blockingDirectory holds Authenticate until released, so that a test can
// shut down while a command runs.
type blockingDirectory struct {
	directory.Directory
	entered chan struct{}
	release chan struct{}
}

func (d *blockingDirectory) Authenticate(ctx context.Context, login, password string) (*directory.Account, error) {
	d.entered <- struct{}{}
	select {
	case <-d.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return d.Directory.Authenticate(ctx, login, password)
}

func withBlockingDirectory(d *blockingDirectory) envOption {
	return func(cfg *Config) {
		d.Directory = cfg.Directory
		cfg.Directory = d
	}
}

// TestShutdownFinishesCommand: a session in a command finishes it, then is
// told of the shutdown.
func TestShutdownFinishesCommand(t *testing.T) {
	d := &blockingDirectory{entered: make(chan struct{}, 1), release: make(chan struct{})}
	env := newEnv(t, insecureAuth, withBlockingDirectory(d))
	c := env.dial()
	c.expect("USER alice", "+OK send PASS")
	c.write("PASS " + alicePassword + "\r\n")
	<-d.entered

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		done <- env.srv.Shutdown(ctx)
	}()
	waitFor(t, "shutdown to begin", env.srv.conns.ShuttingDown)
	close(d.release)

	if got := c.line(); !strings.HasPrefix(got, "+OK maildrop has 0 messages") {
		t.Errorf("PASS answered %q", got)
	}
	if got := c.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Errorf("got %q", got)
	}
	c.expectEOF()
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestShutdownDeadline: when ctx ends first, Shutdown closes the remaining
// connections and returns ctx's error.
func TestShutdownDeadline(t *testing.T) {
	d := &blockingDirectory{entered: make(chan struct{}, 1), release: make(chan struct{})}
	env := newEnv(t, insecureAuth, withBlockingDirectory(d))
	c := env.dial()
	c.expect("USER alice", "+OK send PASS")
	c.write("PASS " + alicePassword + "\r\n")
	<-d.entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := env.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if rest, err := io.ReadAll(c.r); err != nil || strings.Contains(string(rest), "+OK") {
		t.Errorf("after forced shutdown: %q, %v", rest, err)
	}
	if n := env.srv.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections = %d", n)
	}
}

// TestMaxConnections: a connection over the limit is refused with
// -ERR [SYS/TEMP] and closed; a slot frees when a session ends.
func TestMaxConnections(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.MaxConnections = 1 })
	a := env.dial()
	nc, err := net.Dial("tcp", env.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(ioTimeout))
	got, err := io.ReadAll(nc)
	if err != nil || string(got) != "-ERR [SYS/TEMP] too many connections\r\n" {
		t.Errorf("refused connection got %q, %v", got, err)
	}
	a.expect("QUIT", "+OK pop.example.org POP3 server signing off")
	a.expectEOF()
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 0 })
	b := env.dial()
	b.login("bob", bobPassword)
}

// TestIdleTimeout: the autologout timer closes the connection without a
// response and without entering UPDATE (RFC 1939 §3).
func TestIdleTimeout(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.IdleTimeout = 50 * time.Millisecond })
	uids := env.deliver("alice", msgPlain)
	c := env.dial()
	c.write("USER alice\r\nPASS " + alicePassword + "\r\nDELE 1\r\n")
	c.line()
	c.line()
	if got := c.line(); got != "+OK message 1 deleted" {
		t.Fatalf("DELE: %q", got)
	}
	c.expectEOF()
	if diff := cmp.Diff(uids, env.uids("alice")); diff != "" {
		t.Errorf("store after idle timeout (-want +got):\n%s", diff)
	}
	waitFor(t, "the log line", func() bool { return strings.Contains(env.logs.String(), "idle timeout") })
}

// TestPanicRecovered: a panic in a handler ends that session with
// -ERR [SYS/TEMP] and a logged stack; the server keeps serving.
func TestPanicRecovered(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.srv.commands.byName["BOOM"] = &command{name: "BOOM", states: both,
		run: func(*conn, rfc1939.Command) error { panic("kaboom") }}
	c := env.dial()
	c.expect("BOOM", "-ERR [SYS/TEMP] internal error")
	c.expectEOF()
	waitFor(t, "the panic to be logged", func() bool {
		l := env.logs.String()
		return strings.Contains(l, "panic in session") && strings.Contains(l, "kaboom") && strings.Contains(l, "runtime/debug.Stack")
	})
	c = env.dial()
	c.login("alice", alicePassword)
}

// TestShutdownDuringAuth: a session waiting for the client inside an AUTH
// exchange is idle: it is told and closed.
func TestShutdownDuringAuth(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := c.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Errorf("got %q", got)
	}
	c.expectEOF()
}

// TestServeErrors: implicit TLS needs a certificate; Serve after Shutdown
// returns at once; a Config without store or directory is refused.
func TestServeErrors(t *testing.T) {
	env := newEnv(t, insecureAuth)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := env.srv.Serve(ln, true); !errors.Is(err, ErrNoTLS) {
		t.Errorf("Serve(implicit TLS) without TLSConfig = %v", err)
	}
	if err := New(Config{}).Serve(ln, false); !errors.Is(err, ErrConfig) {
		t.Errorf("Serve with an empty Config = %v", err)
	}
	if err := env.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Serve(ln, false); err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}
