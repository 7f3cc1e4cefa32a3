package imap

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc3516"
	"github.com/loftmail/loft/store"
)

// srBase64 encodes s in base64 lines of 76 characters (RFC 2045 §6.8).
func srBase64(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// The SEARCH fixture: five messages, in this order.
var srMessages = []struct {
	raw   string
	flags []string
	date  time.Time
}{
	{ // 1: plain US-ASCII.
		"Date: Tue, 1 Feb 1994 09:00:00 -0800\r\n" +
			"From: \"John Smith\" <smith@example.org>\r\n" +
			"To: alice@example.org\r\n" +
			"Cc: carol@example.org\r\n" +
			"Subject: Meeting agenda\r\n" +
			"Message-ID: <m1@example.org>\r\n" +
			"\r\n" +
			"Please bring the quarterly figures.\r\n",
		[]string{`\Answered`, `\Seen`},
		time.Date(1994, 2, 1, 12, 0, 0, 0, time.UTC),
	},
	{ // 2: encoded words (B and Q, UTF-8, a folded subject); a base64
		// UTF-8 body. The Date: is 2 Feb in its own zone, 1 Feb in UTC.
		"Date: Wed, 2 Feb 1994 01:00:00 +0300\r\n" +
			"From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\r\n" +
			"To: bob@example.org\r\n" +
			"Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Grüße aus Köln")) + "?=\r\n" +
			" =?UTF-8?Q?_und_Bonn?=\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=UTF-8\r\n" +
			"Content-Transfer-Encoding: base64\r\n" +
			"\r\n" +
			srBase64("Die Straße ist gesperrt.\r\nBis morgen!\r\n"),
		[]string{`\Flagged`},
		time.Date(1994, 2, 2, 0, 30, 0, 0, time.UTC),
	},
	{ // 3: ISO-8859-1 in a Q encoded word and a quoted-printable part
		// with a soft line break; an attachment that is not text.
		"Date: Thu, 3 Feb 1994 10:00:00 +0000\r\n" +
			"From: Pierre <pierre@example.fr>\r\n" +
			"To: alice@example.org\r\n" +
			"Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
			"\r\n" +
			"--b1\r\n" +
			"Content-Type: text/plain; charset=ISO-8859-1\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n" +
			"\r\n" +
			"Le caf=E9 est pr=EAt, mon ami. Tr=\r\n" +
			"=E8s bon.\r\n" +
			"--b1\r\n" +
			"Content-Type: application/octet-stream\r\n" +
			"Content-Transfer-Encoding: base64\r\n" +
			"\r\n" +
			srBase64("hidden attachment needle") +
			"--b1--\r\n",
		[]string{`\Deleted`, `\Flagged`},
		time.Date(1994, 2, 3, 10, 0, 0, 0, time.UTC),
	},
	{ // 4: no Date:, a Bcc:, a keyword.
		"From: drafts@example.org\r\n" +
			"Bcc: secret@example.net\r\n" +
			"Subject: Draft without a date\r\n" +
			"X-Priority: 1\r\n" +
			"\r\n" +
			"Remember the needle.\r\n",
		[]string{`\Draft`, "$Label"},
		time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC),
	},
	{ // 5: an encapsulated message; \Recent in the searching session.
		"Date: Mon, 15 Mar 2021 08:00:00 +0100\r\n" +
			"From: Smith Agency <agency@example.com>\r\n" +
			"To: alice@example.org\r\n" +
			"Subject: Forwarded message\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: message/rfc822\r\n" +
			"\r\n" +
			"From: inner@example.org\r\n" +
			"Subject: Inner secret\r\n" +
			"\r\n" +
			"The inner body says hello.\r\n",
		nil,
		time.Date(2021, 3, 15, 7, 0, 0, 0, time.UTC),
	},
}

// srSetup delivers the fixture to alice's INBOX, with two messages
// expunged before it so that UIDs and sequence numbers differ, and messages
// 1–4 seen by an earlier session so that only message 5 is \Recent. It
// returns a session that has selected INBOX, and the UIDs.
func srSetup(t testing.TB) (*testEnv, *client, []uint32) {
	t.Helper()
	env := newEnv(t, insecureAuth)
	mb := env.mailbox("alice", "INBOX")
	gone := env.deliver("alice", "INBOX", nil, msg1, msg2)
	if _, err := mb.Expunge(gone); err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	for i, m := range srMessages {
		if i == 4 {
			first := env.login("alice", alicePassword)
			first.expectTagged("f1 SELECT INBOX", "f1 OK [READ-WRITE] SELECT completed")
			first.expectTagged("f2 LOGOUT", "f2 OK LOGOUT completed")
		}
		got, err := mb.Append(strings.NewReader(m.raw), store.AppendOptions{Flags: m.flags, InternalDate: m.date})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, got.UID)
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s0 SELECT INBOX", "s0 OK [READ-WRITE] SELECT completed")
	return env, c, uids
}

// srCmd sends a command whose line may announce synchronising literals
// ("{n}\r\n" followed by the octets), sending each literal only after its
// continuation request, and returns the responses up to the tagged one.
func srCmd(c *client, line string) []string {
	c.t.Helper()
	for {
		i := strings.Index(line, "}\r\n")
		if i < 0 {
			return c.cmd(line)
		}
		n, err := strconv.Atoi(line[strings.LastIndexByte(line[:i], '{')+1 : i])
		if err != nil || i+3+n > len(line) {
			c.t.Fatalf("bad literal in test command %q", line)
		}
		got := c.cmd(line[:i+1])
		if last := got[len(got)-1]; !strings.HasPrefix(last, "+") {
			return got
		}
		c.write(line[i+3 : i+3+n])
		line = line[i+3+n:]
	}
}

// srLit returns the announcement and octets of a literal holding s.
func srLit(s string) string { return "{" + strconv.Itoa(len(s)) + "}\r\n" + s }

// srExpect sends a SEARCH command and checks its whole answer.
func srExpect(t testing.TB, c *client, line string, want ...string) {
	t.Helper()
	got := srCmd(c, line)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s: responses differ (-want +got):\n%s", line, diff)
	}
}

// srResult is the SEARCH response listing nums.
func srResult(nums ...uint32) string {
	s := "* SEARCH"
	for _, n := range nums {
		s += " " + strconv.FormatUint(uint64(n), 10)
	}
	return s
}

// TestSearchKeys checks every search key of RFC 3501 §6.4.4 on the fixture,
// and their combinations.
func TestSearchKeys(t *testing.T) {
	_, c, uids := srSetup(t)
	var sizes []int64
	for _, m := range srMessages {
		sizes = append(sizes, int64(len(m.raw)))
	}
	sizeMatches := func(n int64, larger bool) []uint32 {
		var out []uint32
		for i, s := range sizes {
			if larger && s > n || !larger && s < n {
				out = append(out, uint32(i+1))
			}
		}
		return out
	}
	for _, tc := range []struct {
		keys string
		want []uint32
	}{
		{"ALL", []uint32{1, 2, 3, 4, 5}},
		// Flags.
		{"ANSWERED", []uint32{1}},
		{"UNANSWERED", []uint32{2, 3, 4, 5}},
		{"SEEN", []uint32{1}},
		{"UNSEEN", []uint32{2, 3, 4, 5}},
		{"FLAGGED", []uint32{2, 3}},
		{"UNFLAGGED", []uint32{1, 4, 5}},
		{"DELETED", []uint32{3}},
		{"UNDELETED", []uint32{1, 2, 4, 5}},
		{"DRAFT", []uint32{4}},
		{"UNDRAFT", []uint32{1, 2, 3, 5}},
		{"KEYWORD $label", []uint32{4}},
		{"UNKEYWORD $Label", []uint32{1, 2, 3, 5}},
		{"KEYWORD $Nothing", nil},
		{"RECENT", []uint32{5}},
		{"NEW", []uint32{5}},
		{"OLD", []uint32{1, 2, 3, 4}},
		{"NOT NEW", []uint32{1, 2, 3, 4}},
		{"seen unanswered", nil},
		// Internal dates, time and zone disregarded (UTC dates here).
		{"BEFORE 2-Feb-1994", []uint32{1}},
		{"BEFORE 1-Feb-1994", nil},
		{"ON 2-Feb-1994", []uint32{2}},
		{"ON 01-Feb-1994", []uint32{1}},
		{`ON "1-Jan-2020"`, []uint32{4}},
		{"SINCE 3-Feb-1994", []uint32{3, 4, 5}},
		{"SINCE 15-Mar-2021", []uint32{5}},
		{"SINCE 16-mar-2021", nil},
		// Date: fields, in their own zones; message 4 has none.
		{"SENTBEFORE 2-Feb-1994", []uint32{1}},
		{"SENTON 2-Feb-1994", []uint32{2}},
		{"SENTON 1-Feb-1994", []uint32{1}},
		{"SENTSINCE 3-Feb-1994", []uint32{3, 5}},
		{"SENTSINCE 1-Jan-1900", []uint32{1, 2, 3, 5}},
		{"NOT SENTON 1-Feb-1994", []uint32{2, 3, 4, 5}},
		// Sizes.
		{fmt.Sprintf("LARGER %d", sizes[0]), sizeMatches(sizes[0], true)},
		{fmt.Sprintf("SMALLER %d", sizes[0]), sizeMatches(sizes[0], false)},
		{fmt.Sprintf("LARGER %d SMALLER %d", sizes[3]-1, sizes[3]+1), []uint32{4}},
		{"LARGER 4294967295", nil},
		{"SMALLER 0", nil},
		// Address and subject fields, decoded (RFC 2047).
		{"FROM smith", []uint32{1, 5}},
		{`FROM "SMITH"`, []uint32{1, 5}},
		{"FROM example.de", []uint32{2}},
		{"TO alice", []uint32{1, 3, 5}},
		{"CC carol", []uint32{1}},
		{"CC alice", nil},
		{"BCC secret", []uint32{4}},
		{"SUBJECT meeting", []uint32{1}},
		{"SUBJECT \"aus k\"", []uint32{2}},
		{"SUBJECT \"Köln und Bonn\"", nil}, // 8-bit octets are not a quoted string: BAD below
		{"SUBJECT inner", nil},
		{`SUBJECT "=?UTF-8?B"`, nil},
		{`SUBJECT ""`, []uint32{1, 2, 3, 4, 5}},
		// HEADER.
		{`HEADER X-Priority ""`, []uint32{4}},
		{`HEADER x-priority 1`, []uint32{4}},
		{`HEADER Message-ID "M1@EXAMPLE"`, []uint32{1}},
		{`HEADER X-None ""`, nil},
		{`HEADER "Content-Transfer-Encoding" base64`, []uint32{2}},
		// BODY and TEXT, decoded from base64, quoted-printable and the
		// charset.
		{`BODY "quarterly figures"`, []uint32{1}},
		{"BODY meeting", nil},
		{"TEXT meeting", []uint32{1}},
		{"BODY gesperrt", []uint32{2}},
		{"BODY \"bis MORGEN\"", []uint32{2}},
		{"BODY needle", []uint32{4}}, // not message 3's APPLICATION/OCTET-STREAM part
		{"TEXT needle", []uint32{4}},
		{`BODY "inner secret"`, []uint32{5}},
		{`TEXT "inner body says"`, []uint32{5}},
		{"TEXT x-priority", []uint32{4}},
		{"TEXT jm@example.de", []uint32{2}},
		{`BODY ""`, []uint32{1, 2, 3, 4, 5}},
		{`BODY "string not in mailbox"`, nil},
		{"BODY mon BODY ami", []uint32{3}},
		{"BODY Straße", nil}, // as above: 8-bit octets in an atom are BAD
		// Sequence sets and UIDs.
		{"2,4", []uint32{2, 4}},
		{"4:*", []uint32{4, 5}},
		{"*", []uint32{5}},
		{"*:4", []uint32{4, 5}},
		{"1:100", []uint32{1, 2, 3, 4, 5}},
		{fmt.Sprintf("UID %d:%d", uids[1], uids[2]), []uint32{2, 3}},
		{"UID *", []uint32{5}},
		{"UID 1:2", nil},
		{fmt.Sprintf("UID %d,%d", uids[4], uids[0]), []uint32{1, 5}},
		// OR, NOT and parentheses, nested.
		{"OR SEEN FLAGGED", []uint32{1, 2, 3}},
		{"NOT (SEEN)", []uint32{2, 3, 4, 5}},
		{"NOT NOT SEEN", []uint32{1}},
		{"(OR DRAFT DELETED) UNSEEN", []uint32{3, 4}},
		{"OR (FROM smith SEEN) (NOT OR FLAGGED DRAFT)", []uint32{1, 5}},
		{"OR OR SEEN DRAFT RECENT", []uint32{1, 4, 5}},
		{"((((UNSEEN))))", []uint32{2, 3, 4, 5}},
		{"OR BODY needle SUBJECT meeting", []uint32{1, 4}},
		{"NOT BODY needle NOT TEXT smith", []uint32{2, 3}},
		{"2:5 NOT 3 OR UID 1:* ANSWERED", []uint32{2, 4, 5}},
	} {
		if strings.ContainsFunc(tc.keys, func(r rune) bool { return r > 127 }) {
			// An atom or quoted string cannot hold 8-bit octets (RFC 3501
			// §9): BAD, whatever the key.
			got := c.cmd("k SEARCH " + tc.keys)
			if len(got) != 1 || !strings.HasPrefix(got[0], "k BAD ") {
				t.Errorf("SEARCH %s: %q, want BAD", tc.keys, got)
			}
			continue
		}
		got := c.cmd("k SEARCH " + tc.keys)
		want := []string{srResult(tc.want...), "k OK SEARCH completed"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SEARCH %s (-want +got):\n%s", tc.keys, diff)
		}
	}
}

// TestSearchLiterals checks strings sent as literals, in UTF-8 (RFC 3501
// §6.4.4's third example), matched case-insensitively against decoded
// headers and bodies.
func TestSearchLiterals(t *testing.T) {
	_, c, _ := srSetup(t)
	for _, tc := range []struct {
		keys string
		want []uint32
	}{
		{"SUBJECT " + srLit("grüße"), []uint32{2}},
		{"SUBJECT " + srLit("KÖLN UND BONN"), []uint32{2}},
		{"FROM " + srLit("jürgen müller"), []uint32{2}},
		{"SUBJECT " + srLit("Café Crème"), []uint32{3}},
		{"SUBJECT " + srLit("CAFÉ"), []uint32{3}},
		{"BODY " + srLit("Straße"), []uint32{2}},
		{"BODY " + srLit("café est prêt"), []uint32{3}},
		{"BODY " + srLit("TRÈS BON"), []uint32{3}},
		{"TEXT " + srLit("crème"), []uint32{3}},
		{"HEADER " + srLit("Subject") + " " + srLit("ß"), []uint32{2}},
		{"OR BODY " + srLit("ami") + " BODY " + srLit("hello"), []uint32{3, 5}},
		{"NOT TEXT " + srLit("é"), []uint32{1, 2, 4, 5}},
	} {
		for _, charset := range []string{"", "CHARSET UTF-8 ", "charset \"utf-8\" "} {
			line := "k SEARCH " + charset + tc.keys
			srExpect(t, c, line, srResult(tc.want...), "k OK SEARCH completed")
		}
	}
}

// TestSearchRFCExamples runs the examples of RFC 3501 §6.4.4 on the fixture.
func TestSearchRFCExamples(t *testing.T) {
	_, c, _ := srSetup(t)
	srExpect(t, c, `A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"`,
		"* SEARCH 2 3", "A282 OK SEARCH completed")
	srExpect(t, c, `A283 SEARCH TEXT "string not in mailbox"`,
		"* SEARCH", "A283 OK SEARCH completed")
	// The six octets of "crème" in UTF-8.
	if len("crème") != 6 {
		t.Fatal("the literal must have six octets")
	}
	srExpect(t, c, "A284 SEARCH CHARSET UTF-8 TEXT {6}\r\ncrème",
		"* SEARCH 3", "A284 OK SEARCH completed")
}

// TestSearchUID checks UID SEARCH (RFC 3501 §6.4.8): the same keys, UIDs in
// the answer.
func TestSearchUID(t *testing.T) {
	_, c, uids := srSetup(t)
	srExpect(t, c, "u1 UID SEARCH ALL", srResult(uids...), "u1 OK UID SEARCH completed")
	srExpect(t, c, "u2 UID SEARCH 2:3", srResult(uids[1:3]...), "u2 OK UID SEARCH completed")
	srExpect(t, c, fmt.Sprintf("u3 UID SEARCH UID %d:*", uids[3]), srResult(uids[3:]...), "u3 OK UID SEARCH completed")
	srExpect(t, c, "u4 uid search FLAGGED", srResult(uids[1], uids[2]), "u4 OK UID SEARCH completed")
	srExpect(t, c, "u5 UID SEARCH CHARSET UTF-8 BODY "+srLit("straße"), srResult(uids[1]), "u5 OK UID SEARCH completed")
	srExpect(t, c, "u6 UID SEARCH KEYWORD $Nothing", "* SEARCH", "u6 OK UID SEARCH completed")
}

// TestSearchCharset checks CHARSET (RFC 3501 §6.4.4): US-ASCII and UTF-8 in
// any case, anything else NO [BADCHARSET] with the list, after the whole
// command has been read, literals included.
func TestSearchCharset(t *testing.T) {
	_, c, _ := srSetup(t)
	srExpect(t, c, "a1 SEARCH CHARSET US-ASCII SEEN", "* SEARCH 1", "a1 OK SEARCH completed")
	srExpect(t, c, "a2 SEARCH CHARSET us-ascii TEXT agenda", "* SEARCH 1", "a2 OK SEARCH completed")
	srExpect(t, c, "a3 SEARCH CHARSET {5}\r\nUTF-8 SEEN", "* SEARCH 1", "a3 OK SEARCH completed")
	srExpect(t, c, "a4 SEARCH CHARSET ISO-8859-1 TEXT x",
		"a4 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset ISO-8859-1")
	srExpect(t, c, "a5 SEARCH CHARSET KOI8-R TEXT {4}\r\n\xd4\xc5\xd3\xd4",
		"a5 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset KOI8-R")
	srExpect(t, c, "a6 UID SEARCH CHARSET X-UNKNOWN ALL",
		"a6 NO [BADCHARSET (US-ASCII UTF-8)] unsupported charset X-UNKNOWN")
	// CHARSET is a word only in first place; later it is an unknown key.
	srExpect(t, c, "a7 SEARCH SEEN CHARSET UTF-8", "a7 BAD unknown search key CHARSET")
	c.expectBad("a8 SEARCH CHARSET", 17)
	c.expectBad("a9 SEARCH CHARSET UTF-8", 23)
	c.expect(`b1 SEARCH CHARSET "" ALL`, "b1 BAD CHARSET needs a charset name")
	c.expect("b2 NOOP", "b2 OK NOOP completed")
}

// srBadPrefix checks that a command is answered with one BAD line that
// starts with prefix.
func srBadPrefix(t *testing.T, c *client, line, prefix string) {
	t.Helper()
	got := srCmd(c, line)
	if len(got) != 1 || !strings.HasPrefix(got[0], prefix) {
		t.Fatalf("%s: %q, want one line starting with %q", line, got, prefix)
	}
}

// TestSearchErrors checks what SEARCH answers with BAD, and that the session
// stays in step with the client after each.
func TestSearchErrors(t *testing.T) {
	_, c, _ := srSetup(t)
	for _, tc := range []struct{ line, prefix string }{
		{"e SEARCH", "e BAD syntax error at octet 8: "},
		{"e SEARCH ", "e BAD syntax error at octet 9: "},
		{"e SEARCH FOO", "e BAD unknown search key FOO"},
		{"e SEARCH SEEN FOO BAR", "e BAD unknown search key FOO"},
		{"e SEARCH (SEEN FOO)", "e BAD unknown search key FOO"},
		{"e SEARCH NOT (OR SEEN (FOO))", "e BAD unknown search key FOO"},
		{"e SEARCH ()", "e BAD a parenthesised search key may not be empty"},
		{"e SEARCH (SEEN", "e BAD syntax error at octet 14: "},
		{"e SEARCH SEEN)", "e BAD syntax error at octet 13: "},
		{"e SEARCH SEEN  DRAFT", "e BAD syntax error at octet 14: "},
		{"e SEARCH NOT", "e BAD syntax error at octet 12: "},
		{"e SEARCH OR SEEN", "e BAD syntax error at octet 16: "},
		{"e SEARCH SINCE 30-Feb-2020", "e BAD syntax error at octet 15: "},
		{"e SEARCH SINCE 1-Foo-2020", "e BAD syntax error at octet "},
		{"e SEARCH SINCE", "e BAD syntax error at octet 14: "},
		{"e SEARCH LARGER x", "e BAD syntax error at octet 16: "},
		{"e SEARCH LARGER 4294967296", "e BAD syntax error at octet "},
		{"e SEARCH KEYWORD \\Seen", "e BAD syntax error at octet 17: "},
		{"e SEARCH 0", "e BAD syntax error at octet "},
		{"e SEARCH 1:0", "e BAD syntax error at octet "},
		{"e SEARCH 1,$", `e BAD "$" must be the whole sequence set`},
		{"e SEARCH UID $,2", `e BAD "$" must be the whole sequence set`},
		{"e SEARCH RETURN (FOO) ALL", `e BAD unknown SEARCH result option "FOO"`},
		{"e SEARCH RETURN (MIN)", "e BAD syntax error"},
		{"e SEARCH OLDER 0", "e BAD syntax error"},
		{"e SEARCH UID", "e BAD syntax error at octet 12: "},
		{"e SEARCH HEADER Subject", "e BAD syntax error at octet 23: "},
		{"e SEARCH " + strings.Repeat("NOT ", 150) + "ALL", "e BAD search keys nested too deeply"},
		{"e SEARCH " + strings.Repeat("(", 150) + "ALL" + strings.Repeat(")", 150), "e BAD "},
		{"e SEARCH " + strings.Repeat("OR ALL ", 150) + "ALL", "e BAD search keys nested too deeply"},
		// An unknown key before a literal: the client waits for a
		// continuation request that does not come.
		{"e SEARCH FOO {3}\r\nabc", "e BAD unknown search key FOO"},
		{"e SEARCH TEXT \"8-bit é\"", "e BAD syntax error at octet "},
	} {
		line := tc.line
		if strings.HasSuffix(line, "{3}\r\nabc") {
			line = strings.TrimSuffix(line, "\r\nabc")
			got := c.cmd(line)
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.prefix) {
				t.Fatalf("%q: %q, want one line starting with %q", line, got, tc.prefix)
			}
		} else {
			srBadPrefix(t, c, line, tc.prefix)
		}
		c.expect("n NOOP", "n OK NOOP completed")
	}
	// Deep but allowed.
	srExpect(t, c, "d SEARCH "+strings.Repeat("NOT ", 98)+"SEEN", "* SEARCH 1", "d OK SEARCH completed")

	c.expect("z1 CLOSE", "z1 OK CLOSE completed")
	c.expect("z2 SEARCH ALL", "z2 BAD SEARCH is not valid in the authenticated state")
	c.expect("z3 UID SEARCH ALL", "z3 BAD UID SEARCH is not valid in the authenticated state")
}

// TestSearchExpunged checks SEARCH while another session expunges: SEARCH
// matches the messages the view still holds and sends no EXPUNGE (RFC 3501
// §7.4.1); UID SEARCH may, after its answer.
func TestSearchExpunged(t *testing.T) {
	env, c, uids := srSetup(t)
	if _, err := env.mailbox("alice", "INBOX").Expunge([]uint32{uids[1]}); err != nil {
		t.Fatal(err)
	}
	srExpect(t, c, "a1 SEARCH FLAGGED", "* SEARCH 2 3", "a1 OK SEARCH completed")
	// Its octets may be gone: then it has no header and no body.
	got := c.cmd("a2 SEARCH OR SUBJECT aus FROM Pierre")
	if w1, w2 := []string{"* SEARCH 2 3", "a2 OK SEARCH completed"}, []string{"* SEARCH 3", "a2 OK SEARCH completed"}; !slices.Equal(got, w1) && !slices.Equal(got, w2) {
		t.Fatalf("a2: %q", got)
	}
	srExpect(t, c, "a3 SEARCH 5", "* SEARCH 5", "a3 OK SEARCH completed")
	srExpect(t, c, "a4 UID SEARCH UNSEEN", srResult(uids[1:]...), "* 2 EXPUNGE", "a4 OK UID SEARCH completed")
	srExpect(t, c, "a5 SEARCH UNSEEN", "* SEARCH 2 3 4", "a5 OK SEARCH completed")
}

// TestSearchCorpus delivers the shared corpus of malformed and unusual
// messages and searches their text: every search completes.
func TestSearchCorpus(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/corpus/*.eml")
	if len(files) == 0 {
		t.Skip("no corpus in /work/shared/corpus")
	}
	env := newEnv(t, insecureAuth)
	mb := env.mailbox("alice", "INBOX")
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 {
			continue
		}
		if _, err := mb.Append(bytes.NewReader(raw), store.AppendOptions{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n++
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")
	for _, keys := range []string{
		`TEXT "x"`, "BODY the", `TEXT "string not in mailbox"`, `HEADER Subject ""`, `FROM "@"`,
		"SENTSINCE 1-Jan-1970", "SENTBEFORE 1-Jan-2100", "CHARSET UTF-8 TEXT " + srLit("é"),
		"OR BODY a NOT TEXT e", `HEADER Content-Type "multipart"`,
	} {
		got := srCmd(c, "k SEARCH "+keys)
		if len(got) != 2 || !strings.HasPrefix(got[0], "* SEARCH") || got[1] != "k OK SEARCH completed" {
			t.Fatalf("SEARCH %s: %q", keys, got)
		}
		for _, f := range strings.Fields(strings.TrimPrefix(got[0], "* SEARCH")) {
			if v, err := strconv.Atoi(f); err != nil || v < 1 || v > n {
				t.Fatalf("SEARCH %s: %q is not a message number", keys, f)
			}
		}
	}
	srExpect(t, c, "all SEARCH ALL", srResult(seqRange(1, uint32(n))...), "all OK SEARCH completed")
}

func seqRange(from, to uint32) []uint32 {
	var out []uint32
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// TestSearchFold checks the case folding of search strings: ASCII, Latin,
// Greek and the characters whose folding orbit joins an ASCII letter.
func TestSearchFold(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"Hello", "hELLO"},
		{"Köln", "KÖLN"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"ς", "Σ"},
		{"\u212a", "k"}, // Kelvin sign
		{"\u017f", "S"}, // long s
		{"Straße", "STRAßE"},
		{"a\xffb", "A\xffB"}, // octets that are not UTF-8 stay
	} {
		if fa, fb := foldString(tc.a), foldString(tc.b); fa != fb {
			t.Errorf("fold(%q) = %q, fold(%q) = %q; want equal", tc.a, fa, tc.b, fb)
		}
	}
	if foldString("é") == foldString("e") {
		t.Error("é and e fold alike")
	}
}

// TestSearchMatcher checks the streaming matcher: needles that span writes,
// that split a UTF-8 sequence, several needles at once, and no match across
// separate texts.
func TestSearchMatcher(t *testing.T) {
	text := "Grüße aus Köln, with a needle in it."
	needles := []string{foldString("KÖLN"), foldString("needle"), foldString("aus k"), foldString("absent"), ""}
	for chunk := 1; chunk <= len(text); chunk++ {
		found := make([]bool, len(needles))
		m := newFoldMatcher(needles, found)
		for i := 0; i < len(text); i += chunk {
			m.Write([]byte(text[i:min(i+chunk, len(text))]))
		}
		m.separate()
		if want := []bool{true, true, true, false, true}; !slices.Equal(found, want) {
			t.Fatalf("chunks of %d: found %v, want %v", chunk, found, want)
		}
	}
	found := make([]bool, 1)
	m := newFoldMatcher([]string{"ab"}, found)
	m.Write([]byte("xa"))
	m.separate()
	m.Write([]byte("bx"))
	m.separate()
	if found[0] {
		t.Fatal("a needle matched across two texts")
	}
}

// TestSearchDecoders checks the lenient quoted-printable and base64 decoding
// of body parts (RFC 2045 §6.7, §6.8).
func TestSearchDecoders(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"caf=E9", "caf\xe9"},
		{"caf=e9", "caf\xe9"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=  \r\nbreak", "softbreak"},
		{"soft=\nbreak", "softbreak"},
		{"a = b", "a = b"},
		{"bad=ZZ", "bad=ZZ"},
		{"end=", "end"},
		{"end=  ", "end"},
		{"end=x", "end=x"},
		{"=3D=3d", "=="},
	} {
		qp, _ := rfc3516.Decode("quoted-printable", strings.NewReader(tc.in))
		got, err := io.ReadAll(qp)
		if err != nil || string(got) != tc.want {
			t.Errorf("QP %q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	in := "aGVs bG8g\r\n\td29y*bGQ=\r\n"
	b64, _ := rfc3516.Decode("base64", strings.NewReader(in))
	got, err := io.ReadAll(b64)
	if err != nil || string(got) != "hello world" {
		t.Errorf("base64 %q: %q, %v", in, got, err)
	}
	// Header values: encoded words decoded, unknown charsets kept.
	for _, tc := range []struct{ in, want string }{
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?ISO-8859-15?Q?=A4uro?=", "€uro"},
		{"=?windows-1252?B?gA==?=", "€"},
		{"=?x-nothing?Q?abc?= tail", "=?x-nothing?Q?abc?= tail"},
		{"=?utf-8?B?bad", "=?utf-8?B?bad"},
		{"plain", "plain"},
	} {
		if got := decodeHeaderValue(tc.in); got != tc.want {
			t.Errorf("decodeHeaderValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Header blocks: unfolding, and lines that are no fields.
	var h headerSet
	h.parse([]byte("From nobody\r\nSubject: one\r\n two\r\n\tthree\r\nX:\r\n: none\r\nBroken line\r\n cont\r\nTo: x"))
	var names, values, raws []string
	for i := range h.count() {
		names = append(names, string(h.name(i)))
		values = append(values, string(h.value(i)))
		raws = append(raws, string(h.raw(i)))
	}
	if diff := cmp.Diff([]string{"subject", "x", "to"}, names); diff != "" {
		t.Errorf("field names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"one two\tthree", "", "x"}, values); diff != "" {
		t.Errorf("field values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"one two\tthree", "", "x"}, raws); diff != "" {
		t.Errorf("raw field values (-want +got):\n%s", diff)
	}
	h.parse([]byte("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"))
	if got := string(h.line(0)); got != foldString("subject: Grüße") {
		t.Errorf("decoded line %q", got)
	}
	// Header blocks read in pieces: the blank line is found across them.
	for k := 4088; k <= 4100; k++ {
		head := "X: " + strings.Repeat("a", k) + "\r\n"
		for _, msg := range []string{head + "\r\nbody", head + "\r\n", strings.ReplaceAll(head, "\r", "") + "\nbody"} {
			want := head
			if !strings.Contains(msg, "\r") {
				want = strings.ReplaceAll(head, "\r", "")
			}
			got, err := readHeaderBlock(strings.NewReader(msg), 0, int64(len(msg)), nil)
			if err != nil || string(got) != want {
				t.Fatalf("readHeaderBlock, header of %d octets: %d octets, %v", len(want), len(got), err)
			}
		}
	}
	for _, tc := range []struct{ msg, want string }{
		{"A: b\r\n\r\nbody", "A: b\r\n"},
		{"A: b\n\nbody", "A: b\n"},
		{"\r\nbody", ""},
		{"A: b\r\nC: d", "A: b\r\nC: d"},
		{strings.Repeat("X: 0123456789\r\n", 1000) + "\r\nbody", strings.Repeat("X: 0123456789\r\n", 1000)},
	} {
		got, err := readHeaderBlock(strings.NewReader(tc.msg), 0, int64(len(tc.msg)), nil)
		if err != nil || string(got) != tc.want {
			t.Errorf("readHeaderBlock(%.40q): %.40q, %v; want %.40q", tc.msg, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{"Tue, 1 Feb 1994 09:00:00 -0800", "1994-02-01", true},
		{"1 Feb 1994 23:30 +0000", "1994-02-01", true},
		{"Wed, 2 Feb 1994 01:00:00 +0300 (MSK)", "1994-02-02", true},
		{"Wed, 2 Feb 1994 (a comment) 01:00:00 +0300", "1994-02-02", true},
		{"next Tuesday", "", false},
		{"", "", false},
	} {
		d, ok := parseSentDate(tc.raw)
		if ok != tc.ok || ok && d.Format("2006-01-02") != tc.want {
			t.Errorf("parseSentDate(%q) = %v, %v; want %s, %v", tc.raw, d, ok, tc.want, tc.ok)
		}
	}
}

// srFuzzView is a selected view over a few fixture messages, for
// evaluating parsed programs without a session.
func srFuzzView(t testing.TB) *selected {
	env := newEnv(t)
	mb := env.mailbox("alice", "INBOX")
	for _, m := range srMessages {
		if _, err := mb.Append(strings.NewReader(m.raw), store.AppendOptions{Flags: m.flags, InternalDate: m.date}); err != nil {
			t.Fatal(err)
		}
	}
	sel, err := openSelected(mb, "INBOX", true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// FuzzSearchKeys feeds arbitrary arguments to the SEARCH parser and runs
// what parses: no panic, only syntax errors and BAD responses, and results
// that are message numbers in ascending order.
func FuzzSearchKeys(f *testing.F) {
	for _, seed := range []string{
		" ALL",
		" FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
		" CHARSET UTF-8 TEXT {6}\r\ncrème",
		" OR (SEEN UNSEEN) NOT (OR DRAFT UID 1:*)",
		" HEADER X-Priority \"\" LARGER 10 SMALLER 99999",
		" 1:*,2 UID *:3 KEYWORD $x UNKEYWORD y",
		" SENTON 2-Feb-1994 SENTBEFORE \"3-Feb-1994\" SENTSINCE 1-Jan-1900 ON 1-Jan-2020 BEFORE 1-Jan-2000",
		" BODY needle TEXT \"inner body\" SUBJECT k CC c BCC b TO t NEW OLD RECENT ANSWERED DELETED",
		" NOT NOT NOT ((((ALL))))",
		" $",
		" FOO {3}\r\nabc",
		" RETURN (MIN MAX ALL COUNT SAVE) CHARSET UTF-8 OLDER 60 YOUNGER 86400 UID $",
		" RETURN () (OR $ 1:3)",
		" RETURN (SAVE) 1,$",
	} {
		f.Add([]byte(seed))
	}
	sel := srFuzzView(f)
	f.Fuzz(func(t *testing.T, args []byte) {
		dec := rfc3501.NewDecoder(bufio.NewReader(bytes.NewReader(append(args, "\r\n"...))))
		q, err := parseSearch(dec, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			var se *rfc3501.SyntaxError
			var r *response
			switch {
			case errors.As(err, &se):
			case errors.As(err, &r) && r.status == statusBAD:
			case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			default:
				t.Fatalf("parseSearch(%q): unexpected error %v", args, err)
			}
			return
		}
		seqs, err := q.run(sel, func() error { return nil }, nil)
		if err != nil {
			t.Fatalf("run(%q): %v", args, err)
		}
		for i, seq := range seqs {
			if seq < 1 || seq > sel.count() || i > 0 && seqs[i-1] >= seq {
				t.Fatalf("run(%q) = %v: not ascending message numbers", args, seqs)
			}
		}
	})
}

// BenchmarkSearchText10k searches the text of 10 000 messages, 1 in 100 of
// which holds the needle (store.Options{NoSync: true}, as every test
// server has). The message structures come from the cache after the first
// run.
func BenchmarkSearchText10k(b *testing.B) {
	const n = 10000
	env := newEnv(b, insecureAuth)
	mb := env.mailbox("alice", "INBOX")
	var size int64
	for i := range n {
		word := "haystack"
		if i%100 == 42 {
			word = "needle"
		}
		var body strings.Builder
		for line := range 20 {
			fmt.Fprintf(&body, "Line %d of message %d: some ordinary text about the %s and more words.\r\n", line, i, map[bool]string{true: word, false: "weather"}[line == 13])
		}
		raw := fmt.Sprintf("From: sender%d@example.org\r\nTo: alice@example.org\r\nSubject: Message number %d\r\n"+
			"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <%d@example.org>\r\n\r\n%s", i%97, i, i, body.String())
		size += int64(len(raw))
		if _, err := mb.Append(strings.NewReader(raw), store.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")
	var want []uint32
	for i := range n {
		if i%100 == 42 {
			want = append(want, uint32(i+1))
		}
	}
	wantLine := srResult(want...)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got := c.cmd(`a SEARCH TEXT "needle"`)
		if len(got) != 2 || got[0] != wantLine || got[1] != "a OK SEARCH completed" {
			b.Fatalf("SEARCH: %.200q", got)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
}
