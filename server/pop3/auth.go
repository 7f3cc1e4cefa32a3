package pop3

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/loftmail/loft/rfc/rfc1734"
	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/rfc/rfc2449"
	"github.com/loftmail/loft/rfc/rfc2595"
	"github.com/loftmail/loft/server/directory"
)

// mechanisms returns the SASL mechanisms usable on this connection. Both send
// the password in the clear, so they follow the plaintext rule (RFC 2595 §9:
// PLAIN must not be advertised without TLS unless configured).
func (c *conn) mechanisms() []string {
	if !c.plaintextAllowed() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// errPlaintext is the refusal of a password in the clear.
func (c *conn) errPlaintext() error {
	if rfc2595.Offered(c.stlsSession()) {
		return errPlaintextNeedsSTLS
	}
	return errPlaintextNeedsTLS
}

// userCmd implements USER (RFC 1939 §7). It accepts any name, so that a
// client cannot learn which names exist (RFC 3206 §5 note).
func (c *conn) userCmd(cmd rfc1939.Command) error {
	if !c.plaintextAllowed() {
		return c.errPlaintext()
	}
	c.pendingUser = cmd.Args[0]
	c.ok("send PASS")
	return nil
}

// pass implements PASS (RFC 1939 §7): the whole rest of the line is the
// password.
func (c *conn) pass(cmd rfc1939.Command) error {
	if !c.plaintextAllowed() {
		return c.errPlaintext()
	}
	if c.userBeforePass == "" {
		return &response{text: "PASS must follow a successful USER"}
	}
	if cmd.Rest == "" {
		return &response{text: "PASS takes a password"}
	}
	acct, err := c.s.cfg.Directory.Authenticate(c.ctx, c.userBeforePass, cmd.Rest)
	if err != nil {
		return c.authFailed(c.userBeforePass, "USER", err)
	}
	return c.login(acct, "USER")
}

// apop implements APOP (RFC 1939 §7) by refusing it: APOP needs the shared
// secret in the clear on the server, and the directory keeps only password
// hashes. The greeting has no timestamp, which tells clients that APOP is not
// offered (RFC 2449 §6).
func (c *conn) apop(rfc1939.Command) error {
	return &response{text: "APOP is not supported; use USER/PASS or AUTH"}
}

// auth implements AUTH (RFC 1734 §2, RFC 5034 §4). Without arguments it lists
// the mechanisms, as clients from before CAPA expect.
func (c *conn) auth(cmd rfc1939.Command) error {
	if len(cmd.Args) == 0 {
		out := rfc1939.AppendOK(nil, "supported mechanisms follow")
		for _, m := range c.mechanisms() {
			out = rfc1939.AppendLine(out, m)
		}
		c.send(rfc1939.AppendEnd(out))
		return nil
	}
	a, err := rfc1734.ParseAuth(cmd.Args)
	if err != nil {
		return &response{text: "AUTH: " + err.Error()}
	}
	var server sasl.Server
	var acct *directory.Account
	var attempted string
	var authErr error
	authenticate := func(login, password string) error {
		attempted = login
		acct, authErr = c.s.cfg.Directory.Authenticate(c.ctx, login, password)
		return authErr
	}
	switch a.Mechanism {
	case sasl.Plain:
		// RFC 4616 §2: an authorization identity other than the
		// authentication identity would be a proxy login, which Loft
		// does not allow.
		server = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				attempted = username
				authErr = fmt.Errorf("authorization identity %q differs from %q: %w", identity, username, directory.ErrAuthFailed)
				return authErr
			}
			return authenticate(username, password)
		})
	case sasl.Login:
		server = newLoginServer(authenticate)
	default:
		return &response{text: "unsupported authentication mechanism " + a.Mechanism}
	}
	if !c.plaintextAllowed() {
		return c.errPlaintext()
	}
	method := "AUTH " + a.Mechanism
	resp := a.InitialResponse
	for {
		challenge, done, err := server.Next(resp)
		if err != nil {
			if authErr != nil {
				return c.authFailed(attempted, method, authErr)
			}
			return c.authFailed(attempted, method, fmt.Errorf("%w: %v", errBadExchange, err))
		}
		if done {
			break
		}
		// RFC 1734 §2: a challenge line, then one base64 line from the
		// client, or "*" to cancel.
		c.send(rfc1734.AppendChallenge(nil, challenge))
		if err := c.flush(); err != nil {
			return &abortError{err}
		}
		line, err := c.readCommandLine(maxSASLLineLength)
		switch {
		case errors.Is(err, errLineTooLong):
			return &response{text: "authentication line too long"}
		case errors.Is(err, errShutdown):
			return errShutdown
		case isTimeout(err) && c.loginExpired():
			return errLoginTimeout
		case err != nil:
			return &abortError{err}
		}
		resp, err = rfc1734.ParseResponse(string(line))
		if errors.Is(err, rfc1734.ErrCanceled) {
			return &response{text: "authentication canceled"}
		}
		if err != nil {
			return &response{text: "AUTH: " + err.Error()}
		}
	}
	return c.login(acct, method)
}

// maxSASLLineLength bounds a client response in an AUTH exchange: room for
// PLAIN with the longest password the directory accepts
// (directory.MaxPasswordLen), in base64.
const maxSASLLineLength = 4096

// errBadExchange is a SASL exchange that did not follow its mechanism.
var errBadExchange = errors.New("malformed authentication exchange")

// authFailed logs a failed authentication and, when the credentials were
// wrong, waits AuthFailureDelay before the answer, to slow down guessing.
func (c *conn) authFailed(login, method string, err error) error {
	c.log.Info("authentication failed", "user", login, "method", method, "err", err)
	if errors.Is(err, errBadExchange) {
		return &response{code: codeAuth, text: "malformed authentication exchange"}
	}
	if d := c.s.cfg.AuthFailureDelay; d > 0 && errorResponse(err).code == rfc2449.CodeAuth {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.s.conns.Done():
		}
	}
	return err
}

// login opens the maildrop of an authenticated account and enters the
// TRANSACTION state (RFC 1939 §4). The store account is created on first
// login. No lock is taken: see rfc/rfc1939, "Two sessions on one maildrop".
func (c *conn) login(acct *directory.Account, method string) error {
	if acct == nil || !acct.Enabled {
		return errAuthFailed
	}
	name := acct.Login
	sa, err := c.s.cfg.Store.OpenAccount(name)
	if err != nil {
		return fmt.Errorf("opening account %q: %w", name, err)
	}
	drop, err := openMaildrop(sa)
	if err != nil {
		return fmt.Errorf("opening INBOX of %q: %w", name, err)
	}
	c.user, c.drop, c.state = name, drop, stateTransaction
	c.log.Info("logged in", "user", name, "method", method, "tls", c.tlsActive, "messages", drop.count, "octets", drop.octets)
	c.ok(fmt.Sprintf("maildrop has %d messages (%d octets)", drop.count, drop.octets))
	return nil
}

func (c *conn) stlsSession() rfc2595.Session {
	return rfc2595.Session{
		Authorization: c.state == stateAuthorization,
		TLSActive:     c.tlsActive,
		TLSAvailable:  c.s.cfg.TLSConfig != nil,
	}
}

// stls implements STLS (RFC 2595 §4).
func (c *conn) stls(cmd rfc1939.Command) error {
	if err := rfc2595.Check(c.stlsSession(), len(cmd.Args)); err != nil {
		return &response{text: err.Error()}
	}
	c.ok("Begin TLS negotiation")
	if err := c.flush(); err != nil {
		return &abortError{err}
	}
	// §4: the client sends nothing more before the handshake. Whatever came
	// with the STLS line was sent in the clear and is discarded, so that no
	// injected command runs as if it had come over TLS.
	if n := c.r.Buffered(); n > 0 {
		c.log.Warn("discarding input sent after STLS", "octets", n)
	}
	c.nc = tls.Server(c.raw, c.s.cfg.TLSConfig)
	c.r.Reset(c.nc)
	c.w.Reset(c.nc)
	c.tlsActive = true
	if err := c.handshake(); err != nil {
		return &abortError{fmt.Errorf("STLS handshake: %w", err)}
	}
	return nil
}
