package managesieve

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/internal/logintimer"
)

// mechanisms returns the SASL mechanisms usable on this connection (§1.7
// SASL). PLAIN and LOGIN send the password in the clear, so without TLS
// they are offered only where the configuration allows it. SCRAM-SHA-1
// (§2.1's mandatory mechanism) and SCRAM-SHA-256 never send the password
// (RFC 5802 §1), so they are offered with or without TLS, whenever the
// directory keeps SCRAM credentials; when the list is empty, STARTTLS is
// offered instead.
func (c *conn) mechanisms() []string {
	var mechs []string
	if c.plaintextAllowed() {
		mechs = append(mechs, sasl.Plain, sasl.Login)
	}
	if _, ok := c.s.cfg.Directory.(directory.SCRAMDirectory); ok {
		mechs = append(mechs, directory.SCRAMMechanisms...)
	}
	return mechs
}

// authenticate implements AUTHENTICATE (§2.1) with PLAIN (RFC 4616),
// LOGIN, SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), with or
// without an initial response. Challenges and responses are base64
// strings; "*" cancels. No mechanism negotiates a security layer, so
// success is an OK without capabilities; SCRAM's server-final-message is
// its (SASL "…") response code, as in §2.1's example.
func (c *conn) authenticate(args []rfc5804.Arg) error {
	mech := strings.ToUpper(args[0].Str)
	var acct *directory.Account
	var attempted string
	var authErr error
	check := func(login, password string) error {
		attempted = login
		acct, authErr = c.s.cfg.Directory.Authenticate(c.ctx, login, password)
		return authErr
	}
	var server sasl.Server
	var scram *directory.SCRAMServer
	switch mech {
	case directory.SCRAMSHA1, directory.SCRAMSHA256:
		sd, ok := c.s.cfg.Directory.(directory.SCRAMDirectory)
		if !ok {
			return noText("unsupported SASL mechanism " + args[0].Str)
		}
		var err error
		if scram, err = directory.NewSCRAMServer(c.ctx, sd, mech); err != nil {
			return err
		}
		server = scram
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
			return check(username, password)
		})
	case sasl.Login:
		if len(args) == 2 {
			// §2.1: a mechanism whose server speaks first takes no
			// initial response; LOGIN asks for the user name first.
			return noText("LOGIN takes no initial response")
		}
		server = &loginMechanism{check: check}
	default:
		return noText("unsupported SASL mechanism " + args[0].Str)
	}
	if scram == nil && !c.plaintextAllowed() {
		// §1.3 ENCRYPT-NEEDED: policy requires TLS for this mechanism.
		return noCode(rfc5804.CodeEncryptNeeded, "use STARTTLS before authenticating with "+mech)
	}
	var resp []byte
	if len(args) == 2 {
		r, err := base64.StdEncoding.DecodeString(args[1].Str)
		if err != nil {
			return c.authFailed(attempted, mech, errBadExchange)
		}
		resp = r
		if resp == nil {
			resp = []byte{}
		}
	}
	var final []byte
	for {
		challenge, done, err := server.Next(resp)
		if scram != nil {
			attempted, authErr = scram.Login(), err
			if errors.Is(err, directory.ErrInvalid) {
				authErr = fmt.Errorf("%w: %v", errBadExchange, err)
			}
		}
		if err != nil {
			if authErr != nil {
				return c.authFailed(attempted, mech, authErr)
			}
			return c.authFailed(attempted, mech, errBadExchange)
		}
		if done {
			final = challenge
			break
		}
		c.send(rfc5804.AppendString(nil, base64.StdEncoding.EncodeToString(challenge)))
		c.send([]byte("\r\n"))
		if err := c.flush(); err != nil {
			return &abortError{err}
		}
		if err := c.armRead(); err != nil {
			return err
		}
		line, err := c.dec.ReadResponse()
		var se *rfc5804.SyntaxError
		var lt *rfc5804.LiteralTooBigError
		switch {
		case err == nil:
		case errors.As(err, &se), errors.As(err, &lt) && lt.Discarded:
			return c.authFailed(attempted, mech, errBadExchange)
		case errors.As(err, &lt):
			return &byeError{rfc5804.Response{Status: rfc5804.BYE, Code: &rfc5804.Code{Name: rfc5804.CodeQuotaMaxSize}, Text: "authentication response far too long"}}
		case isTimeout(err) && c.s.conns.ShuttingDown():
			return errShutdown
		case isTimeout(err) && c.loginExpired():
			return errLoginTimeout
		default:
			return &abortError{err}
		}
		if line == "*" {
			return noText("authentication canceled")
		}
		if resp, err = base64.StdEncoding.DecodeString(line); err != nil {
			return c.authFailed(attempted, mech, errBadExchange)
		}
	}
	if scram != nil {
		// The proof was right: the account, enabled or not, is looked up
		// as SCRAMCredentials found it.
		var err error
		if acct, err = c.s.cfg.Directory.LookupLogin(c.ctx, scram.Login()); err != nil {
			if errors.Is(err, directory.ErrNotFound) {
				err = directory.ErrAuthFailed
			}
			return c.authFailed(attempted, mech, err)
		}
	}
	return c.login(acct, mech, final)
}

// errBadExchange is a SASL exchange that did not follow its mechanism.
var errBadExchange = errors.New("malformed authentication exchange")

// authFailed logs a failed authentication, waits AuthFailureDelay when
// the credentials were wrong, and answers NO, or BYE once the session has
// failed MaxAuthFailures times (§1.2, §2.1's example).
func (c *conn) authFailed(login, mech string, err error) error {
	c.log.Info("authentication failed", "user", login, "method", mech, "err", err)
	if errors.Is(err, directory.ErrUnavailable) {
		return err // NO (TRYLATER): not the client's fault
	}
	if d := c.s.cfg.AuthFailureDelay; d > 0 && !errors.Is(err, errBadExchange) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.s.conns.Done():
		}
	}
	c.authFailures++
	if c.authFailures >= c.s.cfg.MaxAuthFailures {
		return &byeError{rfc5804.Response{Status: rfc5804.BYE, Text: "Too many failed authentication attempts"}}
	}
	if errors.Is(err, errBadExchange) {
		return noText("malformed authentication exchange")
	}
	return errAuthFailed
}

// login opens the account of an authenticated user and enters the
// authenticated state. final is the mechanism's last server message, sent
// as the OK's SASL response code (§2.1), or nil.
func (c *conn) login(acct *directory.Account, mech string, final []byte) error {
	if acct == nil {
		return c.authFailed("", mech, directory.ErrAuthFailed)
	}
	if !acct.Enabled {
		return c.authFailed(acct.Login, mech, fmt.Errorf("account disabled: %w", directory.ErrAuthFailed))
	}
	sa, err := c.s.cfg.Store.OpenAccount(acct.Login)
	if err != nil {
		return fmt.Errorf("opening account %q: %w", acct.Login, err)
	}
	c.user, c.account, c.state = acct.Login, sa, stateAuth
	c.log.Info("logged in", "user", acct.Login, "method", mech, "tls", c.tlsActive)
	if final != nil {
		c.reply(rfc5804.Response{Status: rfc5804.OK, Code: &rfc5804.Code{
			Name: rfc5804.CodeSASL, Arg: base64.StdEncoding.EncodeToString(final), HasArg: true,
		}, Text: "Authenticated"})
		return nil
	}
	c.ok("Authenticated")
	return nil
}

// unauthenticate implements UNAUTHENTICATE (§2.14.1): back to the
// non-authenticated state; TLS stays. It never fails in the authenticated
// state. The login timeout starts again.
func (c *conn) unauthenticate([]rfc5804.Arg) error {
	c.log.Info("unauthenticated", "user", c.user)
	c.user, c.account, c.state = "", nil, stateNonAuth
	c.loginTimer = logintimer.Start(time.Now(), c.s.cfg.LoginTimeout)
	c.ok("")
	return nil
}

// starttls implements STARTTLS (§2.2): OK, the handshake, then the
// capabilities again (without STARTTLS) and OK.
func (c *conn) starttls([]rfc5804.Arg) error {
	if c.s.cfg.TLSConfig == nil {
		return noText("STARTTLS is not available")
	}
	if c.tlsActive {
		return noText("TLS is already active")
	}
	c.ok("Begin TLS negotiation now")
	if err := c.flush(); err != nil {
		return &abortError{err}
	}
	// §2.2: the client sends nothing more before the handshake. Whatever
	// came with the STARTTLS line was sent in the clear and is discarded,
	// so that no injected command runs as if it had come over TLS.
	if n := c.r.Buffered(); n > 0 {
		c.log.Warn("discarding input sent after STARTTLS", "octets", n)
	}
	tc := tls.Server(c.raw, c.s.cfg.TLSConfig)
	c.nc = tc
	c.r.Reset(tc)
	c.w.Reset(tc)
	c.newDecoder()
	c.tlsActive = true
	if err := c.handshake(tc); err != nil {
		if errors.Is(err, errShutdown) {
			return &abortError{err}
		}
		return &abortError{fmt.Errorf("STARTTLS handshake: %w", err)}
	}
	c.sendCapabilities()
	c.ok("TLS negotiation successful")
	return nil
}

// loginMechanism is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login-00 §2), which go-sasl offers only as a
// client. It asks for the user name, then the password.
type loginMechanism struct {
	step     int // 0: nothing yet, 1: user name asked, 2: password asked
	username string
	check    func(username, password string) error
}

// Next implements sasl.Server.
func (l *loginMechanism) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		return []byte("Username:"), false, nil
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.username, string(response))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
