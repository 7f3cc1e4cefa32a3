// Package sievetest provides a test SMTP relay, built on go-smtp's
// server, that records every message it accepts, so that tests can check
// exactly what Loft's Sieve engine sends: envelope and octets.
package sievetest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the relay accepted.
type Message struct {
	From        string   // MAIL FROM, "" for <>
	To          []string // RCPT TO, in order
	NotifyNever []bool   // per RCPT: NOTIFY=NEVER was given (RFC 3461)
	Data        []byte   // the message, as received after DATA
}

// Relay is a running test relay.
type Relay struct {
	// Addr is the relay's "host:port".
	Addr string

	srv  *smtp.Server
	mu   sync.Mutex
	msgs []Message
	// changed is closed and replaced whenever a message arrives.
	changed chan struct{}
	// Refuse makes RCPT fail with 550 for these addresses.
	refuse map[string]bool
}

// Start starts a relay on a loopback port, stopped when the test ends.
// It offers DSN, so that NOTIFY=NEVER can be seen.
func Start(t testing.TB) *Relay {
	t.Helper()
	r := &Relay{changed: make(chan struct{}), refuse: map[string]bool{}}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }))
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true
	s.EnableDSN = true
	s.ReadTimeout = time.Minute
	s.WriteTimeout = time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Addr = ln.Addr().String()
	r.srv = s
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return r
}

// Refuse makes the relay answer RCPT TO:<addr> with 550.
func (r *Relay) Refuse(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse[addr] = true
}

// Messages returns the messages accepted so far.
func (r *Relay) Messages() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

// Wait returns once the relay holds at least n messages and returns them,
// or fails the test after timeout.
func (r *Relay) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		if len(r.msgs) >= n {
			msgs := append([]Message(nil), r.msgs...)
			r.mu.Unlock()
			return msgs
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("the relay holds %d messages after %v, want %d", len(r.Messages()), timeout, n)
			return nil
		}
	}
}

type session struct {
	r   *Relay
	msg Message
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.msg = Message{From: from}
	return nil
}

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.r.mu.Lock()
	refused := s.r.refuse[to]
	s.r.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "refused by the test relay"}
	}
	never := false
	if opts != nil {
		for _, n := range opts.Notify {
			never = never || n == smtp.DSNNotifyNever
		}
	}
	s.msg.To = append(s.msg.To, to)
	s.msg.NotifyNever = append(s.msg.NotifyNever, never)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(s.msg.To) == 0 {
		return errors.New("no recipients")
	}
	s.msg.Data = b
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, s.msg)
	close(s.r.changed)
	s.r.changed = make(chan struct{})
	s.r.mu.Unlock()
	s.msg = Message{}
	return nil
}

func (s *session) Reset()        { s.msg = Message{} }
func (s *session) Logout() error { return nil }
