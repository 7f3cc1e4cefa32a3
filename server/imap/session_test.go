package imap

import (
	"fmt"
	"testing"
)

func TestLoginSelect(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", []string{`\Seen`}, msg1)
	env.deliver("alice", "INBOX", nil, msg2)
	snap := env.snapshot("alice", "INBOX")
	c := env.login("alice", alicePassword)
	c.expect("a1 SELECT inbox",
		"* 2 EXISTS",
		"* 2 RECENT",
		"* OK [UNSEEN 2] first unseen message",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", snap.UIDValidity),
		"* OK [UIDNEXT 3] predicted next UID",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] flags permitted`,
		"a1 OK [READ-WRITE] SELECT completed")
	c.expect("a2 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "a2 OK LOGOUT completed")
	c.expectEOF()
}
