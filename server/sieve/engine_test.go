package sieve

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/store"
)

// TestNoScript: without scripts the message is kept in INBOX, exactly as
// received (RFC 5228 §2.10.2 implicit keep).
func TestNoScript(t *testing.T) {
	x := newFixture(t)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if out.Reject || !slices.Equal(out.Mailboxes, []string{"INBOX"}) || out.UID != 1 {
		t.Fatalf("Outcome %+v", out)
	}
	in := x.mailbox("INBOX")
	if len(in) != 1 || !strings.HasPrefix(in[0].data, returnPath("bob@example.com")+"From: Bob") {
		t.Fatalf("INBOX %q", in)
	}
}

// TestFileInto covers fileinto into an existing mailbox, with flags
// (RFC 5232), a missing one without :create (INBOX and a notice), and
// with :create (RFC 5490 §3.2); keep and fileinto "INBOX" make one copy.
func TestFileInto(t *testing.T) {
	x := newFixture(t)
	if err := x.sa.CreateMailbox("Lists"); err != nil {
		t.Fatal(err)
	}
	x.activate(`require ["fileinto", "imap4flags", "mailbox"];
if header :contains "subject" "list" { fileinto :flags "\\Seen $Label1" "Lists"; stop; }
if header :contains "subject" "missing" { fileinto "Nowhere"; stop; }
if header :contains "subject" "create" { fileinto :create "New/Sub"; stop; }
if header :contains "subject" "twice" { fileinto "INBOX"; keep; }
`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", "Subject: a list post\n\nx\n")
	if !slices.Equal(out.Mailboxes, []string{"Lists"}) {
		t.Errorf("list post went to %v", out.Mailboxes)
	}
	if l := x.mailbox("Lists"); len(l) != 1 || !slices.Equal(l[0].flags, []string{"$Label1", `\Seen`}) {
		t.Errorf("Lists: %+v", l)
	}

	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: missing box\n\nx\n")
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("fileinto a missing mailbox went to %v, want INBOX", out.Mailboxes)
	}
	if _, err := x.sa.Mailbox("Nowhere"); err == nil {
		t.Error("fileinto without :create created the mailbox")
	}
	if n := x.notices(); len(n) != 1 || !strings.Contains(n[0].data, "Nowhere") {
		t.Errorf("notices %q", n)
	}

	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: create box\n\nx\n")
	if !slices.Equal(out.Mailboxes, []string{"New/Sub"}) || len(x.mailbox("New/Sub")) != 1 {
		t.Errorf("fileinto :create went to %v", out.Mailboxes)
	}

	before := len(x.mailbox("INBOX"))
	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: twice\n\nx\n")
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) || len(x.mailbox("INBOX")) != before+1 {
		t.Errorf("fileinto INBOX and keep: %v, INBOX grew by %d", out.Mailboxes, len(x.mailbox("INBOX"))-before)
	}
}

// TestGlobalThenPersonal: the global script's explicit actions stand; its
// implicit keep hands over to the personal script; a global script that
// cancels the implicit keep ends processing.
func TestGlobalThenPersonal(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `require ["fileinto", "copy", "mailbox"];
if header :contains "subject" "spam" { fileinto :create "Junk"; stop; }
fileinto :copy :create "Archive";
`)
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = global }))
	x.activate(`require "fileinto"; fileinto "Archive"; if header :contains "subject" "work" { fileinto "INBOX"; }`)
	if err := x.sa.CreateMailbox("Archive"); err != nil {
		t.Fatal(err)
	}

	out := x.mustDeliver("bob@example.com", "alice@example.org", "Subject: work\n\nx\n")
	if want := []string{"Archive", "INBOX"}; !slices.Equal(out.Mailboxes, want) {
		t.Errorf("work went to %v, want %v (one Archive copy for both scripts)", out.Mailboxes, want)
	}
	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: spam\n\nx\n")
	if want := []string{"Junk"}; !slices.Equal(out.Mailboxes, want) {
		t.Errorf("spam went to %v, want %v: the personal script must not run", out.Mailboxes, want)
	}
	if n := len(x.mailbox("Archive")); n != 1 {
		t.Errorf("Archive holds %d messages, want 1", n)
	}
}

// TestGlobalStop: "stop" in the global script ends all processing (RFC 5228
// §3.3) even when its implicit keep is in effect: the message goes to
// INBOX and the personal script does not run.
func TestGlobalStop(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `if header :contains "subject" "urgent" { stop; }
`)
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = global }))
	x.activate(`require "fileinto"; fileinto "Later";`)
	if err := x.sa.CreateMailbox("Later"); err != nil {
		t.Fatal(err)
	}

	out := x.mustDeliver("bob@example.com", "alice@example.org", "Subject: urgent\n\nx\n")
	if want := []string{"INBOX"}; !slices.Equal(out.Mailboxes, want) {
		t.Errorf("urgent went to %v, want %v: stop must end processing", out.Mailboxes, want)
	}
	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: other\n\nx\n")
	if want := []string{"Later"}; !slices.Equal(out.Mailboxes, want) {
		t.Errorf("other went to %v, want %v: the personal script decides", out.Mailboxes, want)
	}
}

// TestScriptFailures: a global script that cannot be read, a personal one
// that does not compile, and one that fails at run time all keep the
// message in INBOX and leave a notice; with ErrorReport none, only the
// log knows.
func TestScriptFailures(t *testing.T) {
	for _, tc := range []struct {
		name, global, personal string
	}{
		{name: "unreadable global", global: "/nonexistent/global.sieve"},
		{name: "compile error", personal: `require "fileinto"; fileinto "x"`},
		{name: "unknown extension", personal: `require "nonesuch"; keep;`},
		{name: "runtime error", personal: `require "vacation"; vacation "a"; vacation "b";`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = tc.global }))
			if tc.personal != "" {
				x.activate(tc.personal)
			}
			out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
			if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
				t.Fatalf("went to %v, want INBOX", out.Mailboxes)
			}
			n := x.notices()
			if len(n) != 1 {
				t.Fatalf("%d notices, want 1", len(n))
			}
			if tc.global != "" && (strings.Contains(n[0].data, "/nonexistent") || !strings.Contains(n[0].data, "site-wide filter failed")) {
				t.Errorf("the notice details the global script's failure:\n%s", n[0].data)
			}
			if !strings.Contains(x.logs.String(), "sieve: delivery problem") {
				t.Errorf("the failure is not logged")
			}
		})
	}
	x := newFixture(t, withConfig(func(c *Config) { c.ErrorReport = ReportNone }))
	x.activate(`this is not sieve`)
	x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if in := x.mailbox("INBOX"); len(in) != 1 {
		t.Errorf("ErrorReport none: INBOX holds %d messages, want only the message", len(in))
	}
}

// TestDiscard stores nothing and sends nothing (RFC 5228 §4.4).
func TestDiscard(t *testing.T) {
	x := newFixture(t)
	x.activate(`discard;`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if out.Reject || len(out.Mailboxes) != 0 || len(x.mailbox("INBOX")) != 0 {
		t.Fatalf("discard: %+v, INBOX %d", out, len(x.mailbox("INBOX")))
	}
}

// TestReject: ereject and an ASCII reject refuse at the protocol level
// (RFC 5429 §2.1.1); a reject with a non-ASCII reason is an MDN to the
// envelope sender through the relay (§2.2.1), and nothing to <>.
func TestReject(t *testing.T) {
	x := newFixture(t)
	x.activate(`require ["reject", "ereject"];
if header :is "subject" "e" { ereject "Go away"; }
elsif header :is "subject" "a" { reject "Not today"; }
else { reject "Pas aujourd'hui, désolé"; }`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", "Subject: e\n\nx\n")
	if !out.Reject || out.Reason != "Go away" || len(out.Mailboxes) != 0 {
		t.Errorf("ereject: %+v", out)
	}
	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: a\n\nx\n")
	if !out.Reject || out.Reason != "Not today" {
		t.Errorf("reject: %+v", out)
	}
	out = x.mustDeliver("bob@example.com", "alice@example.org", "Subject: u\nMessage-ID: <u1@example.com>\n\nx\n")
	if out.Reject || len(out.Mailboxes) != 0 {
		t.Errorf("reject with a UTF-8 reason: %+v, want no protocol reject and nothing stored", out)
	}
	msgs := x.relay.Wait(t, 1, relayTimeout)
	m := msgs[0]
	if m.From != "" || !slices.Equal(m.To, []string{"bob@example.com"}) {
		t.Errorf("MDN envelope: from %q to %q", m.From, m.To)
	}
	data := string(m.Data)
	for _, want := range []string{
		"multipart/report", "report-type=disposition-notification",
		"Disposition: automatic-action/MDN-sent-automatically; deleted",
		"Final-Recipient: rfc822; alice@example.org",
		"Original-Message-ID: <u1@example.com>",
		"Content-Type: text/rfc822-headers",
	} {
		if !strings.Contains(data, want) {
			t.Errorf("MDN lacks %q:\n%s", want, data)
		}
	}
	if header(data, "Auto-Submitted") != "auto-replied" || header(data, "In-Reply-To") != "<u1@example.com>" {
		t.Errorf("MDN header:\n%s", data)
	}
	x.mustDeliver("", "alice@example.org", "Subject: u\n\nx\n")
	if n := len(x.relay.Messages()); n != 1 {
		t.Errorf("a rejection went to the null sender: %d relay messages", n)
	}
}

// TestRedirect: the relay gets the message as the account received it,
// less Return-Path, with X-Loft-Loop first, from the original envelope
// sender (RFC 5228 §4.2); :copy keeps a copy (RFC 3894).
func TestRedirect(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "copy"; redirect :copy "carol@example.net"; redirect "dave@example.net";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if len(out.Mailboxes) != 0 {
		t.Errorf("redirect without :copy stored in %v", out.Mailboxes)
	}
	msgs := x.relay.Wait(t, 2, relayTimeout)
	want := "X-Loft-Loop: alice@example.org\r\n" + strings.ReplaceAll(hello, "\n", "\r\n")
	for i, to := range []string{"carol@example.net", "dave@example.net"} {
		m := msgs[i]
		if m.From != "bob@example.com" || !slices.Equal(m.To, []string{to}) || string(m.Data) != want {
			t.Errorf("redirect %d: from %q to %q data %q, want from bob@example.com to %s data %q", i, m.From, m.To, m.Data, to, want)
		}
	}
}

// TestRedirectLoopAndFailure: a message that was delivered to the
// account before is not redirected again; a redirect the relay refuses
// keeps the message in INBOX.
func TestRedirectLoopAndFailure(t *testing.T) {
	x := newFixture(t)
	x.activate(`redirect "carol@example.net";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", "X-Loft-Loop: al@example.net\n"+hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) || len(x.relay.Messages()) != 0 {
		t.Errorf("looping redirect: %+v, relay got %d", out, len(x.relay.Messages()))
	}
	x.relay.Refuse("carol@example.net")
	out = x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("refused redirect: %+v, want INBOX", out)
	}
	if n := len(x.notices()); n != 2 {
		t.Errorf("%d notices, want 2", n)
	}

	// No relay at all: the same.
	y := newFixture(t, withConfig(func(c *Config) { c.Relay.Addr = "" }))
	y.activate(`redirect "carol@example.net";`)
	if out := y.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("redirect without a relay: %+v", out)
	}
}

// TestInclude: include :personal loads a stored script, :global a file of
// the global directory (RFC 6609 §3.2); mailboxexists asks the store
// (RFC 5490 §3.1).
func TestInclude(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "spam.sieve", `require ["fileinto", "mailbox"]; if header :contains "subject" "spam" { fileinto :create "Junk"; }`)
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalDir = dir }))
	if err := x.sa.PutSieveScript("lists", []byte(`require "fileinto"; if exists "list-id" { fileinto "Lists"; }`)); err != nil {
		t.Fatal(err)
	}
	x.activate(`require ["include", "mailbox", "fileinto"];
include :global "spam";
if mailboxexists "Lists" { include :personal "lists"; }
`)
	if out := x.mustDeliver("bob@example.com", "alice@example.org", "Subject: spam\n\nx\n"); !slices.Equal(out.Mailboxes, []string{"Junk"}) {
		t.Errorf("global include: %v", out.Mailboxes)
	}
	if out := x.mustDeliver("bob@example.com", "alice@example.org", "List-Id: <l.example.com>\n\nx\n"); !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("without Lists: %v", out.Mailboxes)
	}
	if err := x.sa.CreateMailbox("Lists"); err != nil {
		t.Fatal(err)
	}
	if out := x.mustDeliver("bob@example.com", "alice@example.org", "List-Id: <l.example.com>\n\nx\n"); !slices.Equal(out.Mailboxes, []string{"Lists"}) {
		t.Errorf("personal include: %v", out.Mailboxes)
	}
}

// TestScriptCache: a script is compiled once per content; the cache is
// bounded.
func TestScriptCache(t *testing.T) {
	x := newFixture(t, withConfig(func(c *Config) { c.CacheSize = 2 }))
	for i, src := range []string{"keep;", "discard;", "keep;", "stop;", "keep;"} {
		if err := x.engine.Check([]byte(src)); err != nil {
			t.Fatalf("Check %d: %v", i, err)
		}
	}
	if n := x.engine.cache.len(); n != 2 {
		t.Errorf("the cache holds %d scripts, want its bound 2", n)
	}
	if err := x.engine.Check([]byte(`require "nonesuch";`)); err == nil {
		t.Error("Check accepted an unknown extension")
	}
	if !slices.Contains(x.engine.Extensions(), "vacation") || slices.Contains(x.engine.Extensions(), "nonesuch") {
		t.Errorf("Extensions() = %v", x.engine.Extensions())
	}
}

// TestConfigErrors: New refuses what RFC 5230 §4.1 and the extension
// list do not allow.
func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Extensions: []string{"nonesuch"}},
		{Extensions: []string{"fileinto", "FileInto"}},
		{VacationMaximum: 7 * 24 * 3600e9},
		{VacationMinimum: 100 * 24 * 3600e9}, // above the default maximum
		{ErrorReport: "mail"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted it", cfg)
		}
	}
}

// TestEnvironment: the items of RFC 5183 §4.1 a script sees.
func TestEnvironment(t *testing.T) {
	x := newFixture(t)
	x.activate(`require ["environment", "fileinto", "mailbox", "variables"];
if allof (environment :is "domain" "example.org", environment :is "host" "mx.example.org",
          environment :is "location" "MDA", environment :is "phase" "during",
          environment :is "name" "Loft", environment :is "remote-ip" "192.0.2.1",
          not environment :matches "remote-host" "*") {
  fileinto :create "Matched";
}`)
	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"Matched"}) {
		t.Errorf("environment items: went to %v", out.Mailboxes)
	}
}

// TestRejectWithDelivery: a rejection that comes with a delivery (the
// global script files a copy, the personal one refuses) cannot be an LMTP
// refusal, so it is sent as a message: a DSN for ereject (RFC 5429
// §2.1.2, RFC 3464 §2.3.3 Action "failed").
func TestRejectWithDelivery(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `require ["fileinto", "copy", "mailbox"]; fileinto :copy :create "Archive";`)
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = global }))
	x.activate(`require "ereject"; ereject "Not for me";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if out.Reject || !slices.Equal(out.Mailboxes, []string{"Archive"}) {
		t.Fatalf("%+v, want the Archive copy and no protocol refusal", out)
	}
	m := x.relay.Wait(t, 1, relayTimeout)[0]
	data := string(m.Data)
	if m.From != "" || !slices.Equal(m.To, []string{"bob@example.com"}) || !slices.Equal(m.NotifyNever, []bool{true}) {
		t.Errorf("DSN envelope: from %q to %q notify-never %v", m.From, m.To, m.NotifyNever)
	}
	for _, want := range []string{"report-type=delivery-status", "Reporting-MTA: dns; mx.example.org",
		"Final-Recipient: rfc822; alice@example.org", "Action: failed", "Status: 5.7.1", "Not for me"} {
		if !strings.Contains(data, want) {
			t.Errorf("DSN lacks %q:\n%s", want, data)
		}
	}
	if f := header(data, "From"); !strings.Contains(f, "MAILER-DAEMON@mx.example.org") {
		t.Errorf("DSN From %q", f)
	}
}

// TestOverQuota: when no copy fits, Deliver fails with store.ErrOverQuota
// (LMTP answers 452 or 552 and the client keeps the message); when one of
// several does, the message is delivered and the user told.
func TestOverQuota(t *testing.T) {
	x := newFixture(t)
	x.activate(`require ["fileinto", "copy", "mailbox"]; fileinto :copy :create "A";`)
	full := func(int64) error { return store.ErrOverQuota }
	data := returnPath("bob@example.com") + strings.ReplaceAll(hello, "\n", "\r\n")
	d := &Delivery{Account: x.acct, Store: x.sa, From: "bob@example.com", To: "alice@example.org",
		Message: strings.NewReader(data), Size: int64(len(data)), Quota: full}
	if _, err := x.engine.Deliver(context.Background(), d); !errors.Is(err, store.ErrOverQuota) {
		t.Fatalf("Deliver into a full account: %v, want ErrOverQuota", err)
	}
	if len(x.mailbox("INBOX")) != 0 || len(x.mailbox("A")) != 0 {
		t.Fatal("something was stored in a full account")
	}
	n := 0
	d.Quota = func(int64) error { // room for one copy
		if n++; n > 1 {
			return store.ErrOverQuota
		}
		return nil
	}
	out, err := x.engine.Deliver(context.Background(), d)
	if err != nil || !slices.Equal(out.Mailboxes, []string{"A"}) {
		t.Fatalf("one copy fits: %+v, %v", out, err)
	}
	if len(x.notices()) != 1 {
		t.Errorf("the user was not told of the copy that did not fit")
	}
}

// TestRejectRelayDown: a rejection that must go by mail and cannot (the
// relay refuses it) keeps the message in INBOX.
func TestRejectRelayDown(t *testing.T) {
	x := newFixture(t)
	x.activate(`require "reject"; reject "Pas aujourd'hui, désolé";`)
	x.relay.Refuse("bob@example.com")
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if out.Reject || !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Fatalf("%+v, want the message kept in INBOX", out)
	}
	if len(x.notices()) != 1 {
		t.Error("the user was not told")
	}
}

// TestRejectAfterFailure: when one script fails, the message is kept, so
// the other's reject is not carried out: neither refusal nor rejection
// message.
func TestRejectAfterFailure(t *testing.T) {
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = "/nonexistent/global.sieve" }))
	x.activate(`require "ereject"; ereject "No";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if out.Reject || !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Fatalf("%+v, want the message kept in INBOX", out)
	}
	// The notice is stored after the relay would have been used.
	if n := len(x.relay.Messages()); n != 0 || len(x.notices()) != 1 {
		t.Errorf("%d relay messages, %d notices; want 0 and 1", n, len(x.notices()))
	}
}

// TestRedirectLimitAcrossScripts: the global and the personal script
// together redirect at most MaxRedirects times; the rest are not sent and
// the message is kept.
func TestRedirectLimitAcrossScripts(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "global.sieve", `require "copy"; redirect :copy "a@example.net"; redirect :copy "b@example.net";`)
	x := newFixture(t, withConfig(func(c *Config) { c.GlobalScript = global; c.MaxRedirects = 2 }))
	x.activate(`redirect "c@example.net";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("%+v, want the message kept", out)
	}
	var to []string
	for _, m := range x.relay.Wait(t, 2, relayTimeout) {
		to = append(to, m.To...)
	}
	if !slices.Equal(to, []string{"a@example.net", "b@example.net"}) {
		t.Errorf("redirected to %v, want only the first two", to)
	}
}

// TestRelayHangs: a relay that accepts connections and never answers
// costs a delivery one relay timeout in all, not one per message to
// send: the sends after the first find the budget spent and are not
// tried. The message is kept in INBOX and Deliver returns.
func TestRelayHangs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn // held open, never answered
	)
	accepterDone := make(chan struct{})
	go func() {
		defer close(accepterDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-accepterDone
		for _, c := range conns {
			c.Close()
		}
	})
	x := newFixture(t, withConfig(func(c *Config) {
		c.Relay = RelayConfig{Addr: ln.Addr().String(), Timeout: time.Second}
	}))
	x.activate(`require "vacation";
redirect "a@example.net"; redirect "b@example.net"; redirect "c@example.net";
vacation :handle "v" "away";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) || len(x.mailbox("INBOX")) == 0 {
		t.Fatalf("message not kept: %+v", out)
	}
	mu.Lock()
	n := len(conns)
	mu.Unlock()
	if n > 1 {
		t.Errorf("the relay was tried %d times after it hung; want at most once", n)
	}
}

// TestFileintoOtherNamespace: fileinto, even with :create, never files
// into or creates a mailbox of the account under another IMAP namespace
// ("Other Users/alice/INBOX" in bob's script), which IMAP would hide
// behind that namespace: the copy goes to INBOX, and nothing is created.
func TestFileintoOtherNamespace(t *testing.T) {
	x := newFixture(t, withConfig(func(c *Config) {
		c.NamespacePrefixes = []string{"Other Users/", "Shared/"}
	}))
	x.activate(`require ["fileinto", "mailbox"];
fileinto :create "Other Users/bob/INBOX";
fileinto :create "Shared";
fileinto :create "Other Users";`)
	out := x.mustDeliver("bob@example.com", "alice@example.org", hello)
	if !slices.Equal(out.Mailboxes, []string{"INBOX"}) {
		t.Errorf("stored in %v, want INBOX only", out.Mailboxes)
	}
	for _, name := range []string{"Other Users/bob/INBOX", "Other Users", "Shared"} {
		if _, err := x.sa.Mailbox(name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("mailbox %q: err %v, want it not created", name, err)
		}
	}
	// A name that merely begins like a prefix is the user's own.
	x.activate(`require ["fileinto", "mailbox"]; fileinto :create "Other Users-archive";`)
	if out := x.mustDeliver("bob@example.com", "alice@example.org", hello); !slices.Equal(out.Mailboxes, []string{"Other Users-archive"}) {
		t.Errorf("stored in %v, want Other Users-archive", out.Mailboxes)
	}
}
