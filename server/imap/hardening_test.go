package imap

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSkippedNonSyncLiteral: a command that is refused before its
// non-synchronizing literal is skipped with the literal's octets (RFC 7888
// §4), whatever the digits of the literal's size (RFC 9051 number64:
// leading zeros, up to 2^63-1). Were the literal missed, its octets would
// run as a command of their own.
func TestSkippedNonSyncLiteral(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.write("a1 BOGUS {" + strings.Repeat("0", 30) + "16+}\r\nb1 CREATE stray\r\na2 NOOP\r\n")
	if got := c.until("a2 "); strings.Join(got, "|") != "a1 BAD unknown command BOGUS|a2 OK NOOP completed" {
		t.Errorf("skipped literal with leading zeros: %q", got)
	}
	c.expect(`a3 LIST "" stray`, "a3 OK LIST completed")
}

// TestIdleVanishedClientLeaksNothing: sessions whose client disappears while
// they idle, selected or not, with a delivery on the way, end and leave no
// goroutine behind (the session's, its DONE reader, the store's watch).
func TestIdleVanishedClientLeaksNothing(t *testing.T) {
	env := newEnv(t, insecureAuth)
	warm := env.login("alice", alicePassword)
	warm.expectTagged("w1 SELECT INBOX", "w1 OK [READ-WRITE] SELECT completed")
	// The store's one inotify instance lives as long as the store.
	warm.expect("i1 IDLE", "+ idling")
	warm.expect("DONE", "i1 OK IDLE completed")
	warm.expect("w2 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "w2 OK LOGOUT completed")
	warm.expectEOF()
	waitFor(t, "the warm-up session to end", func() bool { return env.srv.ActiveConnections() == 0 })
	before := runtime.NumGoroutine()

	var clients []*client
	for i := range 20 {
		c := env.login("alice", alicePassword)
		if i%2 == 0 {
			c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
		}
		c.expect("i1 IDLE", "+ idling")
		clients = append(clients, c)
	}
	env.deliver("alice", "INBOX", nil, msg1)
	for _, c := range clients {
		c.conn.Close()
	}
	waitFor(t, "the idling sessions to end", func() bool { return env.srv.ActiveConnections() == 0 })
	var n int
	deadline := time.Now().Add(ioTimeout)
	for n = runtime.NumGoroutine(); n > before && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the idlers left, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestIdleLineWithLiteral: a line other than DONE ends IDLE with BAD (RFC
// 2177 §3) and is skipped whole, with the non-synchronizing literals it
// announces (RFC 7888 §4), as any refused command: their octets never run
// as commands.
func TestIdleLineWithLiteral(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	for i, line := range []string{
		"a2 CREATE {15+}\r\nb1 CREATE stray\r\n",
		"DONE {15+}\r\nb1 CREATE stray\r\n",
		"DONE x {15+}\r\nb1 CREATE stray {15+}\r\nb2 CREATE stray\r\n",
		"{15+}\r\nb1 CREATE stray\r\n",
		"\r\n",
	} {
		c.write("i1 IDLE\r\n")
		if got := c.line(); got != "+ idling" {
			t.Fatalf("IDLE: %q", got)
		}
		c.write(line + "n1 NOOP\r\n")
		if got := c.until("n1 "); strings.Join(got, "|") != "i1 BAD expected DONE to end IDLE|n1 OK NOOP completed" {
			t.Errorf("line %d %q in IDLE: %q", i, line, got)
		}
	}
	c.write("i2 IDLE\r\ndone\r\n")
	if got := c.until("i2 "); strings.Join(got, "|") != "+ idling|i2 OK IDLE completed" {
		t.Errorf("IDLE, done: %q", got)
	}
	c.expect(`l1 LIST "" stray`, "l1 OK LIST completed")
}

// TestBinaryEncodedMessagePart: BINARY of a MESSAGE/RFC822 part that has a
// base64 Content-Transfer-Encoding (wrong by RFC 2045 §6.4, but met in
// the wild) is the decoded message (RFC 3516 §4.2), as is BINARY.SIZE; the
// encoded octets are never passed off as decoded ones.
func TestBinaryEncodedMessagePart(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", nil, "Subject: y\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"+
		"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeg0KDQpoaQ0K\r\n--b--\r\n")
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("f1 FETCH 1 (BINARY.SIZE[2])", "* 1 FETCH (BINARY.SIZE[2] 18)", "f1 OK FETCH completed")
	c.expect("f2 FETCH 1 (BINARY.PEEK[2])", "* 1 FETCH (BINARY[2] {18}", "Subject: z", "", "hi", ")", "f2 OK FETCH completed")
}

// TestAuthenticateResponseWithLiteral: a client line in an AUTHENTICATE
// exchange that is not base64 (RFC 3501 §6.2.2) is answered BAD and skipped
// with the non-synchronizing literals it announces (RFC 7888 §4): their
// octets, here a LOGIN, never run as a command.
func TestAuthenticateResponseWithLiteral(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	login := `b1 LOGIN alice "` + alicePassword + `"`
	for i, line := range []string{
		fmt.Sprintf("{%d+}\r\n%s\r\n", len(login), login),
		fmt.Sprintf("AGFsaWNl {%d+}\r\n%s\r\n", len(login), login),
		fmt.Sprintf("* {%d+}\r\n%s\r\n", len(login), login),
	} {
		c.write("a1 AUTHENTICATE PLAIN\r\n")
		if got := c.line(); got != "+ " {
			t.Fatalf("AUTHENTICATE: %q", got)
		}
		c.write(line + "n1 NOOP\r\n")
		got := c.until("n1 ")
		if len(got) != 2 || !strings.HasPrefix(got[0], "a1 BAD ") || got[1] != "n1 OK NOOP completed" {
			t.Errorf("line %d %q in AUTHENTICATE: %q", i, line, got)
		}
	}
	c.write("a2 AUTHENTICATE PLAIN\r\n*\r\n")
	if got := c.until("a2 "); strings.Join(got, "|") != "+ |a2 BAD authentication canceled" {
		t.Errorf("cancel: %q", got)
	}
	c.write("a3 AUTHENTICATE PLAIN\r\n\r\n")
	if got := c.until("a3 "); len(got) != 2 || !strings.HasPrefix(got[1], "a3 BAD ") {
		t.Errorf("empty response: %q", got)
	}
	c.expect("a4 SELECT INBOX", "a4 BAD SELECT is not valid in the not authenticated state")
}

// TestMoveSeenByIdlers: while one session moves messages (RFC 6851), a
// session idling on the source is told of one EXPUNGE for each, numbered
// as RFC 3501 §7.4.1 says, and nothing else; one idling on the destination
// is told of their arrival (EXISTS, RECENT: RFC 2177 §3) and of no expunge.
func TestMoveSeenByIdlers(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", nil, msg1, msg2, msg3)
	if err := env.account("alice").CreateMailbox("foo"); err != nil {
		t.Fatal(err)
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	src := env.login("alice", alicePassword)
	src.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	src.write("i1 IDLE\r\n")
	dst := env.login("alice", alicePassword)
	dst.expectTagged("s1 SELECT foo", "s1 OK [READ-WRITE] SELECT completed")
	dst.write("i1 IDLE\r\n")
	for _, w := range []*client{src, dst} {
		if got := w.line(); got != "+ idling" {
			t.Fatalf("IDLE: %q", got)
		}
	}
	v := uidValidity(t, env, "foo")
	c.expect("m1 MOVE 2 foo", "* OK [COPYUID "+v+" 2 1] moved", "* 2 EXPUNGE", "m1 OK MOVE completed")
	c.expect("m2 UID MOVE 1:* foo", "* OK [COPYUID "+v+" 1,3 2:3] moved", "* 1 EXPUNGE", "* 1 EXPUNGE", "m2 OK UID MOVE completed")

	// The source's idler: three EXPUNGE responses that remove its three
	// messages (in one order or another: it may see both moves at once),
	// then at DONE nothing more.
	view := 3
	for view > 0 {
		l := src.line()
		var n int
		var what string
		if _, err := fmt.Sscanf(l, "* %d %s", &n, &what); err != nil || what != "EXPUNGE" || n < 1 || n > view {
			t.Fatalf("idler on the source: %q with %d messages", l, view)
		}
		view--
	}
	src.write("DONE\r\n")
	if got := src.until("i1 "); strings.Join(got, "|") != "i1 OK IDLE completed" {
		t.Errorf("idler on the source at DONE: %q", got)
	}

	// The destination's idler: EXISTS up to 3, each with its RECENT (the
	// copies may be seen in steps), never an EXPUNGE.
	last := 0
	for last < 3 {
		l := dst.line()
		var n int
		var what string
		if _, err := fmt.Sscanf(l, "* %d %s", &n, &what); err != nil || what != "EXISTS" || n <= last {
			t.Fatalf("idler on the destination: %q after %d messages", l, last)
		}
		if r := dst.line(); r != fmt.Sprintf("* %d RECENT", n) {
			t.Fatalf("idler on the destination: %q after %q", r, l)
		}
		last = n
	}
	dst.write("DONE\r\n")
	if got := dst.until("i1 "); strings.Join(got, "|") != "i1 OK IDLE completed" {
		t.Errorf("idler on the destination at DONE: %q", got)
	}
	dst.expect("f1 UID FETCH 1:* (UID)", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "f1 OK UID FETCH completed")
}
