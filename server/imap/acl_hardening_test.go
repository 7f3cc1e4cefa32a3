package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/server/directory"
)

// TestReservedLogins: a user whose login is an ACL identifier of another
// kind (RFC 4314 §2: "anyone", "authenticated", "-bob", "$group") cannot
// log in, and its account is not reachable under "Other Users/": the
// owner's entry of its ACLs ("anyone" with every right) would give every
// user every right on its mailboxes, and "$staff" would hold the rights of
// the group staff.
func TestReservedLogins(t *testing.T) {
	e := newEnv(t, insecureAuth)
	for _, login := range []string{"anyone", "authenticated", "-bob", "$staff"} {
		if err := e.dir.AddUser(directory.UserSpec{Login: login, Password: "reserved-pw-1"}); err != nil {
			t.Fatalf("adding %q: %v", login, err)
		}
		// An account made by a delivery, before any login.
		e.deliver(login, "INBOX", nil, "Subject: private\r\n\r\nfor "+login+"\r\n")
	}
	for _, login := range []string{"anyone", "authenticated", "-bob", "$staff"} {
		c := e.dial()
		if got := status(c.cmd(`L1 LOGIN "` + login + `" "reserved-pw-1"`)); got != "NO [AUTHENTICATIONFAILED]" {
			t.Errorf("LOGIN as %q: %s, want NO [AUTHENTICATIONFAILED]", login, got)
		}
	}
	bob := e.login("bob", bobPassword)
	list := bob.cmd(`B1 LIST "" "*"`)
	for _, l := range list {
		if strings.Contains(l, "anyone") || strings.Contains(l, "authenticated") ||
			strings.Contains(l, "$staff") || strings.Contains(l, "-bob") {
			t.Errorf("LIST shows a reserved account: %s", l)
		}
	}
	for _, login := range []string{"anyone", "authenticated", "-bob", "$staff"} {
		box := `"Other Users/` + login + `/INBOX"`
		for _, cmd := range []string{"SELECT " + box, "STATUS " + box + " (MESSAGES)", "MYRIGHTS " + box,
			"GETQUOTAROOT " + box} {
			if got := status(bob.cmd("B2 " + cmd)); got != "NO [NONEXISTENT]" {
				t.Errorf("%s: %s, want NO [NONEXISTENT]", cmd, got)
			}
		}
	}
}

// TestReservedGroupLogin: a user named like a group gets nothing from the
// group's entry (RFC 4314 §2: "$staff" names the group), even where it is
// the sender of an LMTP delivery, which evaluates the same rights.
func TestReservedGroupLogin(t *testing.T) {
	e := newEnv(t, insecureAuth)
	if err := e.account("alice").CreateMailbox("Team"); err != nil {
		t.Fatal(err)
	}
	e.grant("alice", "Team", "$staff", "lrswipkxte")
	if err := e.dir.AddUser(directory.UserSpec{Login: "$staff", Password: "reserved-pw-1"}); err != nil {
		t.Fatal(err)
	}
	c := e.dial()
	if got := status(c.cmd(`L1 LOGIN "$staff" "reserved-pw-1"`)); got != "NO [AUTHENTICATIONFAILED]" {
		t.Errorf("LOGIN as $staff: %s", got)
	}
}

// TestUIDCodesNeedRead: APPENDUID and COPYUID are not sent for a mailbox
// the session may append or copy to but not read (RFC 4315 §5; RFC 4314
// "i" without "r"), and are sent when it may read it.
func TestUIDCodesNeedRead(t *testing.T) {
	e := newEnv(t, insecureAuth)
	for _, name := range []string{"Drop", "Open"} {
		if err := e.account("alice").CreateMailbox(name); err != nil {
			t.Fatal(err)
		}
	}
	e.grant("alice", "Drop", "bob", "li")
	e.grant("alice", "Open", "bob", "lri")
	e.deliver("bob", "INBOX", nil, "Subject: a\r\n\r\none\r\n", "Subject: b\r\n\r\ntwo\r\n")
	bob := e.login("bob", bobPassword)
	hasCode := func(lines []string, code string) bool {
		return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "["+code+" ") })
	}
	appendTo := func(name string) []string {
		lines := bob.cmd(`A1 APPEND "Other Users/alice/` + name + `" {9}`)
		if !strings.HasPrefix(tagged(lines), "+ ") {
			t.Fatalf("APPEND to %s: %v", name, lines)
		}
		return bob.cmd("Subject: ")
	}
	if lines := appendTo("Drop"); status(lines) != "OK" || hasCode(lines, "APPENDUID") {
		t.Errorf("APPEND with only i: %v, want OK without APPENDUID", lines)
	}
	if lines := appendTo("Open"); !hasCode(lines, "APPENDUID") {
		t.Errorf("APPEND with r and i: %v, want APPENDUID", lines)
	}
	if got := tagged(bob.cmd("S1 SELECT INBOX")); !strings.HasPrefix(got, "S1 OK") {
		t.Fatalf("SELECT INBOX: %s", got)
	}
	for _, cmd := range []string{"C1 COPY 1 ", "C2 UID COPY 1 ", "C3 MOVE 1 "} {
		lines := bob.cmd(cmd + `"Other Users/alice/Drop"`)
		if !strings.HasPrefix(tagged(lines), strings.Fields(cmd)[0]+" OK") || hasCode(lines, "COPYUID") {
			t.Errorf("%s to a mailbox with only i: %v, want OK without COPYUID", cmd, lines)
		}
	}
	if lines := bob.cmd(`C4 COPY 1 "Other Users/alice/Open"`); !hasCode(lines, "COPYUID") {
		t.Errorf("COPY with r and i: %v, want COPYUID", lines)
	}
	if n := len(e.snapshot("alice", "Drop").Messages); n != 4 {
		t.Errorf("Drop holds %d messages, want 4", n)
	}
}

// TestAppendQuotaHeldLiterals: APPENDs whose literals were all announced
// while the account had room for one message, and are then sent one after
// the other, do not together go over the quota (RFC 9208 §4.3.1): the
// first is stored, the others are refused NO [OVERQUOTA] and leave
// nothing behind. Before, each passed the check made at its announcement,
// so a client with n connections could overshoot by n messages of up to
// MaxLiteralSize.
func TestAppendQuotaHeldLiterals(t *testing.T) {
	e := newEnv(t, insecureAuth, func(cfg *Config) { cfg.DefaultQuotaStorage = 1500 })
	msg := "Subject: q\r\n\r\n" + strings.Repeat("x", 1000-len("Subject: q\r\n\r\n"))
	var clients []*client
	for i := range 3 {
		c := e.login("bob", bobPassword)
		lines := c.cmd(fmt.Sprintf("A%d APPEND INBOX {%d}", i, len(msg)))
		if !strings.HasPrefix(tagged(lines), "+") {
			t.Fatalf("APPEND %d: %v, want a continuation request", i, lines)
		}
		clients = append(clients, c)
	}
	for i, c := range clients {
		got := status(c.cmd(msg))
		want := "NO [OVERQUOTA]"
		if i == 0 {
			want = "OK"
		}
		if !strings.HasPrefix(got, want) {
			t.Errorf("APPEND %d: %s, want %s", i, got, want)
		}
	}
	if n := len(e.snapshot("bob", "INBOX").Messages); n != 1 {
		t.Errorf("INBOX holds %d messages, want 1", n)
	}
}

// TestCreateSpecialUseInOtherAccount: a user who may create folders in
// another user's mailbox ("k", and "r" inherited by the new folder) cannot
// make one of them the owner's \Sent or \Drafts (RFC 6154 §3 USE), where the
// owner's client would then keep mail he could read.
func TestCreateSpecialUseInOtherAccount(t *testing.T) {
	e := newEnv(t, insecureAuth, func(cfg *Config) { cfg.SharedAccount = "shared"; cfg.SharedPrefix = "Shared/" })
	if err := e.account("alice").CreateMailbox("Team"); err != nil {
		t.Fatal(err)
	}
	e.grant("alice", "Team", "bob", "lrk")
	if err := e.account("shared").CreateMailbox("Pub"); err != nil {
		t.Fatal(err)
	}
	e.grant("shared", "Pub", "bob", "lrk")
	bob := e.login("bob", bobPassword)
	for _, name := range []string{"Other Users/alice/Team/Sent", "Shared/Pub/Sent"} {
		if got := status(bob.cmd(`C1 CREATE "` + name + `" (USE (\Sent))`)); got != "NO [NOPERM]" {
			t.Errorf("CREATE %s with USE: %s, want NO [NOPERM]", name, got)
		}
		if got := status(bob.cmd(`C2 CREATE "` + name + `"`)); got != "OK" {
			t.Errorf("CREATE %s without USE: %s, want OK", name, got)
		}
	}
	infos, err := e.account("alice").Mailboxes()
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Name == "Team/Sent" && len(info.SpecialUse) > 0 {
			t.Errorf("Team/Sent has the special use %v", info.SpecialUse)
		}
	}
	if got := status(bob.cmd(`C3 CREATE "Mine" (USE (\Sent))`)); got != "OK" {
		t.Errorf("CREATE of bob's own mailbox with USE: %s, want OK", got)
	}
}

// TestCopyQuotaConcurrent: COPYs that run at once, each of which fits the
// quota alone, do not together go over it (RFC 9208 §4.3.1): each checks
// again once its copies are made and takes them back when the account is
// over its quota. Whatever the interleaving, the account ends within its
// quota, and every copy that was acknowledged is there.
func TestCopyQuotaConcurrent(t *testing.T) {
	const n, size = 5, 1000
	// The source's n messages, and room for one COPY of them.
	e := newEnv(t, insecureAuth, func(cfg *Config) { cfg.DefaultQuotaStorage = 2*n*size + size })
	if err := e.account("bob").CreateMailbox("Dst"); err != nil {
		t.Fatal(err)
	}
	msg := "Subject: q\r\n\r\n" + strings.Repeat("x", size-len("Subject: q\r\n\r\n"))
	for range n {
		e.deliver("bob", "INBOX", nil, msg)
	}
	const sessions = 4
	var clients []*client
	for range sessions {
		c := e.login("bob", bobPassword)
		if got := tagged(c.cmd("S1 SELECT INBOX")); !strings.HasPrefix(got, "S1 OK") {
			t.Fatalf("SELECT: %s", got)
		}
		clients = append(clients, c)
	}
	answers := make(chan string, sessions)
	for _, c := range clients {
		go func() { answers <- status(c.cmd(`C1 COPY 1:* Dst`)) }()
	}
	ok := 0
	for range sessions {
		switch got := <-answers; {
		case strings.HasPrefix(got, "OK"):
			ok++
		case got != "NO [OVERQUOTA]":
			t.Errorf("COPY: %s, want OK or NO [OVERQUOTA]", got)
		}
	}
	if ok > 1 {
		t.Errorf("%d COPYs succeeded, want at most one", ok)
	}
	if got := len(e.snapshot("bob", "Dst").Messages); got != ok*n {
		t.Errorf("Dst holds %d messages after %d COPYs succeeded, want %d", got, ok, ok*n)
	}
	usage, err := e.account("bob").Usage()
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(2*n*size + size); usage.Octets > limit {
		t.Errorf("usage %d octets, over the quota of %d", usage.Octets, limit)
	}
}
