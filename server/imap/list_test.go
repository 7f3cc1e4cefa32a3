package imap

import (
	"os"
	"path/filepath"
	"testing"
)

// TestListStatusUnselectable: RFC 5819 §2, a listed mailbox whose STATUS
// cannot be had because it cannot be selected gets no STATUS response and
// is listed \Noselect. Here its data directory is gone (as when a DELETE
// runs between the listing and the STATUS); the other mailbox keeps its
// STATUS, and the command completes with OK.
func TestListStatusUnselectable(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.cmd("p1 CREATE gone")
	c.cmd("p2 CREATE kept (USE (\\Archive))")
	guid := env.mailbox("alice", "gone").GUID()
	if err := os.RemoveAll(filepath.Join(env.root, "store", "accounts", "alice", "boxes", guid)); err != nil {
		t.Fatal(err)
	}
	c.expect(`a1 LIST "" (gone kept) RETURN (STATUS (MESSAGES))`,
		`* LIST (\Noselect \HasNoChildren) "/" gone`,
		`* LIST (\HasNoChildren \Archive) "/" kept`,
		`* STATUS kept (MESSAGES 0)`,
		"a1 OK LIST completed")
	// The base LIST reads no status and lists it as the hierarchy has it.
	c.expect(`a2 LIST "" gone`, `* LIST (\HasNoChildren) "/" gone`, "a2 OK LIST completed")
}

// TestListOtherSession: what one session creates, subscribes and marks with
// a special use, another session's extended LIST reports at once.
func TestListOtherSession(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c1 := env.login("alice", alicePassword)
	c2 := env.login("alice", alicePassword)
	c1.expect(`a1 LIST (SUBSCRIBED) "" *`, "a1 OK LIST completed")
	c2.cmd("b1 CREATE Sent (USE (\\Sent))")
	c2.cmd("b2 SUBSCRIBE Sent")
	c2.cmd("b3 SUBSCRIBE Sent/2025")
	c1.expect(`a2 LIST (SUBSCRIBED SPECIAL-USE) "" * RETURN (STATUS (UIDNEXT))`,
		`* LIST (\HasNoChildren \Subscribed \Sent) "/" Sent`,
		`* STATUS Sent (UIDNEXT 1)`,
		"a2 OK LIST completed")
	c1.expect(`a3 LIST (SUBSCRIBED) "" Sent/%`,
		`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" Sent/2025`,
		"a3 OK LIST completed")
}
