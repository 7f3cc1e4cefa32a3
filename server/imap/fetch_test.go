package imap

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/store"
)

// fxMessage is a multipart message with a nested MESSAGE/RFC822 whose
// structure the tests know by hand. The offsets of its parts (RFC 2046
// §5.1.1: the CRLF before a delimiter belongs to the delimiter):
//
//	HEADER      0–265     TEXT      265–1043 (1043 octets in all)
//	1.MIME    320–408     1         408–437  (29 octets, 2 lines)
//	2.MIME    448–533     2         533–805  (272 octets, 15 lines)
//	2.HEADER  533–656     2.TEXT    656–805
//	2.1.MIME  665–693     2.1       693–703  (10 octets, 1 line)
//	2.2.MIME  714–783     2.2       783–794  (11 octets, 1 line)
//	3.MIME    816–1012    3         1012–1020 (8 octets)
const fxMessage = "From: Alice <alice@example.org>\r\n" +
	"To: Bob <bob@example.org>, \"Carol C.\" <carol@example.org>\r\n" +
	"Subject: Test message\r\n" +
	"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n" +
	"Message-ID: <B27397-0100000@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"This is a multi-part message in MIME format.\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Hello Bob,\r\n" +
	"see the attached.\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"Content-Disposition: attachment; filename=\"fwd.eml\"\r\n" +
	"\r\n" +
	"From: Dave <dave@example.org>\r\n" +
	"Subject: Inner\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"plain text\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=\"us-ascii\"\r\n" +
	"Content-Language: en\r\n" +
	"\r\n" +
	"<p>html</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream; name=data.bin\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"Content-ID: <part3@example.org>\r\n" +
	"Content-Description: some data\r\n" +
	"Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n" +
	"\r\n" +
	"AAECAwQF\r\n" +
	"--outer--\r\n" +
	"epilogue\r\n"

// The structure of fxMessage, written out by hand (RFC 3501 §7.4.2).
const (
	fxEnvelope = `("Mon, 7 Feb 1994 21:52:25 -0800" "Test message" ` +
		`(("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) ` +
		`(("Bob" NIL "bob" "example.org")("Carol C." NIL "carol" "example.org")) NIL NIL NIL "<B27397-0100000@example.org>")`
	fxInnerEnvelope = `(NIL "Inner" (("Dave" NIL "dave" "example.org")) (("Dave" NIL "dave" "example.org")) ` +
		`(("Dave" NIL "dave" "example.org")) NIL NIL NIL NIL NIL)`
	fxBodyStructure = `(` +
		`("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 29 2 NIL NIL NIL NIL)` +
		`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 272 ` + fxInnerEnvelope + ` (` +
		`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL)` +
		`("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 1 NIL NIL "en" NIL)` +
		` "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL) 15 NIL ("ATTACHMENT" ("FILENAME" "fwd.eml")) NIL NIL)` +
		`("APPLICATION" "OCTET-STREAM" ("NAME" "data.bin") "<part3@example.org>" "some data" "BASE64" 8 "Q2hlY2sgSW50ZWdyaXR5IQ==" NIL NIL NIL)` +
		` "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)`
	fxBody = `(` +
		`("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 29 2)` +
		`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 272 ` + fxInnerEnvelope + ` (` +
		`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1)` +
		`("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 1)` +
		` "ALTERNATIVE") 15)` +
		`("APPLICATION" "OCTET-STREAM" ("NAME" "data.bin") "<part3@example.org>" "some data" "BASE64" 8)` +
		` "MIXED")`
)

// fxDate is the internal date the tests give fxMessage; the store keeps it
// in UTC.
var fxDate = time.Date(1994, time.February, 7, 21, 52, 25, 0, time.FixedZone("", -8*3600))

const fxDateText = `" 8-Feb-1994 05:52:25 +0000"`

// fxAppend appends raw to a mailbox of user and returns its UID.
func fxAppend(t testing.TB, env *testEnv, user, mailbox, raw string, date time.Time, flags ...string) uint32 {
	t.Helper()
	m, err := env.mailbox(user, mailbox).Append(strings.NewReader(raw), store.AppendOptions{Flags: flags, InternalDate: date})
	if err != nil {
		t.Fatal(err)
	}
	return m.UID
}

// fxResponse reads one response with the literals in it: "* 1 FETCH
// (BODY[] {5}\r\nhello)". Literal octets are taken as they are; the lines
// around them must end in CRLF.
func fxResponse(c *client) string {
	c.t.Helper()
	var b strings.Builder
	for {
		line := c.line()
		b.WriteString(line)
		n, ok := trailingLiteral(line)
		if !ok {
			return b.String()
		}
		b.WriteString("\r\n")
		buf := make([]byte, n)
		c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("reading a literal of %d octets: %v", n, err)
		}
		b.Write(buf)
	}
}

// trailingLiteral returns n when line ends with a literal's "{n}".
func trailingLiteral(line string) (int, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(line[open+1 : len(line)-1])
	return n, err == nil && n >= 0
}

// fxCmd sends a command line and returns its responses, literals joined,
// up to and including the tagged one.
func fxCmd(c *client, line string) []string {
	c.t.Helper()
	tag, _, _ := strings.Cut(line, " ")
	c.write(line + "\r\n")
	return fxUntil(c, tag)
}

// fxUntil reads responses up to and including the one tagged tag.
func fxUntil(c *client, tag string) []string {
	c.t.Helper()
	var out []string
	for {
		r := fxResponse(c)
		out = append(out, r)
		if strings.HasPrefix(r, tag+" ") {
			return out
		}
	}
}

// fxExpect sends a command line and checks every response.
func fxExpect(c *client, line string, want ...string) {
	c.t.Helper()
	if diff := cmp.Diff(want, fxCmd(c, line)); diff != "" {
		c.t.Fatalf("%s: responses differ (-want +got):\n%s", line, diff)
	}
}

// fxLit is a literal as a response carries it.
func fxLit(s string) string { return "{" + strconv.Itoa(len(s)) + "}\r\n" + s }

// fxSetup delivers fxMessage, msg1 and msg2 to alice's INBOX and returns a
// session that has selected it.
func fxSetup(t *testing.T, opts ...envOption) (*testEnv, *client) {
	t.Helper()
	env := newEnv(t, append([]envOption{insecureAuth}, opts...)...)
	fxAppend(t, env, "alice", "INBOX", fxMessage, fxDate)
	fxAppend(t, env, "alice", "INBOX", msg1, fxDate)
	fxAppend(t, env, "alice", "INBOX", msg2, fxDate)
	c := env.login("alice", alicePassword)
	c.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	return env, c
}

// TestFetchStructure checks ENVELOPE, BODY and BODYSTRUCTURE of a message
// with a nested MESSAGE/RFC822 against the hand-written structure (RFC 3501
// §7.4.2), and the simple attributes.
func TestFetchStructure(t *testing.T) {
	_, c := fxSetup(t)
	fxExpect(c, "a1 FETCH 1 (ENVELOPE)", "* 1 FETCH (ENVELOPE "+fxEnvelope+")", "a1 OK FETCH completed")
	fxExpect(c, "a2 FETCH 1 BODYSTRUCTURE", "* 1 FETCH (BODYSTRUCTURE "+fxBodyStructure+")", "a2 OK FETCH completed")
	fxExpect(c, "a3 FETCH 1 (BODY)", "* 1 FETCH (BODY "+fxBody+")", "a3 OK FETCH completed")
	fxExpect(c, "a4 FETCH 1 (UID RFC822.SIZE INTERNALDATE FLAGS)",
		`* 1 FETCH (UID 1 RFC822.SIZE 1043 INTERNALDATE `+fxDateText+` FLAGS (\Recent))`, "a4 OK FETCH completed")
	// A message without MIME: the defaults of RFC 2045 §5.2.
	fxExpect(c, "a5 fetch 2 (bodystructure body envelope)",
		`* 2 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 1 NIL NIL NIL NIL) `+
			`BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 7 1) `+
			`ENVELOPE (NIL "one" ((NIL NIL "a" "example.org")) ((NIL NIL "a" "example.org")) ((NIL NIL "a" "example.org")) NIL NIL NIL NIL NIL))`,
		"a5 OK FETCH completed")
}

// TestFetchMacros checks ALL, FAST and FULL (RFC 3501 §6.4.5).
func TestFetchMacros(t *testing.T) {
	_, c := fxSetup(t)
	fast := `FLAGS (\Recent) INTERNALDATE ` + fxDateText + ` RFC822.SIZE 1043`
	fxExpect(c, "a1 FETCH 1 FAST", "* 1 FETCH ("+fast+")", "a1 OK FETCH completed")
	fxExpect(c, "a2 FETCH 1 ALL", "* 1 FETCH ("+fast+" ENVELOPE "+fxEnvelope+")", "a2 OK FETCH completed")
	fxExpect(c, "a3 FETCH 1 full", "* 1 FETCH ("+fast+" ENVELOPE "+fxEnvelope+" BODY "+fxBody+")", "a3 OK FETCH completed")
}

// TestFetchSections checks every form of BODY[section] against the octets
// at the hand-computed offsets of fxMessage (RFC 3501 §6.4.5), with the
// names the responses give them (§7.4.2).
func TestFetchSections(t *testing.T) {
	_, c := fxSetup(t)
	m := fxMessage
	for i, tc := range []struct{ item, want string }{
		{"BODY.PEEK[]", "BODY[] " + fxLit(m)},
		{"BODY.PEEK[HEADER]", "BODY[HEADER] " + fxLit(m[:265])},
		{"BODY.PEEK[TEXT]", "BODY[TEXT] " + fxLit(m[265:])},
		{"BODY.PEEK[1]", "BODY[1] " + fxLit("Hello Bob,\r\nsee the attached.")},
		{"BODY.PEEK[1.MIME]", "BODY[1.MIME] " + fxLit("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")},
		{"BODY.PEEK[2]", "BODY[2] " + fxLit(m[533:805])},
		{"BODY.PEEK[2.MIME]", "BODY[2.MIME] " + fxLit("Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n")},
		{"BODY.PEEK[2.HEADER]", "BODY[2.HEADER] " + fxLit("From: Dave <dave@example.org>\r\nSubject: Inner\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n")},
		{"BODY.PEEK[2.TEXT]", "BODY[2.TEXT] " + fxLit(m[656:805])},
		{"BODY.PEEK[2.1]", "BODY[2.1] " + fxLit("plain text")},
		{"BODY.PEEK[2.1.MIME]", "BODY[2.1.MIME] " + fxLit("Content-Type: text/plain\r\n\r\n")},
		{"BODY.PEEK[2.2]", "BODY[2.2] " + fxLit("<p>html</p>")},
		{"BODY.PEEK[2.2.MIME]", "BODY[2.2.MIME] " + fxLit(m[714:783])},
		{"BODY.PEEK[3]", "BODY[3] " + fxLit("AAECAwQF")},
		{"BODY.PEEK[3.MIME]", "BODY[3.MIME] " + fxLit(m[816:1012])},
		{"BODY.PEEK[HEADER.FIELDS (DATE FROM)]", "BODY[HEADER.FIELDS (DATE FROM)] " +
			fxLit("From: Alice <alice@example.org>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n")},
		{"BODY.PEEK[header.fields (subject)]", "BODY[HEADER.FIELDS (subject)] " + fxLit("Subject: Test message\r\n\r\n")},
		{"BODY.PEEK[HEADER.FIELDS.NOT (To Subject Date Message-ID MIME-Version Content-Type)]",
			"BODY[HEADER.FIELDS.NOT (To Subject Date Message-ID MIME-Version Content-Type)] " + fxLit("From: Alice <alice@example.org>\r\n\r\n")},
		{"BODY.PEEK[2.HEADER.FIELDS (Subject)]", "BODY[2.HEADER.FIELDS (Subject)] " + fxLit("Subject: Inner\r\n\r\n")},
		{"BODY.PEEK[2.HEADER.FIELDS.NOT (Subject MIME-Version Content-Type)]",
			"BODY[2.HEADER.FIELDS.NOT (Subject MIME-Version Content-Type)] " + fxLit("From: Dave <dave@example.org>\r\n\r\n")},
		// A field that the header lacks: the blank line alone (§6.4.5).
		{`BODY.PEEK[HEADER.FIELDS ("X-None" Sub)]`, `BODY[HEADER.FIELDS (X-None Sub)] ` + fxLit("\r\n")},
		{`BODY.PEEK[HEADER.FIELDS ("Two words")]`, `BODY[HEADER.FIELDS ("Two words")] ` + fxLit("\r\n")},
		// Sections the message does not have: the empty string.
		{"BODY.PEEK[4]", `BODY[4] ""`},
		{"BODY.PEEK[4.MIME]", `BODY[4.MIME] ""`},
		{"BODY.PEEK[1.1]", `BODY[1.1] ""`},
		{"BODY.PEEK[1.HEADER]", `BODY[1.HEADER] ""`},
		{"BODY.PEEK[1.TEXT]", `BODY[1.TEXT] ""`},
		{"BODY.PEEK[3.HEADER.FIELDS (From)]", `BODY[3.HEADER.FIELDS (From)] ""`},
		{"BODY.PEEK[2.3]", `BODY[2.3] ""`},
		{"BODY.PEEK[2.1.1]", `BODY[2.1.1] ""`},
		// Partial fetches: the origin alone in the answer, shorter at the
		// end, empty beyond it (§6.4.5).
		{"BODY.PEEK[]<0.10>", "BODY[]<0> " + fxLit("From: Alic")},
		{"BODY.PEEK[]<0.2048>", "BODY[]<0> " + fxLit(m)},
		{"BODY.PEEK[]<1040.100>", "BODY[]<1040> " + fxLit("e\r\n")},
		{"BODY.PEEK[]<1043.1>", `BODY[]<1043> ""`},
		{"BODY.PEEK[TEXT]<0.44>", "BODY[TEXT]<0> " + fxLit("This is a multi-part message in MIME format.")},
		{"BODY.PEEK[1]<6.3>", "BODY[1]<6> " + fxLit("Bob")},
		{"BODY.PEEK[1]<29.5>", `BODY[1]<29> ""`},
		{"BODY.PEEK[1]<2000.10>", `BODY[1]<2000> ""`},
		{"BODY.PEEK[HEADER.FIELDS (Subject)]<9.4>", "BODY[HEADER.FIELDS (Subject)]<9> " + fxLit("Test")},
		{"BODY.PEEK[4]<0.10>", `BODY[4]<0> ""`},
		// The RFC822 forms.
		{"RFC822.HEADER", "RFC822.HEADER " + fxLit(m[:265])},
		{"RFC822.SIZE", "RFC822.SIZE 1043"},
	} {
		tag := fmt.Sprintf("a%d", i)
		fxExpect(c, tag+" FETCH 1 ("+tc.item+")", "* 1 FETCH ("+tc.want+")", tag+" OK FETCH completed")
	}
	// None of these set \Seen.
	fxExpect(c, "b1 FETCH 1 FLAGS", `* 1 FETCH (FLAGS (\Recent))`, "b1 OK FETCH completed")

	// A message without MIME has a part 1, its body, and no part 2
	// (§6.4.5: "non-multipart ... messages ... only have a part 1").
	fxExpect(c, "b2 FETCH 2 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[TEXT])",
		`* 2 FETCH (BODY[1] `+fxLit("first\r\n")+` BODY[2] "" BODY[TEXT] `+fxLit("first\r\n")+`)`, "b2 OK FETCH completed")
}

// TestFetchFieldNameLiteral checks a HEADER.FIELDS name that only a literal
// can carry: the response names the section with the same literal.
func TestFetchFieldNameLiteral(t *testing.T) {
	_, c := fxSetup(t)
	c.write("a1 FETCH 1 (BODY.PEEK[HEADER.FIELDS ({2}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("got %q, want a continuation request", l)
	}
	c.write("\xe9x)])\r\n")
	want := []string{"* 1 FETCH (BODY[HEADER.FIELDS ({2}\r\n\xe9x)] " + fxLit("\r\n") + ")", "a1 OK FETCH completed"}
	if diff := cmp.Diff(want, fxUntil(c, "a1")); diff != "" {
		t.Fatalf("responses differ (-want +got):\n%s", diff)
	}
}

// TestFetchItemsOnce checks that the items come in the order requested, an
// item named twice once, and BODY[X] with BODY.PEEK[X] as one item that sets
// \Seen.
func TestFetchItemsOnce(t *testing.T) {
	_, c := fxSetup(t)
	fxExpect(c, "a1 FETCH 2 (UID FLAGS UID BODY.PEEK[1] BODY[1] RFC822.SIZE)",
		`* 2 FETCH (UID 2 FLAGS (\Seen \Recent) BODY[1] `+fxLit("first\r\n")+` RFC822.SIZE 44)`, "a1 OK FETCH completed")
}

// TestFetchSeen checks that BODY[…], RFC822 and RFC822.TEXT set \Seen and
// report the new flags in the same response (RFC 3501 §6.4.5), that
// BODY.PEEK and RFC822.HEADER do not, that a read-only session changes
// nothing (§6.3.2), and that another session hears of the change after its
// next command (§7.4.1).
func TestFetchSeen(t *testing.T) {
	env, a := fxSetup(t)
	b := env.login("alice", alicePassword)
	b.expectTagged("s1 SELECT INBOX", "s1 OK [READ-WRITE] SELECT completed")
	seen := func(uid uint32) bool {
		m, _ := env.snapshot("alice", "INBOX").Lookup(uid)
		return slices.Contains(m.Flags, `\Seen`)
	}

	fxExpect(a, "a1 FETCH 1 (BODY.PEEK[1] RFC822.HEADER)",
		"* 1 FETCH (BODY[1] "+fxLit("Hello Bob,\r\nsee the attached.")+" RFC822.HEADER "+fxLit(fxMessage[:265])+")",
		"a1 OK FETCH completed")
	if seen(1) {
		t.Fatal(`BODY.PEEK and RFC822.HEADER set \Seen`)
	}
	fxExpect(a, "a2 FETCH 1 BODY[1]",
		`* 1 FETCH (BODY[1] `+fxLit("Hello Bob,\r\nsee the attached.")+` FLAGS (\Seen \Recent))`, "a2 OK FETCH completed")
	if !seen(1) {
		t.Fatal(`BODY[1] did not set \Seen`)
	}
	// Already seen: no FLAGS.
	fxExpect(a, "a3 FETCH 1 BODY[1]<0.5>", "* 1 FETCH (BODY[1]<0> "+fxLit("Hello")+")", "a3 OK FETCH completed")
	// FLAGS requested: given once, with \Seen.
	fxExpect(a, "a4 FETCH 2 (FLAGS RFC822.TEXT)",
		`* 2 FETCH (FLAGS (\Seen \Recent) RFC822.TEXT `+fxLit("first\r\n")+`)`, "a4 OK FETCH completed")
	fxExpect(a, "a5 UID FETCH 3 RFC822",
		`* 3 FETCH (RFC822 `+fxLit(msg2)+` UID 3 FLAGS (\Seen \Recent))`, "a5 OK UID FETCH completed")
	// The session that changed the flags is not told again.
	a.expect("a6 NOOP", "a6 OK NOOP completed")
	// The other session is told at the end of its next command.
	b.expect("b1 NOOP", `* 1 FETCH (FLAGS (\Seen))`, `* 2 FETCH (FLAGS (\Seen))`, `* 3 FETCH (FLAGS (\Seen))`, "b1 OK NOOP completed")

	// EXAMINE: read-only, nothing is set.
	mb := env.mailbox("alice", "INBOX")
	if _, err := mb.Store([]uint32{1}, store.RemoveFlags, []string{`\Seen`}, 0); err != nil {
		t.Fatal(err)
	}
	e := env.login("alice", alicePassword)
	e.expectTagged("e1 EXAMINE INBOX", "e1 OK [READ-ONLY] EXAMINE completed")
	fxExpect(e, "e2 FETCH 1 (BODY[1] RFC822.TEXT)",
		"* 1 FETCH (BODY[1] "+fxLit("Hello Bob,\r\nsee the attached.")+" RFC822.TEXT "+fxLit(fxMessage[265:])+")",
		"e2 OK FETCH completed")
	if seen(1) {
		t.Fatal(`FETCH after EXAMINE set \Seen`)
	}
}

// TestFetchRFCExamples runs the examples of RFC 3501 §6.4.5, §6.4.8 and
// §7.4.2 on messages of this store.
func TestFetchRFCExamples(t *testing.T) {
	env := newEnv(t, insecureAuth)
	msgs := []string{
		"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nFrom: Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n",
		"From: Joe <joe@example.org>\r\nSubject: two\r\nDate: Tue, 8 Feb 1994 09:00:00 +0000\r\n\r\nx\r\n",
		"Subject: three\r\n\r\nno date, no from\r\n",
		"DATE: Wed, 9 Feb 1994 10:00:00 +0100\r\nfrom: lower@example.org\r\n\r\nfour\r\n",
	}
	for _, m := range msgs {
		fxAppend(t, env, "alice", "INBOX", m, fxDate)
	}
	c := env.login("alice", alicePassword)
	c.cmd("s1 SELECT INBOX")
	// §6.4.5: C: A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])
	fxExpect(c, "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
		`* 2 FETCH (FLAGS (\Seen \Recent) BODY[HEADER.FIELDS (DATE FROM)] `+
			fxLit("From: Joe <joe@example.org>\r\nDate: Tue, 8 Feb 1994 09:00:00 +0000\r\n\r\n")+`)`,
		`* 3 FETCH (FLAGS (\Seen \Recent) BODY[HEADER.FIELDS (DATE FROM)] `+fxLit("\r\n")+`)`,
		`* 4 FETCH (FLAGS (\Seen \Recent) BODY[HEADER.FIELDS (DATE FROM)] `+
			fxLit("DATE: Wed, 9 Feb 1994 10:00:00 +0100\r\nfrom: lower@example.org\r\n\r\n")+`)`,
		"A654 OK FETCH completed")
	// §6.4.8: C: A999 UID FETCH 4827313:4828442 FLAGS
	//         S: * 23 FETCH (FLAGS (\Seen) UID 4827313)
	fxExpect(c, "A999 UID FETCH 2:3 FLAGS",
		`* 2 FETCH (FLAGS (\Seen \Recent) UID 2)`, `* 3 FETCH (FLAGS (\Seen \Recent) UID 3)`, "A999 OK UID FETCH completed")
	// §7.4.2: S: * 23 FETCH (FLAGS (\Seen) RFC822.SIZE 44827)
	fxExpect(c, "a3 FETCH 1 (FLAGS RFC822.SIZE)",
		fmt.Sprintf(`* 1 FETCH (FLAGS (\Recent) RFC822.SIZE %d)`, len(msgs[0])), "a3 OK FETCH completed")
	// §6.4.5: "BODY[]<0.2048> of a 1500-octet message will return BODY[]<0>
	// with a literal of size 1500".
	fxExpect(c, "a4 FETCH 1 BODY.PEEK[]<0.2048>", "* 1 FETCH (BODY[]<0> "+fxLit(msgs[0])+")", "a4 OK FETCH completed")
	// UID FETCH of UIDs that do not exist: nothing, OK (§6.4.8).
	fxExpect(c, "a5 UID FETCH 5:100 FLAGS", "a5 OK UID FETCH completed")
	// "n:*" includes the highest UID even when n is larger (§9 seq-range).
	fxExpect(c, "a6 UID FETCH 100:* UID", "* 4 FETCH (UID 4)", "a6 OK UID FETCH completed")
}

// TestFetchErrors checks the BAD answers, and that the session stays in
// step after each.
func TestFetchErrors(t *testing.T) {
	env, c := fxSetup(t)
	for i, line := range []string{
		"FETCH 4 FLAGS",                // beyond the last message (§9 seq-number)
		"FETCH 1:5 FLAGS",              //
		"FETCH 2,9 FLAGS",              //
		"FETCH 0 FLAGS",                // not an nz-number
		"FETCH 1",                      // no items
		"FETCH 1 ()",                   // an empty list
		"FETCH 1 (FOO)",                // unknown item
		"FETCH 1 (FLAGS BINARY[TEXT])", // RFC 3516 §7: no section-text
		"FETCH 1 FOO BAR",              //
		"FETCH 1 (FLAGS ALL)",          // §6.4.5: a macro must be used by itself
		"FETCH 1 (ALL)",                //
		"FETCH 1 BODY.PEEK",            // no section
		"FETCH 1 BODY[MIME]",           // MIME needs a part
		"FETCH 1 BODY[HEADER.FIELDS ()]",
		"FETCH 1 BODY[1]<0.0>", // nz-number
		"FETCH 1 BODY[1]<5>",
		"FETCH 1 BODY[X]",
		"FETCH 1 FLAGS extra",
		"FETCH 1 (FLAGS",
		"FETCH 1 (FLAGS  UID)",
		"FETCH 1 BODYSTRUCTURE[1]",
		"FETCH 1,$ FLAGS", // RFC 5182 §3: "$" is a whole sequence set
		"UID FETCH 1 (FOO)",
	} {
		tag := fmt.Sprintf("e%d", i)
		got := c.cmd(tag + " " + line)
		if len(got) != 1 || !strings.HasPrefix(got[0], tag+" BAD ") {
			t.Errorf("%s: got %q, want one tagged BAD", line, got)
		}
		c.expect(tag+"n NOOP", tag+"n OK NOOP completed")
	}
	if m, _ := env.snapshot("alice", "INBOX").Lookup(1); len(m.Flags) != 0 {
		t.Errorf("refused commands changed flags: %v", m.Flags)
	}

	// Not in the authenticated state.
	c.expectTagged("n1 CLOSE", "n1 OK CLOSE completed")
	c.expect("n2 FETCH 1 FLAGS", "n2 BAD FETCH is not valid in the authenticated state")
	c.expect("n3 UID FETCH 1 FLAGS", "n3 BAD UID FETCH is not valid in the authenticated state")

	// An empty mailbox: sequence numbers, even "1:*", are BAD (RFC 9051 §9
	// seq-number: "This includes "*" if the selected mailbox is empty");
	// UIDs name nothing, which is OK (§6.4.8).
	if err := env.account("alice").CreateMailbox("Empty"); err != nil {
		t.Fatal(err)
	}
	c.expectTagged("n4 SELECT Empty", "n4 OK [READ-WRITE] SELECT completed")
	for i, line := range []string{"FETCH 1:* FLAGS", "FETCH * ALL", "FETCH 1 FLAGS"} {
		tag := fmt.Sprintf("m%d", i)
		if got := c.cmd(tag + " " + line); len(got) != 1 || !strings.HasPrefix(got[0], tag+" BAD ") {
			t.Errorf("%s in an empty mailbox: got %q, want one tagged BAD", line, got)
		}
	}
	c.expect("m4 UID FETCH 1:* (FLAGS BODY[])", "m4 OK UID FETCH completed")
}

// TestFetchExpunged checks a message expunged by another session and not
// yet announced (RFC 2180 §4.1.1, doc.go): its view attributes are still
// answered, its octets are gone so it is left out of the rest, FETCH
// completes with OK and sends no EXPUNGE, and UID FETCH then announces it.
func TestFetchExpunged(t *testing.T) {
	env, c := fxSetup(t)
	fxExpect(c, "a0 FETCH 3 ENVELOPE", `* 3 FETCH (ENVELOPE (NIL "two" ((NIL NIL "b" "example.org")) `+
		`((NIL NIL "b" "example.org")) ((NIL NIL "b" "example.org")) NIL NIL NIL NIL NIL))`, "a0 OK FETCH completed")
	mb := env.mailbox("alice", "INBOX")
	if _, err := mb.Expunge([]uint32{2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Open(2); err == nil {
		t.Fatal("the store still opens an expunged message's octets; the test needs them freed")
	}
	fxExpect(c, "a1 FETCH 1:3 (UID FLAGS RFC822.SIZE)",
		`* 1 FETCH (UID 1 FLAGS (\Recent) RFC822.SIZE 1043)`,
		`* 2 FETCH (UID 2 FLAGS (\Recent) RFC822.SIZE 44)`,
		`* 3 FETCH (UID 3 FLAGS (\Recent) RFC822.SIZE 45)`,
		"a1 OK FETCH completed")
	// Octets or structure: left out, even where the structure is cached.
	fxExpect(c, "a2 FETCH 2:3 (UID BODY[])", "a2 OK FETCH completed")
	fxExpect(c, "a3 FETCH 3 ENVELOPE", "a3 OK FETCH completed")
	fxExpect(c, "a4 FETCH 1:3 (UID BODY.PEEK[1]<0.5>)", "* 1 FETCH (UID 1 BODY[1]<0> "+fxLit("Hello")+")", "a4 OK FETCH completed")
	if m, _ := env.snapshot("alice", "INBOX").Lookup(1); len(m.Flags) != 0 {
		t.Errorf("flags %v, want none", m.Flags)
	}
	// UID FETCH may announce the expunges (RFC 3501 §7.4.1).
	fxExpect(c, "a5 UID FETCH 1:* UID", "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)",
		"* 2 EXPUNGE", "* 2 EXPUNGE", "a5 OK UID FETCH completed")
	fxExpect(c, "a6 FETCH 1:* UID", "* 1 FETCH (UID 1)", "a6 OK FETCH completed")
}

// TestFetchSeenExpunged checks that BODY[] on a message expunged elsewhere
// sets nothing and reports nothing for it, and \Seen on the others.
func TestFetchSeenExpunged(t *testing.T) {
	env, c := fxSetup(t)
	if _, err := env.mailbox("alice", "INBOX").Expunge([]uint32{2}); err != nil {
		t.Fatal(err)
	}
	fxExpect(c, "a1 FETCH 2:3 BODY[TEXT]", `* 3 FETCH (BODY[TEXT] `+fxLit("second\r\n")+` FLAGS (\Seen \Recent))`, "a1 OK FETCH completed")
	c.expect("a2 NOOP", "* 2 EXPUNGE", "a2 OK NOOP completed")
}

// TestFetchNUL checks that NUL octets, which no IMAP string may hold (RFC
// 3501 §4.3.1), are sent as 0x80 with the size unchanged.
func TestFetchNUL(t *testing.T) {
	env := newEnv(t, insecureAuth)
	raw := "Subject: nul\r\n\r\na\x00b\x00\x00c\r\n"
	fxAppend(t, env, "alice", "INBOX", raw, fxDate)
	c := env.login("alice", alicePassword)
	c.cmd("s1 SELECT INBOX")
	fxExpect(c, "a1 FETCH 1 (BODY.PEEK[TEXT] RFC822.SIZE)",
		"* 1 FETCH (BODY[TEXT] "+fxLit("a\x80b\x80\x80c\r\n")+fmt.Sprintf(" RFC822.SIZE %d)", len(raw)), "a1 OK FETCH completed")
}

// TestFetchCache checks that a message is parsed once: the structure is
// kept in memory, and on disk across a restart (DESIGN.md rule 7); BODY[]
// alone needs no structure.
func TestFetchCache(t *testing.T) {
	dir := t.TempDir()
	withCache := func(cfg *Config) { cfg.CacheDir = dir }
	env, c := fxSetup(t, withCache)
	parses := func(e *testEnv) int64 { return e.srv.cache.Stats().Parses }

	fxCmd(c, "a1 FETCH 1:* BODY.PEEK[]")
	if n := parses(env); n != 0 {
		t.Fatalf("BODY[] parsed %d messages, want none", n)
	}
	first := fxCmd(c, "a2 FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
	if st := env.srv.cache.Stats(); st.Parses != 3 || st.SegmentsWritten != 1 {
		t.Fatalf("stats %+v after the first FETCH, want 3 parses written as one segment", st)
	}
	second := fxCmd(c, "a2 FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
	fxCmd(c, "a3 FETCH 1:* (BODY BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (Subject)])")
	if n := parses(env); n != 3 {
		t.Fatalf("%d parses after more FETCHes, want still 3", n)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("answers from the cache differ (-first +second):\n%s", diff)
	}
	if st := env.srv.cache.Stats(); st.MemoryHits != 6 {
		t.Errorf("stats %+v, want 6 memory hits", st)
	}

	// A second server on the same store and cache directory, as after a
	// restart: nothing is parsed again.
	env2 := newEnvSharing(t, env, insecureAuth, withCache)
	c2 := env2.login("alice", alicePassword)
	c2.cmd("s1 EXAMINE INBOX")
	third := fxCmd(c2, "a2 FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
	// The three structures were written as one segment, read at once.
	if st := env2.srv.cache.Stats(); st.Parses != 0 || st.SegmentsRead != 1 || st.DiskHits != 1 || st.MemoryHits != 2 {
		t.Errorf("after a restart: stats %+v, want one segment read and no parse", st)
	}
	if diff := cmp.Diff(first, third); diff != "" {
		t.Errorf("answers from the disk cache differ (-first +restarted):\n%s", diff)
	}
}

// corpusDir holds malformed MIME messages shared by the project's tests;
// the tests that use it skip when it is absent.
const corpusDir = "../../../shared/corpus"

// TestFetchCorpus fetches every item of every corpus message (broken MIME:
// missing boundaries, bad charsets, no Content-Type, bare LF) and checks
// that the answers are well-formed (RFC 3501 §9), with our own check of the
// grammar and with go-imap's client, and that BODY[] gives the octets back.
func TestFetchCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	env := newEnv(t, insecureAuth)
	var raws [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
		fxAppend(t, env, "alice", "INBOX", string(raw), fxDate)
	}
	c := env.login("alice", alicePassword)
	c.cmd("s1 SELECT INBOX")
	const items = "(UID RFC822.SIZE FLAGS ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] " +
		"BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] BODY.PEEK[1.1] BODY.PEEK[1.2.MIME] BODY.PEEK[1.HEADER] " +
		"BODY.PEEK[HEADER.FIELDS (From Subject)] BODY.PEEK[HEADER.FIELDS.NOT (Content-Type)] BODY.PEEK[1]<0.10> RFC822.HEADER)"
	for i, raw := range raws {
		seq := i + 1
		name := filepath.Base(files[i])
		got := fxCmd(c, fmt.Sprintf("a%d FETCH %d %s", seq, seq, items))
		if len(got) != 2 || got[1] != fmt.Sprintf("a%d OK FETCH completed", seq) {
			t.Errorf("%s: got %q, want one FETCH response and OK", name, got)
			continue
		}
		att, err := fxParseFetch(got[0], uint32(seq))
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, got[0])
			continue
		}
		if whole := att["BODY[]"]; whole.str == nil || *whole.str != strings.ReplaceAll(string(raw), "\x00", "\x80") {
			t.Errorf("%s: BODY[] does not give the message back", name)
		}
		if size := att["RFC822.SIZE"].atom; size != strconv.Itoa(len(raw)) {
			t.Errorf("%s: RFC822.SIZE %s, want %d", name, size, len(raw))
		}
	}

	// go-imap's client parses the same answers.
	cl := goIMAPLogin(t, env)
	if _, err := cl.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	sections := []*imap.FetchItemBodySection{
		{Peek: true},
		{Peek: true, Part: []int{1}},
		{Peek: true, Part: []int{1}, Specifier: imap.PartSpecifierMIME},
		{Peek: true, Specifier: imap.PartSpecifierText},
		{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"From", "Subject"}},
		{Peek: true, Part: []int{2, 1}},
		{Peek: true, Part: []int{1}, Partial: &imap.SectionPartial{Offset: 0, Size: 10}},
	}
	var all imap.SeqSet
	all.AddRange(1, uint32(len(raws)))
	msgs, err := cl.Fetch(all, &imap.FetchOptions{
		UID: true, Flags: true, RFC822Size: true, InternalDate: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   sections,
	}).Collect()
	if err != nil {
		t.Fatalf("go-imap client: %v", err)
	}
	if len(msgs) != len(raws) {
		t.Fatalf("go-imap client got %d messages, want %d", len(msgs), len(raws))
	}
	for i, m := range msgs {
		name := filepath.Base(files[i])
		if m.Envelope == nil || m.BodyStructure == nil || m.RFC822Size != int64(len(raws[i])) {
			t.Errorf("%s: envelope %v, body structure %v, size %d", name, m.Envelope, m.BodyStructure, m.RFC822Size)
		}
		if got := m.FindBodySection(sections[0]); !bytes.Equal(got, raws[i]) {
			t.Errorf("%s: BODY[] through go-imap differs from the message", name)
		}
		if len(m.BodySection) != len(sections) {
			t.Errorf("%s: %d body sections, want %d", name, len(m.BodySection), len(sections))
		}
	}
	// The non-extended BODY, parsed by the client too.
	if _, err := cl.Fetch(all, &imap.FetchOptions{BodyStructure: &imap.FetchItemBodyStructure{}}).Collect(); err != nil {
		t.Fatalf("go-imap client, BODY: %v", err)
	}
}

// FuzzFetchArgs feeds arbitrary data items to the FETCH argument parser: it
// must never panic, and what it accepts must read back the same from the
// items' request names.
func FuzzFetchArgs(f *testing.F) {
	for _, s := range []string{
		"ALL", "FAST", "FULL", "FLAGS", "(FLAGS UID)", "BODY[]", "BODY.PEEK[1.2.MIME]<0.5>",
		"(BODY[HEADER.FIELDS (From \"Sub ject\" {3}\r\nabc)] RFC822 RFC822.TEXT RFC822.HEADER)",
		"(ENVELOPE BODYSTRUCTURE BODY INTERNALDATE RFC822.SIZE)", "BODY[2.HEADER.FIELDS.NOT (A)]<100.200>",
		"(FLAGS ALL)", "()", "(FOO)", "BODY.PEEK", "BODY[MIME]", "(BODY[1]<0.0>)", "body.peek[text]",
		"(BINARY[1.2]<3.4> BINARY.PEEK[] BINARY.SIZE[3])", "binary.peek[1]", "BINARY[TEXT]", "BINARY.SIZE[1]<0.1>",
	} {
		f.Add(s)
	}
	parse := func(s string) ([]fetchItem, error) {
		dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(s + "\r\n")))
		items, err := parseFetchAtts(dec)
		if err == nil && !dec.CRLF() {
			err = dec.Err()
		}
		return items, err
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := parse(s)
		if err != nil {
			return
		}
		if len(items) == 0 {
			t.Fatalf("%q: no items and no error", s)
		}
		names := make([]string, len(items))
		for i, it := range items {
			names[i] = it.requestName()
			if it.kind == fetchSection && it.bodySection && it.section.Fields == nil && strings.ContainsAny(it.name, "\r\n\x00") {
				t.Fatalf("%q: response name %q cannot be an atom", s, it.name)
			}
		}
		again, err := parse("(" + strings.Join(names, " ") + ")")
		if err != nil {
			t.Fatalf("%q: request names %q do not parse: %v", s, names, err)
		}
		opts := cmp.Options{cmp.AllowUnexported(fetchItem{}), cmp.Comparer(func(a, b rfc3501.Section) bool {
			return a.String() == b.String()
		})}
		if diff := cmp.Diff(items, again, opts); diff != "" {
			t.Fatalf("%q: items differ after a round trip (-first +again):\n%s", s, diff)
		}
	})
}

// FuzzFetch runs FETCH and UID FETCH with arbitrary arguments on a mailbox
// of well-formed and broken messages: every answer must be a grammatical
// FETCH response (fxParseFetch) or a tagged OK, NO or BAD, never an
// internal error, and the session must stay in step.
func FuzzFetch(f *testing.F) {
	for _, s := range []string{
		"1:* ALL", "1:* FULL", "* (BODY.PEEK[1.2.MIME]<0.5> BODYSTRUCTURE)", "2,1 BODY[HEADER.FIELDS (From)]",
		"1:* (BODY[] RFC822.TEXT)", "1 (BODY.PEEK[2.1.1] BODY.PEEK[3.TEXT]<1.2>)", "4:* (ENVELOPE BODY)",
		"1:* (FLAGS UID RFC822.SIZE INTERNALDATE)", "9 FLAGS", "1 FOO",
		"1:* (BINARY.PEEK[1] BINARY.SIZE[2] BINARY[2.1]<1.5>)", "1:* (BINARY.PEEK[] BINARY.SIZE[3.1])",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	env := newEnv(f, insecureAuth)
	fxAppend(f, env, "alice", "INBOX", fxMessage, fxDate)
	fxAppend(f, env, "alice", "INBOX", msg1, fxDate)
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		fxAppend(f, env, "alice", "INBOX", string(raw), fxDate)
	}
	c := env.login("alice", alicePassword)
	c.cmd("s1 SELECT INBOX")
	f.Fuzz(func(t *testing.T, args string, uid bool) {
		if strings.ContainsAny(args, "\r\n{") {
			return // one line, no literal to wait for
		}
		c.t = t
		cmd := "f FETCH "
		if uid {
			cmd = "f UID FETCH "
		}
		got := fxCmd(c, cmd+args)
		last := got[len(got)-1]
		if !strings.HasPrefix(last, "f OK ") && !strings.HasPrefix(last, "f NO ") && !strings.HasPrefix(last, "f BAD ") ||
			strings.Contains(last, "SERVERBUG") {
			t.Fatalf("%s: tagged %q", args, last)
		}
		for _, r := range got[:len(got)-1] {
			var seq uint32
			if _, err := fmt.Sscanf(r, "* %d FETCH ", &seq); err != nil {
				t.Fatalf("%s: unexpected response %q", args, r)
			}
			if _, err := fxParseFetch(r, seq); err != nil {
				t.Fatalf("%s: %v in %q", args, err, r)
			}
		}
		c.expect("n NOOP", "n OK NOOP completed")
	})
}

// fxNode is a parsed value of a response: an atom (NIL, a number, a name),
// a string (quoted or literal) or a parenthesised list.
type fxNode struct {
	atom   string
	str    *string
	list   []fxNode
	isList bool
}

func (n fxNode) isNil() bool { return !n.isList && n.str == nil && strings.EqualFold(n.atom, "NIL") }

// fxParser reads the values of a response line (RFC 3501 §9), strictly:
// one SP between elements, literals with their exact size.
type fxParser struct {
	s string
	i int
}

func (p *fxParser) errorf(format string, args ...any) error {
	return fmt.Errorf("octet %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *fxParser) value() (fxNode, error) {
	if p.i >= len(p.s) {
		return fxNode{}, p.errorf("unexpected end")
	}
	switch p.s[p.i] {
	case '(':
		p.i++
		n := fxNode{isList: true}
		for {
			if p.i < len(p.s) && p.s[p.i] == ')' {
				p.i++
				return n, nil
			}
			if len(n.list) > 0 && !n.list[len(n.list)-1].isList {
				if p.i >= len(p.s) || p.s[p.i] != ' ' {
					return n, p.errorf("expected SP or )")
				}
				p.i++
			} else if len(n.list) > 0 && p.i < len(p.s) && p.s[p.i] == ' ' {
				p.i++ // SP after a list is allowed, and needed before an atom
			}
			v, err := p.value()
			if err != nil {
				return n, err
			}
			n.list = append(n.list, v)
		}
	case '"':
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; c {
			case '"':
				p.i++
				s := b.String()
				return fxNode{str: &s}, nil
			case '\\':
				p.i++
				if p.i >= len(p.s) || p.s[p.i] != '"' && p.s[p.i] != '\\' {
					return fxNode{}, p.errorf("bad escape")
				}
				b.WriteByte(p.s[p.i])
			case '\r', '\n', 0:
				return fxNode{}, p.errorf("CR, LF or NUL in a quoted string")
			default:
				if c >= 0x80 {
					return fxNode{}, p.errorf("8-bit octet in a quoted string")
				}
				b.WriteByte(c)
			}
		}
		return fxNode{}, p.errorf("unterminated quoted string")
	case '~', '{':
		// A literal, or RFC 3516's literal8, which may hold NUL.
		binary := p.s[p.i] == '~'
		if binary {
			p.i++
			if p.i >= len(p.s) || p.s[p.i] != '{' {
				return fxNode{}, p.errorf("bad literal8")
			}
		}
		end := strings.Index(p.s[p.i:], "}\r\n")
		if end < 0 {
			return fxNode{}, p.errorf("bad literal")
		}
		n, err := strconv.Atoi(p.s[p.i+1 : p.i+end])
		if err != nil || n < 0 {
			return fxNode{}, p.errorf("bad literal size")
		}
		p.i += end + 3
		if p.i+n > len(p.s) {
			return fxNode{}, p.errorf("literal beyond the response")
		}
		s := p.s[p.i : p.i+n]
		if strings.IndexByte(s, 0) >= 0 && !binary {
			return fxNode{}, p.errorf("NUL in a literal")
		}
		p.i += n
		return fxNode{str: &s}, nil
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '[' {
			// A section name: up to the matching "]", which may hold a
			// list of field names.
			end := strings.IndexByte(p.s[p.i:], ']')
			if end < 0 {
				return fxNode{}, p.errorf("unterminated section")
			}
			p.i += end + 1
			continue
		}
		if c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c < 0x20 || c >= 0x7f {
			break
		}
		p.i++
	}
	if p.i == start {
		return fxNode{}, p.errorf("expected a value, found %q", p.s[p.i])
	}
	return fxNode{atom: p.s[start:p.i]}, nil
}

// fxParseFetch parses "* seq FETCH (name value …)" and checks each value
// against the grammar of its item (RFC 3501 §9 msg-att). It returns the
// values by name.
func fxParseFetch(resp string, seq uint32) (map[string]fxNode, error) {
	prefix := fmt.Sprintf("* %d FETCH ", seq)
	if !strings.HasPrefix(resp, prefix) {
		return nil, fmt.Errorf("not a FETCH response of message %d", seq)
	}
	p := &fxParser{s: resp, i: len(prefix)}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, p.errorf("data after the list")
	}
	if !v.isList || len(v.list)%2 != 0 || len(v.list) == 0 {
		return nil, fmt.Errorf("msg-att is not a list of name-value pairs")
	}
	out := map[string]fxNode{}
	for i := 0; i < len(v.list); i += 2 {
		name, val := v.list[i].atom, v.list[i+1]
		if name == "" {
			return nil, fmt.Errorf("item %d has no name", i/2)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s twice", name)
		}
		out[name] = val
		var err error
		switch {
		case name == "FLAGS":
			if !val.isList {
				err = fmt.Errorf("not a list")
			}
		case name == "UID" || name == "RFC822.SIZE":
			if _, perr := strconv.ParseUint(val.atom, 10, 63); perr != nil {
				err = fmt.Errorf("not a number")
			}
		case name == "INTERNALDATE":
			if val.str == nil {
				err = fmt.Errorf("not a string")
			}
		case name == "ENVELOPE":
			err = fxCheckEnvelope(val)
		case name == "BODY":
			err = fxCheckBody(val, false, 0)
		case name == "BODYSTRUCTURE":
			err = fxCheckBody(val, true, 0)
		case strings.HasPrefix(name, "BINARY.SIZE["): // RFC 3516 §7
			if _, perr := strconv.ParseUint(val.atom, 10, 63); perr != nil {
				err = fmt.Errorf("not a number")
			}
		case strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "RFC822") || strings.HasPrefix(name, "BINARY["):
			if val.str == nil && !val.isNil() {
				err = fmt.Errorf("not an nstring")
			}
		default:
			err = fmt.Errorf("unknown item")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	return out, nil
}

func fxNString(n fxNode) bool { return n.str != nil || n.isNil() }

func fxNumber(n fxNode) bool {
	_, err := strconv.ParseUint(n.atom, 10, 63)
	return !n.isList && n.str == nil && err == nil
}

// fxCheckEnvelope checks RFC 3501 §9 envelope.
func fxCheckEnvelope(n fxNode) error {
	if !n.isList || len(n.list) != 10 {
		return fmt.Errorf("envelope is not a list of 10")
	}
	for _, i := range []int{0, 1, 8, 9} {
		if !fxNString(n.list[i]) {
			return fmt.Errorf("envelope field %d is not an nstring", i)
		}
	}
	for _, l := range n.list[2:8] {
		if l.isNil() {
			continue
		}
		if !l.isList || len(l.list) == 0 {
			return fmt.Errorf("address list is neither NIL nor a list")
		}
		for _, a := range l.list {
			if !a.isList || len(a.list) != 4 {
				return fmt.Errorf("address is not a list of 4")
			}
			for _, f := range a.list {
				if !fxNString(f) {
					return fmt.Errorf("address field is not an nstring")
				}
			}
		}
	}
	return nil
}

func fxCheckParams(n fxNode) error {
	if n.isNil() {
		return nil
	}
	if !n.isList || len(n.list) == 0 || len(n.list)%2 != 0 {
		return fmt.Errorf("body-fld-param is neither NIL nor pairs")
	}
	for _, s := range n.list {
		if s.str == nil {
			return fmt.Errorf("parameter is not a string")
		}
	}
	return nil
}

// fxCheckExtension checks body-fld-dsp, body-fld-lang and body-fld-loc.
func fxCheckExtension(dsp, lang, loc fxNode) error {
	if !dsp.isNil() && (!dsp.isList || len(dsp.list) != 2 || dsp.list[0].str == nil || fxCheckParams(dsp.list[1]) != nil) {
		return fmt.Errorf("bad body-fld-dsp")
	}
	if lang.isList {
		for _, s := range lang.list {
			if s.str == nil {
				return fmt.Errorf("bad body-fld-lang")
			}
		}
	} else if !fxNString(lang) {
		return fmt.Errorf("bad body-fld-lang")
	}
	if !fxNString(loc) {
		return fmt.Errorf("bad body-fld-loc")
	}
	return nil
}

// fxCheckBody checks RFC 3501 §9 body, with (BODYSTRUCTURE) or without
// (BODY) extension data, exactly as many fields as the grammar has.
func fxCheckBody(n fxNode, ext bool, depth int) error {
	if depth > 2*rfc3501.MaxDepth+4 {
		return fmt.Errorf("nested too deeply")
	}
	if !n.isList || len(n.list) == 0 {
		return fmt.Errorf("body is not a non-empty list")
	}
	l := n.list
	if l[0].isList {
		i := 0
		for ; i < len(l) && l[i].isList; i++ {
			if err := fxCheckBody(l[i], ext, depth+1); err != nil {
				return err
			}
		}
		if i >= len(l) || l[i].str == nil {
			return fmt.Errorf("multipart without a subtype")
		}
		rest := l[i+1:]
		if !ext {
			if len(rest) != 0 {
				return fmt.Errorf("extension data in BODY")
			}
			return nil
		}
		if len(rest) != 4 || fxCheckParams(rest[0]) != nil {
			return fmt.Errorf("bad multipart extension data")
		}
		return fxCheckExtension(rest[1], rest[2], rest[3])
	}
	if len(l) < 7 || l[0].str == nil || l[1].str == nil || fxCheckParams(l[2]) != nil ||
		!fxNString(l[3]) || !fxNString(l[4]) || l[5].str == nil || !fxNumber(l[6]) {
		return fmt.Errorf("bad body-fields")
	}
	i := 7
	switch {
	case strings.EqualFold(*l[0].str, "MESSAGE") && strings.EqualFold(*l[1].str, "RFC822"):
		if len(l) < 10 {
			return fmt.Errorf("MESSAGE/RFC822 without envelope, body and lines")
		}
		if err := fxCheckEnvelope(l[7]); err != nil {
			return err
		}
		if err := fxCheckBody(l[8], ext, depth+1); err != nil {
			return err
		}
		if !fxNumber(l[9]) {
			return fmt.Errorf("bad body-fld-lines")
		}
		i = 10
	case strings.EqualFold(*l[0].str, "TEXT"):
		if len(l) < 8 || !fxNumber(l[7]) {
			return fmt.Errorf("TEXT without lines")
		}
		i = 8
	}
	rest := l[i:]
	if !ext {
		if len(rest) != 0 {
			return fmt.Errorf("extension data in BODY")
		}
		return nil
	}
	if len(rest) != 4 || !fxNString(rest[0]) {
		return fmt.Errorf("bad single-part extension data")
	}
	return fxCheckExtension(rest[1], rest[2], rest[3])
}

// TestFxParser checks the test's own grammar check on answers written by
// hand, so that TestFetchCorpus's verdicts mean something.
func TestFxParser(t *testing.T) {
	good := []string{
		"* 1 FETCH (BODYSTRUCTURE " + fxBodyStructure + " BODY " + fxBody + " ENVELOPE " + fxEnvelope + ")",
		"* 1 FETCH (BODY[HEADER.FIELDS (A \"B c\")]<0> {3}\r\nabc UID 7 FLAGS (\\Seen) BODY[1] \"\" BODY[2] NIL)",
	}
	for _, s := range good {
		if _, err := fxParseFetch(s, 1); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{
		"* 1 FETCH (FLAGS)",
		"* 1 FETCH (FLAGS  ())",
		"* 1 FETCH (BODY[] {4}\r\nabc)",
		"* 1 FETCH (UID x)",
		"* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3))",                                     // no lines
		"* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL))",                   // extension in BODY
		"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1))",                          // none in BODYSTRUCTURE
		"* 1 FETCH (BODYSTRUCTURE ((\"X\" \"Y\" NIL NIL NIL \"7BIT\" 3 NIL NIL NIL NIL) NIL NIL NIL NIL))", // no subtype
		"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL))",
		"* 1 FETCH (BODY[] \"a\x00\")",
		"* 1 FETCH (UID 1 UID 1)",
	}
	for _, s := range bad {
		if _, err := fxParseFetch(s, 1); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}

// benchMessages are the kinds of message the benchmarks deliver, in turn.
var benchMessages = []string{fxMessage, msg1, msg2,
	"From: \"Some One\" <one@example.org>\r\nTo: a@example.org, b@example.org\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n" +
		"Message-ID: <x@y>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("text line\r\n", 40) +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + strings.Repeat("<p>html line</p>\r\n", 40) + "--b--\r\n",
}

// fxBenchEnv delivers n messages to alice's INBOX.
func fxBenchEnv(b *testing.B, n int, opts ...envOption) *testEnv {
	b.Helper()
	env := newEnv(b, append([]envOption{insecureAuth}, opts...)...)
	mb := env.mailbox("alice", "INBOX")
	for i := range n {
		if _, err := mb.Append(strings.NewReader(benchMessages[i%len(benchMessages)]), store.AppendOptions{InternalDate: fxDate}); err != nil {
			b.Fatal(err)
		}
	}
	return env
}

// fxDrain sends a command and reads its answer, returning the number of
// untagged responses; it fails unless the answer is OK.
func fxDrain(b *testing.B, c *client, line string) int {
	b.Helper()
	tag, _, _ := strings.Cut(line, " ")
	c.write(line + "\r\n")
	n := 0
	for {
		r := fxResponse(c)
		if strings.HasPrefix(r, tag+" ") {
			if !strings.HasPrefix(r, tag+" OK") {
				b.Fatalf("%s: %s", line, r)
			}
			return n
		}
		n++
	}
}

// BenchmarkFetchEnvelopeBodystructure measures FETCH 1:* (ENVELOPE
// BODYSTRUCTURE) on 10 000 messages: cold (every message read and parsed),
// from the disk cache (as after a restart), and warm (structures in memory).
func BenchmarkFetchEnvelopeBodystructure(b *testing.B) {
	const n = 10_000
	dir := b.TempDir()
	env := fxBenchEnv(b, n, func(cfg *Config) { cfg.CacheDir = dir })
	c := env.login("alice", alicePassword)
	c.cmd("s1 EXAMINE INBOX")
	const fetch = "f FETCH 1:* (ENVELOPE BODYSTRUCTURE)"
	run := func(b *testing.B, before func()) {
		for b.Loop() {
			b.StopTimer()
			before()
			b.StartTimer()
			if got := fxDrain(b, c, fetch); got != n {
				b.Fatalf("%d responses, want %d", got, n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	}
	b.Run("cold", func(b *testing.B) {
		run(b, func() {
			env.srv.cache.Purge()
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("disk", func(b *testing.B) {
		fxDrain(b, c, fetch)
		run(b, env.srv.cache.Purge)
	})
	b.Run("warm", func(b *testing.B) {
		fxDrain(b, c, fetch)
		run(b, func() {})
	})
}

// BenchmarkUIDFetchFlags100k measures SELECT and UID FETCH 1:* (FLAGS) on a
// mailbox of 100 000 messages.
func BenchmarkUIDFetchFlags100k(b *testing.B) {
	const n = 100_000
	env := fxBenchEnv(b, n)
	mb := env.mailbox("alice", "INBOX")
	var uids []uint32
	for _, m := range env.snapshot("alice", "INBOX").Messages {
		if m.UID%3 == 0 {
			uids = append(uids, m.UID)
		}
	}
	if _, err := mb.Store(uids, store.AddFlags, []string{`\Seen`, "$Label"}, 0); err != nil {
		b.Fatal(err)
	}
	c := env.login("alice", alicePassword)
	for b.Loop() {
		c.cmd("s1 SELECT INBOX")
		if got := fxDrain(b, c, "f UID FETCH 1:* (FLAGS)"); got != n {
			b.Fatalf("%d responses, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}
