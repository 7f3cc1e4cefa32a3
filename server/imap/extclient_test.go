package imap

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// TestGoIMAPClientExtensions: what go-imap's client makes of IDLE, MOVE,
// UNSELECT, ID and SASL-IR (its AUTHENTICATE sends the initial
// response when SASL-IR is announced).
func TestGoIMAPClientExtensions(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", "INBOX", nil, msg1, msg2)
	if err := env.account("alice").CreateMailbox("Archive"); err != nil {
		t.Fatal(err)
	}
	exists := make(chan uint32, 16)
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			},
		},
	}
	c, err := imapclient.DialInsecure(env.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	caps := c.Caps()
	for _, want := range []imap.Cap{imap.CapIdle, imap.CapMove, imap.CapUnselect, imap.CapID, imap.CapSASLIR, imap.CapLiteralMinus} {
		if !caps.Has(want) {
			t.Errorf("greeting capabilities %v lack %s", caps, want)
		}
	}
	if err := c.Authenticate(sasl.NewPlainClient("", "alice", alicePassword)); err != nil {
		t.Fatalf("AUTHENTICATE PLAIN with SASL-IR: %v", err)
	}
	id, err := c.ID(&imap.IDData{Name: "go-imap", Version: "v2"}).Wait()
	if err != nil || id == nil || id.Name != "Loft" || id.Version == "" {
		t.Errorf("ID: %+v, %v", id, err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}

	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	env.deliver("alice", "INBOX", nil, msg3)
	select {
	case n := <-exists:
		if n != 3 {
			t.Errorf("EXISTS %d while idling, want 3", n)
		}
	case <-time.After(ioTimeout):
		t.Fatal("no EXISTS while idling")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE: %v", err)
	}

	moved, err := c.Move(imap.SeqSetNum(1, 3), "Archive").Wait()
	if err != nil {
		t.Fatalf("MOVE: %v", err)
	}
	archive := env.snapshot("alice", "Archive")
	if moved.UIDValidity != archive.UIDValidity ||
		moved.SourceUIDs.String() != "1,3" || moved.DestUIDs.String() != "1:2" {
		t.Errorf("MOVE: %+v %v %v, want COPYUID %d 1,3 1:2", moved, moved.SourceUIDs, moved.DestUIDs, archive.UIDValidity)
	}
	if err := c.Unselect().Wait(); err != nil {
		t.Fatalf("UNSELECT: %v", err)
	}
	if n := len(env.snapshot("alice", "INBOX").Messages); n != 1 {
		t.Errorf("INBOX has %d messages after the MOVE, want 1", n)
	}
}
