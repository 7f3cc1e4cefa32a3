package lmtp

import (
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/server/directory"
)

// TestPostmaster: RFC 5321 §4.5.1 requires mail to "postmaster", a
// case-insensitive local name, with no domain and at every domain served,
// to be accepted. It goes to the account of Config.Postmaster, unless an
// account owns the address itself.
func TestPostmaster(t *testing.T) {
	e := newEnv(t)
	if err := e.dir.AddUser(directory.UserSpec{Login: "netadmin", Addresses: []string{"postmaster@example.net"}}); err != nil {
		t.Fatal(err)
	}
	c := e.dial("tcp")
	c.lhlo()
	toPostmaster := []string{
		"postmaster",                 // RFC 5321 §4.1.1.3, in any case
		"Postmaster",                 //
		"POSTMASTER",                 //
		"postmaster@example.org",     // the account's own address
		"PostMaster@example.com",     // a domain no account has
		"postmaster+abuse@other.org", // with a detail
		"postmaster@[192.0.2.1]",     // an address literal
	}
	accepted := slices.Repeat([]string{rcptAccepted}, len(toPostmaster))
	got := c.transaction("", toPostmaster, accepted, hello)
	if want := slices.Repeat([]string{"250 2.0.0"}, len(toPostmaster)); !slices.Equal(got, want) {
		t.Fatalf("data replies %q, want %q", got, want)
	}
	// One account, one copy (RCPTs that reach one account share it).
	if n := len(e.messages("postmaster")); n != 1 {
		t.Errorf("postmaster has %d messages, want 1", n)
	}

	// An account that owns a postmaster address gets its mail.
	got = c.transaction("", []string{"POSTMASTER@example.net"}, []string{rcptAccepted}, hello)
	if got[0] != "250 2.0.0" {
		t.Fatalf("data reply %q", got)
	}
	if n := len(e.messages("netadmin")); n != 1 {
		t.Errorf("netadmin has %d messages, want 1", n)
	}
	if n := len(e.messages("postmaster")); n != 1 {
		t.Errorf("postmaster has %d messages, want still 1", n)
	}

	// Only the local part postmaster.
	c.send("MAIL FROM:<>", "RCPT TO:<postmasters@example.org>", "RCPT TO:<master@example.org>", "RSET")
	c.expect(250, mailOK)
	c.expect(550, "5.1.1")
	c.expect(550, "5.1.1")
	c.expect(250, "2.0.0")
}

// TestPostmasterAccount: Config.Postmaster names the account; when it does
// not exist, mail for postmaster is refused as for an unknown user and a
// warning is logged.
func TestPostmasterAccount(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.Postmaster = "alice" }))
	c := e.dial("tcp")
	c.lhlo()
	got := c.transaction("", []string{"Postmaster", "postmaster@example.com"}, []string{rcptAccepted, rcptAccepted}, hello)
	if !slices.Equal(got, []string{"250 2.0.0", "250 2.0.0"}) {
		t.Fatalf("data replies %q", got)
	}
	if n := len(e.messages("alice")); n != 1 {
		t.Errorf("alice has %d messages, want 1", n)
	}

	e = newEnv(t, withConfig(func(c *Config) { c.Postmaster = "hostmaster" }))
	c = e.dial("tcp")
	c.lhlo()
	c.send("MAIL FROM:<>", "RCPT TO:<Postmaster>", "RCPT TO:<postmaster@example.com>", "RCPT TO:<postmaster@example.org>")
	c.expect(250, mailOK)
	c.expect(550, "5.1.1")
	c.expect(550, "5.1.1")
	c.expect(250, rcptOK) // the postmaster account owns this address
	logs := e.logs.String()
	if n := strings.Count(logs, "mail for postmaster refused: create the postmaster account"); n != 2 {
		t.Errorf("%d warnings about the postmaster account, want 2:\n%s", n, logs)
	}
	if !strings.Contains(logs, `"account":"hostmaster"`) {
		t.Errorf("the warning does not name the account:\n%s", logs)
	}
}
