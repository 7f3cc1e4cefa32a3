package imap

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// TestGoIMAPClient drives the server with go-imap's client for typed checks:
// what a real client library makes of the responses.
func TestGoIMAPClient(t *testing.T) {
	env := newEnv(t, withTLS)
	var mu sync.Mutex
	var expunged []uint32
	var exists uint32
	opts := &imapclient.Options{
		TLSConfig: env.clientTLSConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Expunge: func(seq uint32) { mu.Lock(); expunged = append(expunged, seq); mu.Unlock() },
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					mu.Lock()
					exists = *d.NumMessages
					mu.Unlock()
				}
			},
		},
	}
	// STARTTLS on the plain port, then AUTHENTICATE PLAIN.
	c, err := imapclient.DialStartTLS(env.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Authenticate(sasl.NewPlainClient("", "alice", alicePassword)); err != nil {
		t.Fatalf("AUTHENTICATE PLAIN: %v", err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(imap.CapIMAP4rev1) || !caps.Has(imap.CapNamespace) || caps.Has(imap.CapStartTLS) {
		t.Errorf("capabilities after login: %v", caps)
	}

	if err := c.Create("Archive/2024", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Ünïcode", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
		if l.Delim != '/' {
			t.Errorf("delimiter of %s: %q", l.Mailbox, l.Delim)
		}
	}
	if want := []string{"Archive", "Archive/2024", "INBOX", "Ünïcode"}; !slices.Equal(names, want) {
		t.Errorf("LIST names %q, want %q", names, want)
	}
	if !slices.Contains(list[0].Attrs, imap.MailboxAttrNoSelect) {
		t.Errorf("Archive attributes %v, want \\Noselect", list[0].Attrs)
	}

	msg := "From: x@example.org\r\nSubject: typed\r\n\r\nbody\r\n"
	date := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	ac := c.Append("Ünïcode", int64(len(msg)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagFlagged}, Time: date})
	if _, err := ac.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := ac.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.Wait(); err != nil {
		t.Fatalf("APPEND: %v", err)
	}
	st, err := c.Status("Ünïcode", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.NumMessages == nil || *st.NumMessages != 1 || st.UIDNext != 2 || st.NumUnseen == nil || *st.NumUnseen != 1 || st.UIDValidity == 0 {
		t.Errorf("STATUS: %+v", st)
	}
	sel, err := c.Select("Ünïcode", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 || sel.UIDNext != 2 || sel.UIDValidity != st.UIDValidity ||
		!slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || !slices.Contains(sel.Flags, imap.FlagSeen) {
		t.Errorf("SELECT: %+v", sel)
	}
	// Another session delivers and expunges; NOOP tells this one.
	mb := env.mailbox("alice", "Ünïcode")
	snap := env.snapshot("alice", "Ünïcode")
	env.deliver("alice", "Ünïcode", nil, msg1, msg2)
	if _, err := mb.Expunge([]uint32{snap.Messages[0].UID}); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if exists != 2 || !slices.Equal(expunged, []uint32{1}) {
		t.Errorf("after NOOP: EXISTS %d, expunged %v; want 2 and [1]", exists, expunged)
	}
	mu.Unlock()

	ns, err := c.Namespace().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Personal) != 1 || ns.Personal[0].Prefix != "" || ns.Personal[0].Delim != '/' ||
		len(ns.Other) != 1 || ns.Other[0].Prefix != "Other Users/" || ns.Shared != nil {
		t.Errorf("NAMESPACE: %+v", ns)
	}
	if err := c.Rename("Archive/2024", "Archive/2025", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Archive/2025").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("INBOX").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}
