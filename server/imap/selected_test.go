package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/store"
)

// noExpungeCmd is a selected-state command without mayExpunge, as FETCH,
// STORE and SEARCH are (RFC 3501 §7.4.1).
var noExpungeCmd = &command{name: "XFETCHLIKE", states: stateSelected, flags: usesSeqNums,
	run: func(c *conn, tag string, dec *rfc3501.Decoder) error {
		if !dec.CRLF() {
			return dec.Err()
		}
		return nil
	}}

// TestUpdatesTwoSessions checks what one session is told of the changes made
// by another, and when (RFC 3501 §7.3.1 EXISTS, §7.3.2 RECENT, §7.4.1
// EXPUNGE and FETCH): at the end of a command, never in between, and EXPUNGE
// never during a command without mayExpunge.
func TestUpdatesTwoSessions(t *testing.T) {
	env := newEnvWithCommands(t, []*command{noExpungeCmd}, insecureAuth)
	uids := env.deliver("alice", "INBOX", nil, msg1, msg2)
	mb := env.mailbox("alice", "INBOX")

	a := env.login("alice", alicePassword)
	a.cmd("a1 SELECT INBOX")
	b := env.login("alice", alicePassword)
	b.cmd("b1 SELECT INBOX")

	// A delivery: the first session to be told claims \Recent.
	uids = append(uids, env.deliver("alice", "INBOX", nil, msg3)...)
	b.expect("b2 NOOP", "* 3 EXISTS", "* 1 RECENT", "b2 OK NOOP completed")
	a.expect("a2 NOOP", "* 3 EXISTS", "* 2 RECENT", "a2 OK NOOP completed")
	a.expect("a3 NOOP", "a3 OK NOOP completed")

	// A flag change elsewhere: FETCH FLAGS, with this session's \Recent.
	if _, err := mb.Store(uids[:1], store.AddFlags, []string{`\Seen`, "$Label"}, 0); err != nil {
		t.Fatal(err)
	}
	a.expect("a4 XFETCHLIKE", `* 1 FETCH (FLAGS ($Label \Seen \Recent))`, "a4 OK XFETCHLIKE completed")
	b.expect("b3 CHECK", `* 1 FETCH (FLAGS ($Label \Seen))`, "b3 OK CHECK completed")

	// An expunge by session b: a hears of it only when allowed.
	if _, err := mb.Store(uids[1:2], store.AddFlags, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	b.expect("b4 EXPUNGE", "* 2 EXPUNGE", "b4 OK EXPUNGE completed")
	uids = append(uids, env.deliver("alice", "INBOX", nil, msg1)...)
	// During XFETCHLIKE: no EXPUNGE; EXISTS still counts message 2.
	a.expect("a5 XFETCHLIKE", "* 4 EXISTS", "* 3 RECENT", "a5 OK XFETCHLIKE completed")
	a.expect("a6 XFETCHLIKE", "a6 OK XFETCHLIKE completed")
	a.expect("a7 NOOP", "* 2 EXPUNGE", "a7 OK NOOP completed")
	b.expect("b5 NOOP", "* 3 EXISTS", "* 1 RECENT", "b5 OK NOOP completed")
	if got := env.snapshot("alice", "INBOX").Messages; len(got) != 3 {
		t.Fatalf("mailbox holds %d messages, want 3", len(got))
	}

	// Expunged and flagged elsewhere at once: only the EXPUNGE.
	if _, err := mb.Store(uids[2:3], store.AddFlags, []string{`\Flagged`}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Expunge(uids[2:3]); err != nil {
		t.Fatal(err)
	}
	a.expect("a8 NOOP", "* 2 EXPUNGE", "a8 OK NOOP completed")
	b.expect("b6 STATUS INBOX (MESSAGES)", "* STATUS INBOX (MESSAGES 2)", "* 2 EXPUNGE", "b6 OK STATUS completed")
	a.expect("a9 LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "a9 OK LOGOUT completed")
}

// TestSelectedMailboxDeleted: when another session deletes the selected
// mailbox, the session ends with BYE after the command's tagged response.
func TestSelectedMailboxDeleted(t *testing.T) {
	env := newEnv(t, insecureAuth)
	a := env.login("alice", alicePassword)
	a.cmd("a1 CREATE box")
	a.cmd("a2 SELECT box")
	b := env.login("alice", alicePassword)
	b.expect("b1 DELETE box", "b1 OK DELETE completed")
	a.expect("a3 NOOP", "a3 OK NOOP completed")
	if got := a.line(); got != "* BYE the selected mailbox was deleted" {
		t.Errorf("after the deletion: %q", got)
	}
	a.expectEOF()
}

// TestSelectedRenamedElsewhere: a mailbox renamed by another session stays
// selected (the store keeps it by GUID).
func TestSelectedRenamedElsewhere(t *testing.T) {
	env := newEnv(t, insecureAuth)
	a := env.login("alice", alicePassword)
	a.cmd("a1 CREATE box")
	a.cmd("a2 SELECT box")
	b := env.login("alice", alicePassword)
	b.expect("b1 RENAME box moved", "b1 OK RENAME completed")
	env.deliver("alice", "moved", nil, msg1)
	a.expect("a3 NOOP", "* 1 EXISTS", "* 1 RECENT", "a3 OK NOOP completed")
}

// TestRecentOnce selects one mailbox from several sessions while messages
// arrive: every message is recent in exactly one session, as the RECENT
// responses tell (RFC 3501 §2.3.2).
func TestRecentOnce(t *testing.T) {
	env := newEnv(t, insecureAuth)
	other := newEnvSharing(t, env, insecureAuth) // a second server on the same store
	var sessions []*client
	for i := range 4 {
		e := env
		if i%2 == 1 {
			e = other
		}
		c := e.login("alice", alicePassword)
		sessions = append(sessions, c)
	}
	recent := make([]int, len(sessions))
	exists := make([]int, len(sessions))
	parse := func(i int, lines []string) {
		for _, l := range lines {
			var n int
			if _, err := fmt.Sscanf(l, "* %d RECENT", &n); err == nil {
				recent[i] = n
			}
			if _, err := fmt.Sscanf(l, "* %d EXISTS", &n); err == nil {
				exists[i] = n
			}
		}
	}
	total := 0
	for round := range 5 {
		env.deliver("alice", "INBOX", nil, msg1, msg2)
		total += 2
		for i, c := range sessions {
			verb := "NOOP"
			if round == i {
				verb = "SELECT INBOX"
			}
			if round > i || round == i {
				parse(i, c.cmd(fmt.Sprintf("r%d %s", round, verb)))
			}
		}
	}
	sum := 0
	for i := range sessions {
		if exists[i] != total {
			t.Errorf("session %d: EXISTS %d, want %d", i, exists[i], total)
		}
		sum += recent[i]
	}
	if sum != total {
		t.Errorf("RECENT counts %v add up to %d, want %d (each message recent once)", recent, sum, total)
	}
}

// TestResolve checks the sequence-set resolution that FETCH, STORE, SEARCH
// and COPY use (RFC 3501 §6.4.8, §9).
func TestResolve(t *testing.T) {
	env := newEnv(t)
	mb := env.mailbox("alice", "INBOX")
	uids := env.deliver("alice", "INBOX", nil, msg1, msg2, msg3, msg1)
	if _, err := mb.Expunge(uids[1:2]); err != nil {
		t.Fatal(err)
	}
	sel, err := openSelected(mb, "INBOX", false, env.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	// The view: seq 1 = UID 1, 2 = UID 3, 3 = UID 4.
	tests := []struct {
		set  string
		uid  bool
		want []uint32
		bad  bool
	}{
		{"1:*", false, []uint32{1, 2, 3}, false},
		{"*", false, []uint32{3}, false},
		{"3,1", false, []uint32{1, 3}, false},
		{"2:4", false, nil, true},
		{"4", false, nil, true},
		{"1:*", true, []uint32{1, 2, 3}, false},
		{"2", true, nil, false},
		{"3:4", true, []uint32{2, 3}, false},
		{"10:*", true, []uint32{3}, false},
		{"*", true, []uint32{3}, false},
		{"5:9", true, nil, false},
	}
	for _, tt := range tests {
		set, err := rfc3501.ParseSeqSet(tt.set)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sel.resolve(set, tt.uid)
		if tt.bad != (err != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("resolve(%s, uid=%v) = %v, %v; want %v (bad %v)", tt.set, tt.uid, got, err, tt.want, tt.bad)
		}
	}
	if got := sel.uids([]uint32{1, 2, 3}); !slices.Equal(got, []uint32{1, 3, 4}) {
		t.Errorf("uids = %v", got)
	}
	if sel.seqOf(3) != 2 || sel.seqOf(2) != 0 || sel.maxUID() != 4 || sel.count() != 3 {
		t.Errorf("seqOf(3)=%d seqOf(2)=%d maxUID=%d count=%d", sel.seqOf(3), sel.seqOf(2), sel.maxUID(), sel.count())
	}
	if got := sel.flags(1); fmt.Sprint(got) != `[\Recent]` {
		t.Errorf("flags(1) = %v", got)
	}

	empty, err := openSelected(env.mailbox("bob", "INBOX"), "INBOX", true, env.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	star, _ := rfc3501.ParseSeqSet("1:*")
	if _, err := empty.resolve(star, false); err == nil {
		t.Error("a sequence set on an empty mailbox resolved without BAD")
	}
	if got, err := empty.resolve(star, true); err != nil || len(got) != 0 {
		t.Errorf("a UID set on an empty mailbox: %v, %v", got, err)
	}
}

// TestReportedChanged checks the two ways a handler records flag changes: a
// change it reported is not reported again, one it did not report is sent at
// the end of the command, and a later change elsewhere is still reported.
func TestReportedChanged(t *testing.T) {
	env := newEnv(t)
	mb := env.mailbox("alice", "INBOX")
	uids := env.deliver("alice", "INBOX", nil, msg1, msg2)
	sel, err := openSelected(mb, "INBOX", false, env.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := mb.Store(uids, store.AddFlags, []string{`\Seen`}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sel.reported(res.Changed[0]) // as STORE does after its own FETCH
	sel.changed(res.Changed[1])  // as FETCH does when it set \Seen silently
	if _, err := mb.Store(uids[:1], store.AddFlags, []string{`\Answered`}, 0); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := sel.refresh(); err != nil {
		t.Fatal(err)
	}
	writeTo(&out, func(enc *rfc3501.Encoder) { sel.writeUpdates(enc, true) })
	want := "* 1 FETCH (FLAGS (\\Answered \\Seen \\Recent))\r\n* 2 FETCH (FLAGS (\\Seen \\Recent))\r\n"
	if out.String() != want {
		t.Errorf("updates:\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	writeTo(&out, func(enc *rfc3501.Encoder) { sel.writeUpdates(enc, true) })
	if out.Len() != 0 {
		t.Errorf("updates sent twice: %q", out.String())
	}
}
