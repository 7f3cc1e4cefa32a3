package lmtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
)

const hello = "From: Bob <bob@example.com>\r\nSubject: hello\r\n\r\nhi there\r\n"

// receivedRe matches the trace fields the server puts before a copy:
// Return-Path, then Received (RFC 5321 §4.4), unfolded. Groups: reverse
// path, FROM clause, protocol, id, recipient.
var receivedRe = regexp.MustCompile(`^Return-Path: <([^>]*)>\r\n` +
	`Received: from (.+?) by mx\.example\.org with (LMTPS?) id ([A-Z2-7]+)(?: for <([^>]+)>)?; ` +
	`[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n`)

type trace struct {
	returnPath, from, with, id, rcpt string
	rest                             string // the octets after the Received field
}

// splitTrace checks a stored message's trace fields and returns them with
// the octets that follow.
func splitTrace(t *testing.T, msg []byte) trace {
	t.Helper()
	s := string(msg)
	// Unfold the Received field (RFC 5322 §2.2.3) to match it; find its end
	// by the first line that does not begin with white space.
	end := strings.Index(s, "\r\nReceived: ")
	if end < 0 {
		t.Fatalf("no Received field after Return-Path in %q", s)
	}
	i := end + 2
	for {
		j := strings.Index(s[i:], "\r\n")
		if j < 0 {
			t.Fatalf("unterminated Received field in %q", s)
		}
		i += j + 2
		if i >= len(s) || (s[i] != ' ' && s[i] != '\t') {
			break
		}
	}
	head := s[:i]
	for _, line := range strings.Split(strings.TrimSuffix(head, "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("trace line longer than 78: %q", line)
		}
	}
	unfolded := strings.ReplaceAll(head, "\r\n\t", " ")
	m := receivedRe.FindStringSubmatch(unfolded)
	if m == nil {
		t.Fatalf("trace fields %q do not match %v", unfolded, receivedRe)
	}
	return trace{returnPath: m[1], from: m[2], with: m[3], id: m[4], rcpt: m[5], rest: s[i:]}
}

func TestGreetingAndLHLO(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	// RFC 2033 §4.1: HELO and EHLO are not LMTP greetings.
	c.send("EHLO client.example")
	c.expect(500, "5.5.1")
	c.send("HELO client.example")
	c.expect(500, "5.5.1")
	caps := c.lhlo()
	for _, want := range []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", fmt.Sprintf("SIZE %d", DefaultMaxMessageBytes)} {
		if !slices.Contains(caps, want) {
			t.Errorf("LHLO capabilities %q lack %q", caps, want)
		}
	}
	for _, no := range []string{"SMTPUTF8", "STARTTLS", "BINARYMIME", "DSN"} {
		if slices.Contains(caps, no) {
			t.Errorf("LHLO advertises %s", no)
		}
	}
	// DATA with no accepted recipient fails with 503 (RFC 2033 §4.2).
	c.send("MAIL FROM:<a@example.com>", "RCPT TO:<nobody@example.org>", "DATA")
	c.expect(250, mailOK)
	c.expect(550, "5.1.1")
	c.expect(503, "5.5.1")
	c.send("QUIT")
	c.expect(221, "2.0.0")
}

func TestPerRecipientStatus(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	got := c.transaction("sender@example.com",
		[]string{"alice@example.org", "nobody@example.org", "bob@example.org"},
		[]string{rcptAccepted, "550 5.1.1", rcptAccepted}, hello)
	if want := []string{"250 2.0.0", "250 2.0.0"}; !slices.Equal(got, want) {
		t.Fatalf("data replies %q, want %q", got, want)
	}
	for _, who := range []struct{ login, rcpt string }{{"alice", "alice@example.org"}, {"bob", "bob@example.org"}} {
		msgs := e.messages(who.login)
		if len(msgs) != 1 {
			t.Fatalf("%s has %d messages, want 1", who.login, len(msgs))
		}
		tr := splitTrace(t, msgs[0])
		if tr.rcpt != who.rcpt || tr.with != "LMTP" || tr.returnPath != "sender@example.com" ||
			tr.from != "client.example ([127.0.0.1])" || tr.rest != hello {
			t.Errorf("%s: trace %+v", who.login, tr)
		}
	}
	if n := len(e.messages("carol")); n != 0 {
		t.Errorf("carol has %d messages", n)
	}
}

func TestRecipientForms(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	tests := []struct {
		rcpt, status, login string
	}{
		{"alice+lists@example.org", rcptAccepted, "alice"}, // detail removed
		{"ALICE@EXAMPLE.ORG", rcptAccepted, "alice"},       // case-insensitive
		{"al@example.net", rcptAccepted, "alice"},          // alias
		{"al+x+y@example.net", rcptAccepted, "alice"},      // detail from the first "+"
		{"carol+exact@example.org", rcptAccepted, "carol"}, // full address wins
		{"Postmaster", rcptAccepted, "postmaster"},         // RFC 5321 §4.1.1.3
		{"alice+lists@example.com", "550 5.1.1", ""},       // other domain
		{"+alice@example.org", "550 5.1.1", ""},            // no user part
		{"alice@exa_mple.org", "553 5.1.3", ""},            // not a domain
		{"\"john doe\"@example.org", "550 5.1.1", ""},      // quoted, unknown
		{"alice@[127.0.0.1]", "550 5.1.1", ""},             // literal, unknown
		{"bob+@example.org", rcptAccepted, "bob"},          // empty detail
		{"nobody+alice@example.org", "550 5.1.1", ""},      // detail is not the user
		{"alice-lists@example.org", "550 5.1.1", ""},       // not the separator
		{"caf\xc3\xa9@example.org", "553 5.1.3", ""},       // not ASCII without SMTPUTF8
		{strings.Repeat("x", 65) + "@example.org", "553 5.1.3", ""},
	}
	for _, tt := range tests {
		c.send("MAIL FROM:<>", "RCPT TO:<"+tt.rcpt+">", "RSET")
		c.expect(250, mailOK)
		var code int
		var status string
		fmt.Sscanf(tt.status, "%d %s", &code, &status)
		r := c.reply()
		last := r[len(r)-1]
		if last.Code != code || last.Status.String() != status {
			t.Errorf("RCPT TO:<%s>: %d %v %q, want %s", tt.rcpt, last.Code, last.Status, last.Text, tt.status)
		}
		c.expect(250, "2.0.0")
	}
	// A delivery through a detail address, and one to Postmaster, whose
	// path has no domain and so no FOR clause.
	got := c.transaction("", []string{"alice+lists@example.org", "Postmaster"}, []string{rcptAccepted, rcptAccepted}, hello)
	if !slices.Equal(got, []string{"250 2.0.0", "250 2.0.0"}) {
		t.Fatalf("data replies %q", got)
	}
	tr := splitTrace(t, e.messages("alice")[0])
	if tr.rcpt != "alice+lists@example.org" || tr.returnPath != "" || tr.rest != hello {
		t.Errorf("alice: %+v", tr)
	}
	tr = splitTrace(t, e.messages("postmaster")[0])
	if tr.rcpt != "" || tr.rest != hello {
		t.Errorf("postmaster: %+v", tr)
	}
}

func TestNoDetail(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.NoDetail = true }))
	c := e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<>", "RCPT TO:<alice+lists@example.org>", "RCPT TO:<carol+exact@example.org>")
	c.expect(250, mailOK)
	c.expect(550, "5.1.1")
	c.expect(250, rcptOK)
}

func TestCustomDetailSeparator(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.DetailSeparator = "--" }))
	c := e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<>", "RCPT TO:<alice--lists@example.org>", "RCPT TO:<alice+lists@example.org>")
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(550, "5.1.1")
}

func TestDuplicateRecipients(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	rcpts := []string{"alice@example.org", "bob@example.org", "alice@example.org", "ALICE+x@example.org", "al@example.net"}
	accepted := slices.Repeat([]string{rcptAccepted}, 5)
	got := c.transaction("s@example.com", rcpts, accepted, hello)
	// One reply per accepted RCPT, duplicates included (RFC 2033 §4.2) …
	if !slices.Equal(got, slices.Repeat([]string{"250 2.0.0"}, 5)) {
		t.Fatalf("data replies %q", got)
	}
	// … but one copy per account, naming the first RCPT that reached it.
	msgs := e.messages("alice")
	if len(msgs) != 1 {
		t.Fatalf("alice has %d messages, want 1", len(msgs))
	}
	if tr := splitTrace(t, msgs[0]); tr.rcpt != "alice@example.org" {
		t.Errorf("for <%s>", tr.rcpt)
	}
	if n := len(e.messages("bob")); n != 1 {
		t.Errorf("bob has %d messages", n)
	}
}

func TestDisabledAccount(t *testing.T) {
	e := newEnv(t)
	if err := e.dir.SetEnabled("bob", false); err != nil {
		t.Fatal(err)
	}
	c := e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<>", "RCPT TO:<bob@example.org>")
	c.expect(250, mailOK)
	c.expect(550, "5.2.1")
}

// failingDirectory is the real file directory, made to fail on demand.
type failingDirectory struct {
	directory.Directory
	fail atomic.Pointer[error] // nil: work
}

func (d *failingDirectory) LookupAddress(ctx context.Context, a string) (*directory.Account, error) {
	if err := d.fail.Load(); err != nil {
		return nil, *err
	}
	return d.Directory.LookupAddress(ctx, a)
}

func TestDirectoryUnavailable(t *testing.T) {
	fd := &failingDirectory{}
	e := newEnv(t, func(e *testEnv) {
		fd.Directory = e.cfg.Directory
		e.cfg.Directory = fd
	})
	c := e.dial("tcp")
	c.lhlo()
	for _, err := range []error{directory.ErrUnavailable, fmt.Errorf("wrapped: %w", directory.ErrUnavailable), errors.New("ldap: connection reset")} {
		fd.fail.Store(&err)
		c.send("MAIL FROM:<>", "RCPT TO:<alice@example.org>", "RSET")
		c.expect(250, mailOK)
		c.expect(451, "4.4.3")
		c.expect(250, "2.0.0")
	}
	// Never "unknown" while the directory is down, also for the detail
	// lookup that follows a miss.
	down := directory.ErrUnavailable
	fd.fail.Store(&down)
	c.send("MAIL FROM:<>", "RCPT TO:<nobody+x@example.org>")
	c.expect(250, mailOK)
	c.expect(451, "4.4.3")
}

func TestSizeLimit(t *testing.T) {
	const limit = 2000
	e := newEnv(t, withConfig(func(c *Config) { c.MaxMessageBytes = limit }))
	c := e.dial("tcp")
	if caps := c.lhlo(); !slices.Contains(caps, fmt.Sprintf("SIZE %d", limit)) {
		t.Errorf("capabilities %q", caps)
	}
	// Declared too big at MAIL (RFC 1870 §6.1).
	c.send(fmt.Sprintf("MAIL FROM:<s@example.com> SIZE=%d", limit+1))
	c.expect(552, "5.3.4")

	// Too big while sent: every recipient fails, nothing is stored, and
	// the connection goes on.
	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\r\n", 100)
	got := c.transaction("s@example.com", []string{"alice@example.org", "bob@example.org"}, []string{rcptAccepted, rcptAccepted}, big)
	if !slices.Equal(got, []string{"552 5.3.4", "552 5.3.4"}) {
		t.Fatalf("data replies %q", got)
	}
	got = c.transaction("s@example.com", []string{"alice@example.org"}, []string{rcptAccepted}, big)
	if !slices.Equal(got, []string{"552 5.3.4"}) {
		t.Fatalf("data replies %q", got)
	}
	if n := len(e.messages("alice")) + len(e.messages("bob")); n != 0 {
		t.Fatalf("%d messages stored", n)
	}
	// A message of exactly the limit is delivered; one octet more is not.
	// The octets counted are those of RFC 1870: after dot-unstuffing, the
	// final "." line not included; the trace fields do not count.
	exact := "Subject: fits\r\n\r\n" + strings.Repeat("x", limit-len("Subject: fits\r\n\r\n")-2) + "\r\n"
	stuffed := "Subject: fits\r\n\r\n." + exact[len("Subject: fits\r\n\r\n")+1:]
	over := exact[:len(exact)-2] + "x\r\n"
	if len(exact) != limit || len(stuffed) != limit || len(over) != limit+1 {
		t.Fatalf("messages of %d, %d, %d octets", len(exact), len(stuffed), len(over))
	}
	for _, tt := range []struct {
		msg, reply string
	}{{exact, "250 2.0.0"}, {over, "552 5.3.4"}, {stuffed, "250 2.0.0"}} {
		got = c.transaction("s@example.com", []string{"alice@example.org"}, []string{rcptAccepted}, tt.msg)
		if !slices.Equal(got, []string{tt.reply}) {
			t.Fatalf("%d octets: data replies %q, want %s", len(tt.msg), got, tt.reply)
		}
	}
	msgs := e.messages("alice")
	if len(msgs) != 2 || splitTrace(t, msgs[0]).rest != exact || splitTrace(t, msgs[1]).rest != stuffed {
		t.Errorf("alice has %d messages", len(msgs))
	}
}

func TestQuota(t *testing.T) {
	for _, permanent := range []bool{false, true} {
		t.Run(fmt.Sprintf("permanent=%v", permanent), func(t *testing.T) {
			full := "452 4.2.2"
			if permanent {
				full = "552 5.2.2"
			}
			e := newEnv(t, withConfig(func(c *Config) { c.OverQuotaPermanent = permanent }))
			// alice may hold two messages; bob 1500 octets.
			if err := e.dir.SetQuota("alice", 0, 2); err != nil {
				t.Fatal(err)
			}
			if err := e.dir.SetQuota("bob", 1500, 0); err != nil {
				t.Fatal(err)
			}
			c := e.dial("tcp")
			c.lhlo()
			accepted := slices.Repeat([]string{rcptAccepted}, 3)
			ok := slices.Repeat([]string{"250 2.0.0"}, 3)
			rcpts := []string{"alice@example.org", "bob@example.org", "carol@example.org"}
			if got := c.transaction("s@example.com", rcpts, accepted, hello); !slices.Equal(got, ok) {
				t.Fatalf("first: %q", got)
			}
			bobUsed := int64(len(e.messages("bob")[0]))
			// Fill bob to one octet below his quota, less the trace fields:
			// at RCPT he still has room, at DATA the exact size is one
			// octet too many.
			room := 1500 - bobUsed
			traceLen := int64(len(e.messages("bob")[0]) - len(hello))
			body := "Subject: fill\r\n\r\n"
			body += strings.Repeat("y", int(room-traceLen)-len(body)-2+1) + "\r\n"
			got := c.transaction("s@example.com", rcpts, accepted, body)
			// A failed recipient does not fail the others.
			if want := []string{"250 2.0.0", full, "250 2.0.0"}; !slices.Equal(got, want) {
				t.Fatalf("second: %q, want %q", got, want)
			}
			// One octet less fits exactly.
			body = body[:len(body)-3] + "\r\n"
			got = c.transaction("s@example.com", []string{"bob@example.org"}, []string{rcptAccepted}, body)
			if !slices.Equal(got, []string{"250 2.0.0"}) {
				t.Fatalf("exact fit: %q", got)
			}
			a, err := e.store.Account("bob")
			if err != nil {
				t.Fatal(err)
			}
			u, err := a.Usage()
			if err != nil {
				t.Fatal(err)
			}
			if u.Octets != 1500 {
				t.Fatalf("bob uses %d octets, want exactly 1500", u.Octets)
			}
			// Now both are full: refused at RCPT.
			c.send("MAIL FROM:<>", "RCPT TO:<alice@example.org>", "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>", "RSET")
			c.expect(250, mailOK)
			var code int
			var status string
			fmt.Sscanf(full, "%d %s", &code, &status)
			c.expect(code, status)
			c.expect(code, status)
			c.expect(250, rcptOK)
			c.expect(250, "2.0.0")
			if n := len(e.messages("alice")); n != 2 {
				t.Errorf("alice has %d messages, want 2", n)
			}
			if n := len(e.messages("bob")); n != 2 {
				t.Errorf("bob has %d messages, want 2", n)
			}
		})
	}
}

func TestQuotaDeclaredSize(t *testing.T) {
	e := newEnv(t)
	if err := e.dir.SetQuota("alice", 1000, 0); err != nil {
		t.Fatal(err)
	}
	c := e.dial("tcp")
	c.lhlo()
	// RFC 1870 SIZE lets the quota refuse at RCPT.
	c.send("MAIL FROM:<> SIZE=1001", "RCPT TO:<alice@example.org>", "RSET", "MAIL FROM:<> SIZE=999", "RCPT TO:<alice@example.org>")
	c.expect(250, mailOK)
	c.expect(452, "4.2.2")
	c.expect(250, "2.0.0")
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
}

func TestBareLFAndCR(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	msgs := []string{
		"Subject: lf\n\nline one\nline two\r\n",
		"Subject: cr\r\n\r\nbare\rcr stays\r\n\r\rdouble\r\nend\rx\r\n",
		"Subject: mixed\r\n\nend\n\r\n",
		"Subject: 8bit\r\n\r\ncaf\xc3\xa9 \xff\x00\x01\r\n",
	}
	for _, m := range msgs {
		got := c.transaction("", []string{"alice@example.org"}, []string{rcptAccepted}, m)
		if got[0] != "250 2.0.0" {
			t.Fatalf("%q: %v", m, got)
		}
	}
	stored := e.messages("alice")
	for i, m := range msgs {
		if tr := splitTrace(t, stored[i]); tr.rest != normalized(m) {
			t.Errorf("sent %q, stored %q, want %q", m, tr.rest, normalized(m))
		}
	}
}

func TestDotStuffing(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	msgs := []string{
		".starts with a dot\r\n\r\nbody\r\n",
		"Subject: dots\r\n\r\n.\r\n..\r\n.x\r\n. \r\nend.\r\n.",
		"Subject: terminator inside\r\n\r\nbefore\r\n.\r\nafter\r\n",
	}
	for _, m := range msgs {
		got := c.transaction("", []string{"bob@example.org"}, []string{rcptAccepted}, m)
		if got[0] != "250 2.0.0" {
			t.Fatalf("%q: %v", m, got)
		}
	}
	for i, b := range e.messages("bob") {
		if tr := splitTrace(t, b); tr.rest != normalized(msgs[i]) {
			t.Errorf("stored %q, want %q", tr.rest, normalized(msgs[i]))
		}
	}
	// The exact wire form: a stuffed line is unstuffed, the lone dot ends.
	c.write("MAIL FROM:<>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n..a\r\n...\r\n.\r\n")
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(354, "")
	c.expect(250, "2.0.0")
	all := e.messages("bob")
	if tr := splitTrace(t, all[len(all)-1]); tr.rest != ".a\r\n..\r\n" {
		t.Errorf("stored %q", tr.rest)
	}
}

func TestPipelining(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	// Everything in one write: two transactions, and QUIT. The server
	// answers in order and loses nothing buffered (RFC 2920 §3.2 (1), (9)).
	c.write("LHLO client.example\r\n" +
		"MAIL FROM:<a@example.com>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" +
		dataBlock("Subject: one\r\n\r\n1\r\n") +
		"RSET\r\nMAIL FROM:<b@example.com>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n" +
		dataBlock("Subject: two\r\n\r\n2\r\n") +
		"NOOP\r\nQUIT\r\n")
	c.noStatus = true
	if r := c.reply(); r[0].Code != 250 {
		t.Fatalf("LHLO: %+v", r)
	}
	c.noStatus = false
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(550, "5.1.1")
	c.expect(250, rcptOK)
	c.expect(354, "")
	if txt := c.expect(250, "2.0.0"); !strings.HasPrefix(txt, "<alice@example.org>") {
		t.Errorf("first data reply %q", txt)
	}
	if txt := c.expect(250, "2.0.0"); !strings.HasPrefix(txt, "<bob@example.org>") {
		t.Errorf("second data reply %q", txt)
	}
	c.expect(250, "2.0.0") // RSET
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(354, "")
	c.expect(250, "2.0.0")
	c.expect(250, "2.0.0") // NOOP
	c.expect(221, "2.0.0")
	for login, want := range map[string]string{"alice": "Subject: one\r\n\r\n1\r\n", "bob": "Subject: one\r\n\r\n1\r\n", "carol": "Subject: two\r\n\r\n2\r\n"} {
		msgs := e.messages(login)
		if len(msgs) != 1 || splitTrace(t, msgs[0]).rest != want {
			t.Errorf("%s: %q", login, msgs)
		}
	}
}

func TestChunking(t *testing.T) {
	e := newEnv(t)
	if err := e.dir.SetQuota("bob", 0, 1); err != nil {
		t.Fatal(err)
	}
	c := e.dial("tcp")
	c.lhlo()
	first := "Subject: one\r\n\r\n"
	second := "chunked\nbody\r\n"
	// BDAT LAST gets the per-recipient replies (RFC 2033 §4.3).
	c.write("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<bob@example.org>\r\n" +
		fmt.Sprintf("BDAT %d\r\n%s", len(first), first) + fmt.Sprintf("BDAT %d LAST\r\n%s", len(second), second))
	c.expect(250, mailOK)
	for range 3 {
		c.expect(250, rcptOK)
	}
	c.expect(250, "2.0.0") // first chunk
	c.expect(250, "2.0.0") // alice
	c.expect(250, "2.0.0") // bob
	c.expect(250, "2.0.0") // bob again: the same delivery
	// bob is full now: a second BDAT transaction fails for him alone.
	c.write("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<carol@example.org>\r\n" +
		fmt.Sprintf("BDAT %d LAST\r\n%s", len(first+second), first+second))
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(250, rcptOK)
	c.expect(250, "2.0.0")
	c.expect(250, "2.0.0")
	want := normalized(first + second)
	for _, login := range []string{"alice", "bob", "carol"} {
		for _, m := range e.messages(login) {
			if tr := splitTrace(t, m); tr.rest != want {
				t.Errorf("%s: stored %q, want %q", login, tr.rest, want)
			}
		}
	}
	if n := len(e.messages("alice")); n != 2 {
		t.Errorf("alice has %d", n)
	}
}

func TestSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t, "mx.example.org")
	e := newEnv(t, withConfig(func(c *Config) { c.TLSConfig = srvTLS }))
	c := e.dial("tcp")
	if caps := c.lhlo(); !slices.Contains(caps, "STARTTLS") {
		t.Fatalf("no STARTTLS in %q", caps)
	}
	c.send("STARTTLS")
	c.expect(220, "2.0.0")
	tc := tls.Client(c.conn, cliTLS)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, tc)
	if caps := c.lhlo(); slices.Contains(caps, "STARTTLS") {
		t.Errorf("STARTTLS offered again over TLS: %q", caps)
	}
	got := c.transaction("s@example.com", []string{"alice@example.org"}, []string{rcptAccepted}, hello)
	if got[0] != "250 2.0.0" {
		t.Fatal(got)
	}
	if tr := splitTrace(t, e.messages("alice")[0]); tr.with != "LMTPS" || tr.rest != hello {
		t.Errorf("trace %+v", tr)
	}
}

func TestUnixSocket(t *testing.T) {
	e := newEnv(t, withUnix())
	c := e.dial("unix")
	c.lhlo()
	got := c.transaction("s@example.com", []string{"alice@example.org", "bob@example.org"}, []string{rcptAccepted, rcptAccepted}, hello)
	if !slices.Equal(got, []string{"250 2.0.0", "250 2.0.0"}) {
		t.Fatal(got)
	}
	// No IP address: the FROM clause is the LHLO name alone.
	if tr := splitTrace(t, e.messages("alice")[0]); tr.from != "client.example" || tr.with != "LMTP" || tr.rest != hello {
		t.Errorf("trace %+v", tr)
	}
}

func TestOctetsExact(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	// Every octet value but those that make line ends, on long lines.
	var b strings.Builder
	b.WriteString("Subject: octets\r\n\r\n")
	for i := range 3000 {
		c := byte(i % 256)
		if c == '\r' || c == '\n' {
			c = 'x'
		}
		b.WriteByte(c)
		if i%900 == 899 {
			b.WriteString("\r\n")
		}
	}
	b.WriteString("\r\n")
	msg := b.String()
	got := c.transaction("s@example.com", []string{"alice@example.org"}, []string{rcptAccepted}, msg)
	if got[0] != "250 2.0.0" {
		t.Fatal(got)
	}
	if tr := splitTrace(t, e.messages("alice")[0]); tr.rest != msg {
		t.Errorf("stored octets differ from those sent")
	}
}

func TestLargeMultiRecipient(t *testing.T) {
	spool := t.TempDir()
	e := newEnv(t, withConfig(func(c *Config) { c.SpoolDir = spool }))
	c := e.dial("tcp")
	c.lhlo()
	// Over the 1 MiB kept in memory: spooled to a file.
	line := strings.Repeat("abcdefghij", 7) + "\n"
	msg := "Subject: large\r\n\r\n" + strings.Repeat(line, (3<<20)/len(line))
	rcpts := []string{"alice@example.org", "bob@example.org", "carol@example.org"}
	ok := slices.Repeat([]string{"250 2.0.0"}, 3)
	if got := c.transaction("s@example.com", rcpts, slices.Repeat([]string{rcptAccepted}, 3), msg); !slices.Equal(got, ok) {
		t.Fatal(got)
	}
	want := normalized(msg)
	for _, login := range []string{"alice", "bob", "carol"} {
		msgs := e.messages(login)
		if len(msgs) != 1 {
			t.Fatalf("%s has %d", login, len(msgs))
		}
		if tr := splitTrace(t, msgs[0]); tr.rest != want {
			t.Errorf("%s: %d octets after the trace, want %d", login, len(tr.rest), len(want))
		}
	}
	if ents, err := os.ReadDir(spool); err != nil || len(ents) != 0 {
		t.Errorf("spool directory holds %v (%v)", ents, err)
	}
}

func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "corpus", "*.eml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("corpus ../shared/corpus is missing")
		}
		t.Skip("corpus ../shared/corpus is absent")
	}
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	var want []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got := c.transaction("s@example.com", []string{"carol@example.org"}, []string{rcptAccepted}, string(b))
		if got[0] != "250 2.0.0" {
			t.Fatalf("%s: %v", f, got)
		}
		want = append(want, normalized(string(b)))
	}
	stored := e.messages("carol")
	if len(stored) != len(files) {
		t.Fatalf("%d stored, %d sent", len(stored), len(files))
	}
	for i := range files {
		if tr := splitTrace(t, stored[i]); tr.rest != want[i] {
			t.Errorf("%s: stored %q, want %q", filepath.Base(files[i]), tr.rest, want[i])
		}
	}
}

func TestLogging(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	const secret = "the-secret-body-text"
	c.transaction("s@example.com", []string{"alice@example.org", "nobody@example.org"}, []string{rcptAccepted, "550 5.1.1"},
		"Subject: private\r\n\r\n"+secret+"\r\n")
	logs := e.logs.String()
	if strings.Contains(logs, secret) || strings.Contains(logs, "private") {
		t.Errorf("logs hold message content:\n%s", logs)
	}
	for _, want := range []string{`"msg":"delivered"`, `"rcpt":"alice@example.org"`, `"status":250`, `"code":"2.0.0"`,
		`"msg":"rcpt refused"`, `"rcpt":"nobody@example.org"`, `"code":"5.1.1"`, `"from":"s@example.com"`, `"conn":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestBadSender(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<a@bad_domain>", "MAIL FROM:<x@example.com> BODY=8BITMIME", "MAIL FROM:<y@example.com>",
		"RSET", "MAIL FROM:<x@example.com> BODY=BINARYMIME", "MAIL FROM:<x@example.com> BODY=7bit")
	c.expect(553, "5.1.7")
	c.expect(250, mailOK)
	c.expect(503, "5.5.1") // RFC 5321 §4.1.4: a transaction is open
	c.expect(250, "2.0.0")
	c.expect(504, "5.5.4")
	c.expect(250, mailOK)
}

func TestMaxConnections(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.MaxConnections = 1 }))
	c1 := e.dial("tcp")
	if n := e.srv.ActiveConnections(); n != 1 {
		t.Errorf("ActiveConnections = %d, want 1", n)
	}
	c2 := newClient(t, mustDial(t, e.addr))
	c2.expect(421, "4.3.2")
	c1.lhlo()
	c1.send("QUIT")
	c1.expect(221, "2.0.0")
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
	c3 := e.dial("tcp")
	c3.lhlo()
}

func TestMaxRecipients(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.MaxRecipients = 2 }))
	c := e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<>", "RCPT TO:<alice@example.org>", "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>")
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(250, rcptOK)
	c.expect(452, "4.5.3")
}

func TestShutdown(t *testing.T) {
	e := newEnv(t)
	idle := e.dial("tcp")
	idle.lhlo()
	busy := e.dial("tcp")
	busy.lhlo()
	busy.send("MAIL FROM:<>", "RCPT TO:<alice@example.org>")
	busy.expect(250, mailOK)
	busy.expect(250, rcptOK)

	shut := make(chan error, 1)
	go func() { shut <- e.srv.Shutdown(context.Background()) }()
	waitFor(t, e.srv.shuttingDown.Load)
	// The idle connection is told at once that the server is shutting
	// down (RFC 5321 §3.8; RFC 3463 §3.4 X.3.2), naming it.
	if text := idle.expect(421, "4.3.2"); text != "mx.example.org shutting down, try again later" {
		t.Errorf("421 text %q", text)
	}
	// The transaction in progress completes, then its connection closes.
	busy.write("DATA\r\n" + dataBlock(hello))
	busy.expect(354, "")
	busy.expect(250, "2.0.0")
	busy.expect(421, "4.3.2")
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := e.srv.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections = %d after Shutdown", n)
	}
	if n := len(e.messages("alice")); n != 1 {
		t.Errorf("alice has %d messages", n)
	}
	for range e.nServ {
		if err := <-e.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	e.nServ = 0
}

func TestShutdownForced(t *testing.T) {
	e := newEnv(t)
	busy := e.dial("tcp")
	busy.lhlo()
	busy.send("MAIL FROM:<>")
	busy.expect(250, mailOK)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
}

func TestConfigErrors(t *testing.T) {
	e := newEnv(t)
	for _, cfg := range []Config{
		{Directory: e.dir, Hostname: "h"},
		{Store: e.store, Hostname: "h"},
		{Store: e.store, Directory: e.dir, Hostname: "not a host"},
	} {
		ln := mustListen(t)
		if err := New(cfg).Serve(ln); err == nil {
			t.Errorf("Serve with %+v succeeded", cfg)
		}
		ln.Close()
	}
}

// waitFor polls cond until it holds, yielding in between; it fails the
// test only if the condition never holds within ioTimeout.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	e := newEnv(t)
	const conns, each = 8, 10
	errs := make(chan error, conns)
	for i := range conns {
		go func() {
			msg := fmt.Sprintf("Subject: %d\r\n\r\nfrom connection %d\r\n", i, i)
			errs <- deliverLoop(e.addr, "alice@example.org", msg, each)
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	msgs := e.messages("alice")
	if len(msgs) != conns*each {
		t.Fatalf("alice has %d messages, want %d", len(msgs), conns*each)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		tr := splitTrace(t, m)
		if ids[tr.id] {
			t.Errorf("transaction id %s used twice", tr.id)
		}
		ids[tr.id] = true
	}
}

func TestChunkingReset(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	// RSET between chunks abandons the message while the session is
	// already reading it (RFC 3030 §4.1 for BDAT, RFC 5321 §4.1.1.5).
	c.write("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nBDAT 5\r\nhello")
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(250, rcptOK)
	c.expect(250, "2.0.0")
	c.send("RSET")
	c.expect(250, "2.0.0")
	got := c.transaction("", []string{"carol@example.org"}, []string{rcptAccepted}, hello)
	if got[0] != "250 2.0.0" {
		t.Fatal(got)
	}
	if n := len(e.messages("alice")) + len(e.messages("bob")); n != 0 {
		t.Errorf("%d messages stored from an abandoned BDAT", n)
	}
	if n := len(e.messages("carol")); n != 1 {
		t.Errorf("carol has %d", n)
	}
}

// TestIdleTimeout: a client silent for ReadTimeout is told 421 4.4.2 (RFC
// 5321 §4.5.3.2.7; RFC 3463 §3.5 X.4.2, a time-out), naming the server, and
// the connection is closed.
func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.ReadTimeout = 50 * time.Millisecond }))
	c := e.dial("tcp")
	if text := c.expect(421, "4.4.2"); text != "mx.example.org Idle timeout, closing connection" {
		t.Errorf("421 text %q", text)
	}
	c.expectEOF()
}

// TestShutdownDuringMail: a MAIL that arrives once the server is shutting
// down is refused with the shutdown's 421 4.3.2.
func TestShutdownDuringMail(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	e.srv.shuttingDown.Store(true)
	c.send("MAIL FROM:<>")
	if text := c.expect(421, "4.3.2"); text != "mx.example.org shutting down, try again later" {
		t.Errorf("421 text %q", text)
	}
	e.srv.shuttingDown.Store(false)
}

// TestShutdownRacesServe: Shutdown that comes while Serve is starting ends
// it all the same; Serve returns nil.
func TestShutdownRacesServe(t *testing.T) {
	e := newEnv(t)
	for i := range 2000 {
		s := New(e.cfg)
		ln := mustListen(t)
		served := make(chan error, 1)
		go func() { served <- s.Serve(ln) }()
		for range i % 4 {
			runtime.Gosched()
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Fatalf("Serve = %v after Shutdown, want nil", err)
			}
		case <-time.After(ioTimeout):
			t.Fatal("Serve did not return after Shutdown")
		}
	}
}
