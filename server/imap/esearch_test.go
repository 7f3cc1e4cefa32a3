package imap

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/store"
)

// esearchNow is the clock of the tests of WITHIN.
var esearchNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// esSetup fills alice's INBOX with six messages, the even ones \Flagged,
// with internal dates one day apart ending at esearchNow, and UIDs 3 to 8
// (two delivered and expunged first), and selects it in a session whose
// clock is esearchNow.
func esSetup(t *testing.T) (*testEnv, *client) {
	t.Helper()
	env := newEnv(t, insecureAuth, func(cfg *Config) { cfg.Now = func() time.Time { return esearchNow } })
	mb := env.mailbox("alice", "INBOX")
	gone := env.deliver("alice", "INBOX", nil, msg1, msg2)
	if _, err := mb.Expunge(gone); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		var flags []string
		if i%2 == 0 {
			flags = []string{`\Flagged`}
		}
		raw := fmt.Sprintf("From: a@example.org\r\nSubject: m%d\r\n\r\nbody %d\r\n", i, i)
		date := esearchNow.Add(time.Duration(i-6) * 24 * time.Hour)
		if _, err := mb.Append(strings.NewReader(raw), store.AppendOptions{Flags: flags, InternalDate: date}); err != nil {
			t.Fatal(err)
		}
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")
	return env, c
}

// TestESearch checks the result options of RFC 4731 §3.1 on both forms of
// SEARCH.
func TestESearch(t *testing.T) {
	_, c := esSetup(t)
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"A282 SEARCH RETURN (MIN COUNT) FLAGGED", []string{`* ESEARCH (TAG "A282") MIN 2 COUNT 3`}},
		{"A283 SEARCH RETURN () FLAGGED", []string{`* ESEARCH (TAG "A283") ALL 2,4,6`}},
		{"A284 SEARCH RETURN (MIN) UNFLAGGED", []string{`* ESEARCH (TAG "A284") MIN 1`}},
		{"A285 UID SEARCH RETURN (MIN MAX) 1:5000", []string{`* ESEARCH (TAG "A285") UID MIN 3 MAX 8`}},
		{"A286 SEARCH RETURN (COUNT) DELETED", []string{`* ESEARCH (TAG "A286") COUNT 0`}},
		{"b1 SEARCH RETURN (ALL) 2:5", []string{`* ESEARCH (TAG "b1") ALL 2:5`}},
		{"b2 UID SEARCH RETURN (all count) NOT 3", []string{`* ESEARCH (TAG "b2") UID ALL 3:4,6:8 COUNT 5`}},
		{"b3 SEARCH RETURN (MIN MAX ALL) DELETED", []string{`* ESEARCH (TAG "b3")`}},
		{"b4 UID SEARCH RETURN () DELETED", []string{`* ESEARCH (TAG "b4") UID`}},
		{"b5 SEARCH RETURN (MAX MIN MAX) CHARSET UTF-8 SUBJECT m", []string{`* ESEARCH (TAG "b5") MIN 1 MAX 6`}},
		{"b6 SEARCH FLAGGED", []string{"* SEARCH 2 4 6"}}, // no RETURN: RFC 3501's response
	} {
		tag, _, _ := strings.Cut(tc.line, " ")
		cmd := strings.Fields(tc.line)[1]
		if cmd == "UID" {
			cmd = "UID SEARCH"
		}
		c.expect(tc.line, append(tc.want, tag+" OK "+cmd+" completed")...)
	}
}

// TestSearchRes checks RFC 5182's search result variable: what SAVE keeps
// (§2.4), "$" in every command that takes a set (§2.1), the rules that empty
// it or leave it alone (§2.1), and pipelined use (§2.3).
func TestSearchRes(t *testing.T) {
	env, c := esSetup(t)
	// SAVE alone answers nothing (§1); "$" is then the flagged messages.
	c.expect("a1 SEARCH RETURN (SAVE) FLAGGED", "a1 OK SEARCH completed")
	c.expect("a2 FETCH $ (UID)", "* 2 FETCH (UID 4)", "* 4 FETCH (UID 6)", "* 6 FETCH (UID 8)", "a2 OK FETCH completed")
	c.expect("a3 UID FETCH $ (FLAGS)", `* 2 FETCH (FLAGS (\Flagged \Recent) UID 4)`, `* 4 FETCH (FLAGS (\Flagged \Recent) UID 6)`,
		`* 6 FETCH (FLAGS (\Flagged \Recent) UID 8)`, "a3 OK UID FETCH completed")
	c.expect("a4 SEARCH $ 1:4", "* SEARCH 2 4", "a4 OK SEARCH completed")
	c.expect("a5 UID SEARCH UID $ SMALLER 4096", "* SEARCH 4 6 8", "a5 OK UID SEARCH completed")
	c.expect("a6 SEARCH OR $ 1", "* SEARCH 1 2 4 6", "a6 OK SEARCH completed")
	// §2.4: SAVE with MIN and MAX keeps those two.
	c.expect("b1 UID SEARCH RETURN (SAVE MIN MAX) ALL", `* ESEARCH (TAG "b1") UID MIN 3 MAX 8`, "b1 OK UID SEARCH completed")
	c.expect("b2 SEARCH $", "* SEARCH 1 6", "b2 OK SEARCH completed")
	// A BAD SEARCH leaves it alone; a NO one with SAVE empties it (§2.1).
	c.expectTagged("b3 SEARCH RETURN (SAVE) FOO", "b3 BAD unknown search key FOO")
	c.expect("b4 SEARCH $", "* SEARCH 1 6", "b4 OK SEARCH completed")
	c.expectTagged("b5 SEARCH CHARSET KOI8-R (OR $ 1,3:4) TEXT x", "b5 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset KOI8-R")
	c.expect("b6 SEARCH $", "* SEARCH 1 6", "b6 OK SEARCH completed")
	c.expectTagged("b7 SEARCH RETURN (SAVE) CHARSET KOI8-R TEXT x", "b7 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset KOI8-R")
	c.expect("b8 SEARCH $", "* SEARCH", "b8 OK SEARCH completed")
	// An empty "$" is a valid set that names nothing (§2.1, Example 6).
	c.expect("b9 FETCH $ FLAGS", "b9 OK FETCH completed")
	c.expect("b10 COPY $ INBOX", "b10 OK COPY completed")
	// "$" beside other elements is BAD (§3).
	c.expectTagged("b11 FETCH 1,$ FLAGS", `b11 BAD "$" must be the whole sequence set; combine it with other messages through SEARCH OR`)

	// Pipelined (§2.3, Example 7): SAVE, then COPY and STORE of "$".
	c.expect("c0 CREATE Junk", "c0 OK CREATE completed")
	c.write("c1 SEARCH RETURN (SAVE) SUBJECT m3\r\nc2 COPY $ Junk\r\nc3 STORE $ +FLAGS.SILENT (\\Deleted)\r\nc4 UID STORE $ FLAGS.SILENT (\\Seen \\Deleted)\r\n")
	got := c.until("c4 ")
	if len(got) != 4 || got[0] != "c1 OK SEARCH completed" || !strings.HasPrefix(got[1], "c2 OK [COPYUID ") ||
		got[2] != "c3 OK STORE completed" || got[3] != "c4 OK UID STORE completed" {
		t.Fatalf("pipelined: %q", got)
	}
	if n := len(env.snapshot("alice", "Junk").Messages); n != 1 {
		t.Fatalf("Junk has %d messages", n)
	}
	// An expunged message drops out of "$" (§2.1); EXPUNGE takes "$" with
	// UIDPLUS's UID EXPUNGE.
	c.expect("c5 UID EXPUNGE $", "* 3 EXPUNGE", "c5 OK UID EXPUNGE completed")
	c.expect("c6 FETCH $ UID", "c6 OK FETCH completed")
	c.expect("c7 SEARCH RETURN (SAVE) 1,2", "c7 OK SEARCH completed")
	other := env.login("alice", alicePassword)
	other.expectTagged("o1 SELECT INBOX", "o1 OK [READ-WRITE] SELECT completed")
	other.expect("o2 STORE 1 +FLAGS.SILENT (\\Deleted)", "o2 OK STORE completed")
	other.expect("o3 EXPUNGE", "* 1 EXPUNGE", "o3 OK EXPUNGE completed")
	// FETCH may not announce the expunge: the message keeps its number
	// and stays in "$" until NOOP tells of it.
	c.expect("c8 SEARCH $", "* SEARCH 1 2", "c8 OK SEARCH completed")
	c.expect("c9 NOOP", "* 1 EXPUNGE", "c9 OK NOOP completed")
	c.expect("c10 FETCH $ UID", "* 1 FETCH (UID 4)", "c10 OK FETCH completed")
	// MOVE (RFC 6851) takes "$" as COPY does.
	c.expect("c10a SEARCH RETURN (SAVE) 1", "c10a OK SEARCH completed")
	got = c.cmd("c10b UID MOVE $ Junk")
	if len(got) != 3 || !strings.HasPrefix(got[0], "* OK [COPYUID ") || got[1] != "* 1 EXPUNGE" || got[2] != "c10b OK UID MOVE completed" {
		t.Fatalf("UID MOVE $: %q", got)
	}
	c.expect("c10c FETCH $ UID", "c10c OK FETCH completed")
	// SELECT and EXAMINE reset it (§2.1); so does CLOSE with the mailbox.
	c.expectTagged("c11 EXAMINE INBOX", "c11 OK [READ-ONLY] EXAMINE completed")
	c.expect("c12 FETCH $ UID", "c12 OK FETCH completed")
	c.expect("c13 SEARCH RETURN (SAVE) ALL", "c13 OK SEARCH completed")
	c.expect("c14 CLOSE", "c14 OK CLOSE completed")
	c.expectTagged("c15 SELECT INBOX", "c15 OK [READ-WRITE] SELECT completed")
	c.expect("c16 SEARCH $", "* SEARCH", "c16 OK SEARCH completed")
}

// TestWithin checks OLDER and YOUNGER (RFC 5032 §2) against the server's
// clock at their boundaries: both include the target time itself.
func TestWithin(t *testing.T) {
	_, c := esSetup(t)
	day := 24 * 60 * 60
	for _, tc := range []struct {
		keys string
		want string
	}{
		{fmt.Sprintf("OLDER %d", 2*day), "* SEARCH 1 2 3 4"},
		{fmt.Sprintf("OLDER %d", 2*day+1), "* SEARCH 1 2 3"},
		{fmt.Sprintf("YOUNGER %d", 2*day), "* SEARCH 4 5 6"},
		{fmt.Sprintf("YOUNGER %d", 2*day-1), "* SEARCH 5 6"},
		{"YOUNGER 1", "* SEARCH 6"}, // message 6 is at the clock's time
		{"OLDER 1", "* SEARCH 1 2 3 4 5"},
		{"OLDER 4294967295", "* SEARCH"},
		{"UNFLAGGED YOUNGER 259200", "* SEARCH 3 5"}, // §4: three days
		{fmt.Sprintf("OLDER %d YOUNGER %d", day, 3*day), "* SEARCH 3 4 5"},
	} {
		c.expect("w SEARCH "+tc.keys, tc.want, "w OK SEARCH completed")
	}
	c.expectTagged("w SEARCH OLDER 0", "w BAD syntax error at octet 15: expected non-zero number, found \"0\"")
	c.expectTagged("w SEARCH YOUNGER", "w BAD syntax error at octet 16: expected SP, found CR")
}
