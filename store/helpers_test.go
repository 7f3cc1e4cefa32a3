package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// newTestStore opens a store in a fresh directory; NoSync keeps unit tests
// fast (durability is what TestCrash is about).
func newTestStore(t testing.TB) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := Open(root, Options{NoSync: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, root
}

func newTestAccount(t testing.TB) (*Store, *Account) {
	t.Helper()
	s, _ := newTestStore(t)
	if err := s.CreateAccount("alice"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	return s, a
}

func mustMailbox(t testing.TB, a *Account, name string) *Mailbox {
	t.Helper()
	m, err := a.Mailbox(name)
	if err != nil {
		t.Fatalf("Mailbox(%q): %v", name, err)
	}
	return m
}

func mustAppend(t testing.TB, m *Mailbox, body string, flags ...string) Message {
	t.Helper()
	msg, err := m.Append(strings.NewReader(body), AppendOptions{Flags: flags})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return msg
}

func mustSnapshot(t testing.TB, m *Mailbox) *Snapshot {
	t.Helper()
	s, err := m.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return s
}

func uidsOf(s *Snapshot) []uint32 {
	var out []uint32
	for _, m := range s.Messages {
		out = append(out, m.UID)
	}
	return out
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
