package pop3

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTwoSessionsOneMaildrop proves what rfc/rfc1939's package documentation
// promises for sessions sharing a maildrop without a lock: each works on its
// login snapshot; a message another session removed answers RETR and TOP with
// -ERR; the deletions of every session that quits are applied; a session that
// does not quit removes nothing; a message delivered during a session is
// never touched by it. QUIT counts what the maildrop holds after the UPDATE
// state, whatever the session's snapshot held.
func TestTwoSessionsOneMaildrop(t *testing.T) {
	env := newEnv(t, insecureAuth)
	msgs := []string{msgPlain, msgDots, msgLong}
	uids := env.deliver("alice", msgs...)
	validity := env.snapshotValidity("alice")

	a, b, c := env.dial(), env.dial(), env.dial()
	for _, s := range []*client{a, b, c} {
		s.login("alice", alicePassword)
	}
	late := env.deliver("alice", "Subject: late\r\n\r\narrived during the sessions\r\n")

	// B deletes message 1 and quits: it is expunged. Left: messages 2
	// and 3, and the late delivery that B's snapshot does not have.
	b.expect("DELE 1", "+OK message 1 deleted")
	b.expect("QUIT", "+OK pop.example.org POP3 server signing off (3 messages left)")
	b.expectEOF()
	if diff := cmp.Diff([]uint32{uids[1], uids[2], late[0]}, env.uids("alice")); diff != "" {
		t.Fatalf("store after B's QUIT (-want +got):\n%s", diff)
	}

	// A still numbers its snapshot: message 1 is listed, but its octets
	// are gone.
	total := len(msgPlain) + len(msgDots) + len(msgLong)
	a.expect("STAT", fmt.Sprintf("+OK 3 %d", total))
	a.expect("LIST 1", fmt.Sprintf("+OK 1 %d", len(msgPlain)))
	a.expect("UIDL 1", fmt.Sprintf("+OK 1 %d.%d", validity, uids[0]))
	a.expect("RETR 1", "-ERR no such message: it was deleted by another session")
	a.expect("TOP 1 0", "-ERR no such message: it was deleted by another session")
	a.expect("RETR 2", fmt.Sprintf("+OK %d octets", len(msgDots)))
	if got, want := a.body(), stuffed(msgDots); got != want {
		t.Errorf("A's RETR 2 = %q, want %q", got, want)
	}
	// A deletes 1 (already gone) and 2; both sessions' deletions apply.
	a.expect("DELE 1", "+OK message 1 deleted")
	a.expect("DELE 2", "+OK message 2 deleted")
	a.expect("QUIT", "+OK pop.example.org POP3 server signing off (2 messages left)")
	a.expectEOF()
	if diff := cmp.Diff([]uint32{uids[2], late[0]}, env.uids("alice")); diff != "" {
		t.Fatalf("store after A's QUIT (-want +got):\n%s", diff)
	}

	// C marks message 3 and drops the connection without QUIT: nothing is
	// removed (RFC 1939 §6).
	c.expect("DELE 3", "+OK message 3 deleted")
	c.conn.Close()
	waitFor(t, "sessions to end", func() bool { return env.srv.ActiveConnections() == 0 })
	if diff := cmp.Diff([]uint32{uids[2], late[0]}, env.uids("alice")); diff != "" {
		t.Fatalf("store after C's disconnect (-want +got):\n%s", diff)
	}

	// A new session sees what is left, including the late delivery.
	d := env.dial()
	d.login("alice", alicePassword)
	d.expect("UIDL", "+OK unique-id listing follows")
	want := []string{fmt.Sprintf("1 %d.%d", validity, uids[2]), fmt.Sprintf("2 %d.%d", validity, late[0])}
	if diff := cmp.Diff(want, d.lines()); diff != "" {
		t.Errorf("UIDL of the next session (-want +got):\n%s", diff)
	}
}

// TestQuitCountsWhatRemains: two sessions on one maildrop of 4 messages;
// A deletes one and quits, then B, which deleted nothing, quits: B's QUIT
// counts the 3 messages left, not the 4 of its snapshot. Then the last
// session empties the maildrop.
func TestQuitCountsWhatRemains(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain, msgDots, msgLong, msgPlain)
	a, b := env.dial(), env.dial()
	a.login("alice", alicePassword)
	b.login("alice", alicePassword)
	a.expect("DELE 2", "+OK message 2 deleted")
	a.expect("QUIT", "+OK pop.example.org POP3 server signing off (3 messages left)")
	a.expectEOF()
	b.expect("STAT", fmt.Sprintf("+OK 4 %d", 2*len(msgPlain)+len(msgDots)+len(msgLong)))
	b.expect("QUIT", "+OK pop.example.org POP3 server signing off (3 messages left)")
	b.expectEOF()

	c := env.dial()
	c.expectPrefix("USER alice", "+OK")
	c.expect("PASS "+alicePassword, fmt.Sprintf("+OK maildrop has 3 messages (%d octets)", 2*len(msgPlain)+len(msgLong)))
	for i := 1; i <= 3; i++ {
		c.expect(fmt.Sprintf("DELE %d", i), fmt.Sprintf("+OK message %d deleted", i))
	}
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
}

// TestQuitExpungeFails: when the UPDATE state cannot remove the messages, QUIT
// answers -ERR [SYS/TEMP] (RFC 1939 §6, RFC 3206 §4) and closes.
func TestQuitExpungeFails(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain)
	c := env.dial()
	c.login("alice", alicePassword)
	c.expect("DELE 1", "+OK message 1 deleted")
	if err := env.store.DeleteAccount("alice"); err != nil {
		t.Fatal(err)
	}
	c.expect("QUIT", "-ERR [SYS/TEMP] some deleted messages not removed")
	c.expectEOF()
}
