package sieve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// DefaultRelayTimeout bounds one relay transaction when
// RelayConfig.Timeout is zero.
const DefaultRelayTimeout = 2 * time.Minute

// RelayConfig names the SMTP relay (an MTA's submission or local port)
// through which redirect, vacation and reject messages leave.
type RelayConfig struct {
	// Addr is the relay's "host:port". Empty: no relay; actions that send
	// mail fail, and the message is kept (see the package documentation).
	Addr string
	// Hostname is the name Loft gives in EHLO (RFC 5321 §4.1.1.1).
	Hostname string
	// Timeout bounds one whole transaction, connection to QUIT, and
	// also all the transactions of one delivery together. Zero:
	// DefaultRelayTimeout.
	Timeout time.Duration
}

// errNoRelay is the error of a send when no relay is configured.
var errNoRelay = errors.New("sieve: no relay configured (sieve.relay)")

// relay sends messages through the configured relay with go-smtp's client,
// one connection per message.
type relay struct {
	cfg RelayConfig
}

// envelope is one message to send: the reverse-path ("" for <>), the
// forward-paths, and whether RCPTs ask for no DSN (NOTIFY=NEVER, RFC 3461
// §4.1, sent only where the relay offers DSN).
type envelope struct {
	from        string
	to          []string
	notifyNever bool
}

// timeout is the bound of one transaction, and of all the sends of one
// delivery together.
func (r *relay) timeout() time.Duration {
	if r.cfg.Timeout <= 0 {
		return DefaultRelayTimeout
	}
	return r.cfg.Timeout
}

// send transmits msg to the relay: EHLO, MAIL, one RCPT per recipient,
// DATA, QUIT. It returns once the relay has accepted the message (250
// after the data), or the first error; a relay that refuses any RCPT
// fails the send, and nothing is sent.
func (r *relay) send(ctx context.Context, env envelope, msg io.Reader) error {
	if r.cfg.Addr == "" {
		return errNoRelay
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sieve: relay %s: %w", r.cfg.Addr, err)
	}
	// go-smtp sets its own deadline before each command (CommandTimeout,
	// SubmissionTimeout: minutes by default), replacing one set here; so
	// the bound is kept by closing the connection when ctx ends.
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	deadline, _ := ctx.Deadline()
	nc.SetDeadline(deadline)
	c := smtp.NewClient(nc)
	if d := time.Until(deadline); d > 0 {
		c.CommandTimeout, c.SubmissionTimeout = d, d
	}
	defer c.Close()
	if err := r.transact(c, env, msg); err != nil {
		return fmt.Errorf("sieve: relay %s: %w", r.cfg.Addr, err)
	}
	return nil
}

func (r *relay) transact(c *smtp.Client, env envelope, msg io.Reader) error {
	if err := c.Hello(r.cfg.Hostname); err != nil {
		return err
	}
	if err := c.Mail(env.from, nil); err != nil {
		return err
	}
	var opts *smtp.RcptOptions
	if env.notifyNever {
		opts = &smtp.RcptOptions{Notify: []smtp.DSNNotify{smtp.DSNNotifyNever}}
	}
	for _, to := range env.to {
		if err := c.Rcpt(to, opts); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, msg); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
