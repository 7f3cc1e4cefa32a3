package sieve

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// FuzzDeliver feeds arbitrary messages and envelopes through a script that
// reads headers, addresses, the envelope and the body and takes every
// kind of action that needs no relay (vacation fails for want of one).
// Whatever the input, Deliver must not fail and must store the message's
// exact octets in each mailbox it names, and in at least one unless the
// script discarded it.
//
//	go test ./server/sieve -run '^$' -fuzz FuzzDeliver -fuzztime 60s
func FuzzDeliver(f *testing.F) {
	f.Add("bob@example.com", "alice+x@example.org", "From: Bob <bob@example.com>\r\nTo: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
	f.Add("", "alice@example.org", "Subject: =?utf-8?q?caf=C3=A9?=\r\nList-Id: <l>\r\n\r\n")
	f.Add("x@y", "alice@example.org", "no header at all")
	f.Add("a@b", "alice@example.org", "From: \"unterminated <a@\r\n folded: \r\n\r\nspam discard")
	st, err := store.Open(f.TempDir(), store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	sa, err := st.OpenAccount("alice")
	if err != nil {
		f.Fatal(err)
	}
	script := `require ["fileinto", "mailbox", "envelope", "subaddress", "body", "imap4flags", "variables", "relational", "comparator-i;ascii-numeric", "vacation"];
if body :contains "discard" { discard; stop; }
if envelope :detail "to" "x" { fileinto :create "Detail"; }
if address :all :matches "from" "*@*" { set "dom" "${2}"; fileinto :create "From/${dom}"; }
if header :count "gt" :comparator "i;ascii-numeric" "received" "3" { addflag "\\Flagged"; }
if exists "list-id" { fileinto :create :flags "$List" "Lists"; }
vacation :days 1 "away";
`
	if err := sa.PutSieveScript("main", []byte(script)); err != nil {
		f.Fatal(err)
	}
	if err := sa.SetActiveSieveScript("main"); err != nil {
		f.Fatal(err)
	}
	e, err := New(Config{Hostname: "mx.example.org", ErrorReport: ReportNone})
	if err != nil {
		f.Fatal(err)
	}
	acct := &directory.Account{Login: "alice", Addresses: []string{"alice@example.org"}, Enabled: true}
	f.Fuzz(func(t *testing.T, from, to, msg string) {
		if msg == "" {
			return // LMTP never hands over an empty message
		}
		d := &Delivery{Account: acct, Store: sa, From: from, To: to, Message: strings.NewReader(msg),
			Size: int64(len(msg)), InternalDate: time.Unix(1_700_000_000, 0)}
		out, err := e.Deliver(context.Background(), d)
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		if out.Reject {
			t.Fatalf("rejected without a reject action: %+v", out)
		}
		if len(out.Mailboxes) == 0 && !strings.Contains(strings.ToLower(msg), "discard") {
			t.Fatalf("stored nowhere: %+v", out)
		}
		for _, name := range out.Mailboxes {
			mb, err := sa.Mailbox(name)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := mb.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			last := snap.Messages[len(snap.Messages)-1]
			r, err := mb.Open(last.UID)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, last.Size)
			_, err = r.ReadAt(b, 0)
			r.Close()
			if err != nil || string(b) != msg {
				t.Fatalf("%s holds %q (%v), want the message's octets %q", name, b, err, msg)
			}
		}
	})
}
