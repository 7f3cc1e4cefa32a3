package conformance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// TestLDAPUnavailable stops slapd under a running Loft and starts it
// again. While it is down, logins are answered with a temporary failure —
// IMAP NO [UNAVAILABLE] (RFC 5530 §3), POP3 -ERR [SYS/TEMP] (RFC 3206 §4),
// a recipient with LMTP 451 4.4.3 (RFC 3463 §3.5) — whether or not the
// password is right, never as a wrong password or an unknown user; once
// it is back, the same sessions log in and deliveries are accepted,
// without restarting Loft.
func TestLDAPUnavailable(t *testing.T) {
	slapd := ldaptest.Start(t) // its own: this test stops it
	tree := ldaptest.NewTree(t, slapd)
	dc := ldapDirectory(slapd, tree)
	dc.LDAP.CacheTTL = 0 // every RCPT searches, so that LMTP sees slapd down
	dir := t.TempDir()
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	srv, err := harness.Start(harness.Options{
		Dir:       dir,
		Protocols: []string{harness.IMAP, harness.POP3, harness.LMTP},
		Log:       logFile,
		Directory: dc,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the connections close before the server
	// stops, so that it need not wait for them.
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	if err := srv.AddUser(harness.User{Login: "alice", Password: "secret", Addresses: []string{"alice@example.org"}}); err != nil {
		t.Fatal(err)
	}

	imap := dial(t, srv, harness.IMAP)
	pop := dial(t, srv, harness.POP3)
	lmtp := dial(t, srv, harness.LMTP)
	lmtpLine(t, lmtp, "LHLO client.example.org", `^250 `)
	lmtpLine(t, lmtp, "MAIL FROM:<bob@example.org>", `^250 `)

	if err := slapd.Stop(); err != nil {
		t.Fatal(err)
	}
	imapLine(t, imap, "a1 LOGIN alice secret", `^a1 NO \[UNAVAILABLE\] `)
	imapLine(t, imap, "a2 LOGIN alice wrong", `^a2 NO \[UNAVAILABLE\] `)
	imapLine(t, imap, "a3 AUTHENTICATE PLAIN", `^\+`)
	imapLineTag(t, imap, "a3", "AGFsaWNlAHNlY3JldA==", `^a3 NO \[UNAVAILABLE\] `)
	pop3Line(t, pop, "USER alice", `^\+OK`)
	pop3Line(t, pop, "PASS secret", `^-ERR \[SYS/TEMP\] `)
	pop3Line(t, pop, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", `^-ERR \[SYS/TEMP\] `)
	lmtpLine(t, lmtp, "RCPT TO:<alice@example.org>", `^451 4\.4\.3 `)
	lmtpLine(t, lmtp, "RCPT TO:<nobody@example.org>", `^451 4\.4\.3 `)

	if err := slapd.Start(); err != nil {
		t.Fatal(err)
	}
	imapLine(t, imap, "b1 LOGIN alice wrong", `^b1 NO \[AUTHENTICATIONFAILED\] `)
	imapLine(t, imap, "b2 LOGIN alice secret", `^b2 OK `)
	pop3Line(t, pop, "USER alice", `^\+OK`)
	pop3Line(t, pop, "PASS secret", `^\+OK`)
	lmtpLine(t, lmtp, "RCPT TO:<nobody@example.org>", `^550 5\.1\.1 `)
	lmtpLine(t, lmtp, "RCPT TO:<alice@example.org>", `^250 `)
}

func dial(t *testing.T, srv *harness.Server, proto string) *harness.Conn {
	t.Helper()
	c, err := srv.Dial(proto)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The greeting.
	if _, err := c.ReadLine(); err != nil {
		t.Fatalf("%s greeting: %v", proto, err)
	}
	return c
}

// imapLine sends cmd and matches the last response (the tagged one, or a
// continuation request) against want.
func imapLine(t *testing.T, c *harness.Conn, cmd, want string) {
	t.Helper()
	tag, _, _ := strings.Cut(cmd, " ")
	imapLineTag(t, c, tag, cmd, want)
}

// imapLineTag is imapLine for a line of the command tag in progress.
func imapLineTag(t *testing.T, c *harness.Conn, tag, cmd, want string) {
	t.Helper()
	if err := c.WriteLine(cmd); err != nil {
		t.Fatal(err)
	}
	resps, _, err := c.ReadIMAPUntil(tag)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	if len(resps) == 0 || !regexp.MustCompile(want).MatchString(resps[len(resps)-1]) {
		t.Errorf("%s: got %q, want %s", cmd, resps, want)
	}
}

func pop3Line(t *testing.T, c *harness.Conn, cmd, want string) {
	t.Helper()
	if err := c.WriteLine(cmd); err != nil {
		t.Fatal(err)
	}
	lines, _, err := c.ReadPOP3(false)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	if len(lines) == 0 || !regexp.MustCompile(want).MatchString(lines[0]) {
		t.Errorf("%s: got %q, want %s", cmd, lines, want)
	}
}

func lmtpLine(t *testing.T, c *harness.Conn, cmd, want string) {
	t.Helper()
	if err := c.WriteLine(cmd); err != nil {
		t.Fatal(err)
	}
	r, err := c.ReadReply()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	last := r.Lines[len(r.Lines)-1]
	if !regexp.MustCompile(want).MatchString(last) {
		t.Errorf("%s: got %q, want %s", cmd, r.Lines, want)
	}
}

// TestLDAPPaused is TestLDAPUnavailable for a slapd that hangs (SIGSTOP):
// it accepts connections and answers nothing. Each login, lookup and
// delivery gets its temporary failure once the directory's own time is
// up, and the session goes on: the directory's timeout is not the
// client's (no IMAP BYE autologout). An account that logged in before
// keeps its session. Once slapd continues, everything works again.
// Neither the users' passwords nor the service account's are ever in
// the server's log, at debug level.
func TestLDAPPaused(t *testing.T) {
	slapd := ldaptest.Start(t) // its own: this test pauses it
	tree := ldaptest.NewTree(t, slapd)
	dc := ldapDirectory(slapd, tree)
	dc.LDAP.CacheTTL = 0 // every command asks slapd
	// How long each failure takes; the outcome does not depend on it.
	dc.LDAP.DialTimeout = server.Duration(2 * time.Second)
	dc.LDAP.RequestTimeout = server.Duration(2 * time.Second)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	srv, err := harness.Start(harness.Options{
		Dir:       dir,
		Protocols: []string{harness.IMAP, harness.POP3, harness.LMTP},
		Log:       logFile,
		Directory: dc,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	const password = "Paused-Pa55word"
	if err := srv.AddUser(harness.User{Login: "alice", Password: password, Addresses: []string{"alice@example.org"}}); err != nil {
		t.Fatal(err)
	}

	session := dial(t, srv, harness.IMAP)
	imapLine(t, session, "s1 LOGIN alice "+password, `^s1 OK `)
	imap := dial(t, srv, harness.IMAP)
	pop := dial(t, srv, harness.POP3)
	lmtp := dial(t, srv, harness.LMTP)
	lmtpLine(t, lmtp, "LHLO client.example.org", `^250 `)
	lmtpLine(t, lmtp, "MAIL FROM:<bob@example.org>", `^250 `)

	if err := slapd.Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			slapd.Resume()
		}
	}()
	imapLine(t, imap, "a1 LOGIN alice "+password, `^a1 NO \[UNAVAILABLE\] `)
	imapLine(t, imap, "a2 LOGIN alice wrong-password", `^a2 NO \[UNAVAILABLE\] `)
	imapLine(t, imap, "a3 NOOP", `^a3 OK `)
	pop3Line(t, pop, "USER alice", `^\+OK`)
	pop3Line(t, pop, "PASS "+password, `^-ERR \[SYS/TEMP\] `)
	lmtpLine(t, lmtp, "RCPT TO:<alice@example.org>", `^451 4\.4\.3 `)
	// APPEND reads the quota from the directory.
	imapLine(t, session, "s2 APPEND INBOX {3+}\r\nhi!", `^s2 NO \[UNAVAILABLE\] `)
	imapLine(t, session, "s3 NOOP", `^s3 OK `)

	if err := slapd.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	imapLine(t, imap, "b1 LOGIN alice "+password, `^b1 OK `)
	pop3Line(t, pop, "USER alice", `^\+OK`)
	pop3Line(t, pop, "PASS "+password, `^\+OK`)
	lmtpLine(t, lmtp, "RCPT TO:<alice@example.org>", `^250 `)
	imapLine(t, session, "s4 APPEND INBOX {3+}\r\nhi!", `^s4 OK `)

	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, "wrong-password", ldaptest.ServicePassword} {
		if strings.Contains(string(log), secret) {
			t.Errorf("the server's log holds the password %q", secret)
		}
	}
}
