package pop3

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/loftmail/loft/rfc/rfc1939"
)

var (
	msgPlain = "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: hello\r\n\r\nHi Alice.\r\n"
	// Lines beginning with the termination octet (RFC 1939 §3).
	msgDots = "From: bob@example.org\r\nSubject: dots\r\n\r\n.\r\n..\r\n.hidden line\r\nnot.at start\r\n...\r\nend\r\n"
	msgLong = "From: carol@example.org\r\nSubject: lines\r\nX-Folded: a\r\n b\r\n\r\nline 1\r\nline 2\r\n.line 3\r\nline 4\r\n"
)

// TestSession runs the RFC 1939 §10 example session shape against the store:
// USER/PASS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET and QUIT.
func TestSession(t *testing.T) {
	env := newEnv(t, insecureAuth)
	uids := env.deliver("alice", msgPlain, msgDots, msgLong)
	validity := env.snapshotValidity("alice")
	total := len(msgPlain) + len(msgDots) + len(msgLong)

	c := env.dial()
	c.expect("USER alice", "+OK send PASS")
	c.expect("PASS "+alicePassword, fmt.Sprintf("+OK maildrop has 3 messages (%d octets)", total))
	c.expect("STAT", fmt.Sprintf("+OK 3 %d", total))

	c.expect("LIST", fmt.Sprintf("+OK 3 messages (%d octets)", total))
	want := []string{
		fmt.Sprintf("1 %d", len(msgPlain)),
		fmt.Sprintf("2 %d", len(msgDots)),
		fmt.Sprintf("3 %d", len(msgLong)),
	}
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("LIST (-want +got):\n%s", diff)
	}
	c.expect("LIST 2", fmt.Sprintf("+OK 2 %d", len(msgDots)))
	c.expect("LIST 4", "-ERR no such message, only 3 messages in maildrop")

	c.expect("UIDL", "+OK unique-id listing follows")
	var wantUIDL []string
	for i, uid := range uids {
		wantUIDL = append(wantUIDL, fmt.Sprintf("%d %d.%d", i+1, validity, uid))
	}
	if diff := cmp.Diff(wantUIDL, c.lines()); diff != "" {
		t.Errorf("UIDL (-want +got):\n%s", diff)
	}
	c.expect("UIDL 3", "+OK "+wantUIDL[2])

	// RETR: the exact stored octets, byte-stuffed.
	c.expect("RETR 2", fmt.Sprintf("+OK %d octets", len(msgDots)))
	if got, want := c.body(), stuffed(msgDots); got != want {
		t.Errorf("RETR 2 sent %q, want %q", got, want)
	}
	if !strings.Contains(stuffed(msgDots), "\r\n..\r\n...\r\n..hidden") {
		t.Fatal("test message lacks stuffed lines")
	}
	c.expect("RETR 1", fmt.Sprintf("+OK %d octets", len(msgPlain)))
	if got := c.decode(); string(got) != msgPlain {
		t.Errorf("RETR 1 decoded %q, want %q", got, msgPlain)
	}

	// TOP (RFC 1939 §7): header, blank line, n body lines.
	header := "From: carol@example.org\r\nSubject: lines\r\nX-Folded: a\r\n b\r\n\r\n"
	c.expect("TOP 3 0", "+OK top of message follows")
	if got, want := c.body(), stuffed(header); got != want {
		t.Errorf("TOP 3 0 sent %q, want %q", got, want)
	}
	c.expect("TOP 3 3", "+OK top of message follows")
	if got, want := c.body(), stuffed(header+"line 1\r\nline 2\r\n.line 3\r\n"); got != want {
		t.Errorf("TOP 3 3 sent %q, want %q", got, want)
	}
	c.expect("TOP 3 100", "+OK top of message follows")
	if got, want := c.body(), stuffed(msgLong); got != want {
		t.Errorf("TOP 3 100 sent %q, want %q", got, want)
	}

	// DELE hides the message from every command (RFC 1939 §5).
	c.expect("DELE 1", "+OK message 1 deleted")
	c.expect("DELE 1", "-ERR message 1 already deleted")
	c.expect("RETR 1", "-ERR message 1 already deleted")
	c.expect("TOP 1 0", "-ERR message 1 already deleted")
	c.expect("LIST 1", "-ERR message 1 already deleted")
	c.expect("UIDL 1", "-ERR message 1 already deleted")
	c.expect("STAT", fmt.Sprintf("+OK 2 %d", len(msgDots)+len(msgLong)))
	c.expect("LIST", fmt.Sprintf("+OK 2 messages (%d octets)", len(msgDots)+len(msgLong)))
	if diff := cmp.Diff(want[1:], c.lines()); diff != "" {
		t.Errorf("LIST after DELE (-want +got):\n%s", diff)
	}
	c.expect("UIDL", "+OK unique-id listing follows")
	if diff := cmp.Diff(wantUIDL[1:], c.lines()); diff != "" {
		t.Errorf("UIDL after DELE (-want +got):\n%s", diff)
	}

	// RSET unmarks; nothing has been removed from the store.
	c.expect("RSET", fmt.Sprintf("+OK maildrop has 3 messages (%d octets)", total))
	c.expect("NOOP", "+OK")
	if diff := cmp.Diff(uids, env.uids("alice")); diff != "" {
		t.Errorf("store changed before QUIT (-want +got):\n%s", diff)
	}

	c.expect("DELE 1", "+OK message 1 deleted")
	c.expect("DELE 3", "+OK message 3 deleted")
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (1 messages left)")
	c.expectEOF()

	// UPDATE (RFC 1939 §6) removed exactly the marked messages.
	if diff := cmp.Diff(uids[1:2], env.uids("alice")); diff != "" {
		t.Errorf("store after QUIT (-want +got):\n%s", diff)
	}

	// A new session numbers the remaining message 1, with the same unique-id.
	c = env.dial()
	c.login("alice", alicePassword)
	c.expect("UIDL", "+OK unique-id listing follows")
	if diff := cmp.Diff([]string{fmt.Sprintf("1 %d.%d", validity, uids[1])}, c.lines()); diff != "" {
		t.Errorf("UIDL in second session (-want +got):\n%s", diff)
	}
	c.expect("DELE 1", "+OK message 1 deleted")
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
	c.expectEOF()
	if got := env.uids("alice"); len(got) != 0 {
		t.Errorf("store after second QUIT has %v", got)
	}
}

func (e *testEnv) snapshotValidity(name string) uint32 {
	e.t.Helper()
	snap, err := e.inbox(name).Snapshot()
	if err != nil {
		e.t.Fatal(err)
	}
	return snap.UIDValidity
}

// TestEmptyMaildrop: a first login creates the store account with an empty
// INBOX; LIST and UIDL are empty multi-line responses (RFC 1939 §5).
func TestEmptyMaildrop(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("USER bob", "+OK send PASS")
	c.expect("PASS "+bobPassword, "+OK maildrop has 0 messages (0 octets)")
	c.expect("STAT", "+OK 0 0")
	c.expect("LIST", "+OK 0 messages (0 octets)")
	if got := c.body(); got != ".\r\n" {
		t.Errorf("LIST body %q", got)
	}
	c.expect("UIDL", "+OK unique-id listing follows")
	if got := c.body(); got != ".\r\n" {
		t.Errorf("UIDL body %q", got)
	}
	c.expect("RETR 1", "-ERR no such message, only 0 messages in maildrop")
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
	if ok, err := env.store.AccountExists("bob"); err != nil || !ok {
		t.Errorf("store account bob exists = %v, %v", ok, err)
	}
}

// TestMessageEnds: messages that do not end in CRLF get one before the
// terminating line; a message of one "." line is stuffed.
func TestMessageEnds(t *testing.T) {
	env := newEnv(t, insecureAuth)
	msgs := []string{
		"Subject: no final newline\r\n\r\nbody",
		"Subject: bare LF\n\n.\nx\n",
		".",
		"Subject: x\r\n\r\n.\r\n",
	}
	env.deliver("alice", msgs...)
	c := env.dial()
	c.login("alice", alicePassword)
	for i, m := range msgs {
		c.expect(fmt.Sprintf("RETR %d", i+1), fmt.Sprintf("+OK %d octets", len(m)))
		if got, want := c.body(), stuffed(m); got != want {
			t.Errorf("RETR %d sent %q, want %q", i+1, got, want)
		}
	}
	c.expect("TOP 2 0", "+OK top of message follows")
	if got, want := c.body(), "Subject: bare LF\n\n\r\n.\r\n"; got != want {
		t.Errorf("TOP 2 0 sent %q, want %q", got, want)
	}
}

// TestCapa checks CAPA (RFC 2449 §5) in both states.
func TestCapa(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	want := []string{"TOP", "UIDL", "USER", "SASL PLAIN LOGIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Loft 0.1"}
	c.expect("CAPA", "+OK capability list follows")
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("CAPA in AUTHORIZATION (-want +got):\n%s", diff)
	}
	c.login("alice", alicePassword)
	c.expect("capa", "+OK capability list follows")
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("CAPA in TRANSACTION (-want +got):\n%s", diff)
	}
}

// TestErrors: unknown commands, commands in the wrong state and bad
// arguments are answered with -ERR and the session goes on (RFC 1939 §3).
func TestErrors(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain)
	c := env.dial()
	for _, tt := range []struct{ cmd, want string }{
		{"STAT", "-ERR STAT is not valid in the AUTHORIZATION state"},
		{"LIST", "-ERR LIST is not valid in the AUTHORIZATION state"},
		{"RETR 1", "-ERR RETR is not valid in the AUTHORIZATION state"},
		{"DELE 1", "-ERR DELE is not valid in the AUTHORIZATION state"},
		{"NOOP", "-ERR NOOP is not valid in the AUTHORIZATION state"},
		{"FOO", "-ERR unknown command"},
		{"XYZZY", "-ERR unknown command"},
		{"", "-ERR empty command line"},
		{"PASS " + alicePassword, "-ERR PASS must follow a successful USER"},
		{"APOP alice c4c9334bac560ecc979e58001b3e22fb", "-ERR APOP is not supported; use USER/PASS or AUTH"},
		{"USER", "-ERR USER takes one argument"},
		{"USER a b", "-ERR USER takes one argument"},
		{"STLS", "-ERR TLS is not available on this server"},
		{"AUTH FOO", "-ERR unsupported authentication mechanism FOO"},
		{"AUTH PLAIN !!!", "-ERR AUTH: initial response: invalid base64: octet 0x21 at 0"},
		{"USER  alice", "-ERR USER: syntax error at octet 5: empty argument (arguments are separated by single spaces)"},
		// RFC 1939 §3: a control character is a syntax error, named and
		// not echoed.
		{"USER al\x00ice", "-ERR invalid character 0x00 in command"},
		{"USER al\x1bice", "-ERR invalid character 0x1B in command"},
		{"US\x00R alice", "-ERR invalid character 0x00 in command"},
		{"\x00", "-ERR invalid character 0x00 in command"},
		{"USER\talice", "-ERR invalid character 0x09 in command"},
		{"PASS pass\x7fword", "-ERR invalid character 0x7F in command"},
		{"USER al\rice", "-ERR invalid character 0x0D in command"},
	} {
		c.expect(tt.cmd, tt.want)
	}
	// PASS must come immediately after USER (RFC 1939 §7).
	c.expect("USER alice", "+OK send PASS")
	c.expect("CAPA", "+OK capability list follows")
	c.lines()
	c.expect("PASS "+alicePassword, "-ERR PASS must follow a successful USER")

	c.login("alice", alicePassword)
	for _, tt := range []struct{ cmd, want string }{
		{"USER alice", "-ERR USER is not valid in the TRANSACTION state"},
		{"PASS x", "-ERR PASS is not valid in the TRANSACTION state"},
		{"AUTH PLAIN", "-ERR AUTH is not valid in the TRANSACTION state"},
		{"STLS", "-ERR STLS is not valid in the TRANSACTION state"},
		{"RETR", "-ERR RETR takes one argument"},
		{"RETR 0", `-ERR invalid message number "0": message numbers start at 1`},
		{"RETR x", `-ERR invalid message number "x": not a decimal number`},
		{"RETR 2", "-ERR no such message, only 1 messages in maildrop"},
		{"RETR 99999999999", `-ERR invalid message number "99999999999": too large`},
		{"LIST 1 2", "-ERR LIST takes at most one argument"},
		{"TOP 1", "-ERR TOP takes 2 arguments"},
		{"TOP 1 -1", `-ERR invalid line count "-1": not a decimal number`},
		{"STAT 1", "-ERR STAT takes no arguments"},
		{"FOO", "-ERR unknown command"},
	} {
		c.expect(tt.cmd, tt.want)
	}
	c.expect("STAT", fmt.Sprintf("+OK 1 %d", len(msgPlain)))
}

// TestLineTooLong: an over-long line is answered once and discarded to its
// end; the next command is read normally.
func TestLineTooLong(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	for _, n := range []int{511, 600, 5000, 100000} {
		c.write("NOOP " + strings.Repeat("x", n) + "\r\n")
		if got := c.line(); got != "-ERR line too long" {
			t.Fatalf("line of %d octets: got %q", n+7, got)
		}
		c.expect("QUIT x", "-ERR QUIT takes no arguments")
	}
	// 512 octets with CRLF is the limit (RFC 2449 §4 requires 255).
	c.expect("USER "+strings.Repeat("a", 505), "+OK send PASS")
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off")
	c.expectEOF()
}

// TestPipelining sends a whole session in one write (RFC 2449 §6.6) and
// reads the answers in order.
func TestPipelining(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain, msgDots)
	c := env.dial()
	c.write("USER alice\r\nPASS " + alicePassword + "\r\nSTAT\r\nLIST\r\nRETR 2\r\nDELE 1\r\nBOGUS\r\nUIDL 1\r\nQUIT\r\n")
	if got := c.line(); got != "+OK send PASS" {
		t.Fatalf("USER: %q", got)
	}
	if got := c.line(); !strings.HasPrefix(got, "+OK maildrop has 2 messages") {
		t.Fatalf("PASS: %q", got)
	}
	if got := c.line(); got != fmt.Sprintf("+OK 2 %d", len(msgPlain)+len(msgDots)) {
		t.Fatalf("STAT: %q", got)
	}
	c.line()
	if got := c.lines(); len(got) != 2 {
		t.Fatalf("LIST: %q", got)
	}
	if got := c.line(); got != fmt.Sprintf("+OK %d octets", len(msgDots)) {
		t.Fatalf("RETR: %q", got)
	}
	if got, want := c.body(), stuffed(msgDots); got != want {
		t.Fatalf("RETR body %q, want %q", got, want)
	}
	for _, want := range []string{"+OK message 1 deleted", "-ERR unknown command", "-ERR message 1 already deleted",
		"+OK pop.example.org POP3 server signing off (1 messages left)"} {
		if got := c.line(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	c.expectEOF()
	if got := env.uids("alice"); len(got) != 1 {
		t.Errorf("store has %v after QUIT", got)
	}
}

// TestUniqueIDAcrossServers: two servers, each with its own Store on one
// store root, give every message the same unique-id (RFC 1939 §7).
func TestUniqueIDAcrossServers(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain, msgDots)
	c := env.dial()
	c.login("alice", alicePassword)
	c.expect("UIDL", "+OK unique-id listing follows")
	first := c.lines()

	other := newEnvSharing(t, env, insecureAuth)
	c2 := other.dial()
	c2.login("alice", alicePassword)
	c2.expect("UIDL", "+OK unique-id listing follows")
	if diff := cmp.Diff(first, c2.lines()); diff != "" {
		t.Errorf("UIDL on second server (-want +got):\n%s", diff)
	}
	for _, l := range first {
		_, id, _ := strings.Cut(l, " ")
		if !rfc1939.ValidUniqueID(id) {
			t.Errorf("invalid unique-id %q", id)
		}
	}
}

// TestLargeMessage streams a message far larger than every buffer, with
// stuffed lines at chunk boundaries, and a TOP of it.
func TestLargeMessage(t *testing.T) {
	env := newEnv(t, insecureAuth)
	var b strings.Builder
	b.WriteString("From: bob@example.org\r\nSubject: large\r\n\r\n")
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, ".%d%s\r\n", i, strings.Repeat("x", i%997))
	}
	msg := b.String()
	env.deliver("alice", msg)
	c := env.dial()
	c.login("alice", alicePassword)
	c.expect("RETR 1", fmt.Sprintf("+OK %d octets", len(msg)))
	if got := c.body(); got != stuffed(msg) {
		t.Errorf("RETR of %d octets: got %d octets, not the stuffed message", len(msg), len(got))
	}
	c.expect("TOP 1 2", "+OK top of message follows")
	if got, want := c.body(), stuffed("From: bob@example.org\r\nSubject: large\r\n\r\n.0\r\n.1x\r\n"); got != want {
		t.Errorf("TOP 1 2 = %q, want %q", got, want)
	}
}
