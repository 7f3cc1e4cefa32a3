package imap

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"testing"
	"time"
)

// TestGreetingCapabilities checks the capabilities announced in the greeting
// (RFC 3501 §7.1.1 with the CAPABILITY code) and by CAPABILITY (§6.1.1) in
// each state and TLS situation: STARTTLS only before TLS and login,
// LOGINDISABLED and no AUTH= where passwords may not be sent in the clear
// (RFC 2595 §3.2, §6).
func TestGreetingCapabilities(t *testing.T) {
	t.Run("plaintext allowed", func(t *testing.T) {
		env := newEnv(t, insecureAuth)
		c := env.dial()
		c.expect("a1 CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-", "a1 OK CAPABILITY completed")
		c.expect("a2 LOGIN alice {15}", "+ Ready for literal data")
		c.expect(alicePassword, "a2 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
		c.expect("a3 CAPABILITY", "* CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-", "a3 OK CAPABILITY completed")
	})
	t.Run("TLS required", func(t *testing.T) {
		env := newEnv(t, withTLS)
		c := env.dialRaw()
		if g, want := c.line(), "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] imap.example.org Loft IMAP4rev1 server ready"; g != want {
			t.Fatalf("greeting %q, want %q", g, want)
		}
		c.expect("a1 CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-", "a1 OK CAPABILITY completed")
		c.expect("a2 LOGIN alice x", "a2 NO [PRIVACYREQUIRED] plaintext authentication requires TLS")
		c.expect("a3 AUTHENTICATE PLAIN", "a3 NO [PRIVACYREQUIRED] plaintext authentication requires TLS")

		tc := env.dialTLS()
		if g, want := tc.line(), "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] imap.example.org Loft IMAP4rev1 server ready"; g != want {
			t.Fatalf("implicit TLS greeting %q, want %q", g, want)
		}
		tc.expect("b1 STARTTLS", "b1 BAD TLS is already active")
		tc.expect("b2 LOGIN alice \""+alicePassword+"\"", "b2 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
	})
	t.Run("no TLS configured", func(t *testing.T) {
		env := newEnv(t)
		c := env.dialRaw()
		if g, want := c.line(), "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-] imap.example.org Loft IMAP4rev1 server ready"; g != want {
			t.Fatalf("greeting %q, want %q", g, want)
		}
		c.expect("a1 STARTTLS", "a1 BAD TLS is not available")
	})
}

// TestStartTLS runs STARTTLS (RFC 3501 §6.2.1): the capabilities change after
// it, and a command sent in the clear behind STARTTLS, before the handshake,
// is discarded (RFC 2595 §3.1) rather than run as if it came over TLS.
func TestStartTLS(t *testing.T) {
	env := newEnv(t, withTLS)
	c := env.dialRaw()
	c.line()
	c.write("a1 STARTTLS\r\na2 LOGIN alice \"" + alicePassword + "\"\r\n")
	if got := c.line(); got != "a1 OK Begin TLS negotiation now" {
		t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.conn, env.clientTLSConfig())
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c = &client{t: t, conn: tc, r: bufio.NewReader(tc)}
	c.expect("b1 CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN SASL-IR CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN NAMESPACE IDLE UNSELECT ID MOVE LITERAL-", "b1 OK CAPABILITY completed")
	c.expect("b2 STARTTLS", "b2 BAD TLS is already active")
	c.expect("b3 NOOP", "b3 OK NOOP completed")
	if !strings.Contains(env.logs.String(), "discarding input sent after STARTTLS") {
		t.Error("the injected LOGIN was not reported as discarded")
	}
	c.expect("b4 LOGIN alice \""+alicePassword+"\"", "b4 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
}

// TestLogin covers LOGIN (RFC 3501 §6.2.3): wrong password, unknown and
// disabled users all get the same AUTHENTICATIONFAILED (RFC 5530), and
// LOGIN is not valid once authenticated.
func TestLogin(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("a1 LOGIN alice wrong", "a1 NO [AUTHENTICATIONFAILED] authentication failed")
	c.expect("a2 LOGIN nobody x", "a2 NO [AUTHENTICATIONFAILED] authentication failed")
	c.expect("a3 LOGIN carol carol-pw", "a3 NO [AUTHENTICATIONFAILED] authentication failed")
	c.expectBad("a4 LOGIN alice", 14)
	c.expect("a5 SELECT INBOX", "a5 BAD SELECT is not valid in the not authenticated state")
	c.expect(`a6 LOGIN "alice" "`+alicePassword+`"`, "a6 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")
	c.expect("a7 LOGIN alice x", "a7 BAD LOGIN is not valid in the authenticated state")
	if strings.Contains(env.logs.String(), alicePassword) {
		t.Error("the log holds a password")
	}
	if !strings.Contains(env.logs.String(), "user=alice cmd=LOGIN tag=a6") {
		t.Errorf("the log does not name user, command and tag:\n%s", env.logs.String())
	}
}

// TestAuthenticate covers AUTHENTICATE (RFC 3501 §6.2.2) with PLAIN
// (RFC 4616) and LOGIN, and its cancellation with "*".
func TestAuthenticate(t *testing.T) {
	env := newEnv(t, insecureAuth)
	b64 := base64.StdEncoding.EncodeToString
	c := env.dial()
	c.expect("a1 AUTHENTICATE PLAIN", "+ ")
	c.expect("*", "a1 BAD authentication canceled")
	c.expect("a2 AUTHENTICATE PLAIN", "+ ")
	c.expect("not base64!", "a2 BAD authentication response is not base64")
	c.expect("a3 AUTHENTICATE PLAIN", "+ ")
	c.expect(b64([]byte("\x00alice\x00wrong")), "a3 NO [AUTHENTICATIONFAILED] authentication failed")
	c.expect("a4 AUTHENTICATE PLAIN", "+ ")
	c.expect(b64([]byte("bob\x00alice\x00"+alicePassword)), "a4 NO [AUTHENTICATIONFAILED] authentication failed")
	c.expect("a5 AUTHENTICATE CRAM-MD5", "a5 NO [CANNOT] unsupported authentication mechanism CRAM-MD5")
	c.expect("a6 AUTHENTICATE PLAIN", "+ ")
	c.expect(b64([]byte("\x00alice\x00"+alicePassword)), "a6 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] AUTHENTICATE PLAIN completed")

	c = env.dial()
	c.expect("b1 AUTHENTICATE login", "+ "+b64([]byte("Username:")))
	c.expect(b64([]byte("bob")), "+ "+b64([]byte("Password:")))
	c.expect("*", "b1 BAD authentication canceled")
	c.expect("b2 AUTHENTICATE LOGIN", "+ "+b64([]byte("Username:")))
	c.expect(b64([]byte("bob")), "+ "+b64([]byte("Password:")))
	c.expect(b64([]byte(bobPassword)), "b2 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] AUTHENTICATE LOGIN completed")
	c.expect("b3 AUTHENTICATE PLAIN", "b3 BAD AUTHENTICATE is not valid in the authenticated state")
}

// TestAuthFailureDelay checks that a failed login waits before it answers.
func TestAuthFailureDelay(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.AuthFailureDelay = 300 * time.Millisecond })
	c := env.dial()
	start := time.Now()
	c.expect("a1 LOGIN alice wrong", "a1 NO [AUTHENTICATIONFAILED] authentication failed")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("failed LOGIN answered after %v, before the 300ms delay", d)
	}
}

// TestCommandErrors covers the BAD answers of RFC 3501 §7.1.3: unknown
// commands, commands in the wrong state, syntax errors, and lines without a
// tag (untagged BAD); the session stays usable after each.
func TestCommandErrors(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("a1 XYZZY", "a1 BAD unknown command XYZZY")
	c.expect("a2 UID XYZZY 1", "a2 BAD unknown command UID XYZZY")
	c.expect("a3 CLOSE", "a3 BAD CLOSE is not valid in the not authenticated state")
	c.expectBad("a4 NOOP extra", 7)
	c.write("\r\n")
	if got := c.line(); got != "* BAD expected a command tag" {
		t.Errorf("empty line: %q", got)
	}
	c.write("+tag NOOP\r\n")
	if got := c.line(); got != "* BAD expected a command tag" {
		t.Errorf("tag with +: %q", got)
	}
	c.expectBad("a5", 2)
	c.expect("a6 NOOP", "a6 OK NOOP completed")
	l := env.login("alice", alicePassword)
	l.expect("b1 EXPUNGE", "b1 BAD EXPUNGE is not valid in the authenticated state")
	l.expectBad("b2 SELECT", 9)
	l.expectBad("b3 SELECT \"a\x01b\"", 10)
	l.expectBad("b4 SELECT &Jjo", 10)
}

// TestLogout covers LOGOUT (RFC 3501 §6.1.3) in each state.
func TestLogout(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("a1 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "a1 OK LOGOUT completed")
	c.expectEOF()
	l := env.login("alice", alicePassword)
	l.cmd("b1 SELECT INBOX")
	l.expect("b2 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "b2 OK LOGOUT completed")
	l.expectEOF()
	waitFor(t, "sessions to end", func() bool { return env.srv.ActiveConnections() == 0 })
}

// TestRemoteWithoutTLS checks AllowInsecureAuth's answer per address: the
// policy sees the client's address.
func TestRemoteWithoutTLS(t *testing.T) {
	var seen net.Addr
	env := newEnv(t, func(cfg *Config) {
		cfg.AllowInsecureAuth = func(a net.Addr) bool { seen = a; return false }
	})
	c := env.dialRaw()
	if g := c.line(); !strings.Contains(g, "LOGINDISABLED") {
		t.Errorf("greeting %q without LOGINDISABLED", g)
	}
	if seen == nil || !strings.HasPrefix(seen.String(), "127.0.0.1:") {
		t.Errorf("policy saw %v, want the client's address", seen)
	}
}
