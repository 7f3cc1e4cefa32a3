package imap

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIdle: while a session idles (RFC 2177 §3) it is told at once of what
// other sessions do: new messages (EXISTS, RECENT), expunges (EXPUNGE) and
// flag changes (FETCH FLAGS); DONE, in any case, ends IDLE with OK. Every
// wait is on a response line, with the client's generous deadline.
func TestIdle(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", nil, msg1, msg2)
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("i1 IDLE", "+ idling")

	// Another process's delivery (the store, as LMTP would).
	env.deliver("alice", "INBOX", nil, msg3)
	// Messages 1 and 2 became recent in this session at SELECT.
	if got := c.until("* 3 RECENT"); strings.Join(got, "|") != "* 3 EXISTS|* 3 RECENT" {
		t.Errorf("delivery while idling: %q", got)
	}
	// Another session's flag change and expunge.
	o := env.login("alice", alicePassword)
	o.expectTagged("o1 SELECT INBOX", "o1 OK [READ-WRITE] SELECT completed")
	o.expectTagged(`o2 STORE 2 +FLAGS.SILENT (\Flagged)`, "o2 OK STORE completed")
	if got := c.line(); got != `* 2 FETCH (FLAGS (\Flagged \Recent))` {
		t.Errorf("flag change while idling: %q", got)
	}
	o.expectTagged(`o3 STORE 1 +FLAGS.SILENT (\Deleted)`, "o3 OK STORE completed")
	if got := c.line(); got != `* 1 FETCH (FLAGS (\Deleted \Recent))` {
		t.Errorf("flag change while idling: %q", got)
	}
	o.expectTagged("o4 EXPUNGE", "o4 OK EXPUNGE completed")
	if got := c.line(); got != "* 1 EXPUNGE" {
		t.Errorf("expunge while idling: %q", got)
	}
	c.expect("done", "i1 OK IDLE completed")
	c.expect("n1 NOOP", "n1 OK NOOP completed")

	// IDLE in the authenticated state waits for DONE too.
	c.expectTagged("u1 UNSELECT", "u1 OK UNSELECT completed")
	c.expect("i2 IDLE", "+ idling")
	c.expect("DONE", "i2 OK IDLE completed")
}

// TestIdleSharedStore: the change comes from a second server with its own
// Store on the same files, as a second Loft host or process would make it
// (DESIGN.md rule 8).
func TestIdleSharedStore(t *testing.T) {
	env := newEnv(t, insecureAuth)
	other := newEnvSharing(t, env, insecureAuth)
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("i1 IDLE", "+ idling")
	other.deliver("alice", "INBOX", []string{`\Seen`}, msg1)
	if got := c.until("* 1 RECENT"); strings.Join(got, "|") != "* 1 EXISTS|* 1 RECENT" {
		t.Errorf("delivery by another server: %q", got)
	}
	c.expect("DONE", "i1 OK IDLE completed")
}

// TestIdleBadLine: a line other than DONE ends IDLE with BAD and the session
// goes on; so does a line too long for the decoder. Changes pending at that
// moment are reported by the next command.
func TestIdleBadLine(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.MaxLineLength = 1000 })
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("i1 IDLE", "+ idling")
	c.expect("a2 NOOP", "i1 BAD expected DONE to end IDLE")
	c.expect("n1 NOOP", "n1 OK NOOP completed")
	c.expect("i2 IDLE", "+ idling")
	got := c.cmd(strings.Repeat("x", 1200))
	if len(got) != 1 || !strings.HasPrefix(got[0], "i2 BAD ") {
		t.Errorf("long line in IDLE: %q", got)
	}
	env.deliver("alice", "INBOX", nil, msg1)
	c.expect("n2 NOOP", "* 1 EXISTS", "* 1 RECENT", "n2 OK NOOP completed")
}

// TestIdleEnds: the autologout timer runs while a client idles (RFC 2177 §3,
// RFC 3501 §5.4), a shutdown ends IDLE with BYE, and so does the deletion
// of the selected mailbox.
func TestIdleEnds(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.IdleTimeout = 300 * time.Millisecond })
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("i1 IDLE", "+ idling")
	// The client says nothing: the timer, not the test, decides when.
	if got := c.line(); got != "* BYE autologout; idle for too long" {
		t.Errorf("silent idler: %q", got)
	}
	c.expectEOF()

	env2 := newEnv(t, insecureAuth)
	if err := env2.account("alice").CreateMailbox("box"); err != nil {
		t.Fatal(err)
	}
	d := env2.login("alice", alicePassword)
	d.expectTagged("s1 SELECT box", "s1 OK [READ-WRITE] SELECT completed")
	d.expect("i1 IDLE", "+ idling")
	if err := env2.account("alice").DeleteMailbox("box"); err != nil {
		t.Fatal(err)
	}
	if got := d.line(); got != "* BYE the selected mailbox was deleted" {
		t.Errorf("deleted while idling: %q", got)
	}
	d.expectEOF()

	s := env2.login("alice", alicePassword)
	s.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	s.expect("i1 IDLE", "+ idling")
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- env2.srv.Shutdown(ctx) }()
	if got := s.line(); got != "* BYE server shutting down" {
		t.Errorf("shutdown while idling: %q", got)
	}
	s.expectEOF()
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestIdleTLS: over TLS the session writes (the pushed EXISTS) while its
// reader waits for DONE on the same connection.
func TestIdleTLS(t *testing.T) {
	env := newEnv(t, withTLS)
	c := env.dialTLS()
	c.line() // the greeting
	c.expectTagged(`l1 LOGIN alice "`+alicePassword+`"`, "l1 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	c.expect("i1 IDLE", "+ idling")
	for i := 1; i <= 3; i++ {
		env.deliver("alice", "INBOX", nil, msg1)
		want := strconv.Itoa(i) + " EXISTS"
		if got := c.until("* " + want); got[0] != "* "+want {
			t.Errorf("delivery %d while idling over TLS: %q", i, got)
		}
		c.line() // RECENT
	}
	c.expect("DONE", "i1 OK IDLE completed")
}
