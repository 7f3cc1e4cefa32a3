package managesieve_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/managesieve"
	"github.com/loftmail/loft/store"
)

// TestCapabilities checks the capabilities of §1.7 before TLS, after
// STARTTLS (§2.2: no STARTTLS) and after AUTHENTICATE (OWNER).
func TestCapabilities(t *testing.T) {
	env := newEnv(t)
	c, greeting := env.dial()
	caps := capMap(t, greeting)
	want := map[string]string{
		"IMPLEMENTATION": "Loft", "SASL": "", "SIEVE": "fileinto vacation", "STARTTLS": "",
		"MAXREDIRECTS": "2", "UNAUTHENTICATE": "", "VERSION": "1.0",
	}
	if d := cmp.Diff(want, caps); d != "" {
		t.Fatalf("greeting capabilities (-want +got):\n%s", d)
	}
	if again := capMap(t, c.ok("CAPABILITY")); !cmp.Equal(again, caps) {
		t.Errorf("CAPABILITY %v differs from the greeting %v", again, caps)
	}
	// Without TLS, passwords are refused (§1.3 ENCRYPT-NEEDED).
	c.no(`AUTHENTICATE "PLAIN" "`+plain("alice", alicePassword)+`"`, rfc5804.CodeEncryptNeeded)
	c.no("LISTSCRIPTS", "")
	afterTLS := capMap(t, c.starttls(env.roots))
	delete(want, "STARTTLS")
	want["SASL"] = "PLAIN LOGIN"
	if d := cmp.Diff(want, afterTLS); d != "" {
		t.Fatalf("capabilities after STARTTLS (-want +got):\n%s", d)
	}
	c.no("STARTTLS", "")
	c.login()
	want["OWNER"] = "alice"
	if d := cmp.Diff(want, capMap(t, c.ok("CAPABILITY"))); d != "" {
		t.Fatalf("capabilities after AUTHENTICATE (-want +got):\n%s", d)
	}
	c.no(`AUTHENTICATE "PLAIN" "`+plain("alice", alicePassword)+`"`, "")
	c.ok("UNAUTHENTICATE")
	delete(want, "OWNER")
	if d := cmp.Diff(want, capMap(t, c.ok("CAPABILITY"))); d != "" {
		t.Fatalf("capabilities after UNAUTHENTICATE (-want +got):\n%s", d)
	}
	c.no("UNAUTHENTICATE", "")
	c.no("LISTSCRIPTS", "")
	c.ok("LOGOUT")
}

func TestAuthenticate(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c, greeting := env.dial()
	if got := capMap(t, greeting)["SASL"]; got != "PLAIN LOGIN" {
		t.Fatalf("SASL = %q with insecure authentication allowed", got)
	}
	b64 := func(s string) string { return `"` + base64.StdEncoding.EncodeToString([]byte(s)) + `"` }

	// PLAIN without an initial response: an empty challenge first.
	c.write("AUTHENTICATE \"PLAIN\"\r\n")
	if l := c.line(); l != "\"\"\r\n" {
		t.Fatalf("PLAIN challenge %q", l)
	}
	c.write(literal(base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wrong"))) + "\r\n")
	if _, r := c.read(); r.Status != rfc5804.NO {
		t.Fatalf("wrong password: %+v", r)
	}
	// LOGIN, canceled with "*".
	c.write("AUTHENTICATE \"LOGIN\"\r\n")
	if l := c.line(); l != b64("Username:")+"\r\n" {
		t.Fatalf("LOGIN challenge %q", l)
	}
	c.write("\"*\"\r\n")
	if _, r := c.read(); r.Status != rfc5804.NO {
		t.Fatalf("canceled: %+v", r)
	}
	// A disabled account, then an unknown mechanism (not a failure).
	c.no(`AUTHENTICATE "PLAIN" "`+plain("carol", "carol-pw")+`"`, "")
	c.no(`AUTHENTICATE "X-UNKNOWN"`, "")
	// The directory cannot answer: TRYLATER, not a failure either.
	env.dir.mu.Lock()
	env.dir.down = true
	env.dir.mu.Unlock()
	c.no(`AUTHENTICATE "PLAIN" "`+plain("alice", alicePassword)+`"`, rfc5804.CodeTryLater)
	env.dir.mu.Lock()
	env.dir.down = false
	env.dir.mu.Unlock()
	// LOGIN speaks first, so it takes no initial response (§2.1).
	c.no("AUTHENTICATE \"LOGIN\" "+b64("alice"), "")
	c.write("AUTHENTICATE \"LOGIN\"\r\n")
	if l := c.line(); l != b64("Username:")+"\r\n" {
		t.Fatalf("LOGIN challenge %q", l)
	}
	c.write(literal(base64.StdEncoding.EncodeToString([]byte("alice"))) + "\r\n")
	if l := c.line(); l != b64("Password:")+"\r\n" {
		t.Fatalf("LOGIN password challenge %q", l)
	}
	c.write(b64(alicePassword) + "\r\n")
	if _, r := c.read(); r.Status != rfc5804.OK {
		t.Fatalf("LOGIN: %+v", r)
	}
	if strings.Contains(env.logs.String(), alicePassword) {
		t.Errorf("the log holds the password")
	}
}

// TestTooManyFailures: the third failed AUTHENTICATE is answered BYE and
// the connection closed, as in §2.1's example.
func TestTooManyFailures(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c, _ := env.dial()
	c.no(`AUTHENTICATE "PLAIN" "QJIrweAPyo6Q1T9xu"`, "")
	c.no(`AUTHENTICATE "PLAIN" "`+plain("alice", "nope")+`"`, "")
	if _, r := c.cmd(`AUTHENTICATE "PLAIN" "` + plain("alice", "nope") + `"`); r.Status != rfc5804.BYE {
		t.Fatalf("third failure: %+v, want BYE", r)
	}
}

// TestScripts runs every script command through its success and failure
// answers, and checks with a second session that changes are seen.
func TestScripts(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *managesieve.Config) { cfg.MaxScripts, cfg.MaxScriptSize = 3, 200 })
	c, _ := env.dial()
	c.login()
	if data := c.ok("LISTSCRIPTS"); len(data) != 0 {
		t.Fatalf("new account lists %q", data)
	}
	// PUTSCRIPT: errors with line and column, nothing stored; warnings.
	r := c.no(`PUTSCRIPT "foo" `+literal("#comment\r\nInvalid error\r\nerror\r\n"), "")
	if r.Text != "line 2: column 9: unknown command\r\nline 3: column 1: unknown command" {
		t.Errorf("NO text %q", r.Text)
	}
	_, r = c.cmd(`PUTSCRIPT "fwd" ` + literal("redirect \"a@example.net\";\r\n"))
	if r.Status != rfc5804.OK || r.Code == nil || r.Code.Name != rfc5804.CodeWarnings || !strings.HasPrefix(r.Text, "line 1: ") {
		t.Errorf("PUTSCRIPT with a warning: %+v", r)
	}
	c.ok(`PUTSCRIPT "foo" ` + literal("keep;\r\n"))
	c.ok(`PUTSCRIPT "foo" "keep;"`) // replaces
	c.no(`PUTSCRIPT "empty" ""`, "")
	c.no(`PUTSCRIPT "" "keep;"`, "")
	c.no("PUTSCRIPT \"bad\u2028name\" \"keep;\"", "")
	c.no(`PUTSCRIPT "foo"`, "")
	c.no(`PUTSCRIPT "foo" 12`, "")
	// Quotas (§1.5): size, then number.
	c.no(`PUTSCRIPT "big" `+literal(strings.Repeat("#", 201)), rfc5804.CodeQuotaMaxSize)
	c.no(`HAVESPACE "big" 201`, rfc5804.CodeQuotaMaxSize)
	c.ok(`HAVESPACE "big" 200`)
	c.ok(`PUTSCRIPT "third" "keep;"`)
	c.no(`HAVESPACE "fourth" 10`, rfc5804.CodeQuotaMaxScripts)
	c.no(`PUTSCRIPT "fourth" "keep;"`, rfc5804.CodeQuotaMaxScripts)
	c.ok(`HAVESPACE "third" 10`) // replacing adds no script
	// A literal far over the limit is discarded and the session goes on.
	c.no(`PUTSCRIPT "big" `+literal(strings.Repeat("#", 1000)), rfc5804.CodeQuotaMaxSize)
	// SETACTIVE, LISTSCRIPTS, GETSCRIPT.
	c.no(`SETACTIVE "baz"`, rfc5804.CodeNonexistent)
	c.ok(`SETACTIVE "foo"`)
	if got, want := c.ok("LISTSCRIPTS"), []string{"\"foo\" ACTIVE\r\n", "\"fwd\"\r\n", "\"third\"\r\n"}; !cmp.Equal(got, want) {
		t.Errorf("LISTSCRIPTS = %q, want %q", got, want)
	}
	if got := c.ok(`GETSCRIPT "foo"`); !cmp.Equal(got, []string{"{5}\r\nkeep;\r\n"}) {
		t.Errorf("GETSCRIPT = %q", got)
	}
	c.no(`GETSCRIPT "baz"`, rfc5804.CodeNonexistent)
	// A second session sees the changes.
	c2, _ := env.dial()
	c2.login()
	if got := c2.ok("LISTSCRIPTS"); len(got) != 3 || got[0] != "\"foo\" ACTIVE\r\n" {
		t.Errorf("second session lists %q", got)
	}
	// DELETESCRIPT, RENAMESCRIPT.
	c.no(`DELETESCRIPT "foo"`, rfc5804.CodeActive)
	c.no(`DELETESCRIPT "baz"`, rfc5804.CodeNonexistent)
	c.ok(`DELETESCRIPT "third"`)
	c.no(`RENAMESCRIPT "foo" "fwd"`, rfc5804.CodeAlreadyExists)
	c.no(`RENAMESCRIPT "baz" "bar"`, rfc5804.CodeNonexistent)
	c.ok(`RENAMESCRIPT "foo" "bar"`)
	if name, data, err := env.mustAccount("alice").ActiveSieveScript(); err != nil || name != "bar" || string(data) != "keep;" {
		t.Errorf("active after rename: %q %q %v", name, data, err)
	}
	c.ok(`SETACTIVE ""`)
	c.ok(`SETACTIVE ""`)
	if got := c2.ok("LISTSCRIPTS"); !cmp.Equal(got, []string{"\"bar\"\r\n", "\"fwd\"\r\n"}) {
		t.Errorf("second session lists %q", got)
	}
	// CHECKSCRIPT stores nothing and ignores quotas.
	c.no("CHECKSCRIPT "+literal("error"), "")
	c.ok(`CHECKSCRIPT "keep;"`)
	c.ok("CHECKSCRIPT " + literal(strings.Repeat("#", 150)))
	if got := c.ok("LISTSCRIPTS"); len(got) != 2 {
		t.Errorf("CHECKSCRIPT stored something: %q", got)
	}
}

func (e *testEnv) mustAccount(name string) *store.Account {
	e.t.Helper()
	a, err := e.store.Account(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// TestNoopAndErrors covers NOOP with and without TAG (§2.13), unknown
// commands and syntax errors, which get NO and leave the session usable.
func TestNoopAndErrors(t *testing.T) {
	env := newEnv(t)
	c, _ := env.dial()
	_, r := c.cmd("NOOP")
	if r.Status != rfc5804.OK || r.Code != nil {
		t.Errorf("NOOP: %+v", r)
	}
	_, r = c.cmd(`NOOP "STARTTLS-SYNC-42"`)
	if r.Status != rfc5804.OK || r.Code == nil || r.Code.Name != rfc5804.CodeTag || r.Code.Arg != "STARTTLS-SYNC-42" {
		t.Errorf("NOOP with a tag: %+v", r)
	}
	for _, line := range []string{"FROB", "NOOP x", `NOOP "a" "b"`, "NOOP \"unterminated", "{3+}\r\nabc", `CAPABILITY "x"`, "\x00"} {
		c.no(line, "")
	}
	// Pipelined commands get their answers in order.
	c.write("NOOP \"1\"\r\nNOOP \"2\"\r\nCAPABILITY\r\n")
	for _, tag := range []string{"1", "2"} {
		if _, r := c.read(); r.Code == nil || r.Code.Arg != tag {
			t.Fatalf("pipelined NOOP %s: %+v", tag, r)
		}
	}
	if caps, r := c.read(); r.Status != rfc5804.OK || len(caps) == 0 {
		t.Fatalf("pipelined CAPABILITY: %q %+v", caps, r)
	}
	c.ok("LOGOUT")
}

// TestLoginTimeout: a client that does not authenticate in time gets BYE.
// The server's timer is short, the client's wait generous: the test waits
// on the server's answer, never on a clock.
func TestLoginTimeout(t *testing.T) {
	env := newEnv(t, func(cfg *managesieve.Config) { cfg.LoginTimeout = 10 * time.Second })
	c, _ := env.dial()
	_, r := c.read()
	if r.Status != rfc5804.BYE {
		t.Fatalf("after the login timeout: %+v, want BYE", r)
	}
}

func TestConnectionLimitPerIP(t *testing.T) {
	env := newEnv(t, func(cfg *managesieve.Config) { cfg.MaxConnectionsPerIP = 1 })
	env.dial()
	c := &client{t: t}
	nc, err := dialRaw(env.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c.conn, c.r = nc, newReader(nc)
	_, r := c.read()
	if r.Status != rfc5804.BYE || r.Code == nil || r.Code.Name != rfc5804.CodeTryLater {
		t.Fatalf("second connection: %+v, want BYE (TRYLATER)", r)
	}
}

// TestShutdown: idle sessions, authenticated or not, are told BYE
// (TRYLATER) and closed, and the listener closes.
func TestShutdown(t *testing.T) {
	env := newEnv(t, insecureAuth)
	a, _ := env.dial()
	a.login()
	b, _ := env.dial()
	if n := env.srv.ActiveConnections(); n != 2 {
		t.Errorf("ActiveConnections = %d, want 2", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range []*client{a, b} {
		_, r := c.read()
		if r.Status != rfc5804.BYE || r.Code == nil || r.Code.Name != rfc5804.CodeTryLater {
			t.Errorf("at shutdown: %+v, want BYE (TRYLATER)", r)
		}
	}
	if n := env.srv.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections = %d after Shutdown", n)
	}
	if c, err := net.Dial("tcp", env.addr); err == nil {
		c.Close()
		t.Error("listener still accepts after Shutdown")
	}
}

// TestLongSASLResponse: a SASL response over the literal limit is read
// past and fails the exchange; the session goes on.
func TestLongSASLResponse(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *managesieve.Config) { cfg.MaxScriptSize = 100 })
	c, _ := env.dial()
	c.write("AUTHENTICATE \"PLAIN\"\r\n")
	if l := c.line(); l != "\"\"\r\n" {
		t.Fatalf("PLAIN challenge %q", l)
	}
	c.write(literal(strings.Repeat("A", 70000)) + "\r\n")
	if _, r := c.read(); r.Status != rfc5804.NO {
		t.Fatalf("a response over the literal limit: %+v", r)
	}
	c.login()
	// A script between MaxScriptSize and the literal limit: QUOTA/MAXSIZE.
	c.no(`PUTSCRIPT "x" `+literal(strings.Repeat("#", 101)), rfc5804.CodeQuotaMaxSize)
	c.ok("LOGOUT")
}

// TestPutScriptQuotaConcurrent: sessions of one account that PUTSCRIPT
// new names at once never together store more scripts than MAXSCRIPTS
// (§1.5): each either stores its script or is refused QUOTA/MAXSCRIPTS.
func TestPutScriptQuotaConcurrent(t *testing.T) {
	const sessions, max = 12, 3
	env := newEnv(t, insecureAuth, func(cfg *managesieve.Config) { cfg.MaxScripts = max })
	clients := make([]*client, sessions)
	for i := range clients {
		clients[i], _ = env.dial()
		clients[i].login()
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]rfc5804.Response, sessions)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// No t.Fatal off the test goroutine: write and read plainly.
			c.conn.SetDeadline(time.Now().Add(ioTimeout))
			if _, err := fmt.Fprintf(c.conn, "PUTSCRIPT \"s%d\" \"keep;\"\r\n", i); err != nil {
				return
			}
			l, err := rfc5804.ReadLine(c.r, 1<<16)
			if err != nil {
				return
			}
			results[i], _ = rfc5804.ParseResponse(l)
		}()
	}
	close(start)
	wg.Wait()
	stored := 0
	for i, r := range results {
		switch {
		case r.Status == rfc5804.OK:
			stored++
		case r.Status == rfc5804.NO && r.Code != nil && r.Code.Name == rfc5804.CodeQuotaMaxScripts:
		default:
			t.Errorf("session %d: %+v", i, r)
		}
	}
	data := clients[0].ok("LISTSCRIPTS")
	if stored != max || len(data) != max {
		t.Errorf("%d PUTSCRIPTs succeeded and %d scripts are listed; want %d of each", stored, len(data), max)
	}
}
