package lmtp

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/loftmail/loft/server/sieve"
	"github.com/loftmail/loft/store"
)

// fakeFilter decides by the recipient's login: "reject" in the map
// refuses, "quota" stores through the Quota check, "fail" returns an
// error; anything else appends to INBOX. It records every Delivery.
type fakeFilter struct {
	mu     sync.Mutex
	action map[string]string
	seen   []sieve.Delivery
	copies map[string][]byte
}

func (f *fakeFilter) Deliver(_ context.Context, d *sieve.Delivery) (sieve.Outcome, error) {
	msg, err := io.ReadAll(io.NewSectionReader(d.Message, 0, d.Size))
	if err != nil {
		return sieve.Outcome{}, err
	}
	f.mu.Lock()
	f.seen = append(f.seen, *d)
	f.copies[d.Account.Login] = msg
	act := f.action[d.Account.Login]
	f.mu.Unlock()
	switch act {
	case "reject":
		return sieve.Outcome{Reject: true, Reason: "Not\r\nwanted   here"}, nil
	case "fail":
		return sieve.Outcome{}, io.ErrUnexpectedEOF
	}
	if err := d.Quota(d.Size); err != nil {
		return sieve.Outcome{}, err
	}
	mb, err := d.Store.Mailbox("INBOX")
	if err != nil {
		return sieve.Outcome{}, err
	}
	m, err := mb.Append(strings.NewReader(string(msg)), store.AppendOptions{InternalDate: d.InternalDate})
	if err != nil {
		return sieve.Outcome{}, err
	}
	return sieve.Outcome{Mailboxes: []string{"INBOX"}, UID: m.UID}, nil
}

// TestFilter: with a Filter, every account's copy goes through it, also
// for a single recipient; its outcome is that recipient's reply, and a
// refusal or failure of one does not fail the others.
func TestFilter(t *testing.T) {
	f := &fakeFilter{action: map[string]string{"bob": "reject", "carol": "fail"}, copies: map[string][]byte{}}
	e := newEnv(t, withConfig(func(c *Config) { c.Filter = f }))
	c := e.dial("tcp")
	c.lhlo()
	got := c.transaction("sender@example.com", []string{"alice+x@example.org"}, []string{rcptAccepted}, hello)
	if !slices.Equal(got, []string{"250 2.0.0"}) {
		t.Fatalf("single recipient: %q", got)
	}
	msgs := e.messages("alice")
	if len(msgs) != 1 || string(msgs[0]) != string(f.copies["alice"]) {
		t.Fatalf("alice's INBOX %q, the filter saw %q", msgs, f.copies["alice"])
	}
	tr := splitTrace(t, msgs[0])
	if tr.rest != hello || tr.rcpt != "alice+x@example.org" {
		t.Errorf("the filter's copy: %+v", tr)
	}
	d := f.seen[0]
	if d.From != "sender@example.com" || d.To != "alice+x@example.org" || d.Size != int64(len(msgs[0])) || d.ID == "" {
		t.Errorf("Delivery = From %q To %q Size %d ID %q", d.From, d.To, d.Size, d.ID)
	}

	got = c.transaction("sender@example.com",
		[]string{"alice@example.org", "bob@example.org", "carol@example.org"},
		slices.Repeat([]string{rcptAccepted}, 3), hello)
	if want := []string{"250 2.0.0", "550 5.7.1", "451 4.3.0"}; !slices.Equal(got, want) {
		t.Fatalf("replies %q, want %q", got, want)
	}
	if n := len(e.messages("bob")); n != 0 {
		t.Errorf("bob, who refused, has %d messages", n)
	}
}

// TestFilterRejectText: the reason is the reply's text, on one line, after
// 550 5.7.1 (RFC 5429 §2.5).
func TestFilterRejectText(t *testing.T) {
	f := &fakeFilter{action: map[string]string{"bob": "reject"}, copies: map[string][]byte{}}
	e := newEnv(t, withConfig(func(c *Config) { c.Filter = f }))
	c := e.dial("tcp")
	c.lhlo()
	c.write("MAIL FROM:<s@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n" + dataBlock(hello))
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(354, "")
	if text := c.expect(550, "5.7.1"); text != "<bob@example.org> Not wanted here" {
		t.Errorf("reject reply text %q", text)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "Message refused"},
		{" \r\n ", "Message refused"},
		{strings.Repeat("x", 500), strings.Repeat("x", maxReason)},
	} {
		if got := rejected(tc.in); got.Message != tc.want || got.Code != 550 {
			t.Errorf("rejected(%q) = %d %q, want 550 %q", tc.in, got.Code, got.Message, tc.want)
		}
	}
}

// TestFilterQuota: the Filter's quota check sees the exact size of the
// copy, and over quota at DATA is the usual reply for that recipient.
func TestFilterQuota(t *testing.T) {
	f := &fakeFilter{copies: map[string][]byte{}}
	e := newEnv(t, withConfig(func(c *Config) { c.Filter = f }))
	// Room for one octet at RCPT, not for the message at DATA.
	if err := e.dir.SetQuota("alice", int64(len(hello)), 0); err != nil {
		t.Fatal(err)
	}
	c := e.dial("tcp")
	c.lhlo()
	got := c.transaction("s@example.com", []string{"alice@example.org", "bob@example.org"}, []string{rcptAccepted, rcptAccepted}, hello)
	if want := []string{"452 4.2.2", "250 2.0.0"}; !slices.Equal(got, want) {
		t.Fatalf("replies %q, want %q", got, want)
	}
	if n := len(e.messages("alice")); n != 0 {
		t.Errorf("alice has %d messages over her quota", n)
	}
}

func TestConcatReaderAt(t *testing.T) {
	head, tail := "Return-Path: <a>\r\n", "Subject: x\r\n\r\nbody\r\nEXTRA"
	r := &concatReaderAt{head: head, tail: strings.NewReader(tail), size: int64(len(head) + len(tail) - len("EXTRA"))}
	want := head + tail[:len(tail)-len("EXTRA")]
	for off := 0; off <= len(want); off++ {
		for n := 0; n <= len(want)-off+2; n++ {
			p := make([]byte, n)
			k, err := r.ReadAt(p, int64(off))
			exp := want[off:min(off+n, len(want))]
			if string(p[:k]) != exp {
				t.Fatalf("ReadAt(%d octets, %d) = %q, want %q", n, off, p[:k], exp)
			}
			if k < n && err != io.EOF {
				t.Fatalf("ReadAt(%d octets, %d) short without EOF: %v", n, off, err)
			}
		}
	}
}
