package imap

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/store"
)

// TestSelectExamine covers SELECT (RFC 3501 §6.3.1) and EXAMINE (§6.3.2):
// the responses, keywords in FLAGS and PERMANENTFLAGS, no UNSEEN when all
// are seen, READ-ONLY, a failed SELECT leaving no mailbox selected.
func TestSelectExamine(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", []string{`\Seen`, "$Forwarded"}, msg1)
	env.deliver("alice", "INBOX", []string{`\Seen`, "Work"}, msg2)
	uv := env.snapshot("alice", "INBOX").UIDValidity
	c := env.login("alice", alicePassword)
	c.expect("a1 EXAMINE INBOX",
		"* 2 EXISTS",
		"* 2 RECENT",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", uv),
		"* OK [UIDNEXT 3] predicted next UID",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded Work)`,
		`* OK [PERMANENTFLAGS ()] no permanent flags permitted`,
		"a1 OK [READ-ONLY] EXAMINE completed")
	// EXAMINE claimed nothing: a SELECT still gets both as recent.
	c.expect("a2 SELECT INBOX",
		"* 2 EXISTS",
		"* 2 RECENT",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", uv),
		"* OK [UIDNEXT 3] predicted next UID",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded Work)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded Work \*)] flags permitted`,
		"a2 OK [READ-WRITE] SELECT completed")
	// Now nobody else sees them as recent.
	d := env.login("alice", alicePassword)
	d.expect("b1 SELECT INBOX",
		"* 2 EXISTS",
		"* 0 RECENT",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", uv),
		"* OK [UIDNEXT 3] predicted next UID",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded Work)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded Work \*)] flags permitted`,
		"b1 OK [READ-WRITE] SELECT completed")
	// A failed SELECT deselects (§6.3.1).
	c.expect("a3 SELECT nosuch", "a3 NO [NONEXISTENT] no such mailbox")
	c.expect("a4 CLOSE", "a4 BAD CLOSE is not valid in the authenticated state")
	c.expect("a5 SELECT ../x", "a5 NO [CANNOT] a mailbox name may not have a level \"..\"")
	c.expect("a6 SELECT /x", "a6 NO [CANNOT] invalid argument")
}

// TestCreate covers CREATE (RFC 3501 §6.3.3): superior levels are made as
// \Noselect, a trailing delimiter is dropped, INBOX and existing names are
// refused, and names that would leave the account create nothing.
func TestCreate(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.expect("a1 CREATE owatagusiam/", "a1 OK CREATE completed")
	c.expect("a2 CREATE owatagusiam/blurdybloop", "a2 OK CREATE completed")
	c.expect("a3 CREATE a/b/c", "a3 OK CREATE completed")
	c.expect("a4 CREATE inbox", "a4 NO [ALREADYEXISTS] INBOX always exists")
	c.expect("a5 CREATE a/b/c", "a5 NO [ALREADYEXISTS] mailbox already exists")
	c.expect("a6 CREATE &ZeVnLIqe-", "a6 OK CREATE completed")
	for i, bad := range []string{`..`, `a/../b`, `/abs`, `a//b`, `.`} {
		c.expectTagged(fmt.Sprintf("x%d CREATE %q", i, bad), fmt.Sprintf("x%d NO [CANNOT] ", i)+map[bool]string{
			true:  fmt.Sprintf("a mailbox name may not have a level %q", strings.Trim(bad, "a/b")),
			false: "invalid argument",
		}[strings.Contains(bad, ".")])
	}
	c.expect("a7 CREATE x&AH8-y", "a7 NO [CANNOT] invalid argument")
	c.expect(`a8 LIST "" *`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" a`,
		`* LIST (\Noselect \HasChildren) "/" a/b`,
		`* LIST (\HasNoChildren) "/" a/b/c`,
		`* LIST (\HasChildren) "/" owatagusiam`,
		`* LIST (\HasNoChildren) "/" owatagusiam/blurdybloop`,
		`* LIST (\HasNoChildren) "/" &ZeVnLIqe-`,
		"a8 OK LIST completed")
	// The intermediate level can be made a mailbox afterwards.
	c.expect("a9 CREATE a/b", "a9 OK CREATE completed")
	c.expect(`a10 LIST "" a/%`, `* LIST (\HasChildren) "/" a/b`, "a10 OK LIST completed")
}

// TestDelete covers DELETE (RFC 3501 §6.3.4), including its example.
func TestDelete(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.expect("a1 DELETE INBOX", "a1 NO [CANNOT] INBOX cannot be deleted")
	c.expect("a2 DELETE nosuch", "a2 NO [NONEXISTENT] no such mailbox")
	// §6.3.4's example.
	c.expect("A682 LIST \"\" *", `* LIST (\HasNoChildren) "/" INBOX`, "A682 OK LIST completed")
	c.cmd("b1 CREATE blurdybloop")
	c.cmd("b2 CREATE foo")
	c.cmd("b3 CREATE foo/bar")
	env.deliver("alice", "foo", nil, msg1)
	c.expect("A683 DELETE blurdybloop", "A683 OK DELETE completed")
	c.expect("A684 DELETE foo", "A684 OK DELETE completed")
	c.expect("A685 LIST \"\" *",
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" foo`,
		`* LIST (\HasNoChildren) "/" foo/bar`,
		"A685 OK LIST completed")
	c.expect("A686 LIST \"\" %",
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" foo`,
		"A686 OK LIST completed")
	// foo is now \Noselect with children: deleting it is an error.
	c.expect("A687 DELETE foo", "A687 NO [HASCHILDREN] foo has children and is not a mailbox")
	c.expect("A688 SELECT foo", "A688 NO [NONEXISTENT] no such mailbox")
	c.expect("A689 DELETE foo/bar", "A689 OK DELETE completed")
	c.expect("A690 LIST \"\" *", `* LIST (\HasNoChildren) "/" INBOX`, "A690 OK LIST completed")
	// Deleting the selected mailbox deselects it.
	c.cmd("c1 CREATE sel")
	c.cmd("c2 SELECT sel")
	c.expect("c3 DELETE sel", "c3 OK DELETE completed")
	c.expect("c4 CLOSE", "c4 BAD CLOSE is not valid in the authenticated state")
}

// TestRename covers RENAME (RFC 3501 §6.3.5), its example, and the special
// case of INBOX.
func TestRename(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.cmd("a1 CREATE blurdybloop")
	c.cmd("a2 CREATE foo")
	c.cmd("a3 CREATE foo/bar")
	env.deliver("alice", "foo", nil, msg1)
	c.expect("A683 RENAME blurdybloop sarasoop", "A683 OK RENAME completed")
	c.expect("A684 RENAME foo zowie", "A684 OK RENAME completed")
	c.expect("A685 LIST \"\" *",
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" sarasoop`,
		`* LIST (\HasChildren) "/" zowie`,
		`* LIST (\HasNoChildren) "/" zowie/bar`,
		"A685 OK LIST completed")
	c.expect("b1 STATUS zowie (MESSAGES)", `* STATUS zowie (MESSAGES 1)`, "b1 OK STATUS completed")
	c.expect("b2 RENAME nosuch x", "b2 NO [NONEXISTENT] no such mailbox")
	c.expect("b3 RENAME sarasoop zowie", "b3 NO [ALREADYEXISTS] mailbox already exists")
	c.expect("b4 RENAME sarasoop INBOX", "b4 NO [ALREADYEXISTS] INBOX always exists")
	c.expect("b5 RENAME zowie zowie/bar/x", "b5 NO [CANNOT] invalid argument")

	// INBOX: its messages move, INBOX stays, empty, with its children.
	c.cmd("c1 CREATE INBOX/child")
	env.deliver("alice", "INBOX", []string{`\Flagged`}, msg1, msg2)
	c.expect("c2 RENAME inbox old-mail", "c2 OK RENAME completed")
	c.expect("c3 STATUS INBOX (MESSAGES UIDNEXT)", "* STATUS INBOX (MESSAGES 0 UIDNEXT 3)", "c3 OK STATUS completed")
	c.expect("c4 STATUS old-mail (MESSAGES UNSEEN)", "* STATUS old-mail (MESSAGES 2 UNSEEN 2)", "c4 OK STATUS completed")
	c.expect(`c5 LIST "" INBOX*`, `* LIST (\HasChildren) "/" INBOX`, `* LIST (\HasNoChildren) "/" INBOX/child`, "c5 OK LIST completed")
	snap := env.snapshot("alice", "old-mail")
	if len(snap.Messages) != 2 || snap.Messages[0].Flags[0] != `\Flagged` {
		t.Errorf("old-mail after RENAME INBOX: %+v", snap.Messages)
	}
	c.expect("c6 RENAME INBOX old-mail", "c6 NO [ALREADYEXISTS] mailbox already exists")
}

// TestSubscriptions covers SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.6, §6.3.7)
// and LSUB (§6.3.9), including the "%" case of a subscribed child whose
// parent is not subscribed.
func TestSubscriptions(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.cmd("a1 CREATE news/comp/mail/misc")
	c.expect("a2 SUBSCRIBE news/comp/mail/misc", "a2 OK SUBSCRIBE completed")
	c.expect("a3 SUBSCRIBE gone/away", "a3 OK SUBSCRIBE completed")
	c.expect("a4 SUBSCRIBE INBOX", "a4 OK SUBSCRIBE completed")
	c.expect(`a5 LSUB "" *`,
		`* LSUB () "/" INBOX`,
		`* LSUB () "/" gone/away`,
		`* LSUB () "/" news/comp/mail/misc`,
		"a5 OK LSUB completed")
	c.expect(`a6 LSUB "" %`,
		`* LSUB () "/" INBOX`,
		`* LSUB (\Noselect) "/" gone`,
		`* LSUB (\Noselect) "/" news`,
		"a6 OK LSUB completed")
	c.expect(`a7 LSUB news/ %`, `* LSUB (\Noselect) "/" news/comp`, "a7 OK LSUB completed")
	c.expect(`a8 LSUB news/comp/mail/ %`, `* LSUB () "/" news/comp/mail/misc`, "a8 OK LSUB completed")
	c.expect(`a9 LSUB "" ""`, `* LSUB (\Noselect) "/" ""`, "a9 OK LSUB completed")
	c.expect("b1 UNSUBSCRIBE gone/away", "b1 OK UNSUBSCRIBE completed")
	c.expect("b2 UNSUBSCRIBE gone/away", "b2 NO [NONEXISTENT] not subscribed to gone/away")
	c.expect(`b3 LSUB "" %`,
		`* LSUB () "/" INBOX`,
		`* LSUB (\Noselect) "/" news`,
		"b3 OK LSUB completed")
	c.expect("b4 SUBSCRIBE news", "b4 OK SUBSCRIBE completed")
	c.expect(`b5 LSUB "" n%`, `* LSUB () "/" news`, "b5 OK LSUB completed")
}

// TestList covers LIST (RFC 3501 §6.3.8): references, "*" and "%", INBOX in
// any case, the empty pattern, and modified UTF-7 names.
func TestList(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	for _, name := range []string{"~smith/Mail/foo", "~smith/Mail/meetings", "Trash", "&ZeVnLIqe-", "a%b"} {
		c.cmd("p CREATE " + fmt.Sprintf("%q", name))
	}
	c.expect(`a1 LIST "" ""`, `* LIST (\Noselect) "/" ""`, "a1 OK LIST completed")
	c.expect(`a2 LIST ~smith/Mail/ ""`, `* LIST (\Noselect) "/" ~smith/`, "a2 OK LIST completed")
	c.expect(`a3 LIST ~smith/Mail/ %`,
		`* LIST (\HasNoChildren) "/" ~smith/Mail/foo`,
		`* LIST (\HasNoChildren) "/" ~smith/Mail/meetings`,
		"a3 OK LIST completed")
	c.expect(`a4 LIST "" %`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" Trash`,
		`* LIST (\HasNoChildren) "/" "a%b"`,
		`* LIST (\Noselect \HasChildren) "/" ~smith`,
		`* LIST (\HasNoChildren) "/" &ZeVnLIqe-`,
		"a4 OK LIST completed")
	c.expect(`a5 LIST "" inBox`, `* LIST (\HasNoChildren) "/" INBOX`, "a5 OK LIST completed")
	c.expect(`a6 LIST "" i%`, `* LIST (\HasNoChildren) "/" INBOX`, "a6 OK LIST completed")
	c.expect(`a7 LIST "" *o*`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\HasNoChildren) "/" ~smith/Mail/foo`,
		"a7 OK LIST completed")
	c.expect(`a8 LIST "" &ZeVnLIqe-`, `* LIST (\HasNoChildren) "/" &ZeVnLIqe-`, "a8 OK LIST completed")
	c.expect(`a9 LIST "" nomatch*`, "a9 OK LIST completed")
	c.expect(`a10 LIST "" %/%`, `* LIST (\Noselect \HasChildren) "/" ~smith/Mail`, "a10 OK LIST completed")
	c.expect(`a11 LIST "" `+strings.Repeat("%*", 300)+"z", "a11 OK LIST completed")
	c.expect(`a12 LIST "" `+strings.Repeat("x%", 32), "a12 OK LIST completed")
	c.expect(`a13 LIST "" `+strings.Repeat("x%", 33), "a13 NO [LIMIT] a pattern may have at most 32 wildcards")
	c.expect(`a14 LSUB "" `+strings.Repeat("x*", 33), "a14 NO [LIMIT] a pattern may have at most 32 wildcards")
}

// TestMatcher checks the LIST pattern matcher directly.
func TestMatcher(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a/b/c", true},
		{"%", "a/b", false},
		{"%", "a", true},
		{"a/%", "a/b", true},
		{"a/%", "a/b/c", false},
		{"a/*", "a/b/c", true},
		{"a*c", "a/b/c", true},
		{"a%c", "a/b/c", false},
		{"a%c", "abc", true},
		{"inbox", "INBOX", true},
		{"INBOX/x", "INBOX/x", true},
		{"inbox/x", "INBOX/x", true},
		{"inbox/X", "INBOX/x", false},
		{"inbox", "inboxes", false},
		{"Inb%", "INBOX", true},
		{"%%%*%%", "x/y", true},
		{"", "", true},
		{"x", "", false},
		{"*x*y*z*", "axbyc/z", true},
		{strings.Repeat("a", 1025), strings.Repeat("a", 1025), false},
	}
	for _, tt := range tests {
		if got := newMatcher(tt.pattern).match(tt.name); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

// TestStatus covers STATUS (RFC 3501 §6.3.10), on another mailbox and on the
// selected one.
func TestStatus(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", []string{`\Seen`}, msg1)
	env.deliver("alice", "INBOX", nil, msg2, msg3)
	uv := env.snapshot("alice", "INBOX").UIDValidity
	c := env.login("alice", alicePassword)
	c.expect("a1 STATUS inbox (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)",
		fmt.Sprintf("* STATUS INBOX (MESSAGES 3 RECENT 3 UIDNEXT 4 UIDVALIDITY %d UNSEEN 2)", uv),
		"a1 OK STATUS completed")
	c.cmd("a2 SELECT INBOX")
	c.expect("a3 STATUS INBOX (recent messages)", "* STATUS INBOX (RECENT 0 MESSAGES 3)", "a3 OK STATUS completed")
	c.expect("a4 STATUS INBOX (BOGUS)", "a4 BAD unknown STATUS item BOGUS")
	c.expect("a5 STATUS INBOX ()", "a5 BAD STATUS needs at least one item")
	c.expect("a6 STATUS nosuch (MESSAGES)", "a6 NO [NONEXISTENT] no such mailbox")
	c.expectBad("a7 STATUS INBOX", 15)
	c.cmd(`a8 CREATE "Sent Items"`)
	c.expect(`a9 STATUS "Sent Items" (MESSAGES)`, `* STATUS "Sent Items" (MESSAGES 0)`, "a9 OK STATUS completed")
}

// TestAppend covers APPEND (RFC 3501 §6.3.11): flags, internal date, the
// message stored exactly, TRYCREATE, the quota, and the selected mailbox
// seeing the new message.
func TestAppend(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.cmd("a0 CREATE saved")
	msg := "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n"
	c.expect(fmt.Sprintf(`A003 APPEND saved (\Seen $Draft-Ish) "07-Feb-1994 21:52:25 -0800" {%d}`, len(msg)), "+ Ready for literal data")
	c.write(msg)
	c.expect("", appendUID("A003", env.uidValidity("alice", "saved"), 1))
	snap := env.snapshot("alice", "saved")
	if len(snap.Messages) != 1 {
		t.Fatalf("saved has %d messages", len(snap.Messages))
	}
	m := snap.Messages[0]
	if strings.Join(m.Flags, " ") != `$Draft-Ish \Seen` || m.Size != int64(len(msg)) ||
		!m.InternalDate.Equal(time.Date(1994, 2, 8, 5, 52, 25, 0, time.UTC)) {
		t.Errorf("appended message: %+v", m)
	}
	r, err := env.mailbox("alice", "saved").Open(m.UID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, r.Size())
	if _, err := r.ReadAt(buf, 0); err != nil || string(buf) != msg {
		t.Errorf("stored octets %q (%v), want %q", buf, err, msg)
	}

	c.expect("a1 APPEND nosuch {5}", "a1 NO [TRYCREATE] no mailbox nosuch")
	c.expect(`a2 APPEND saved (\Recent) {5}`, `a2 BAD flag \Recent cannot be set`)
	c.expect(`a3 APPEND saved (\Bogus) {5}`, `a3 BAD flag \Bogus cannot be set`)
	c.expectBad(`a4 APPEND saved "31-Feb-2024 00:00:00 +0000" {5}`, 17)
	c.expect("a5 NOOP", "a5 OK NOOP completed")

	// The selected mailbox gets EXISTS and RECENT at the end of APPEND.
	c.cmd("b1 SELECT saved")
	c.expect("b2 APPEND saved {5}", "+ Ready for literal data")
	c.expect("hello", "* 2 EXISTS", "* 2 RECENT", appendUID("b2", env.uidValidity("alice", "saved"), 2))
	// A bad end of command takes the message back.
	c.expect("b3 APPEND saved {5}", "+ Ready for literal data")
	if got := c.cmd("hello extra"); len(got) != 1 || !strings.HasPrefix(got[0], "b3 BAD syntax error at octet ") {
		t.Errorf("APPEND with garbage after the literal: %q", got)
	}
	if n := len(env.snapshot("alice", "saved").Messages); n != 2 {
		t.Errorf("saved has %d messages after a bad APPEND, want 2", n)
	}
}

// TestAppendQuota checks that APPEND refuses, before the literal is sent, a
// message that would exceed the account's quota (RFC 5530 OVERQUOTA).
func TestAppendQuota(t *testing.T) {
	env := newEnv(t, insecureAuth)
	if err := env.dir.SetQuota("alice", 100, 0); err != nil {
		t.Fatal(err)
	}
	env.deliver("alice", "INBOX", nil, strings.Repeat("x", 60))
	c := env.login("alice", alicePassword)
	c.expect("a1 APPEND INBOX {41}", "a1 NO [OVERQUOTA] the message would exceed the quota")
	c.expect("a2 APPEND INBOX {40}", "+ Ready for literal data")
	c.expect(strings.Repeat("y", 40), appendUID("a2", env.uidValidity("alice", "INBOX"), 2))
}

// TestCloseExpunge covers CHECK (§6.4.1), EXPUNGE (§6.4.3, with §7.4.1's
// decrementing numbers) and CLOSE (§6.4.2: silent, and nothing removed
// after EXAMINE).
func TestCloseExpunge(t *testing.T) {
	env := newEnv(t, insecureAuth)
	var bodies []string
	for i := 1; i <= 11; i++ {
		bodies = append(bodies, fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i))
	}
	uids := env.deliver("alice", "INBOX", nil, bodies...)
	mb := env.mailbox("alice", "INBOX")
	if _, err := mb.Store([]uint32{uids[2], uids[3], uids[6], uids[10]}, store.AddFlags, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	c := env.login("alice", alicePassword)
	c.cmd("a1 SELECT INBOX")
	c.expect("a2 CHECK", "a2 OK CHECK completed")
	// §7.4.1: messages 3, 4, 7 and 11 go, announced as 3, 3, 5, 8.
	c.expect("a3 EXPUNGE", "* 3 EXPUNGE", "* 3 EXPUNGE", "* 5 EXPUNGE", "* 8 EXPUNGE", "a3 OK EXPUNGE completed")
	c.expect("a4 EXPUNGE", "a4 OK EXPUNGE completed")

	if _, err := mb.Store([]uint32{uids[0]}, store.AddFlags, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	c.expect("a5 EXAMINE INBOX", "* 7 EXISTS", "* 0 RECENT", "* OK [UNSEEN 1] first unseen message",
		fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", env.snapshot("alice", "INBOX").UIDValidity),
		"* OK [UIDNEXT 12] predicted next UID",
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS ()] no permanent flags permitted`,
		"a5 OK [READ-ONLY] EXAMINE completed")
	c.expect("a6 EXPUNGE", "a6 NO [CANNOT] the mailbox is read-only (EXAMINE)")
	c.expect("a7 CLOSE", "a7 OK CLOSE completed")
	if n := len(env.snapshot("alice", "INBOX").Messages); n != 7 {
		t.Errorf("CLOSE after EXAMINE removed messages: %d left, want 7", n)
	}
	c.cmd("a8 SELECT INBOX")
	c.expect("a9 CLOSE", "a9 OK CLOSE completed")
	if n := len(env.snapshot("alice", "INBOX").Messages); n != 6 {
		t.Errorf("CLOSE left %d messages, want 6", n)
	}
	c.expect("a10 NOOP", "a10 OK NOOP completed")
}

// TestNamespace covers NAMESPACE (RFC 2342 §5, its example 5.1).
func TestNamespace(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("A000 NAMESPACE", "A000 BAD NAMESPACE is not valid in the not authenticated state")
	c = env.login("alice", alicePassword)
	c.expect("A001 NAMESPACE", `* NAMESPACE (("" "/")) (("Other Users/" "/")) NIL`, "A001 OK NAMESPACE completed")
}

// TestRenameLevel renames a \Noselect level (RFC 3501 §6.3.5's first
// example renames "foo", which only has the child "foo/bar").
func TestRenameLevel(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	for _, name := range []string{"foo/bar", "foo/bar/deep", "foo/bar-2", "foo/x/y", "foo/x/z/w"} {
		c.cmd("p CREATE " + name)
	}
	env.deliver("alice", "foo/bar/deep", nil, msg1)
	c.expect("a1 RENAME foo zowie/too", "a1 OK RENAME completed")
	c.expect(`a2 LIST "" *`,
		`* LIST (\HasNoChildren) "/" INBOX`,
		`* LIST (\Noselect \HasChildren) "/" zowie`,
		`* LIST (\Noselect \HasChildren) "/" zowie/too`,
		`* LIST (\HasChildren) "/" zowie/too/bar`,
		`* LIST (\HasNoChildren) "/" zowie/too/bar-2`,
		`* LIST (\HasNoChildren) "/" zowie/too/bar/deep`,
		`* LIST (\Noselect \HasChildren) "/" zowie/too/x`,
		`* LIST (\HasNoChildren) "/" zowie/too/x/y`,
		`* LIST (\Noselect \HasChildren) "/" zowie/too/x/z`,
		`* LIST (\HasNoChildren) "/" zowie/too/x/z/w`,
		"a2 OK LIST completed")
	c.expect("a3 STATUS zowie/too/bar/deep (MESSAGES)", "* STATUS zowie/too/bar/deep (MESSAGES 1)", "a3 OK STATUS completed")
	c.cmd("p CREATE other/child")
	c.expect("a4 RENAME zowie other", "a4 NO [ALREADYEXISTS] mailbox already exists")
	c.expect("a5 RENAME zowie zowie/too/x/q", "a5 NO [CANNOT] invalid argument")
	c.expect("a6 RENAME nothing else", "a6 NO [NONEXISTENT] no such mailbox")
}
