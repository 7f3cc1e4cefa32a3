package rfc3501

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// crlf turns the LF line ends of a test message into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func parse(t testing.TB, raw string) *Message {
	t.Helper()
	m, err := ParseMessage(strings.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("ParseMessage: %v", err)
	}
	return m
}

// textLines returns n lines holding total octets of text between them,
// each line the same length give or take one.
func textLines(n, total int) []string {
	lines := make([]string, n)
	for i := range lines {
		l := total / n
		if i < total%n {
			l++
		}
		lines[i] = strings.Repeat(string(rune('a'+i%26)), l)
	}
	return lines
}

func TestRFC3501FetchExample(t *testing.T) {
	// RFC 3501 §8: the ENVELOPE and BODY of message 12. The body has 3028
	// octets in 92 lines.
	body := strings.Join(textLines(92, 3028-92*2), "\r\n") + "\r\n"
	raw := crlf(`Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
From: Terry Gray <gray@cac.washington.edu>
Subject: IMAP4rev1 WG mtg summary and minutes
To: imap@cac.washington.edu
cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
Message-Id: <B27397-0100000@cac.washington.edu>
MIME-Version: 1.0
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

`) + body
	m := parse(t, raw)
	env, bs, _ := wire(t, m)
	wantEnv := `("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes"` +
		` (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu"))` +
		` (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu"))` +
		` ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL` +
		` "<B27397-0100000@cac.washington.edu>")`
	if env != wantEnv {
		t.Errorf("ENVELOPE\n got %s\nwant %s", env, wantEnv)
	}
	if want := `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)`; bs != want {
		t.Errorf("BODY\n got %s\nwant %s", bs, want)
	}
	checkWire(t, "RFC 3501 §8", m)
}

func TestRFC3501BodyStructureExample(t *testing.T) {
	// RFC 3501 §7.4.2: a multipart/mixed of a 1152-octet, 23-line text and
	// a 4554-octet, 73-line base64 attachment.
	part1 := strings.Join(textLines(23, 1152-22*2), "\r\n")
	part2 := strings.Join(textLines(73, 4554-72*2), "\r\n")
	raw := crlf(`From: a@example.org
Content-Type: MULTIPART/MIXED; boundary="x"

--x
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

`) + part1 + crlf(`
--x
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff
Content-ID: <960723163407.20117h@cac.washington.edu>
Content-Description: Compiler diff
Content-Transfer-Encoding: BASE64

`) + part2 + crlf("\n--x--\n")
	m := parse(t, raw)
	_, body, _ := wire(t, m)
	want := `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff")` +
		` "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")`
	if body != want {
		t.Errorf("BODY\n got %s\nwant %s", body, want)
	}
	checkWire(t, "RFC 3501 §7.4.2", m)
}

func TestEnvelope(t *testing.T) {
	from := []Address{{Name: "Joe Q. Public", Mailbox: "john.q.public", Host: "example.com"}}
	tests := []struct {
		name, header string
		want         Envelope
	}{
		{
			name:   "RFC 5322 A.1.1 and defaults of RFC 3501 §7.4.2",
			header: "From: John Doe <jdoe@machine.example>\nTo: Mary Smith <mary@example.net>\nSubject: Saying Hello\nDate: Fri, 21 Nov 1997 09:55:06 -0600\nMessage-ID: <1234@local.machine.example>\n",
			want: Envelope{
				Date:      new("Fri, 21 Nov 1997 09:55:06 -0600"),
				Subject:   new("Saying Hello"),
				From:      []Address{{Name: "John Doe", Mailbox: "jdoe", Host: "machine.example"}},
				Sender:    []Address{{Name: "John Doe", Mailbox: "jdoe", Host: "machine.example"}},
				ReplyTo:   []Address{{Name: "John Doe", Mailbox: "jdoe", Host: "machine.example"}},
				To:        []Address{{Name: "Mary Smith", Mailbox: "mary", Host: "example.net"}},
				MessageID: new("<1234@local.machine.example>"),
			},
		},
		{
			name: "RFC 5322 A.1.2: quoted names, an empty group",
			header: `From: "Joe Q. Public" <john.q.public@example.com>
To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>
Cc: <boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>
Reply-To: Undisclosed recipients:;
`,
			want: Envelope{
				From: from, Sender: from,
				ReplyTo: []Address{{Mailbox: "Undisclosed recipients"}, {}},
				To: []Address{
					{Name: "Mary Smith", Mailbox: "mary", Host: "x.test"},
					{Mailbox: "jdoe", Host: "example.org"},
					{Name: "Who?", Mailbox: "one", Host: "y.test"},
				},
				Cc: []Address{
					{Mailbox: "boss", Host: "nil.test"},
					{Name: `Giant; "Big" Box`, Mailbox: "sysservices", Host: "example.net"},
				},
			},
		},
		{
			name:   "RFC 5322 A.1.3: a group",
			header: "From: Pete <pete@silly.example>\nTo: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\nCc: Undisclosed recipients:;\n",
			want: Envelope{
				From:    []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.example"}},
				Sender:  []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.example"}},
				ReplyTo: []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.example"}},
				To: []Address{
					{Mailbox: "A Group"},
					{Name: "Ed Jones", Mailbox: "c", Host: "a.test"},
					{Mailbox: "joe", Host: "where.test"},
					{Name: "John", Mailbox: "jdoe", Host: "one.test"},
					{},
				},
				Cc: []Address{{Mailbox: "Undisclosed recipients"}, {}},
			},
		},
		{
			name: "RFC 5322 A.5: comments and folding white space",
			header: "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\n" +
				"To:A Group(Some people)\n     :Chris Jones <c@(Chris's host.)public.example>,\n" +
				"         joe@example.org,\n  John <jdoe@one.test> (my dear friend); (the end of the group)\n" +
				"Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\n" +
				"Date: Thu,\n      13\n        Feb\n          1969\n      23:32\n               -0330 (Newfoundland Time)\n" +
				"Message-ID:              <testabcd.1234@silly.test>\n",
			want: Envelope{
				Date:    new("Thu,      13        Feb          1969      23:32               -0330 (Newfoundland Time)"),
				From:    []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.test"}},
				Sender:  []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.test"}},
				ReplyTo: []Address{{Name: "Pete", Mailbox: "pete", Host: "silly.test"}},
				To: []Address{
					{Mailbox: "A Group"},
					{Name: "Chris Jones", Mailbox: "c", Host: "public.example"},
					{Mailbox: "joe", Host: "example.org"},
					{Name: "John", Mailbox: "jdoe", Host: "one.test"},
					{},
				},
				Cc:        []Address{{Mailbox: "Hidden recipients"}, {}},
				MessageID: new("<testabcd.1234@silly.test>"),
			},
		},
		{
			name: "Sender and Reply-To of their own; present but empty",
			header: "From: a@x.test\nSender: b@x.test\nReply-To: \"C\" <c@x.test>, d@x.test\nSubject:\nIn-Reply-To: <1@x.test>\n" +
				"Bcc: \nSubject: second\n",
			want: Envelope{
				Subject:   new(""),
				From:      []Address{{Mailbox: "a", Host: "x.test"}},
				Sender:    []Address{{Mailbox: "b", Host: "x.test"}},
				ReplyTo:   []Address{{Name: "C", Mailbox: "c", Host: "x.test"}, {Mailbox: "d", Host: "x.test"}},
				InReplyTo: new("<1@x.test>"),
			},
		},
		{
			name:   "empty Sender and Reply-To default to From",
			header: "Sender:\nReply-To: ,\nFrom: a@x.test (Al Bundy)\n",
			want: Envelope{
				From:    []Address{{Name: "Al Bundy", Mailbox: "a", Host: "x.test"}},
				Sender:  []Address{{Name: "Al Bundy", Mailbox: "a", Host: "x.test"}},
				ReplyTo: []Address{{Name: "Al Bundy", Mailbox: "a", Host: "x.test"}},
			},
		},
		{
			name: "raw encoded words, 8-bit text, folding",
			header: "Subject: =?utf-8?q?caf=C3=A9?=\n\tand more\nFrom: =?utf-8?q?Andr=C3=A9?= <andre@x.test>\n" +
				"To: Zoë <zoe@x.test>\n",
			want: Envelope{
				Subject: new("=?utf-8?q?caf=C3=A9?=\tand more"),
				From:    []Address{{Name: "=?utf-8?q?Andr=C3=A9?=", Mailbox: "andre", Host: "x.test"}},
				Sender:  []Address{{Name: "=?utf-8?q?Andr=C3=A9?=", Mailbox: "andre", Host: "x.test"}},
				ReplyTo: []Address{{Name: "=?utf-8?q?Andr=C3=A9?=", Mailbox: "andre", Host: "x.test"}},
				To:      []Address{{Name: "Zoë", Mailbox: "zoe", Host: "x.test"}},
			},
		},
		{
			name:   "malformed addresses",
			header: "From: <>\nTo: root, <@a.test,@b.test:x@c.test>, \"john doe\"@[192.0.2.1], @nohost.test, a@b c@d, :;, > x@y\nCc: Group: a@b.test\n",
			want: Envelope{
				To: []Address{
					{Mailbox: "root", Host: MissingHost},
					{ADL: "@a.test,@b.test", Mailbox: "x", Host: "c.test"},
					{Mailbox: "john doe", Host: "[192.0.2.1]"},
					{Mailbox: MissingMailbox, Host: "nohost.test"},
					{Mailbox: "a", Host: "b"},
					{Mailbox: "x", Host: "y"},
				},
				Cc: []Address{{Mailbox: "Group"}, {Mailbox: "a", Host: "b.test"}, {}},
			},
		},
	}
	for _, tt := range tests {
		for _, eol := range []string{"\n", "\r\n"} {
			raw := strings.ReplaceAll(tt.header, "\n", eol) + eol + "body" + eol
			m := parse(t, raw)
			if diff := cmp.Diff(&tt.want, m.Envelope, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (%q line ends) (-want +got):\n%s", tt.name, eol, diff)
			}
			checkWire(t, tt.name, m)
		}
	}
}

func TestBodyStructure(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{
			name: "no Content-Type: text/plain; charset=us-ascii (RFC 2045 §5.2)",
			raw:  "Subject: x\r\n\r\nhello\r\nworld",
			want: `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 2 NIL NIL NIL NIL)`,
		},
		{
			name: "invalid Content-Type",
			raw:  "Content-Type: text\r\nContent-Transfer-Encoding: (comment) Quoted-Printable\r\n\r\nx\r\n",
			want: `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "QUOTED-PRINTABLE" 3 1 NIL NIL NIL NIL)`,
		},
		{
			name: "no body",
			raw:  "Content-Type: image/png; name=\"a b.png\"",
			want: `("IMAGE" "PNG" ("NAME" "a b.png") NIL NIL "7BIT" 0 NIL NIL NIL NIL)`,
		},
		{
			name: "extension data",
			raw: crlf(`Content-Type: Text/HTML; charset="utf-8"; format=flowed
Content-ID: <id@x>
Content-Description: The (main) part
Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
Content-Disposition: inline; filename="a.html"; size=3
Content-Language: en, de (German)
Content-Location: http://example.com/a.html

<p>
`),
			want: `("TEXT" "HTML" ("CHARSET" "utf-8" "FORMAT" "flowed") "<id@x>" "The (main) part" "7BIT" 5 1` +
				` "Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" ("FILENAME" "a.html" "SIZE" "3")) ("en" "de") "http://example.com/a.html")`,
		},
		{
			name: "RFC 2231 §3 continuations",
			raw: "Content-Type: message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n" +
				" URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"\r\n\r\n",
			want: `("MESSAGE" "EXTERNAL-BODY" ("ACCESS-TYPE" "URL" "URL" "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar") NIL NIL "7BIT" 0 NIL NIL NIL NIL)`,
		},
		{
			name: "RFC 2231 §4.1 encoded continuations, and §4 without",
			raw: "Content-Type: application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n" +
				" title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"\r\n" +
				"Content-Disposition: attachment; filename*=utf-8''caf%C3%A9.txt; FileName=x; filename=y\r\n\r\n",
			want: `("APPLICATION" "X-STUFF" ("TITLE*" "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!") NIL NIL "7BIT" 0` +
				` NIL ("ATTACHMENT" ("FILENAME*" "utf-8''caf%C3%A9.txt" "FILENAME" "x")) NIL NIL)`,
		},
		{
			name: "multipart with a message, an empty part and a preamble",
			raw: crlf(`Content-Type: multipart/mixed; boundary="b"

preamble
--b

body 1
--b
Content-Type: message/rfc822

Subject: inner
From: x@y.test

inner body
--b
--b--
epilogue
`),
			want: `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)` +
				`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 44 (NIL "inner" ((NIL NIL "x" "y.test")) ((NIL NIL "x" "y.test")) ((NIL NIL "x" "y.test")) NIL NIL NIL NIL NIL)` +
				` ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)` +
				`("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)`,
		},
		{
			name: "digest parts default to message/rfc822 (RFC 2046 §5.1.5)",
			raw:  "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nx\n--d\nContent-Type: text/plain\n\ny\n--d--\n",
			want: `(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 15 (NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL)` +
				` ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)` +
				`("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL NIL) "DIGEST" ("BOUNDARY" "d") NIL NIL NIL)`,
		},
		{
			name: "a parameter without its semicolon",
			raw:  "Content-Type: multipart/mixed\n\tboundary=\"b\" x; =y; ;; charset\n\n--b\nContent-Type: image/png\n\nAA==\n--b--\n",
			want: `(("IMAGE" "PNG" NIL NIL NIL "7BIT" 4 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)`,
		},
		{
			name: "multipart without boundary",
			raw:  "Content-Type: multipart/mixed\r\n\r\n--\r\nx\r\n",
			want: `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) "MIXED" NIL NIL NIL NIL)`,
		},
		{
			// The line end before a delimiter is the delimiter's, so the
			// HTML part is "<b>two</b>\n"; the last part, without a blank
			// line, is all header.
			name: "missing close delimiter, bare LF, boundary as a line prefix (RFC 2046 §5.1.1)",
			raw:  "Content-Type: multipart/alternative; boundary=ab\n\n--ab\n\none\n--ab  \nContent-Type: text/html\n\n<b>two</b>\n\n--abc\nthree",
			want: `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL)` +
				`("TEXT" "HTML" NIL NIL NIL "7BIT" 11 1 NIL NIL NIL NIL)` +
				`("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "ab") NIL NIL NIL)`,
		},
		{
			name: "an outer boundary ends inner parts",
			raw:  "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/mixed; boundary=i\n\n--i\n\nin\n--o\n\nout\n--o--\n",
			want: `((("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "i") NIL NIL NIL)` +
				`("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "o") NIL NIL NIL)`,
		},
		{
			name: "message/rfc822 without a body",
			raw:  "Content-Type: message/rfc822",
			want: `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 0 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)` +
				` ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) 0 NIL NIL NIL NIL)`,
		},
	}
	for _, tt := range tests {
		m := parse(t, tt.raw)
		_, _, got := wire(t, m)
		if got != tt.want {
			t.Errorf("%s\n got %s\nwant %s\n%s", tt.name, got, tt.want, describeTree(m.Body, "top"))
		}
		checkWire(t, tt.name, m)
	}
}

// sectionMessage has the structure of the example of RFC 3501 §6.4.5.
var sectionMessage = crlf(`From: a@example.org
Subject: top
Subject: duplicate
 folded
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: text/plain

part 1
--outer
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

cGFydCAy
--outer
Content-Type: message/rfc822

From: b@example.org
Subject: part 3
Content-Type: multipart/mixed; boundary="m3"

--m3
Content-Type: text/plain

part 3.1
--m3
Content-Type: application/octet-stream

part 3.2
--m3--
--outer
Content-Type: multipart/mixed; boundary="m4"

--m4
Content-Type: image/gif
Content-Transfer-Encoding: base64

R0lG
--m4
Content-Type: message/rfc822

From: c@example.org
Subject: part 4.2
Content-Type: multipart/mixed; boundary="m42"

--m42
Content-Type: text/plain

part 4.2.1
--m42
Content-Type: multipart/alternative; boundary="m422"

--m422
Content-Type: text/plain

part 4.2.2.1
--m422
Content-Type: text/richtext

part 4.2.2.2
--m422--
--m42--
--m4--
--outer--
epilogue
`)

// fetch returns the octets of a section of raw, as a string.
func fetch(m *Message, raw string, s Section) (string, error) {
	r := strings.NewReader(raw)
	spans, err := m.Section(r, s)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(SpansReader(r, spans))
	if err != nil {
		return "", err
	}
	if int64(len(b)) != SpansLen(spans) {
		return "", fmt.Errorf("read %d octets of %d", len(b), SpansLen(spans))
	}
	return string(b), nil
}

func TestSection(t *testing.T) {
	raw := sectionMessage
	m := parse(t, raw)
	after := func(marker string) string { return raw[strings.Index(raw, marker):] }
	between := func(from, to string) string {
		i := strings.Index(raw, from)
		return raw[i : i+strings.Index(raw[i:], to)]
	}
	msg3 := between("From: b@", "\r\n--outer")
	msg42 := between("From: c@", "\r\n--m4--")
	tests := []struct {
		spec string
		want string
	}{
		// RFC 3501 §6.4.5: the part specifiers of its example.
		{"", raw},
		{"HEADER", between("From: a@", "preamble")},
		{"TEXT", after("preamble")},
		{"1", "part 1"},
		{"2", "cGFydCAy"},
		{"3", msg3},
		{"3.HEADER", between("From: b@", "--m3")},
		{"3.TEXT", between("--m3\r\n", "\r\n--outer")},
		{"3.1", "part 3.1"},
		{"3.2", "part 3.2"},
		{"4", between("--m4\r\n", "\r\n--outer--")},
		{"4.1", "R0lG"},
		{"4.1.MIME", "Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n"},
		{"4.2", msg42},
		{"4.2.HEADER", between("From: c@", "--m42")},
		{"4.2.TEXT", between("--m42\r\n", "\r\n--m4--")},
		{"4.2.1", "part 4.2.1"},
		{"4.2.2", between("--m422\r\n", "\r\n--m42--")},
		{"4.2.2.1", "part 4.2.2.1"},
		{"4.2.2.2", "part 4.2.2.2"},
		// MIME headers, and the header of an encapsulated message.
		{"1.MIME", "Content-Type: text/plain\r\n\r\n"},
		{"3.MIME", "Content-Type: message/rfc822\r\n\r\n"},
		{"4.2.2.MIME", "Content-Type: multipart/alternative; boundary=\"m422\"\r\n\r\n"},
		// HEADER.FIELDS keeps folded lines and the blank line.
		{"HEADER.FIELDS (SUBJECT from)", "From: a@example.org\r\nSubject: top\r\nSubject: duplicate\r\n folded\r\n\r\n"},
		{"HEADER.FIELDS (X-None)", "\r\n"},
		{"HEADER.FIELDS.NOT (Subject Content-Type)", "From: a@example.org\r\nMIME-Version: 1.0\r\n\r\n"},
		{"3.HEADER.FIELDS (Subject)", "Subject: part 3\r\n\r\n"},
		{"4.2.HEADER.FIELDS.NOT (From)", "Subject: part 4.2\r\nContent-Type: multipart/mixed; boundary=\"m42\"\r\n\r\n"},
		// Parts that do not exist.
		{"5", "error"},
		{"1.1", "error"},
		{"3.3", "error"},
		{"4.1.1", "error"},
		{"1.HEADER", "error"},
		{"4.TEXT", "error"},
		{"2.HEADER.FIELDS (A)", "error"},
	}
	for _, tt := range tests {
		var s Section
		if !NewDecoderString("[" + tt.spec + "]").Section(&s) {
			t.Fatalf("section %q does not parse", tt.spec)
		}
		got, err := fetch(m, raw, s)
		if tt.want == "error" {
			if !errors.Is(err, ErrNoSuchPart) {
				t.Errorf("BODY[%s] = %q, %v; want ErrNoSuchPart", tt.spec, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("BODY[%s] = %q, %v\nwant %q", tt.spec, got, err, tt.want)
		}
	}
	checkWire(t, "RFC 3501 §6.4.5", m)
}

// NewDecoderString is a test shorthand for a Decoder reading s.
func NewDecoderString(s string) *Decoder {
	return NewDecoder(bufioReader(s))
}

func TestSectionOfSinglePartMessages(t *testing.T) {
	tests := []struct {
		raw  string
		spec map[string]string
	}{
		{
			// RFC 3501 §6.4.5: a non-multipart message has only a part 1,
			// its body.
			raw: "Subject: x\nContent-Type: text/plain\n\nbody\n",
			spec: map[string]string{
				"1": "body\n", "TEXT": "body\n", "1.MIME": "Subject: x\nContent-Type: text/plain\n\n",
				"2": "error", "1.1": "error", "1.TEXT": "error", "MIME": "", "HEADER.FIELDS (subject)": "Subject: x\n\n",
			},
		},
		{
			// A message/rfc822 message: part 1 is the encapsulated message,
			// 1.1 that message's body.
			raw: "Content-Type: message/rfc822\n\nSubject: inner\n\ninner body",
			spec: map[string]string{
				"1": "Subject: inner\n\ninner body", "1.HEADER": "Subject: inner\n\n", "1.TEXT": "inner body",
				"1.1": "inner body", "1.1.MIME": "Subject: inner\n\n", "1.2": "error",
			},
		},
		{
			// No body and no blank line: no blank line in header fetches.
			raw:  "Subject: x\r\nFrom: y",
			spec: map[string]string{"HEADER": "Subject: x\r\nFrom: y", "HEADER.FIELDS (From)": "From: y", "TEXT": "", "1": ""},
		},
	}
	for _, tt := range tests {
		m := parse(t, tt.raw)
		for spec, want := range tt.spec {
			var s Section
			if spec == "MIME" {
				// Not in the grammar; Section reports it all the same.
				s = Section{Specifier: SectionMIME}
			} else if !NewDecoderString("[" + spec + "]").Section(&s) {
				t.Fatalf("section %q does not parse", spec)
			}
			got, err := fetch(m, tt.raw, s)
			if want == "error" || spec == "MIME" {
				if !errors.Is(err, ErrNoSuchPart) {
					t.Errorf("%q BODY[%s] = %q, %v; want ErrNoSuchPart", tt.raw, spec, got, err)
				}
				continue
			}
			if err != nil || got != want {
				t.Errorf("%q BODY[%s] = %q, %v; want %q", tt.raw, spec, got, err, want)
			}
		}
	}
}

func TestPartial(t *testing.T) {
	spans := []Span{{10, 5}, {20, 5}, {30, 5}}
	tests := []struct {
		p    Partial
		want []Span
	}{
		{Partial{0, 100}, spans},
		{Partial{0, 1}, []Span{{10, 1}}},
		{Partial{3, 4}, []Span{{13, 2}, {20, 2}}},
		{Partial{5, 5}, []Span{{20, 5}}},
		{Partial{12, 10}, []Span{{32, 3}}},
		{Partial{15, 1}, nil},
		{Partial{100, 1}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.p.Apply(spans)); diff != "" {
			t.Errorf("%+v.Apply (-want +got):\n%s", tt.p, diff)
		}
	}
	// RFC 3501 §6.4.5: BODY[1]<2.3>.
	m := parse(t, sectionMessage)
	spans, err := m.Section(nil, Section{Part: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(SpansReader(strings.NewReader(sectionMessage), Partial{2, 3}.Apply(spans)))
	if string(b) != "rt " {
		t.Errorf("BODY[1]<2.3> = %q", b)
	}
}

func TestLimits(t *testing.T) {
	// Nesting beyond MaxDepth is not parsed.
	var b strings.Builder
	for i := range MaxDepth + 50 {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("\nleaf\n")
	raw := b.String()
	m := parse(t, raw)
	depth, p := 0, m.Body
	for p.IsMultipart() {
		depth++
		p = p.Parts[0]
	}
	if depth != MaxDepth || p.Type != "APPLICATION" || p.Subtype != "OCTET-STREAM" {
		t.Errorf("nesting: %d multiparts then %s/%s; want %d then APPLICATION/OCTET-STREAM", depth, p.Type, p.Subtype, MaxDepth)
	}
	checkWire(t, "deep nesting", m)

	// So is nesting of encapsulated messages.
	raw = strings.Repeat("Content-Type: message/rfc822\n\n", MaxDepth+50) + "x"
	m = parse(t, raw)
	depth, p = 0, m.Body
	for p.IsMessage() {
		depth++
		p = p.Message
	}
	if depth != MaxDepth || p.Type != "APPLICATION" {
		t.Errorf("messages: %d deep then %s; want %d then APPLICATION", depth, p.Type, MaxDepth)
	}
	checkWire(t, "deep messages", m)

	// Parts beyond MaxParts are left out.
	raw = "Content-Type: multipart/mixed; boundary=p\n\n" + strings.Repeat("--p\n\nx\n", MaxParts+10)
	m = parse(t, raw)
	if n := len(m.Body.Parts); n != MaxParts-1 {
		t.Errorf("%d parts, want %d", n, MaxParts-1)
	}
	last := m.Body.Parts[len(m.Body.Parts)-1]
	if last.Body.Len != 1 {
		t.Errorf("last part body %v", last.Body)
	}
}

// corpusDir holds malformed messages (see its README.md).
const corpusDir = "../../../shared/corpus"

func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		m := parse(t, string(raw))
		checkWire(t, name, m)
		checkSpans(t, name, m)
		checkSections(t, name, m, string(raw))
	}
}

// checkSpans checks that every entity's header and body lie inside the
// message, in order, and inside its parent.
func checkSpans(t *testing.T, name string, m *Message) {
	t.Helper()
	var walk func(b *BodyStructure, lo, hi int64)
	walk = func(b *BodyStructure, lo, hi int64) {
		h, body := b.Header, b.Body
		if h.Off < lo || h.Len < 0 || h.Off+h.Len != body.Off || body.Len < 0 || body.Off+body.Len > hi {
			t.Errorf("%s: %s/%s header %v body %v outside [%d, %d]\n%s", name, b.Type, b.Subtype, h, body, lo, hi, describeTree(m.Body, "top"))
			return
		}
		if b.Lines < 0 || b.Lines > body.Len+1 {
			t.Errorf("%s: %d lines in %d octets", name, b.Lines, body.Len)
		}
		prev := body.Off
		for _, p := range b.Parts {
			walk(p, prev, body.Off+body.Len)
			prev = p.Body.Off + p.Body.Len
		}
		if b.Message != nil {
			walk(b.Message, body.Off, body.Off+body.Len)
			if b.Message.Header.Off != body.Off || b.Message.Body.Off+b.Message.Body.Len != body.Off+body.Len {
				t.Errorf("%s: encapsulated message %v %v does not fill its part's body %v", name, b.Message.Header, b.Message.Body, body)
			}
		}
	}
	if m.Body.Header.Off != 0 || m.Body.Body.Off+m.Body.Body.Len != m.Size {
		t.Errorf("%s: top entity %v %v does not fill %d octets", name, m.Body.Header, m.Body.Body, m.Size)
	}
	walk(m.Body, 0, m.Size)
}

// checkSections fetches every section of every part.
func checkSections(t *testing.T, name string, m *Message, raw string) {
	t.Helper()
	var walk func(b *BodyStructure, number []int)
	walk = func(b *BodyStructure, number []int) {
		specs := []Section{
			{Part: number}, {Part: number, Specifier: SectionMIME},
		}
		if b.IsMessage() {
			specs = append(specs, Section{Part: number, Specifier: SectionHeader}, Section{Part: number, Specifier: SectionText},
				Section{Part: number, Specifier: SectionHeaderFields, Fields: []string{"Subject", "content-type"}},
				Section{Part: number, Specifier: SectionHeaderFieldsNot, Fields: []string{"Subject"}})
		}
		for _, s := range specs {
			if _, err := fetch(m, raw, s); err != nil {
				t.Errorf("%s: BODY[%s]: %v", name, s, err)
			}
		}
		var parts []*BodyStructure
		switch {
		case b.IsMultipart():
			parts = b.Parts
		case b.IsMessage() && b.Message.IsMultipart():
			parts = b.Message.Parts
		case b.IsMessage():
			parts = []*BodyStructure{b.Message}
		}
		for i, p := range parts {
			walk(p, append(number[:len(number):len(number)], i+1))
		}
	}
	for _, s := range []Section{{}, {Specifier: SectionHeader}, {Specifier: SectionText}} {
		if _, err := fetch(m, raw, s); err != nil {
			t.Errorf("%s: BODY[%s]: %v", name, s, err)
		}
	}
	if m.Body.IsMultipart() {
		for i, p := range m.Body.Parts {
			walk(p, []int{i + 1})
		}
	} else {
		walk(m.Body, []int{1})
	}
}

func FuzzBodyStructure(f *testing.F) {
	f.Add(sectionMessage)
	f.Add("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: message/rfc822\n\n--a--\n")
	f.Add("Content-Type: multipart/digest; boundary=\"x\"\r\n\r\n--x\r\n\r\nFrom: <a@b>\r\n\r\n--x--")
	f.Add("From: a:b;c<d@e>,\"f\r\n (g) \r\nContent-Type: text/plain; a*0*=x; a*1=y; a*=z\r\n\r\n")
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(string(raw))
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m := parse(t, raw)
		checkWire(t, "fuzz", m)
		checkSpans(t, "fuzz", m)
		checkSections(t, "fuzz", m, raw)
	})
}
