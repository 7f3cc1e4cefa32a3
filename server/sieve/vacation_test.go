package sieve

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestVacationReply checks the reply exactly as the relay receives it
// (RFC 5230 §5, RFC 3834 §3), and that a second message from the same
// sender within the period gets none (§4.2).
func TestVacationReply(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "vacation"; vacation :days 3 "I am away until Monday.";`)
	orig := "From: Bob <bob@example.com>\nTo: Alice <alice@example.org>\nSubject: lunch?\n" +
		"Message-ID: <m2@example.com>\nReferences: <m0@example.com>\n\nhi\n"
	out := x.mustDeliver("bob@example.com", "alice@example.org", orig)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("vacation cancelled the implicit keep: %v (RFC 5230 §4.7)", out.Mailboxes)
	}
	m := x.relay.Wait(t, 1, relayTimeout)[0]
	if m.From != "" || !slices.Equal(m.To, []string{"bob@example.com"}) || !slices.Equal(m.NotifyNever, []bool{true}) {
		t.Errorf("envelope: MAIL FROM %q RCPT %q NOTIFY=NEVER %v; want <>, bob@example.com, true", m.From, m.To, m.NotifyNever)
	}
	data := string(m.Data)
	for field, want := range map[string]string{
		"From":           "<alice@example.org>",
		"To":             "<bob@example.com>",
		"Subject":        "Auto: lunch?",
		"In-Reply-To":    "<m2@example.com>",
		"References":     "<m0@example.com> <m2@example.com>",
		"Auto-Submitted": "auto-replied",
	} {
		if got := header(data, field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if header(data, "Date") == "" || !strings.HasSuffix(header(data, "Message-Id"), "@mx.example.org>") {
		t.Errorf("Date or Message-ID missing:\n%s", data)
	}
	if !strings.Contains(data, "\r\n\r\nI am away until Monday.") || !strings.Contains(data, "text/plain") {
		t.Errorf("body:\n%s", data)
	}

	x.mustDeliver("bob@example.com", "alice@example.org", orig)
	x.mustDeliver("BOB@example.com", "alice@example.org", orig)
	// Another sender is answered; its reply marks the end of what the
	// relay got, so the test needs no wait for an absence.
	x.mustDeliver("carol@example.com", "alice@example.org", strings.Replace(orig, "bob@", "carol@", 1))
	msgs := x.relay.Wait(t, 2, relayTimeout)
	if len(msgs) != 2 || !slices.Equal(msgs[1].To, []string{"carol@example.com"}) {
		t.Errorf("the relay got %d messages (last to %q), want bob's reply then carol's", len(msgs), msgs[len(msgs)-1].To)
	}
}

// TestVacationOptions: :subject (RFC 2047 encoded when not ASCII, §4.3),
// :from, :mime (§4.4), and an invalid :from falling back to the user's
// address.
func TestVacationOptions(t *testing.T) {
	x := newFixture(t)
	x.activate(`require ["vacation", "variables"];
set "bad" "not an address <";
if header :is "subject" "mime" {
  vacation :mime :handle "m" text:
Content-Type: text/html; charset=us-ascii

<p>Away</p>
.
;
} elsif header :is "subject" "badfrom" {
  vacation :handle "b" :from "${bad}" "away";
} elsif header :is "subject" "forged" {
  vacation :handle "f" :addresses "boss@example.com" :from "The Boss <boss@example.com>" "away";
} else {
  vacation :subject "Abwesend für eine Woche" :from "Alice Away <al+away@example.net>" "weg";
}`)
	x.mustDeliver("bob@example.com", "alice@example.org", "To: alice@example.org\nSubject: x\n\nx\n")
	x.mustDeliver("bob@example.com", "alice@example.org", "To: alice@example.org\nSubject: mime\n\nx\n")
	x.mustDeliver("bob@example.com", "alice@example.org", "To: alice@example.org\nSubject: badfrom\n\nx\n")
	x.mustDeliver("bob@example.com", "alice@example.org", "To: alice@example.org\nSubject: forged\n\nx\n")
	msgs := x.relay.Wait(t, 4, relayTimeout)
	d0 := string(msgs[0].Data)
	if s := header(d0, "Subject"); !strings.HasPrefix(s, "=?utf-8?") || strings.Contains(s, "ü") {
		t.Errorf("non-ASCII :subject not encoded: %q", s)
	}
	if f := header(d0, "From"); f != `"Alice Away" <al+away@example.net>` {
		t.Errorf(":from gave From %q", f)
	}
	d1 := string(msgs[1].Data)
	if ct := header(d1, "Content-Type"); ct != "text/html; charset=us-ascii" || !strings.Contains(d1, "\r\n\r\n<p>Away</p>\r\n") {
		t.Errorf(":mime reply:\n%s", d1)
	}
	if f := header(string(msgs[2].Data), "From"); f != "<alice@example.org>" {
		t.Errorf("invalid :from gave From %q, want the user's address", f)
	}
	// §4.3: a :from that is not the user's (here one the script also
	// lists in :addresses) is ignored, not sent as.
	if f := header(string(msgs[3].Data), "From"); f != "<alice@example.org>" {
		t.Errorf("forged :from gave From %q, want the user's address", f)
	}
}

// TestVacationNotSent: the messages RFC 5230 §4.5, §4.6 and RFC 3834 §2
// say not to answer.
func TestVacationNotSent(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "vacation"; vacation :addresses "alias@example.com" "away";`)
	base := "From: x\nTo: alice@example.org\nSubject: s\n"
	for _, tc := range []struct{ name, from, msg string }{
		{"null sender", "", base},
		{"MAILER-DAEMON", "MAILER-DAEMON@example.com", base},
		{"owner-", "owner-list@example.com", base},
		{"-request", "list-request@example.com", base},
		{"the user", "al@example.net", base},
		{"the user with a detail", "alice+out@example.org", base},
		{"List-Id", "bob@example.com", "List-Id: <l.example.com>\n" + base},
		{"List-Unsubscribe", "bob@example.com", "List-Unsubscribe: <mailto:u@example.com>\n" + base},
		{"Precedence bulk", "bob@example.com", "Precedence: bulk\n" + base},
		{"Precedence junk", "bob@example.com", "Precedence: Junk\n" + base},
		{"Auto-Submitted", "bob@example.com", "Auto-Submitted: auto-replied\n" + base},
		{"Auto-Submitted params", "bob@example.com", "Auto-Submitted: auto-generated; owner=x\n" + base},
		{"not addressed", "bob@example.com", "From: x\nTo: someone@example.com\nSubject: s\n"},
	} {
		x.mustDeliver(tc.from, "alice@example.org", tc.msg+"\nx\n")
		if n := len(x.relay.Messages()); n != 0 {
			t.Fatalf("%s: vacation answered", tc.name)
		}
	}
	// Answered: Auto-Submitted: no, Cc to an :addresses alias, Resent-To
	// to the envelope recipient's detail address, To a detail address.
	x.mustDeliver("b1@example.com", "alice@example.org", "Auto-Submitted: no\n"+base+"\nx\n")
	x.mustDeliver("b2@example.com", "alice@example.org", "To: z@example.com\nCc: Alias <ALIAS@example.com>\n\nx\n")
	x.mustDeliver("b3@example.com", "alice+t@example.org", "Resent-To: alice+t@example.org\n\nx\n")
	// A detail address in To is the user's (RFC 5233), though the
	// envelope recipient has none.
	x.mustDeliver("b4@example.com", "alice@example.org", "To: alice+news@example.org\n\nx\n")
	msgs := x.relay.Wait(t, 4, relayTimeout)
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	if want := []string{"b1@example.com", "b2@example.com", "b3@example.com", "b4@example.com"}; !slices.Equal(to, want) {
		t.Errorf("answered %v, want %v", to, want)
	}
}

// TestVacationRelayDown: a reply that cannot be sent is forgotten, so
// the next message is answered once the relay works.
func TestVacationRelayDown(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "vacation"; vacation "away";`)
	x.relay.Refuse("bob@example.com")
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Fatalf("%+v", out)
	}
	if n := len(x.notices()); n != 1 {
		t.Errorf("%d notices, want 1", n)
	}
	y := newFixture(t)
	y.sa = x.sa // the same account, a relay that accepts
	y.activate(`require "vacation"; vacation "away";`)
	y.mustDeliver("bob@example.com", "alice@example.org", hello)
	if m := y.relay.Wait(t, 1, relayTimeout); !slices.Equal(m[0].To, []string{"bob@example.com"}) {
		t.Errorf("after a failed reply the next message got none")
	}
}

func TestVacationPeriod(t *testing.T) {
	x := newFixture(t)
	day := 24 * time.Hour
	for _, tc := range []struct{ asked, want time.Duration }{
		{0, day}, {time.Hour, day}, {7 * day, 7 * day}, {3 * day, 3 * day}, {365 * day, 90 * day},
	} {
		if got := x.engine.vacationPeriod(tc.asked); got != tc.want {
			t.Errorf("vacationPeriod(%v) = %v, want %v", tc.asked, got, tc.want)
		}
	}
}

// TestVacationSweep: the first vacation action of an account removes its
// expired records.
func TestVacationSweep(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "vacation"; vacation "away";`)
	long := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok, err := x.sa.ClaimVacation("h", "old@example.com", long, time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	x.mustDeliver("bob@example.com", "alice@example.org", hello)
	// Swept: the pair may be answered again at a time inside its old
	// period.
	if _, ok, err := x.sa.ClaimVacation("h", "old@example.com", long.Add(30*time.Minute), time.Hour); err != nil || !ok {
		t.Errorf("the expired record was not swept: %v, %v", ok, err)
	}
}

func TestWithoutDetail(t *testing.T) {
	for _, tc := range []struct{ in, sep, want string }{
		{"alice+x@example.org", "+", "alice@example.org"},
		{"alice+x+y@example.org", "+", "alice@example.org"},
		{"alice@example.org", "+", "alice@example.org"},
		{"alice-x@example.org", "-", "alice@example.org"},
		{"a+b@c+d.example", "+", "a@c+d.example"},
		{"no-at-sign+x", "+", "no-at-sign+x"},
		{"alice+x@example.org", "", "alice+x@example.org"},
	} {
		if got := withoutDetail(tc.in, tc.sep); got != tc.want {
			t.Errorf("withoutDetail(%q, %q) = %q, want %q", tc.in, tc.sep, got, tc.want)
		}
	}
}

// TestVacationMimeHeader: the header of a :mime reason (RFC 5230 §4.4)
// gives the reply's content fields only; a From, Bcc or Auto-Submitted
// there would forge the sender (§4.3) or break loop prevention (RFC 3834
// §5), and is dropped.
func TestVacationMimeHeader(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "vacation";
vacation :mime text:
From: The Boss <boss@example.com>
Bcc: victim@example.net
Auto-Submitted: no
Content-Type: text/plain; charset=us-ascii

Away.
.
;`)
	x.mustDeliver("bob@example.com", "alice@example.org", hello)
	msg := string(x.relay.Wait(t, 1, relayTimeout)[0].Data)
	if f := header(msg, "From"); f != "<alice@example.org>" {
		t.Errorf("From %q, want the user's address", f)
	}
	if b := header(msg, "Bcc"); b != "" {
		t.Errorf("Bcc %q came from the reason", b)
	}
	if n := strings.Count(msg, "Auto-Submitted:"); n != 1 || header(msg, "Auto-Submitted") != "auto-replied" {
		t.Errorf("Auto-Submitted %d times, first %q", n, header(msg, "Auto-Submitted"))
	}
	if ct := header(msg, "Content-Type"); ct != "text/plain; charset=us-ascii" || !strings.Contains(msg, "\r\n\r\nAway.\r\n") {
		t.Errorf("reply:\n%s", msg)
	}
}
