package imap

import (
	"strings"
	"testing"
)

// TestLiterals covers synchronising literals (RFC 3501 §4.3, §7.5): an
// accepted one gets "+" before the client sends it; a refused one gets the
// tagged answer at once, with no continuation, and the session stays in step
// (the client never sends the octets). Non-synchronising literals (RFC 7888)
// are taken without a continuation request (TestNonSyncLiterals has their
// limits).
func TestLiterals(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) {
		cfg.MaxLineLength = 1000
		cfg.MaxLiteralSize = 64
	})
	c := env.dial()
	c.expect("a1 LOGIN {5}", "+ Ready for literal data")
	c.expect("alice {15}", "+ Ready for literal data")
	c.expect(alicePassword, "a1 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed")

	// Over MaxLineLength outside APPEND: BAD, no continuation.
	c.expect("a2 CREATE {1001}", "a2 BAD literal larger than 1000 octets")
	c.expect("a3 NOOP", "a3 OK NOOP completed")
	// Over MaxLiteralSize in APPEND: NO [TOOBIG], no continuation.
	c.expect("a4 APPEND INBOX {65}", "a4 NO [TOOBIG] message larger than 64 octets")
	c.expect("a5 APPEND INBOX (\\Seen) {0}", "a5 NO [CANNOT] empty message")
	c.expect("a6 NOOP", "a6 OK NOOP completed")
	// A non-synchronising literal needs no continuation request.
	c.write("a7 CREATE {3+}\r\nfoo\r\na8 NOOP\r\n")
	if got := c.until("a8 "); strings.Join(got, "|") != "a7 OK CREATE completed|a8 OK NOOP completed" {
		t.Errorf("non-synchronising literal: %q", got)
	}
	// RFC 3516 §4.4 allows a literal8 in APPEND only: elsewhere it is no
	// string.
	c.write("a9 CREATE ~{3}\r\na10 NOOP\r\n")
	if got := c.until("a10 "); len(got) != 2 || !strings.HasPrefix(got[0], "a9 BAD syntax error") || got[1] != "a10 OK NOOP completed" {
		t.Errorf("literal8: %q", got)
	}
	// A literal that holds NUL is a syntax error; the command is skipped.
	c.expect("a11 CREATE {3}", "+ Ready for literal data")
	if got := c.cmd("a\x00b"); len(got) != 1 || !strings.HasPrefix(got[0], "a11 BAD syntax error at octet 17: ") {
		t.Errorf("NUL in a literal: %q", got)
	}
	c.expect("a12 LIST \"\" *", `* LIST (\HasNoChildren) "/" INBOX`, `* LIST (\HasNoChildren) "/" foo`, "a12 OK LIST completed")
}

// TestLongLines checks that a line over MaxLineLength gets BAD and that the
// session goes on with the next command (RFC 3501 §7.1.3); a line too long
// to hold its tag gets an untagged BAD.
func TestLongLines(t *testing.T) {
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.MaxLineLength = 1000 })
	c := env.login("alice", alicePassword)
	c.expect("a1 CREATE "+strings.Repeat("x", 1200), "a1 BAD line too long")
	c.expect("a2 NOOP", "a2 OK NOOP completed")
	c.write(strings.Repeat("t", 1500) + " NOOP\r\n")
	if got := c.line(); got != "* BAD line too long" {
		t.Errorf("long tag: %q", got)
	}
	c.expect("a3 NOOP", "a3 OK NOOP completed")
	// A line of exactly the limit is accepted (the limit counts the CRLF).
	pattern := strings.Repeat("y", 1000-len("a4 LIST \"\" \r\n"))
	c.expect("a4 LIST \"\" "+pattern, "a4 OK LIST completed")
	c.expect("a5 LIST \"\" "+pattern+"y", "a5 BAD line too long")
}

// TestPipelining sends several commands in one write: the answers come in
// order (RFC 3501 §5.5).
func TestPipelining(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.write("p1 NOOP\r\np2 LOGIN alice \"" + alicePassword + "\"\r\np3 CREATE box\r\np4 LIST \"\" box\r\n")
	want := []string{
		"p1 OK NOOP completed",
		"p2 OK [CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-] LOGIN completed",
		"p3 OK CREATE completed",
		`* LIST (\HasNoChildren) "/" box`,
		"p4 OK LIST completed",
	}
	if got := c.until("p4 "); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pipelined answers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
