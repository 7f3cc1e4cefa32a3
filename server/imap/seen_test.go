package imap

import (
	"slices"
	"testing"

	"github.com/loftmail/loft/server/directory"
)

// TestPerUserSeen: in alice's mailbox shared with bob and dave, each of
// them keeps their own \Seen (store FORMAT.md, "Per-user \Seen"): FETCH,
// STORE, SEARCH, STATUS and SELECT show the session user's, bob's change is
// told to bob's other session (IDLE) and to nobody else, and alice's own
// \Seen is the shared flag.
func TestPerUserSeen(t *testing.T) {
	e := newEnv(t, insecureAuth)
	if err := e.dir.AddUser(directory.UserSpec{Login: "dave", Password: "dave-Pa55"}); err != nil {
		t.Fatal(err)
	}
	e.account("alice").CreateMailbox("Team")
	e.deliver("alice", "Team", nil, "Subject: one\r\n\r\nhello\r\n", "Subject: two\r\n\r\nhi\r\n")
	e.grant("alice", "Team", "bob", "lrswt")
	e.grant("alice", "Team", "dave", "lrs")
	const team = `"Other Users/alice/Team"`

	// alice's session claims \Recent, so nobody else sees it.
	alice := e.login("alice", alicePassword)
	alice.expectTagged("A1 SELECT Team", "A1 OK [READ-WRITE] SELECT completed")
	alice.expect(`A2 STORE 2 +FLAGS.SILENT (\Seen)`, "A2 OK STORE completed")

	bob := e.login("bob", bobPassword)
	bob2 := e.login("bob", bobPassword)
	dave := e.login("dave", "dave-Pa55")
	got := bob.expectTagged("B1 SELECT "+team, "B1 OK [READ-WRITE] SELECT completed")
	// alice's \Seen on message 2 is hers: both are unseen for bob.
	if !slices.Contains(got, "* OK [UNSEEN 1] first unseen message") {
		t.Errorf("bob's SELECT: %q", got)
	}
	bob2.expectTagged("C1 SELECT "+team, "C1 OK [READ-WRITE] SELECT completed")
	bob2.expect("C2 IDLE", "+ idling")
	// dave has "s" but no shared flag right: READ-ONLY, yet she keeps her
	// \Seen (RFC 4314 §5.2).
	got = dave.expectTagged("D1 SELECT "+team, "D1 OK [READ-ONLY] SELECT completed")
	if !slices.Contains(got, `* OK [PERMANENTFLAGS (\Seen)] flags permitted`) {
		t.Errorf("dave's SELECT: %q", got)
	}

	// bob reads message 1: his \Seen is set, and only his.
	bob.expect("B2 FETCH 1 (BODY[TEXT])", "* 1 FETCH (BODY[TEXT] {7}", "hello", ` FLAGS (\Seen))`, "B2 OK FETCH completed")
	if got := bob2.line(); got != `* 1 FETCH (FLAGS (\Seen))` {
		t.Errorf("bob's other session while idling: %q", got)
	}
	bob2.expect("DONE", "C2 OK IDLE completed")
	dave.expect("D2 NOOP", "D2 OK NOOP completed")
	alice.expect("A3 NOOP", "A3 OK NOOP completed")
	dave.expect("D3 FETCH 1:2 (FLAGS)", `* 1 FETCH (FLAGS ())`, `* 2 FETCH (FLAGS ())`, "D3 OK FETCH completed")
	alice.expect("A4 FETCH 1:2 (FLAGS)", `* 1 FETCH (FLAGS (\Recent))`, `* 2 FETCH (FLAGS (\Seen \Recent))`, "A4 OK FETCH completed")
	bob.expect("B3 SEARCH UNSEEN", "* SEARCH 2", "B3 OK SEARCH completed")
	bob.expect("B4 SEARCH SEEN", "* SEARCH 1", "B4 OK SEARCH completed")
	dave.expect("D4 SEARCH SEEN", "* SEARCH", "D4 OK SEARCH completed")
	alice.expect("A5 SEARCH SEEN", "* SEARCH 2", "A5 OK SEARCH completed")
	bob.expect("B5 STATUS "+team+" (UNSEEN)", `* STATUS "Other Users/alice/Team" (UNSEEN 1)`, "B5 OK STATUS completed")
	dave.expect("D5 STATUS "+team+" (UNSEEN)", `* STATUS "Other Users/alice/Team" (UNSEEN 2)`, "D5 OK STATUS completed")

	// dave keeps her own \Seen with "s"; bob's is untouched.
	dave.expect(`D6 STORE 2 +FLAGS (\Seen)`, `* 2 FETCH (FLAGS (\Seen))`, "D6 OK STORE completed")
	bob.expect("B6 NOOP", "B6 OK NOOP completed")
	bob.expect("B7 FETCH 2 (FLAGS)", `* 2 FETCH (FLAGS ())`, "B7 OK FETCH completed")

	// A shared flag is shared: bob's \Flagged shows in every session,
	// each with its own \Seen.
	bob.expect(`B8 STORE 1 +FLAGS.SILENT (\Flagged)`, "B8 OK STORE completed")
	dave.expect("D7 NOOP", `* 1 FETCH (FLAGS (\Flagged))`, "D7 OK NOOP completed")
	alice.expect("A6 NOOP", `* 1 FETCH (FLAGS (\Flagged \Recent))`, "A6 OK NOOP completed")
	bob2.expect("C3 NOOP", `* 1 FETCH (FLAGS (\Flagged \Seen))`, "C3 OK NOOP completed")

	// bob clears his \Seen from his second session; the first is told.
	bob2.expect(`C4 STORE 1 -FLAGS.SILENT (\Seen)`, "C4 OK STORE completed")
	bob.expect("B9 NOOP", `* 1 FETCH (FLAGS (\Flagged))`, "B9 OK NOOP completed")
	dave.expect("D8 NOOP", "D8 OK NOOP completed")

	// The store agrees: alice's shared \Seen is on message 2 only.
	if f := e.snapshot("alice", "Team").Messages[0].Flags; slices.Contains(f, `\Seen`) {
		t.Errorf("alice's message 1 has %v", f)
	}
	if f := e.snapshotAs("dave", "alice", "Team").Messages[1].Flags; !slices.Contains(f, `\Seen`) {
		t.Errorf("dave's message 2 has %v", f)
	}
}
