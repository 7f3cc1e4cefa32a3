package imap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// TestAutologout: a session silent for IdleTimeout gets BYE and is closed
// (RFC 3501 §5.4), in any state; a partly sent command counts as silence.
func TestAutologout(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.IdleTimeout = 200 * time.Millisecond })
	c := env.dial()
	if got := c.line(); got != "* BYE autologout; idle for too long" {
		t.Errorf("idle session: %q", got)
	}
	c.expectEOF()

	l := env.dial()
	l.write("a1 LOGIN alice")
	if got := l.line(); got != "* BYE autologout; idle for too long" {
		t.Errorf("session idle within a command: %q", got)
	}
	l.expectEOF()
	if !strings.Contains(env.logs.String(), "autologout") {
		t.Error("autologout not logged")
	}
}

// TestShutdown: Shutdown sends BYE to idle sessions at once, lets a command
// that is being received finish first, and interrupts an AUTHENTICATE
// exchange waiting for the client.
func TestShutdown(t *testing.T) {
	env := newEnv(t, insecureAuth)
	idle := env.login("alice", alicePassword)
	idle.cmd("i1 SELECT INBOX")
	auth := env.dial()
	auth.expect("x1 AUTHENTICATE PLAIN", "+ ")
	busy := env.login("alice", alicePassword)
	busy.expect("b1 APPEND INBOX {10}", "+ Ready for literal data")
	busy.write("Subj")

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		done <- env.srv.Shutdown(ctx)
	}()
	if got := idle.line(); got != "* BYE server shutting down" {
		t.Errorf("idle session: %q", got)
	}
	idle.expectEOF()
	if got := auth.line(); got != "* BYE server shutting down" {
		t.Errorf("session in AUTHENTICATE: %q", got)
	}
	auth.expectEOF()
	// The busy session finishes its APPEND, then says BYE.
	busy.write("ect:\r\n\r\n\r\n")
	if got := busy.until("b1 "); !strings.HasPrefix(strings.Join(got, "|"), "b1 OK [APPENDUID ") || !strings.HasSuffix(got[len(got)-1], "] APPEND completed") {
		t.Errorf("APPEND during shutdown: %q", got)
	}
	if got := busy.line(); got != "* BYE server shutting down" {
		t.Errorf("after the APPEND: %q", got)
	}
	busy.expectEOF()
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if n := len(env.snapshot("alice", "INBOX").Messages); n != 1 {
		t.Errorf("INBOX has %d messages after the APPEND, want 1", n)
	}
	if n := env.srv.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections after Shutdown = %d", n)
	}
}

// TestShutdownDeadline: when ctx ends before a session does, Shutdown closes
// it and returns ctx's error.
func TestShutdownDeadline(t *testing.T) {
	env := newEnv(t, insecureAuth)
	busy := env.login("alice", alicePassword)
	busy.expect("b1 APPEND INBOX {10}", "+ Ready for literal data")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := env.srv.Shutdown(ctx); err != context.Canceled {
		t.Errorf("Shutdown with a cancelled context = %v", err)
	}
	busy.expectEOF()
}

// TestMaxConnections: a connection over the limit gets BYE [UNAVAILABLE].
func TestMaxConnections(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.MaxConnections = 1 })
	c := env.dial()
	over := env.dialRaw()
	if got := over.line(); got != "* BYE [UNAVAILABLE] too many connections" {
		t.Errorf("connection over the limit: %q", got)
	}
	over.expectEOF()
	c.expect("a1 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "a1 OK LOGOUT completed")
	c.expectEOF()
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 0 })
	env.dial().expect("b1 NOOP", "b1 OK NOOP completed")
}

// TestPanicRecovered: a handler that panics ends its session with BYE
// [SERVERBUG] and the tagged NO, the stack is logged, and the server goes on.
func TestPanicRecovered(t *testing.T) {
	env := newEnvWithCommands(t, []*command{{name: "XPANIC", states: anyState,
		run: func(c *conn, tag string, dec *rfc3501.Decoder) error {
			c.enc.Untagged().Atom("PARTIAL").CRLF()
			var m map[string]int
			m["boom"]++
			return nil
		}}}, insecureAuth)
	c := env.dial()
	c.expect("p1 XPANIC", "* BYE [SERVERBUG] internal server error", "p1 NO [SERVERBUG] internal server error")
	c.expectEOF()
	if logs := env.logs.String(); !strings.Contains(logs, "panic in session") || !strings.Contains(logs, "shutdown_test.go") {
		t.Errorf("the panic and its stack are not logged:\n%s", logs)
	}
	env.dial().expect("p2 NOOP", "p2 OK NOOP completed")
}

// TestServeErrors checks Serve's refusals.
func TestServeErrors(t *testing.T) {
	if err := New(Config{}).Serve(nil, false); err != ErrConfig {
		t.Errorf("Serve without Store and Directory = %v, want ErrConfig", err)
	}
	env := newEnv(t)
	s := New(env.cfg)
	if err := s.Serve(nil, true); err != ErrNoTLS {
		t.Errorf("implicit TLS without TLSConfig = %v, want ErrNoTLS", err)
	}
}

// TestLoginTimeout: a client that has not authenticated within LoginTimeout
// gets BYE; one that has is bound by IdleTimeout alone. The timeout is
// generous: the client must act before it, even on a loaded machine.
func TestLoginTimeout(t *testing.T) {
	const timeout = 4 * time.Second
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.LoginTimeout = timeout })
	c := env.dial()
	c.expect("a1 NOOP", "a1 OK NOOP completed")
	if got := c.line(); got != "* BYE login timeout" {
		t.Errorf("after the login timeout: %q", got)
	}
	c.expectEOF()

	l := env.login("alice", alicePassword)
	passed := time.Now().Add(timeout)
	waitFor(t, "the login timeout to pass", func() bool { return time.Now().After(passed) })
	l.expect("b1 NOOP", "b1 OK NOOP completed")
}

// TestMaxConnectionsPerIP: a connection over the per-address limit gets BYE
// [UNAVAILABLE]; the count goes down when a session ends.
func TestMaxConnectionsPerIP(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.MaxConnectionsPerIP = 2 })
	a, b := env.dial(), env.dial()
	over := env.dialRaw()
	if got := over.line(); got != "* BYE [UNAVAILABLE] too many connections from your address" {
		t.Errorf("connection over the per-address limit: %q", got)
	}
	over.expectEOF()
	a.expect("a1 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "a1 OK LOGOUT completed")
	a.expectEOF()
	waitFor(t, "the session to end", func() bool { return env.srv.ActiveConnections() == 1 })
	env.dial().expect("c1 NOOP", "c1 OK NOOP completed")
	b.expect("b1 NOOP", "b1 OK NOOP completed")
}
