package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/store"
)

// stFlags returns the stored flags of each message of a mailbox, by UID.
func stFlags(t *testing.T, env *testEnv, mailbox string) map[uint32][]string {
	t.Helper()
	out := map[uint32][]string{}
	for _, m := range env.snapshot("alice", mailbox).Messages {
		out[m.UID] = m.Flags
	}
	return out
}

// stSetup delivers three messages to alice's INBOX and returns a session
// that has selected it (every message \Recent in that session), and the UIDs.
func stSetup(t *testing.T) (*testEnv, *client, []uint32) {
	t.Helper()
	env := newEnv(t, insecureAuth)
	// Two messages expunged first, so that UIDs and sequence numbers differ.
	gone := env.deliver("alice", "INBOX", nil, msg1, msg1)
	if _, err := env.mailbox("alice", "INBOX").Expunge(gone); err != nil {
		t.Fatal(err)
	}
	uids := env.deliver("alice", "INBOX", nil, msg1, msg2, msg3)
	c := env.login("alice", alicePassword)
	c.expectTagged("s0 SELECT INBOX", "s0 OK [READ-WRITE] SELECT completed")
	return env, c, uids
}

// TestStoreForms checks every form of STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS
// and -FLAGS, with a parenthesised or a bare flag list, with and without
// .SILENT, and the untagged FETCH responses of the messages that changed.
func TestStoreForms(t *testing.T) {
	env, c, uids := stSetup(t)

	c.expect(`a1 STORE 1 FLAGS (\Seen)`, `* 1 FETCH (FLAGS (\Seen \Recent))`, "a1 OK STORE completed")
	c.expect(`a2 STORE 1:2 +FLAGS \Flagged $Work`,
		`* 1 FETCH (FLAGS ($Work \Flagged \Seen \Recent))`,
		`* 2 FETCH (FLAGS ($Work \Flagged \Recent))`,
		"a2 OK STORE completed")
	// Nothing changes: no FETCH.
	c.expect(`a3 STORE 1:2 +FLAGS ($Work)`, "a3 OK STORE completed")
	c.expect(`a4 STORE 1:* -FLAGS ($Work \Seen)`,
		`* 1 FETCH (FLAGS (\Flagged \Recent))`,
		`* 2 FETCH (FLAGS (\Flagged \Recent))`,
		"a4 OK STORE completed")
	c.expect(`a5 STORE 2 FLAGS ()`, `* 2 FETCH (FLAGS (\Recent))`, "a5 OK STORE completed")
	c.expect(`a6 store 3 flags $A $B`, `* 3 FETCH (FLAGS ($A $B \Recent))`, "a6 OK STORE completed")

	// .SILENT: the same changes, no FETCH (the data item in any case).
	c.expect(`b1 STORE 1 FLAGS.SILENT (\Answered)`, "b1 OK STORE completed")
	c.expect(`b2 STORE 2:3 +FLAGS.SILENT \Draft`, "b2 OK STORE completed")
	c.expect(`b3 STORE 3 -flags.silent ($A)`, "b3 OK STORE completed")
	want := map[uint32][]string{
		uids[0]: {`\Answered`},
		uids[1]: {`\Draft`},
		uids[2]: {"$B", `\Draft`},
	}
	if diff := cmp.Diff(want, stFlags(t, env, "INBOX")); diff != "" {
		t.Fatalf("flags after .SILENT (-want +got):\n%s", diff)
	}
	// The engine owes nothing for them.
	c.expect("b4 NOOP", "b4 OK NOOP completed")

	// UID STORE: the set holds UIDs, FETCH carries the UID (§6.4.8), and
	// UIDs that name no message are left out.
	c.expect(fmt.Sprintf(`c1 UID STORE %d,%d:%d +FLAGS (\Seen)`, uids[1], uids[2]+1, uids[2]+9),
		fmt.Sprintf(`* 2 FETCH (FLAGS (\Draft \Seen \Recent) UID %d)`, uids[1]),
		"c1 OK UID STORE completed")
	c.expect(fmt.Sprintf(`c2 UID STORE %d:* FLAGS.SILENT ()`, uids[1]), "c2 OK UID STORE completed")
	c.expect("c3 UID STORE 1 +FLAGS (\\Seen)", "c3 OK UID STORE completed")
	c.expect(fmt.Sprintf(`c4 UID STORE 1:%d -FLAGS \Answered`, uids[0]),
		fmt.Sprintf(`* 1 FETCH (FLAGS (\Recent) UID %d)`, uids[0]),
		"c4 OK UID STORE completed")
	for uid, flags := range stFlags(t, env, "INBOX") {
		if len(flags) != 0 {
			t.Errorf("UID %d has flags %q, want none", uid, flags)
		}
	}
}

// TestStoreRecentAndErrors checks the flags STORE refuses or ignores
// (RFC 3501 §2.3.2: \Recent cannot be changed) and its errors.
func TestStoreRecentAndErrors(t *testing.T) {
	env, c, uids := stSetup(t)

	// \Recent is left out; the other flags are stored, and FLAGS keeps
	// the session's \Recent.
	c.expect(`a1 STORE 1 FLAGS (\Seen \Recent)`, `* 1 FETCH (FLAGS (\Seen \Recent))`, "a1 OK STORE completed")
	c.expect(`a2 STORE 1 -FLAGS (\Recent)`, "a2 OK STORE completed")
	if got := stFlags(t, env, "INBOX")[uids[0]]; !slices.Equal(got, []string{`\Seen`}) {
		t.Fatalf("stored flags %q, want [\\Seen]", got)
	}

	c.expect(`b1 STORE 1 +FLAGS (\Bogus)`, `b1 BAD flag \Bogus cannot be set`)
	c.expect(`b2 STORE 1 XFLAGS (\Seen)`, `b2 BAD unknown STORE data item XFLAGS`)
	c.expect(`b3 STORE 1 FLAGS.LOUD (\Seen)`, `b3 BAD unknown STORE data item FLAGS.LOUD`)
	c.expect(`b4 STORE 4 +FLAGS (\Seen)`, `b4 BAD message sequence number 4 is beyond the last message, 3`)
	c.expectBad(`b5 STORE 1 +FLAGS`, 17)
	c.expectBad(`b6 STORE 1 +FLAGS (\*)`, 20)
	c.expectBad(`b7 STORE 1 +FLAGS ((\Seen))`, 19)
	c.expectBad(`b8 STORE 0 +FLAGS \Seen`, 9)
	c.expectBad(`b9 STORE 1 +FLAGS \Seen `, 24)
	if diff := cmp.Diff([]string{`\Seen`}, stFlags(t, env, "INBOX")[uids[0]]); diff != "" {
		t.Fatalf("refused commands changed flags (-want +got):\n%s", diff)
	}

	// A read-only mailbox (EXAMINE, §6.3.2).
	c.expectTagged("c1 EXAMINE INBOX", "c1 OK [READ-ONLY] EXAMINE completed")
	c.expect(`c2 STORE 1 +FLAGS (\Deleted)`, `c2 NO [CANNOT] the mailbox is read-only (EXAMINE)`)
	c.expect(`c3 UID STORE 1:* FLAGS ()`, `c3 NO [CANNOT] the mailbox is read-only (EXAMINE)`)
	if diff := cmp.Diff([]string{`\Seen`}, stFlags(t, env, "INBOX")[uids[0]]); diff != "" {
		t.Fatalf("STORE under EXAMINE changed flags (-want +got):\n%s", diff)
	}

	// Not in the authenticated state.
	c.expect("d1 CLOSE", "d1 OK CLOSE completed")
	c.expect(`d2 STORE 1 +FLAGS (\Seen)`, "d2 BAD STORE is not valid in the authenticated state")
	c.expect(`d3 UID STORE 1 +FLAGS (\Seen)`, "d3 BAD UID STORE is not valid in the authenticated state")
}

// TestStoreOtherSession checks what a second session is told of a STORE: a
// FETCH FLAGS with its own \Recent, at the end of its next command (RFC
// 3501 §7.4.1).
func TestStoreOtherSession(t *testing.T) {
	env, a, _ := stSetup(t)
	b := env.login("alice", alicePassword)
	b.expectTagged("b0 SELECT INBOX", "b0 OK [READ-WRITE] SELECT completed")

	a.expect(`a1 STORE 2 +FLAGS.SILENT (\Answered $Done)`, "a1 OK STORE completed")
	b.expect("b1 NOOP", `* 2 FETCH (FLAGS ($Done \Answered))`, "b1 OK NOOP completed")
	a.expect(`a2 STORE 1,3 FLAGS (\Seen)`,
		`* 1 FETCH (FLAGS (\Seen \Recent))`,
		`* 3 FETCH (FLAGS (\Seen \Recent))`,
		"a2 OK STORE completed")
	// Told during a command without mayExpunge, and in a STORE of its own.
	b.expect(`b2 STORE 2 -FLAGS ($Done)`,
		`* 2 FETCH (FLAGS (\Answered))`,
		`* 1 FETCH (FLAGS (\Seen))`,
		`* 3 FETCH (FLAGS (\Seen))`,
		"b2 OK STORE completed")
	a.expect("a3 CHECK", `* 2 FETCH (FLAGS (\Answered \Recent))`, "a3 OK CHECK completed")
	a.expect("a4 NOOP", "a4 OK NOOP completed")
	b.expect("b3 NOOP", "b3 OK NOOP completed")
}

// TestStoreStaleView checks STORE on a message whose flags another session
// changed since this one was told: a plain STORE reports the flags the
// message has now, and a .SILENT one leaves the report of the other change
// to the engine.
func TestStoreStaleView(t *testing.T) {
	env, c, uids := stSetup(t)
	mb := env.mailbox("alice", "INBOX")
	for _, uid := range uids[:2] {
		if _, err := mb.Store([]uint32{uid}, store.AddFlags, []string{"$Other"}, 0); err != nil {
			t.Fatal(err)
		}
		if uid == uids[0] {
			c.expect(`a1 STORE 1 +FLAGS (\Seen)`, `* 1 FETCH (FLAGS ($Other \Seen \Recent))`, "a1 OK STORE completed")
		}
	}
	c.expect(`a2 STORE 2 +FLAGS.SILENT (\Seen)`, `* 2 FETCH (FLAGS ($Other \Seen \Recent))`, "a2 OK STORE completed")
	c.expect("a3 NOOP", "a3 OK NOOP completed")
}

// TestStoreConcurrent checks that two sessions adding different flags to
// one message at the same moment both win (DESIGN.md, "Flags under
// concurrency"), and that each ends up told of the other's flags.
func TestStoreConcurrent(t *testing.T) {
	env, a, uids := stSetup(t)
	b := env.login("alice", alicePassword)
	b.expectTagged("b0 SELECT INBOX", "b0 OK [READ-WRITE] SELECT completed")
	sessions := []struct {
		c    *client
		name string
		last string // the last FETCH response for message 2
	}{{c: a, name: "a"}, {c: b, name: "b"}}
	record := func(i int, lines []string) {
		for _, l := range lines {
			if strings.HasPrefix(l, "* 2 FETCH ") {
				sessions[i].last = l
			}
		}
	}
	const rounds = 20
	var want []string
	for r := range rounds {
		// Both commands are on the wire before either answer is read.
		for _, s := range sessions {
			flag := fmt.Sprintf("$%s%d", strings.ToUpper(s.name), r)
			want = append(want, flag)
			s.c.write(fmt.Sprintf("%s%d STORE 2 +FLAGS (%s)\r\n", s.name, r, flag))
		}
		for i, s := range sessions {
			lines := s.c.until(fmt.Sprintf("%s%d ", s.name, r))
			if got := lines[len(lines)-1]; got != fmt.Sprintf("%s%d OK STORE completed", s.name, r) {
				t.Fatalf("round %d: %s", r, got)
			}
			record(i, lines)
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, stFlags(t, env, "INBOX")[uids[1]]); diff != "" {
		t.Fatalf("flags after concurrent STOREs (-want +got):\n%s", diff)
	}
	wantLine := "* 2 FETCH (FLAGS (" + strings.Join(want, " ") + ` \Recent))`
	for i, s := range sessions {
		record(i, s.c.cmd(s.name+"z NOOP"))
		if i == 1 {
			// \Recent belongs to the session that selected first.
			wantLine = "* 2 FETCH (FLAGS (" + strings.Join(want, " ") + "))"
		}
		if sessions[i].last != wantLine {
			t.Errorf("session %s was last told %q, want %q", s.name, sessions[i].last, wantLine)
		}
	}
}

// TestStoreExpunged checks STORE on a message that another session has
// expunged and this one has not been told of (doc.go, RFC 2180 §4.2): it
// changes nothing, reports nothing, completes with OK, and the EXPUNGE waits
// for a command that may send it (RFC 3501 §7.4.1).
func TestStoreExpunged(t *testing.T) {
	env, a, uids := stSetup(t)
	b := env.login("alice", alicePassword)
	b.expectTagged("b0 SELECT INBOX", "b0 OK [READ-WRITE] SELECT completed")
	b.expect(`b1 STORE 2 +FLAGS.SILENT (\Deleted)`, "b1 OK STORE completed")
	b.expect("b2 EXPUNGE", "* 2 EXPUNGE", "b2 OK EXPUNGE completed")

	a.expect(`a1 STORE 2 +FLAGS (\Seen)`, "a1 OK STORE completed")
	a.expect(`a2 STORE 1:3 +FLAGS (\Flagged)`,
		`* 1 FETCH (FLAGS (\Flagged \Recent))`,
		`* 3 FETCH (FLAGS (\Flagged \Recent))`,
		"a2 OK STORE completed")
	a.expect(fmt.Sprintf(`a3 UID STORE %d +FLAGS (\Answered)`, uids[1]), "* 2 EXPUNGE", "a3 OK UID STORE completed")
	if _, ok := env.snapshot("alice", "INBOX").Lookup(uids[1]); ok {
		t.Fatalf("UID %d is still in the mailbox", uids[1])
	}
	a.expect(`a4 STORE 2 +FLAGS (\Seen)`, `* 2 FETCH (FLAGS (\Flagged \Seen \Recent))`, "a4 OK STORE completed")
}
