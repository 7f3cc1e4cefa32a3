package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/rfc/rfc4314"
)

// grant gives identifier id exactly the rights r on alice's mailbox name,
// as alice's SETACL would.
func (e *testEnv) grant(owner, name, id, r string) {
	e.t.Helper()
	rights, err := rfc4314.ParseRights(r)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.mailbox(owner, name).ModifyACL(id, rfc4314.Modification{Rights: rights}); err != nil {
		e.t.Fatal(err)
	}
}

// tagged returns the tagged line of a command's answer.
func tagged(lines []string) string { return lines[len(lines)-1] }

// status returns the tagged line's status and response code, without the
// text: "OK", "NO [NOPERM]" …
func status(lines []string) string {
	f := strings.Fields(tagged(lines))
	if len(f) > 2 && strings.HasPrefix(f[2], "[") {
		return f[1] + " " + strings.TrimRight(f[2], "]") + "]"
	}
	return f[1]
}

// refused is the answer to a command that needs a right the user lacks:
// NO [NOPERM] when the user may see the mailbox ("l"), else exactly the
// answer for a mailbox that does not exist (RFC 4314 §6).
func refused(rights, missingCode string) string {
	if strings.Contains(rights, "l") {
		return "NO [NOPERM]"
	}
	return missingCode
}

// TestPermissionMatrix grants bob each right alone on a mailbox of alice's
// and tries every command that names a mailbox; each outcome is what
// rfc4314.Needs says (RFC 4314 §4).
func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t, insecureAuth)
	bob := e.login("bob", bobPassword)
	for _, r := range strings.Split("l r s w i p k x t e a", " ") {
		t.Run(r, func(t *testing.T) {
			name := "Box-" + r
			if err := e.account("alice").CreateMailbox(name); err != nil {
				t.Fatal(err)
			}
			e.deliver("alice", name, nil, "Subject: one\r\n\r\nhello\r\n")
			e.grant("alice", name, "bob", r)
			full := "\"Other Users/alice/" + name + "\""
			has := func(right string) bool { return r == right }
			want := func(ok bool, otherwise string) string {
				if ok {
					return "OK"
				}
				return otherwise
			}
			check := func(cmd, wantStatus string) {
				t.Helper()
				lines := bob.cmd(cmd)
				if strings.HasPrefix(tagged(lines), "+ ") {
					lines = bob.cmd("Subject: ") // the literal of APPEND
				}
				got := status(lines)
				if got != wantStatus && !(wantStatus == "OK" && strings.HasPrefix(got, "OK")) {
					t.Errorf("with %q, %s: %s, want %s", r, cmd, got, wantStatus)
				}
			}
			// LIST shows the mailbox exactly when bob has "l".
			list := bob.cmd(`M1 LIST "" "Other Users/alice/*"`)
			listed := slices.ContainsFunc(list, func(l string) bool { return strings.HasSuffix(l, "/"+name+`"`) })
			if listed != has("l") {
				t.Errorf("with %q, LIST shows the mailbox: %v", r, listed)
			}
			check("M2 SELECT "+full, want(has("r"), refused(r, "NO [NONEXISTENT]")))
			check("M3 EXAMINE "+full, want(has("r"), refused(r, "NO [NONEXISTENT]")))
			if has("r") {
				// Only "r": nothing may be changed (RFC 4314 §5.2).
				if got := tagged(bob.cmd("M2b SELECT " + full)); !strings.Contains(got, "[READ-ONLY]") {
					t.Errorf("SELECT with only r: %s", got)
				}
				check("M2c CLOSE", "OK")
			}
			check("M4 STATUS "+full+" (MESSAGES)", want(has("r"), refused(r, "NO [NONEXISTENT]")))
			check("M5 APPEND "+full+" {9}", want(has("i"), refused(r, "NO [TRYCREATE]")))
			check("M6 CREATE \"Other Users/alice/"+name+"/sub\"", want(has("k"), "NO [NOPERM]"))
			check("M7 GETACL "+full, want(has("a"), refused(r, "NO [NONEXISTENT]")))
			check("M8 LISTRIGHTS "+full+" carol", want(has("a"), refused(r, "NO [NONEXISTENT]")))
			check("M9 MYRIGHTS "+full, want(strings.Contains("lrikxa", r), refused(r, "NO [NONEXISTENT]")))
			check("M10 SETACL "+full+" carol l", want(has("a"), refused(r, "NO [NONEXISTENT]")))
			check("M11 DELETEACL "+full+" carol", want(has("a"), refused(r, "NO [NONEXISTENT]")))
			// RENAME needs "x" on the mailbox and "k" on the new parent:
			// one right alone is never enough.
			renameWant := refused(r, "NO [NONEXISTENT]")
			if has("x") {
				renameWant = "NO [NOPERM]"
			}
			check("M12 RENAME "+full+" \"Other Users/alice/"+name+"-renamed\"", renameWant)
			check("M13 DELETE "+full, want(has("x"), refused(r, "NO [NONEXISTENT]")))
			// SUBSCRIBE and UNSUBSCRIBE need no right (§4: existence is
			// not checked).
			check("M14 SUBSCRIBE "+full, "OK")
			check("M15 UNSUBSCRIBE "+full, "OK")
			e.account("alice").DeleteMailbox(name + "/sub")
			e.account("alice").DeleteMailbox(name)
		})
	}
}

// TestSelectedMatrix grants bob "r" and one more right on a mailbox of
// alice's, selects it and tries each command of the selected state whose
// outcome depends on a right (RFC 4314 §4): the store shows what happened.
func TestSelectedMatrix(t *testing.T) {
	e := newEnv(t, insecureAuth)
	bob := e.login("bob", bobPassword)
	for _, extra := range strings.Split("- s w i t e", " ") {
		t.Run(extra, func(t *testing.T) {
			r := "r" + strings.TrimPrefix(extra, "-")
			name := "Sel-" + extra
			if err := e.account("alice").CreateMailbox(name); err != nil {
				t.Fatal(err)
			}
			e.deliver("alice", name, []string{`\Deleted`, "$Old"}, "Subject: one\r\n\r\nhello\r\n")
			e.deliver("alice", name, nil, "Subject: two\r\n\r\nhi\r\n")
			e.grant("alice", name, "bob", r)
			full := "\"Other Users/alice/" + name + "\""
			has := func(right string) bool { return strings.Contains(r, right) }
			bob.cmd("S1 SELECT " + full)
			for _, tt := range []struct{ flag, right string }{{`\Seen`, "s"}, {`\Flagged`, "w"}, {"$Label", "w"}, {`\Deleted`, "t"}} {
				got := status(bob.cmd("S2 STORE 2 +FLAGS.SILENT (" + tt.flag + ")"))
				want := "OK"
				if !has(tt.right) {
					want = "NO [NOPERM]"
				}
				if got != want {
					t.Errorf("with %q, STORE %s: %s, want %s", r, tt.flag, got, want)
				}
				// bob's \Seen is his own; the others are shared.
				snap := e.snapshotAs("bob", "alice", name)
				if slices.Contains(snap.Messages[1].Flags, tt.flag) != has(tt.right) {
					t.Errorf("with %q, STORE %s: message flags %v", r, tt.flag, snap.Messages[1].Flags)
				}
				if tt.flag == `\Seen` && slices.Contains(e.snapshot("alice", name).Messages[1].Flags, tt.flag) {
					t.Errorf("with %q, bob's STORE \\Seen set alice's", r)
				}
			}
			// A STORE of several flags changes those allowed and succeeds
			// when any is (§4: "SHOULD NOT fail").
			if has("s") {
				if got := status(bob.cmd(`S3 STORE 1 +FLAGS.SILENT (\Seen \Answered)`)); got != "OK" {
					t.Errorf("STORE of \\Seen and \\Answered with %q: %s", r, got)
				}
				if f := e.snapshotAs("bob", "alice", name).Messages[0].Flags; !slices.Contains(f, `\Seen`) || slices.Contains(f, `\Answered`) {
					t.Errorf("with %q, message 1 has %v", r, f)
				}
			}
			// COPY into the mailbox itself needs "i" there; the copy keeps
			// only the flags the rights cover.
			// Without "l" either, the target answers as a mailbox that does
			// not exist (RFC 4314 §6).
			got := status(bob.cmd("S4 COPY 1 " + full))
			if has("i") && got != "OK [COPYUID]" || !has("i") && got != "NO [TRYCREATE]" {
				t.Errorf("with %q, COPY: %s", r, got)
			}
			if has("i") {
				snap := e.snapshot("alice", name)
				if last := snap.Messages[len(snap.Messages)-1]; len(last.Flags) != 0 {
					t.Errorf("a copy made with %q has flags %v", r, last.Flags)
				}
			}
			// EXPUNGE needs "e".
			before := len(e.snapshot("alice", name).Messages)
			got = status(bob.cmd("S5 EXPUNGE"))
			after := len(e.snapshot("alice", name).Messages)
			if has("e") != (got == "OK") || has("e") != (after < before) {
				t.Errorf("with %q, EXPUNGE: %s, %d → %d messages", r, got, before, after)
			}
			// CLOSE succeeds without "e" and expunges nothing then.
			if got := status(bob.cmd("S6 CLOSE")); got != "OK" {
				t.Errorf("with %q, CLOSE: %s", r, got)
			}
			e.account("alice").DeleteMailbox(name)
		})
	}
}

// TestFetchSeenNeedsS: a FETCH of BODY[] sets \Seen only with "s" (§4).
func TestFetchSeenNeedsS(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Read")
	e.deliver("alice", "Read", nil, "Subject: one\r\n\r\nhello\r\n")
	bob := e.login("bob", bobPassword)
	for _, r := range []string{"lr", "lrs"} {
		e.grant("alice", "Read", "bob", r)
		bob.cmd(`F1 SELECT "Other Users/alice/Read"`)
		bob.cmd("F2 FETCH 1 BODY[]")
		seen := slices.Contains(e.snapshotAs("bob", "alice", "Read").Messages[0].Flags, `\Seen`)
		if seen != (r == "lrs") {
			t.Errorf("with %q, FETCH BODY[] leaves \\Seen %v", r, seen)
		}
		// bob's \Seen is his own: alice's is unchanged.
		if slices.Contains(e.snapshot("alice", "Read").Messages[0].Flags, `\Seen`) {
			t.Errorf("with %q, bob's FETCH BODY[] set alice's \\Seen", r)
		}
	}
}

// TestNoLeak: a user without "l" on a mailbox learns nothing of it: every
// command naming it answers, octet for octet, as for a name that does not
// exist, and LIST leaves it out (RFC 4314 §6).
func TestNoLeak(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Secret")
	e.deliver("alice", "Secret", nil, "Subject: one\r\n\r\nhello\r\n")
	// bob has no right, and then only "p", which no command uses.
	for _, r := range []string{"", "p"} {
		if r != "" {
			e.grant("alice", "Secret", "bob", r)
		}
		bob := e.login("bob", bobPassword)
		for _, cmd := range []string{
			"SELECT %s", "EXAMINE %s", "STATUS %s (MESSAGES)", "DELETE %s", "RENAME %s \"Other Users/alice/X\"",
			"GETACL %s", "SETACL %s bob lr", "DELETEACL %s bob", "LISTRIGHTS %s bob", "MYRIGHTS %s",
			"APPEND %s {9}", "GETQUOTAROOT %s",
		} {
			secret := bob.cmd("N1 " + fmt.Sprintf(cmd, `"Other Users/alice/Secret"`))
			none := bob.cmd("N1 " + fmt.Sprintf(cmd, `"Other Users/alice/Nothing"`))
			// The same octets but for the name itself.
			for i := range secret {
				secret[i] = strings.ReplaceAll(secret[i], "Secret", "Nothing")
			}
			if !slices.Equal(secret, none) || !strings.HasPrefix(tagged(secret), "N1 NO ") {
				t.Errorf("rights %q, %s: %q, but for a missing mailbox %q", r, cmd, secret, none)
			}
		}
		for _, pattern := range []string{"*", "Other Users/*", "Other Users/alice/%", "%"} {
			for _, l := range bob.cmd(`N2 LIST "" "` + pattern + `"`) {
				if strings.Contains(l, "Secret") || strings.Contains(l, "alice") {
					t.Errorf("LIST %s shows %q", pattern, l)
				}
			}
		}
	}
	if acl, _ := e.mailbox("alice", "Secret").ACL(); len(acl) > 2 {
		t.Errorf("bob changed the ACL: %v", acl)
	}
}

// TestRevokeTakesEffect: the owner revokes bob's rights while bob has the
// mailbox selected; bob's next command is refused (RFC 4314 §5.1.1), and
// nothing of the mailbox is reported to him any more.
func TestRevokeTakesEffect(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Team")
	e.deliver("alice", "Team", nil, "Subject: one\r\n\r\nhello\r\n")
	alice := e.login("alice", alicePassword)
	alice.expect(`A1 SETACL Team bob lrs`, "A1 OK SETACL completed")
	bob := e.login("bob", bobPassword)
	// bob's \Seen is his own, so "s" is no shared flag right: READ-ONLY
	// (RFC 4314 §5.2).
	if got := status(bob.cmd(`B1 SELECT "Other Users/alice/Team"`)); got != "OK [READ-ONLY]" {
		t.Fatalf("SELECT: %s", got)
	}
	bob.expect("B2 FETCH 1 (FLAGS)", `* 1 FETCH (FLAGS (\Recent))`, "B2 OK FETCH completed")
	// A change of rights that keeps "r" is told with PERMANENTFLAGS
	// (RFC 4314 §5.1.1).
	alice.expect(`A1b SETACL Team bob +t`, "A1b OK SETACL completed")
	bob.expect("B2b NOOP", `* OK [PERMANENTFLAGS (\Deleted \Seen)] flags permitted`, "B2b OK NOOP completed")
	bob.expect("B2c NOOP", "B2c OK NOOP completed")
	alice.expect(`A2 DELETEACL Team bob`, "A2 OK DELETEACL completed")
	e.deliver("alice", "Team", nil, "Subject: two\r\n\r\nhi\r\n")
	bob.expect("B3 FETCH 1 (FLAGS)", `B3 NO [NOPERM] permission denied: the "r" right is needed`)
	bob.expect("B4 NOOP", "B4 OK NOOP completed")
	// CLOSE is never refused: bob can leave the mailbox.
	bob.expect("B4b CLOSE", "B4b OK CLOSE completed")
	if got := status(bob.cmd(`B5 SELECT "Other Users/alice/Team"`)); got != "NO [NONEXISTENT]" {
		t.Errorf("SELECT after the revocation: %s", got)
	}
}

// TestGroupsAndNegativeRights: a group identifier gives its members rights;
// a negative right takes one away again (RFC 4314 §2).
func TestGroupsAndNegativeRights(t *testing.T) {
	e := newEnv(t, insecureAuth)
	if err := e.dir.AddGroup("team", []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	e.account("alice").CreateMailbox("Team")
	e.grant("alice", "Team", "$team", "lrsw")
	e.grant("alice", "Team", "-bob", "w")
	bob := e.login("bob", bobPassword)
	bob.expect(`G1 MYRIGHTS "Other Users/alice/Team"`, `* MYRIGHTS "Other Users/alice/Team" lrs`, "G1 OK MYRIGHTS completed")
}

// TestCreateInheritsACL: a mailbox made below a shared one gets its ACL
// (RFC 4314 §4), so that the user who made it keeps seeing it.
func TestCreateInheritsACL(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Team")
	e.grant("alice", "Team", "bob", "lrk")
	bob := e.login("bob", bobPassword)
	bob.expect(`C1 CREATE "Other Users/alice/Team/Notes"`, "C1 OK CREATE completed")
	bob.expect(`C2 MYRIGHTS "Other Users/alice/Team/Notes"`, `* MYRIGHTS "Other Users/alice/Team/Notes" lrkc`, "C2 OK MYRIGHTS completed")
	if _, err := e.account("alice").Mailbox("Team/Notes"); err != nil {
		t.Errorf("the mailbox is not alice's: %v", err)
	}
	// A name that would shadow a namespace is not made in bob's own tree.
	if got := status(bob.cmd(`C3 CREATE "Other Users"`)); got != "NO [CANNOT]" {
		t.Errorf("CREATE of the namespace's name: %s", got)
	}
}

// TestSharedNamespace: the folders of Config.SharedAccount are seen under
// "Shared/" by the users their ACLs allow (RFC 2342 §5, RFC 4314), here
// through a group; nobody owns them, so nobody else sees them.
func TestSharedNamespace(t *testing.T) {
	e := newEnv(t, insecureAuth, func(cfg *Config) { cfg.SharedAccount = "shared" })
	if err := e.dir.AddGroup("staff", []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	if err := e.account("shared").CreateMailbox("Lists"); err != nil {
		t.Fatal(err)
	}
	e.deliver("shared", "Lists", nil, "Subject: one\r\n\r\nhello\r\n")
	e.grant("shared", "Lists", "$staff", "lrs")
	bob := e.login("bob", bobPassword)
	bob.expect("S1 NAMESPACE", `* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared/" "/"))`, "S1 OK NAMESPACE completed")
	bob.expect(`S2 LIST "" "Shared/*"`, `* LIST (\HasNoChildren) "/" Shared/Lists`, "S2 OK LIST completed")
	// "s" alone is no shared flag right where \Seen is per user (RFC 4314
	// §5.2).
	if got := status(bob.cmd("S3 SELECT Shared/Lists")); got != "OK [READ-ONLY]" {
		t.Errorf("SELECT Shared/Lists: %s", got)
	}
	bob.expect("S4 MYRIGHTS Shared/Lists", "* MYRIGHTS Shared/Lists lrs", "S4 OK MYRIGHTS completed")
	// The shared account is not a user: "Other Users/shared" shows nothing
	// and names nothing.
	bob.expect(`S5 LIST "" "Other Users/*"`, "S5 OK LIST completed")
	if got := status(bob.cmd(`S5b SELECT "Other Users/shared/Lists"`)); got != "NO [NONEXISTENT]" {
		t.Errorf("SELECT through Other Users: %s", got)
	}
	// Its quota root is named by its namespace.
	bob.expect("S6 GETQUOTAROOT Shared/Lists", `* QUOTAROOT Shared/Lists "Shared"`, `* QUOTA "Shared" ()`, "S6 OK GETQUOTAROOT completed")
	alice := e.login("alice", alicePassword)
	alice.expect(`A1 LIST "" "Shared/*"`, "A1 OK LIST completed")
	if got := status(alice.cmd("A2 SELECT Shared/Lists")); got != "NO [NONEXISTENT]" {
		t.Errorf("alice SELECT Shared/Lists: %s", got)
	}
	if got := status(alice.cmd("A3 CREATE Shared/Mine")); got != "NO [NOPERM]" {
		t.Errorf("alice CREATE at the top of the shared folders: %s", got)
	}
}

// TestMoveRights: MOVE needs "r", "t" and "e" on the source (RFC 6851 §4.2:
// the rights of UID COPY, UID STORE of \Deleted and UID EXPUNGE;
// rfc4314.Needs) and "i" on the target, where the copies keep only the
// flags the rights there cover. With "r" and "e" alone a user could only
// expunge what others marked \Deleted; MOVE must not let it take any
// message out of the mailbox.
func TestMoveRights(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Src")
	e.account("alice").CreateMailbox("Dst")
	e.deliver("alice", "Src", []string{`\Flagged`, `\Seen`}, "Subject: one\r\n\r\nhello\r\n", "Subject: two\r\n\r\nhi\r\n")
	e.grant("alice", "Src", "bob", "lr")
	e.grant("alice", "Dst", "bob", "lis")
	bob := e.login("bob", bobPassword)
	bob.cmd(`M1 SELECT "Other Users/alice/Src"`)
	if got := status(bob.cmd(`M2 MOVE 1 "Other Users/alice/Dst"`)); got != "NO [NOPERM]" {
		t.Errorf("MOVE without e on the source: %s", got)
	}
	e.grant("alice", "Src", "bob", "lre")
	if got := status(bob.cmd(`M2b MOVE 1 "Other Users/alice/Dst"`)); got != "NO [NOPERM]" {
		t.Errorf("MOVE without t on the source: %s", got)
	}
	e.grant("alice", "Src", "bob", "lrte")
	if got := status(bob.cmd(`M3 MOVE 1 "Other Users/alice/Dst"`)); got != "OK" {
		t.Errorf("MOVE with t and e on the source and i on the target: %s", got)
	}
	if n := len(e.snapshot("alice", "Src").Messages); n != 1 {
		t.Errorf("the source has %d messages, want 1", n)
	}
	// The copy carries bob's view of \Seen (he has not seen it: alice's
	// \Seen is hers) and not \Flagged, for want of "w" on the target.
	dst := e.snapshot("alice", "Dst").Messages
	if len(dst) != 1 || len(dst[0].Flags) != 0 {
		t.Errorf("the target has %v, want one message without flags", dst)
	}
	if f := e.snapshotAs("bob", "alice", "Dst").Messages[0].Flags; len(f) != 0 {
		t.Errorf("bob sees the moved message with %v", f)
	}
	// Into a mailbox bob may not see: as if it did not exist.
	e.account("alice").CreateMailbox("Hidden")
	if got := status(bob.cmd(`M4 MOVE 1 "Other Users/alice/Hidden"`)); got != "NO [TRYCREATE]" {
		t.Errorf("MOVE into a hidden mailbox: %s", got)
	}
}

// TestRevokeDuringIdle: rights revoked while bob idles in alice's mailbox;
// a message delivered afterwards is not reported to him, neither during IDLE
// nor when it ends, and his next command is refused.
func TestRevokeDuringIdle(t *testing.T) {
	e := newEnv(t, insecureAuth)
	e.account("alice").CreateMailbox("Team")
	e.grant("alice", "Team", "bob", "lr")
	bob := e.login("bob", bobPassword)
	bob.cmd(`I1 SELECT "Other Users/alice/Team"`)
	bob.expect("I2 IDLE", "+ idling")
	if _, err := e.mailbox("alice", "Team").DeleteACL("bob"); err != nil {
		t.Fatal(err)
	}
	e.deliver("alice", "Team", nil, "Subject: secret\r\n\r\nnot for bob\r\n")
	bob.expect("DONE", "I2 OK IDLE completed")
	bob.expect("I3 FETCH 1 (FLAGS)", `I3 NO [NOPERM] permission denied: the "r" right is needed`)
}
