package sieve

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/sieve/sievetest"
	"github.com/loftmail/loft/store"
)

// relayTimeout bounds the wait for a message at the test relay; a
// message that arrives takes far less.
const relayTimeout = 60 * time.Second

// fixture is an engine on a real store, with the account alice and a
// test relay.
type fixture struct {
	t      *testing.T
	st     *store.Store
	acct   *directory.Account
	sa     *store.Account
	relay  *sievetest.Relay
	engine *Engine
	cfg    Config
	logs   bytes.Buffer
}

type option func(*fixture)

func withConfig(f func(*Config)) option { return func(x *fixture) { f(&x.cfg) } }

func newFixture(t *testing.T, opts ...option) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sa, err := st.OpenAccount("alice")
	if err != nil {
		t.Fatal(err)
	}
	x := &fixture{
		t:     t,
		st:    st,
		sa:    sa,
		acct:  &directory.Account{Login: "alice", Addresses: []string{"alice@example.org", "al@example.net"}, Enabled: true},
		relay: sievetest.Start(t),
	}
	x.cfg = Config{
		Hostname: "mx.example.org",
		Relay:    RelayConfig{Addr: x.relay.Addr},
		Logger:   slog.New(slog.NewTextHandler(&x.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(x)
	}
	x.engine, err = New(x.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine log:\n%s", x.logs.String())
		}
	})
	return x
}

// activate stores src as alice's active script.
func (x *fixture) activate(src string) {
	x.t.Helper()
	if err := x.sa.PutSieveScript("main", []byte(src)); err != nil {
		x.t.Fatal(err)
	}
	if err := x.sa.SetActiveSieveScript("main"); err != nil {
		x.t.Fatal(err)
	}
}

// writeFile writes a file under a fresh temporary directory and returns
// its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// returnPath is the field LMTP puts before each copy.
func returnPath(from string) string { return "Return-Path: <" + from + ">\r\n" }

// deliver runs the engine on msg (LF line ends become CRLF) from the
// envelope sender from to the envelope recipient to, as LMTP would hand
// it over: with a Return-Path field first.
func (x *fixture) deliver(from, to, msg string) (Outcome, error) {
	x.t.Helper()
	data := returnPath(from) + strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	d := &Delivery{
		Account:      x.acct,
		Store:        x.sa,
		From:         from,
		To:           to,
		Message:      strings.NewReader(data),
		Size:         int64(len(data)),
		InternalDate: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
		ID:           "TESTID",
		Peer:         netip.MustParseAddr("192.0.2.1"),
		Helo:         "client.example",
		Logger:       x.engine.log,
	}
	return x.engine.Deliver(context.Background(), d)
}

// mustDeliver is deliver that fails the test on an error.
func (x *fixture) mustDeliver(from, to, msg string) Outcome {
	x.t.Helper()
	out, err := x.deliver(from, to, msg)
	if err != nil {
		x.t.Fatalf("Deliver: %v", err)
	}
	return out
}

// stored is one message in a mailbox.
type stored struct {
	data  string
	flags []string
}

// mailbox returns the messages of a mailbox (nil if it does not exist).
func (x *fixture) mailbox(name string) []stored {
	x.t.Helper()
	mb, err := x.sa.Mailbox(name)
	if err != nil {
		return nil
	}
	snap, err := mb.Snapshot()
	if err != nil {
		x.t.Fatal(err)
	}
	var out []stored
	for _, m := range snap.Messages {
		r, err := mb.Open(m.UID)
		if err != nil {
			x.t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			x.t.Fatal(err)
		}
		out = append(out, stored{data: string(b), flags: m.Flags})
	}
	return out
}

// notices returns the error notices in INBOX.
func (x *fixture) notices() []stored {
	var out []stored
	for _, m := range x.mailbox("INBOX") {
		if strings.Contains(m.data, "Subject: Sieve: your mail filter failed") {
			out = append(out, m)
		}
	}
	return out
}

// header returns the value of the first field name in a message.
func header(msg, name string) string {
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	for l := range strings.SplitSeq(head, "\r\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

const hello = "From: Bob <bob@example.com>\nTo: Alice <alice@example.org>\nSubject: hello\nMessage-ID: <m1@example.com>\n\nhi there\n"
