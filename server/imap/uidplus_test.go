package imap

import (
	"fmt"
	"slices"
	"testing"

	"github.com/loftmail/loft/store"
)

// uidValidity returns the UIDVALIDITY of a mailbox of user's.
func (e *testEnv) uidValidity(user, mailbox string) uint32 {
	return e.snapshot(user, mailbox).UIDValidity
}

// appendUID is APPEND's tagged OK with RFC 4315's APPENDUID.
func appendUID(tag string, validity, uid uint32) string {
	return fmt.Sprintf("%s OK [APPENDUID %d %d] APPEND completed", tag, validity, uid)
}

// copyUID is the tagged OK of COPY or UID COPY with RFC 4315's COPYUID.
func copyUID(tag string, validity uint32, src, dst, name string) string {
	return fmt.Sprintf("%s OK [COPYUID %d %s %s] %s completed", tag, validity, src, dst, name)
}

// TestUIDExpunge checks UID EXPUNGE (RFC 4315 §2.1): only the messages that
// have \Deleted and whose UIDs are in the set go, with the usual EXPUNGE
// responses; its §2.1 example with three deleted messages in a row.
func TestUIDExpunge(t *testing.T) {
	env := newEnv(t, insecureAuth)
	var bodies []string
	for i := 1; i <= 8; i++ {
		bodies = append(bodies, fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i))
	}
	uids := env.deliver("alice", "INBOX", nil, bodies...)
	mb := env.mailbox("alice", "INBOX")
	// 3, 4, 5 and 7 have \Deleted; 6 and 8 do not.
	if _, err := mb.Store([]uint32{uids[2], uids[3], uids[4], uids[6]}, store.AddFlags, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	c := env.login("alice", alicePassword)
	c.cmd("a1 SELECT INBOX")
	// The example: UIDs 3:5 are messages 3 to 5, all \Deleted.
	c.expect(fmt.Sprintf("a2 UID EXPUNGE %d:%d", uids[2], uids[4]),
		"* 3 EXPUNGE", "* 3 EXPUNGE", "* 3 EXPUNGE", "a2 OK UID EXPUNGE completed")
	// 6 and 8 lack \Deleted, 1 does not exist any more: only 7 goes (now
	// message 4).
	c.expect(fmt.Sprintf("a3 UID EXPUNGE %d:*", uids[5]), "* 4 EXPUNGE", "a3 OK UID EXPUNGE completed")
	c.expect("a4 UID EXPUNGE 100:200", "a4 OK UID EXPUNGE completed")
	left := env.snapshot("alice", "INBOX").Messages
	var got []uint32
	for _, m := range left {
		got = append(got, m.UID)
	}
	if want := []uint32{uids[0], uids[1], uids[5], uids[7]}; !slices.Equal(got, want) {
		t.Errorf("INBOX holds UIDs %v, want %v", got, want)
	}

	// A \Deleted message outside the set stays; EXPUNGE still removes it.
	if _, err := mb.Store([]uint32{uids[0], uids[7]}, store.AddFlags, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	c.expect(fmt.Sprintf("a5 UID EXPUNGE %d", uids[7]), "* 4 EXPUNGE", "* 1 FETCH (FLAGS (\\Deleted \\Recent))", "a5 OK UID EXPUNGE completed")
	c.expect("a6 EXPUNGE", "* 1 EXPUNGE", "a6 OK EXPUNGE completed")

	// Syntax, EXAMINE, and the states.
	c.expectBad("a7 UID EXPUNGE", 14)
	c.expectBad("a8 UID EXPUNGE x", 15)
	c.expect("b1 EXAMINE INBOX", "* 2 EXISTS", "* 0 RECENT", "* OK [UNSEEN 1] first unseen message",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", env.uidValidity("alice", "INBOX")),
		fmt.Sprintf("* OK [UIDNEXT %d] predicted next UID", uids[7]+1),
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS ()] no permanent flags permitted`,
		"b1 OK [READ-ONLY] EXAMINE completed")
	c.expect("b2 UID EXPUNGE 1:*", "b2 NO [CANNOT] the mailbox is read-only (EXAMINE)")
	c.expect("b3 CLOSE", "b3 OK CLOSE completed")
	c.expect("b4 UID EXPUNGE 1", "b4 BAD UID EXPUNGE is not valid in the authenticated state")
}

// TestUIDPlusCodes checks APPENDUID (RFC 4315 §3) on APPEND's OK and
// COPYUID on COPY's and UID COPY's, with the sets in compact ranges and in
// matching order, and the UIDPLUS capability.
func TestUIDPlusCodes(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.expect("a0 CAPABILITY", "* CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-", "a0 OK CAPABILITY completed")
	c.cmd("a1 CREATE meeting")
	v := env.uidValidity("alice", "INBOX")
	for i := uint32(1); i <= 6; i++ {
		c.expect(fmt.Sprintf("a2 APPEND INBOX {%d}", len("Subject: x\r\n\r\nbody")), "+ Ready for literal data")
		c.expect("Subject: x\r\n\r\nbody", appendUID("a2", v, i))
	}
	c.cmd("a3 SELECT INBOX")
	// Message 3 gone: messages 2, 3, 4 are UIDs 2, 4, 5.
	if _, err := env.mailbox("alice", "INBOX").Expunge([]uint32{3}); err != nil {
		t.Fatal(err)
	}
	c.cmd("a4 NOOP")
	m := env.uidValidity("alice", "meeting")
	c.expect("a5 COPY 2:4 meeting", copyUID("a5", m, "2,4:5", "1:3", "COPY"))
	c.expect("a6 UID COPY 5:* meeting", copyUID("a6", m, "5:6", "4:5", "UID COPY"))
	// Nothing to copy: a plain OK, as in the example of §3.
	c.expect("a7 UID COPY 3 meeting", "a7 OK UID COPY completed")
	// APPEND to another mailbox names that mailbox's UIDVALIDITY.
	c.expect("a8 APPEND meeting {5}", "+ Ready for literal data")
	c.expect("hello", appendUID("a8", m, 6))
}
