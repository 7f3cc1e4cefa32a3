package imap

import "testing"

// TestEnableTable drives ENABLE (RFC 5161 §3.1) with a row of the table of
// enableable extensions, as CONDSTORE's will be: a name the server offers is
// enabled once and listed in that command's ENABLED response only; names
// it does not know, or does not offer on this connection, are ignored.
func TestEnableTable(t *testing.T) {
	const testExt extension = 1 << 0
	env := newEnv(t, insecureAuth)
	env.srv.enableable = append(env.srv.enableable,
		enableable{name: "X-TEST", ext: testExt, offered: func(*conn) bool { return true }},
		enableable{name: "X-LATER", ext: 1 << 1, offered: func(*conn) bool { return false }})
	c := env.login("alice", alicePassword)
	c.expect("a1 ENABLE x-test X-UNKNOWN X-LATER", "* ENABLED X-TEST", "a1 OK ENABLE completed")
	c.expect("a2 ENABLE X-TEST", "* ENABLED", "a2 OK ENABLE completed")
	c.expect("a3 CAPABILITY", "* CAPABILITY IMAP4rev1 CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS BINARY ESEARCH SEARCHRES WITHIN ACL RIGHTS=texk QUOTA QUOTASET QUOTA=RES-STORAGE QUOTA=RES-MESSAGE NAMESPACE IDLE UNSELECT ENABLE ID MOVE LITERAL-", "a3 OK CAPABILITY completed")
}
