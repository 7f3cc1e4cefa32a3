package imap

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/server/directory"
)

// plaintextAllowed reports whether this connection may send passwords in the
// clear: always under TLS, and without it only where the configuration allows
// (RFC 2595 §2.3; RFC 3501 §6.2.3 LOGINDISABLED).
func (c *conn) plaintextAllowed() bool {
	if c.tlsActive {
		return true
	}
	return c.s.cfg.AllowInsecureAuth != nil && c.s.cfg.AllowInsecureAuth(c.raw.RemoteAddr())
}

// mechanisms returns the SASL mechanisms usable on this connection. Both send
// the password in the clear, so they follow the plaintext rule (RFC 2595 §6:
// PLAIN is not advertised without TLS unless configured).
func (c *conn) mechanisms() []string {
	if !c.plaintextAllowed() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// capStartTLS: STARTTLS is announced while it may be used (RFC 3501 §6.2.1,
// RFC 2595 §3.1): TLS is configured and not yet active, before login.
func (c *conn) capStartTLS() []string {
	if c.s.cfg.TLSConfig == nil || c.tlsActive || c.state != stateNotAuthenticated {
		return nil
	}
	return []string{"STARTTLS"}
}

// capAuth announces the SASL mechanisms (RFC 3501 §6.2.2) before login, and
// SASL-IR with them.
func (c *conn) capAuth() []string {
	if c.state != stateNotAuthenticated {
		return nil
	}
	var caps []string
	for _, m := range c.mechanisms() {
		caps = append(caps, "AUTH="+m)
	}
	if len(caps) > 0 {
		caps = append(caps, capSASLIR) // RFC 4959 §3
	}
	return caps
}

// capLoginDisabled: LOGINDISABLED when LOGIN may not be used on this
// connection (RFC 3501 §6.2.3, RFC 2595 §3.2).
func (c *conn) capLoginDisabled() []string {
	if c.state != stateNotAuthenticated || c.plaintextAllowed() {
		return nil
	}
	return []string{"LOGINDISABLED"}
}

// writeCapabilities writes the capability list of this connection.
func (c *conn) writeCapabilities(enc *rfc3501.Encoder) {
	for i, name := range c.s.commands.capabilities(c) {
		if i > 0 {
			enc.SP()
		}
		enc.Atom(name)
	}
}

// capabilityCmd implements CAPABILITY (RFC 3501 §6.1.1).
func (c *conn) capabilityCmd(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	c.enc.Untagged().Atom("CAPABILITY").SP()
	c.writeCapabilities(c.enc)
	c.enc.CRLF()
	return nil
}

// noop implements NOOP (RFC 3501 §6.1.2): the engine reports the pending
// changes of the selected mailbox at the end of every command.
func (c *conn) noop(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	return nil
}

// logout implements LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK.
func (c *conn) logout(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	c.sel = nil
	c.state = stateLogout
	c.enc.Untagged().Atom("BYE").SP().Text("Loft IMAP4rev1 server logging out").CRLF()
	c.enc.Tagged(tag, statusOK).Text("LOGOUT completed").CRLF()
	return errLogout
}

// starttls implements STARTTLS (RFC 3501 §6.2.1, RFC 2595 §3.1).
func (c *conn) starttls(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	switch {
	case c.tlsActive:
		return bad("TLS is already active")
	case c.s.cfg.TLSConfig == nil:
		return bad("TLS is not available")
	}
	c.enc.Tagged(tag, statusOK).Text("Begin TLS negotiation now").CRLF()
	if err := c.flush(); err != nil {
		return &abortError{err}
	}
	// RFC 2595 §3.1: the client sends nothing after STARTTLS before the
	// handshake. Octets that came with the STARTTLS line were sent in the
	// clear by someone, perhaps an attacker injecting commands to be run as
	// if they had come over TLS: they are discarded.
	if n := c.r.Buffered(); n > 0 {
		c.log.Warn("discarding input sent after STARTTLS", "octets", n)
	}
	c.nc = tls.Server(c.dc, c.s.cfg.TLSConfig)
	c.r.Reset(c.nc)
	c.w.Reset(c.nc)
	c.tlsActive = true
	if err := c.handshake(); err != nil {
		return &abortError{fmt.Errorf("STARTTLS handshake: %w", err)}
	}
	return errAnswered
}

// errAnswered is returned by a handler that wrote its own tagged response.
var errAnswered = errors.New("answered")

// login implements LOGIN (RFC 3501 §6.2.3). Without TLS, where the
// configuration does not allow clear-text passwords, it is refused with
// PRIVACYREQUIRED (RFC 5530 §3) and LOGINDISABLED is announced.
func (c *conn) login(tag string, dec *rfc3501.Decoder) error {
	var user, password string
	if !dec.SP() || !dec.AString(&user) || !dec.SP() || !dec.AString(&password) || !dec.CRLF() {
		return dec.Err()
	}
	if !c.plaintextAllowed() {
		return errPrivacyRequired
	}
	acct, err := c.s.cfg.Directory.Authenticate(c.ctx, user, password)
	if err != nil {
		return c.authFailed(user, "LOGIN", err)
	}
	return c.startSession(acct, "LOGIN")
}

// authenticate implements AUTHENTICATE (RFC 3501 §6.2.2) with PLAIN (RFC
// 4616) and LOGIN: each challenge is a continuation request with base64 data,
// each client response one line of base64, and "*" cancels with BAD. With
// SASL-IR (RFC 4959 §3) the first client response may follow the mechanism
// name on the command line.
func (c *conn) authenticate(tag string, dec *rfc3501.Decoder) error {
	var mech string
	if !dec.SP() || !dec.Atom(&mech) {
		return dec.Err()
	}
	// RFC 4959 §3: SASL-IR's initial response (saslir.go).
	resp, irErr := initialResponse(dec)
	if dec.Err() != nil || !dec.CRLF() {
		return dec.Err()
	}
	if irErr != nil {
		return irErr
	}
	mech = strings.ToUpper(mech)
	var acct *directory.Account
	var attempted string
	var authErr error
	check := func(login, password string) error {
		attempted = login
		acct, authErr = c.s.cfg.Directory.Authenticate(c.ctx, login, password)
		return authErr
	}
	var server sasl.Server
	switch mech {
	case sasl.Plain:
		// RFC 4616 §2: an authorization identity other than the
		// authentication identity would be a proxy login, which Loft does
		// not allow.
		server = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				attempted = username
				authErr = fmt.Errorf("authorization identity %q differs from %q: %w", identity, username, directory.ErrAuthFailed)
				return authErr
			}
			return check(username, password)
		})
	case sasl.Login:
		server = newLoginServer(check)
	default:
		return no(imap.ResponseCodeCannot, "unsupported authentication mechanism %s", mech)
	}
	if !c.plaintextAllowed() {
		return errPrivacyRequired
	}
	method := "AUTHENTICATE " + mech
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
		c.enc.Continuation(base64.StdEncoding.EncodeToString(challenge)).CRLF()
		if err := c.flush(); err != nil {
			return &abortError{err}
		}
		c.waiting.Store(true)
		line, canceled, ok := readAuthResponse(dec)
		c.waiting.Store(false)
		var se *rfc3501.SyntaxError
		switch {
		case !ok && errors.As(dec.Err(), &se):
			if err := dec.DiscardLine(); err != nil {
				return &abortError{err}
			}
			return bad("authentication response is not base64")
		case !ok:
			return dec.Err()
		}
		if canceled {
			return bad("authentication canceled")
		}
		resp, err = base64.StdEncoding.DecodeString(line)
		if err != nil {
			return bad("authentication response is not base64")
		}
	}
	return c.startSession(acct, method)
}

// readAuthResponse reads a client's line in an AUTHENTICATE exchange (RFC
// 3501 §6.2.2, §9: base64, possibly empty, or "*" to cancel) up to and
// including its CRLF. The base64 alphabet is all ATOM-CHAR, so anything else
// is a syntax error that leaves the decoder within the line; the rest of it
// is then skipped as a refused command's is, with the non-synchronizing
// literals it announces (RFC 7888 §4).
func readAuthResponse(dec *rfc3501.Decoder) (line string, canceled, ok bool) {
	switch {
	case dec.Peek('*'):
		return "", true, dec.ExpectByte('*') && dec.CRLF()
	case dec.Peek('\r'):
		return "", false, dec.CRLF()
	}
	ok = dec.Atom(&line) && dec.CRLF()
	return line, false, ok
}

// errBadExchange is a SASL exchange that did not follow its mechanism.
var errBadExchange = errors.New("malformed authentication exchange")

// authFailed logs a failed authentication and, when the credentials were
// wrong, waits AuthFailureDelay before the answer, to slow down guessing.
func (c *conn) authFailed(login, method string, err error) error {
	c.log.Info("authentication failed", "user", login, "method", method, "err", err)
	if errors.Is(err, errBadExchange) {
		return bad("malformed authentication exchange")
	}
	if d := c.s.cfg.AuthFailureDelay; d > 0 && errorResponse(err) == errAuthFailed {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.s.conns.Done():
		}
	}
	return err
}

// startSession enters the authenticated state (RFC 3501 §3.2) for an
// account the directory accepted. The store account is created on first
// login.
func (c *conn) startSession(acct *directory.Account, method string) error {
	if acct == nil || !acct.Enabled {
		return errAuthFailed
	}
	name := acct.Login
	if c.reservedLogin(name) {
		// RFC 4314 §2: the name is an identifier of another kind; as a
		// user it would hold rights that are not its own.
		c.log.Warn("login refused: the name is a reserved ACL identifier", "user", name)
		return errAuthFailed
	}
	sa, err := c.s.cfg.Store.OpenAccount(name)
	if err != nil {
		return &response{status: statusNO, code: imap.ResponseCodeUnavailable, text: "cannot open the mailboxes", cause: err}
	}
	c.user, c.account, c.state = name, sa, stateAuthenticated
	c.groups = acct.Groups
	c.log.Info("logged in", "user", name, "method", method, "tls", c.tlsActive)
	// RFC 3501 §6.2.3: the server may send the new capabilities in the
	// tagged OK, so that the client need not ask again.
	return okCode(codeCapability, c.writeCapabilities, method+" completed")
}
