package imap

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/store"
)

// cpFixture delivers three messages with flags and internal dates to
// alice's INBOX and returns a session that has selected it.
func cpFixture(t *testing.T) (*testEnv, *client, []store.Message) {
	t.Helper()
	env := newEnv(t, insecureAuth)
	mb := env.mailbox("alice", "INBOX")
	var msgs []store.Message
	for i, spec := range []struct {
		raw   string
		flags []string
		date  time.Time
	}{
		{msg1, []string{`\Seen`, "$Work"}, time.Date(1994, 2, 1, 10, 0, 0, 0, time.UTC)},
		{msg2, nil, time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC)},
		{msg3, []string{`\Flagged`, `\Answered`}, time.Date(2020, 2, 29, 23, 59, 59, 0, time.UTC)},
	} {
		m, err := mb.Append(strings.NewReader(spec.raw), store.AppendOptions{Flags: spec.flags, InternalDate: spec.date})
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		msgs = append(msgs, m)
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s0 SELECT INBOX", "s0 OK [READ-WRITE] SELECT completed")
	return env, c, msgs
}

// cpKept is what a copy keeps of a message: octets, flags, internal date.
type cpKept struct {
	Octets string
	Flags  []string
	Date   time.Time
}

// cpContents returns what a mailbox holds, in UID order.
func cpContents(t *testing.T, env *testEnv, mailbox string) []cpKept {
	t.Helper()
	mb := env.mailbox("alice", mailbox)
	snap, err := mb.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var out []cpKept
	for _, m := range snap.Messages {
		r, err := mb.Open(m.UID)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, r.Size())
		if _, err := r.ReadAt(buf, 0); err != nil {
			t.Fatal(err)
		}
		r.Close()
		out = append(out, cpKept{string(buf), m.Flags, m.InternalDate})
	}
	return out
}

// TestCopy checks COPY (RFC 3501 §6.4.7): [TRYCREATE] for a mailbox that does
// not exist, and copies that keep octets, flags and internal dates.
func TestCopy(t *testing.T) {
	env, c, _ := cpFixture(t)
	c.expect("a1 COPY 1:2 Archive", "a1 NO [TRYCREATE] no mailbox Archive")
	c.expect("a2 CREATE Archive", "a2 OK CREATE completed")
	c.expect("a3 COPY 3,1 Archive", copyUID("a3", env.uidValidity("alice", "Archive"), "1,3", "1:2", "COPY"))
	src := cpContents(t, env, "INBOX")
	want := []cpKept{src[0], src[2]}
	if diff := cmp.Diff(want, cpContents(t, env, "Archive")); diff != "" {
		t.Fatalf("Archive (-want +got):\n%s", diff)
	}
	// The source is unchanged, and no response is owed for it.
	c.expect("a4 NOOP", "a4 OK NOOP completed")

	// The copies are \Recent for the next session that selects Archive
	// (§6.4.7 note, §2.3.2), and for no other.
	b := env.login("alice", alicePassword)
	got := b.cmd("b1 SELECT Archive")
	if got[0] != "* 2 EXISTS" || got[1] != "* 2 RECENT" {
		t.Fatalf("SELECT Archive: %q, want 2 EXISTS and 2 RECENT", got)
	}
	d := env.login("alice", alicePassword)
	if got := d.cmd("d1 SELECT Archive"); got[1] != "* 0 RECENT" {
		t.Fatalf("second SELECT Archive: %q, want 0 RECENT", got)
	}

	// A COPY to the selected mailbox: its new messages are announced at the
	// end of the command, the first session to see them has them \Recent.
	c.expect("a5 COPY 2 INBOX", "* 4 EXISTS", "* 4 RECENT", copyUID("a5", env.uidValidity("alice", "INBOX"), "2", "4", "COPY"))
	inbox := cpContents(t, env, "INBOX")
	if diff := cmp.Diff(src[1], inbox[3]); diff != "" {
		t.Fatalf("copy within INBOX (-want +got):\n%s", diff)
	}

	// Names are modified UTF-7; a mailbox name that cannot be one is CANNOT.
	c.expect("a6 CREATE &AOk-t&AOk-", "a6 OK CREATE completed")
	c.expect("a7 COPY 1 &AOk-t&AOk-", copyUID("a7", env.uidValidity("alice", "été"), "1", "1", "COPY"))
	if got := cpContents(t, env, "été"); len(got) != 1 || got[0].Octets != msg1 {
		t.Fatalf("été holds %v, want msg1", got)
	}
	c.expect("a8 COPY 1 a/../b", "a8 NO [CANNOT] a mailbox name may not have a level \"..\"")
}

// TestCopyUID checks UID COPY (RFC 3501 §6.4.8): UIDs, "*" the highest, and
// UIDs that name no message left out.
func TestCopyUID(t *testing.T) {
	env, c, msgs := cpFixture(t)
	c.expect("a1 CREATE Archive", "a1 OK CREATE completed")
	c.expect(fmt.Sprintf("a2 UID COPY %d:* Archive", msgs[1].UID),
		copyUID("a2", env.uidValidity("alice", "Archive"), fmt.Sprintf("%d:%d", msgs[1].UID, msgs[2].UID), "1:2", "UID COPY"))
	src := cpContents(t, env, "INBOX")
	if diff := cmp.Diff(src[1:], cpContents(t, env, "Archive")); diff != "" {
		t.Fatalf("Archive (-want +got):\n%s", diff)
	}
	c.expect(fmt.Sprintf("a3 UID COPY %d:%d Archive", msgs[2].UID+1, msgs[2].UID+100), "a3 OK UID COPY completed")
	c.expect("a4 UID COPY 1 Nowhere", "a4 NO [TRYCREATE] no mailbox Nowhere")
	if got := len(cpContents(t, env, "Archive")); got != 2 {
		t.Fatalf("Archive holds %d messages, want 2", got)
	}
}

// TestCopyErrors checks the COPYs that copy nothing: bad sequence numbers,
// syntax, messages expunged by another session (RFC 5530 EXPUNGEISSUED),
// the quota, and the wrong state.
func TestCopyErrors(t *testing.T) {
	env, c, msgs := cpFixture(t)
	c.expect("a1 CREATE Archive", "a1 OK CREATE completed")
	c.expect("a2 COPY 2:4 Archive", "a2 BAD message sequence number 4 is beyond the last message, 3")
	c.expectBad("a3 COPY 1", 9)
	c.expectBad("a4 COPY x Archive", 8)
	c.expectBad("a5 COPY 1 Archive extra", 17)

	// Message 2 expunged by another session, not yet announced here.
	if _, err := env.mailbox("alice", "INBOX").Expunge([]uint32{msgs[1].UID}); err != nil {
		t.Fatal(err)
	}
	c.expect("b1 FETCH 1 UID", fmt.Sprintf("* 1 FETCH (UID %d)", msgs[0].UID), "b1 OK FETCH completed")
	c.expect("b2 COPY 1:3 Archive", "* 2 EXPUNGE", "b2 NO [EXPUNGEISSUED] some of the messages have been expunged")
	if got := cpContents(t, env, "Archive"); len(got) != 0 {
		t.Fatalf("a failed COPY left %d messages in Archive", len(got))
	}
	c.expect("b3 COPY 1:2 Archive", copyUID("b3", env.uidValidity("alice", "Archive"), "1,3", "1:2", "COPY"))

	// The quota counts the copies (RFC 5530 OVERQUOTA).
	if err := env.dir.SetQuota("alice", 0, 5); err != nil {
		t.Fatal(err)
	}
	c.expect("c1 COPY 1:2 Archive", "c1 NO [OVERQUOTA] the copies would exceed the quota")
	c.expect("c2 COPY 1 Archive", copyUID("c2", env.uidValidity("alice", "Archive"), "1", "3", "COPY"))
	if got := len(cpContents(t, env, "Archive")); got != 3 {
		t.Fatalf("Archive holds %d messages, want 3", got)
	}

	c.expect("d1 CLOSE", "d1 OK CLOSE completed")
	c.expect("d2 COPY 1 Archive", "d2 BAD COPY is not valid in the authenticated state")
	c.expect("d3 UID COPY 1 Archive", "d3 BAD UID COPY is not valid in the authenticated state")
}

// TestCopyExamine checks that COPY from a mailbox opened with EXAMINE works:
// it changes only the destination.
func TestCopyExamine(t *testing.T) {
	env, c, _ := cpFixture(t)
	c.expectTagged("a1 EXAMINE INBOX", "a1 OK [READ-ONLY] EXAMINE completed")
	c.expect("a2 COPY 1:* INBOX", "* 6 EXISTS", "* 3 RECENT", copyUID("a2", env.uidValidity("alice", "INBOX"), "1:3", "4:6", "COPY"))
	if got := len(cpContents(t, env, "INBOX")); got != 6 {
		t.Fatalf("INBOX holds %d messages, want 6", got)
	}
}
