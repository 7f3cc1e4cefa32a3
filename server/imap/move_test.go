package imap

import (
	"strconv"
	"testing"
)

// TestMoveExpungeIssued: a MOVE naming a message that another session has
// expunged, which this one knows of but has not announced, moves nothing
// and says so (as COPY does). One expunged while the MOVE runs (here: before
// this session looked again) is not moved; the others are, the COPYUID
// names only them, and the answer is NO [EXPUNGEISSUED] (RFC 6851 §3.3:
// each message moved or unaffected).
func TestMoveExpungeIssued(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", nil, msg1, msg2, msg3, msg1)
	if err := env.account("alice").CreateMailbox("foo"); err != nil {
		t.Fatal(err)
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	inbox := env.mailbox("alice", "INBOX")
	if _, err := inbox.Expunge([]uint32{2}); err != nil {
		t.Fatal(err)
	}
	// FETCH may not announce the expunge (RFC 3501 §7.4.1): the view
	// learns of it and keeps the number.
	c.expect("f1 FETCH 1 UID", "* 1 FETCH (UID 1)", "f1 OK FETCH completed")
	c.expect("m1 MOVE 1:3 foo", "* 2 EXPUNGE", "m1 NO [EXPUNGEISSUED] some of the messages have been expunged")
	if n := len(env.snapshot("alice", "foo").Messages); n != 0 {
		t.Errorf("foo has %d messages after the refused MOVE", n)
	}
	// Now UIDs 1, 3, 4 are messages 1 to 3; UID 3 goes unseen.
	if _, err := inbox.Expunge([]uint32{3}); err != nil {
		t.Fatal(err)
	}
	c.expect("m2 MOVE 1:3 foo", "* OK [COPYUID "+uidValidity(t, env, "foo")+" 1,4 1:2] moved",
		"* 1 EXPUNGE", "* 1 EXPUNGE", "* 1 EXPUNGE",
		"m2 NO [EXPUNGEISSUED] some of the messages were expunged meanwhile; the others were moved")
	if n := len(env.snapshot("alice", "INBOX").Messages); n != 0 {
		t.Errorf("INBOX has %d messages after the MOVE", n)
	}
	if n := len(env.snapshot("alice", "foo").Messages); n != 2 {
		t.Errorf("foo has %d messages after the MOVE, want 2", n)
	}
}

func uidValidity(t *testing.T, env *testEnv, mailbox string) string {
	t.Helper()
	return strconv.FormatUint(uint64(env.snapshot("alice", mailbox).UIDValidity), 10)
}
