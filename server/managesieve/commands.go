package managesieve

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/loftmail/loft/rfc/rfc2595"
	"github.com/loftmail/loft/rfc/rfc5804"
)

// handler runs one command with its checked arguments. It queues its data
// and final response and returns nil, or returns an error that dispatch
// answers with one NO (errors.go), errLogout after its final response, a
// *byeError, or an *abortError to drop the connection.
type handler func(c *conn, args []rfc5804.Arg) error

// command is one row of the command table.
type command struct {
	run    handler
	states state // the states in which the command is valid
	// args gives the arguments: "s" a string, "n" a number, "?" makes
	// the rest optional (§4).
	args string
	// capability names the capability that announces the command (§2.14),
	// if any; CAPABILITY lists it.
	capability string
}

// newCommandTable is the single source of truth for dispatch; §4's
// command-any, command-auth and command-nonauth give the states.
func newCommandTable() map[string]*command {
	return map[string]*command{
		// §2.3, §2.4, §2.13: any state.
		"CAPABILITY": {run: (*conn).capability, states: anyState},
		"LOGOUT":     {run: (*conn).logout, states: anyState},
		"NOOP":       {run: (*conn).noop, states: anyState, args: "?s"},
		// §2.1, §2.2: before authentication.
		"AUTHENTICATE": {run: (*conn).authenticate, states: stateNonAuth, args: "s?s"},
		"STARTTLS":     {run: (*conn).starttls, states: stateNonAuth},
		// §2.5–§2.12, §2.14.1: after authentication.
		"HAVESPACE":      {run: (*conn).haveSpace, states: stateAuth, args: "sn"},
		"PUTSCRIPT":      {run: (*conn).putScript, states: stateAuth, args: "ss"},
		"LISTSCRIPTS":    {run: (*conn).listScripts, states: stateAuth},
		"SETACTIVE":      {run: (*conn).setActive, states: stateAuth, args: "s"},
		"GETSCRIPT":      {run: (*conn).getScript, states: stateAuth, args: "s"},
		"DELETESCRIPT":   {run: (*conn).deleteScript, states: stateAuth, args: "s"},
		"RENAMESCRIPT":   {run: (*conn).renameScript, states: stateAuth, args: "ss"},
		"CHECKSCRIPT":    {run: (*conn).checkScript, states: stateAuth, args: "s"},
		"UNAUTHENTICATE": {run: (*conn).unauthenticate, states: stateAuth, capability: "UNAUTHENTICATE"},
	}
}

// run checks a command's state and arguments and runs its handler.
func (c *conn) run(cmd *rfc5804.Command) error {
	def, ok := c.s.commands[cmd.Name]
	if !ok {
		return noText("unknown command " + strconv.Quote(cmd.Name))
	}
	if def.states&c.state == 0 {
		// §2: "Servers MUST reject all other commands with a NO
		// response"; §2.1: no AUTHENTICATE after a successful one.
		if c.state == stateNonAuth {
			return noText(cmd.Name + " is not allowed before authentication")
		}
		return noText(cmd.Name + " is not allowed after authentication")
	}
	if err := checkArgs(cmd.Name, def.args, cmd.Args); err != nil {
		return err
	}
	return def.run(c, cmd.Args)
}

// checkArgs matches args against a command's argument spec.
func checkArgs(name, spec string, args []rfc5804.Arg) error {
	i := 0
	optional := false
	for _, k := range spec {
		if k == '?' {
			optional = true
			continue
		}
		if i == len(args) {
			if optional {
				return nil
			}
			return noText(fmt.Sprintf("%s: too few arguments", name))
		}
		want := rfc5804.String
		what := "a string"
		if k == 'n' {
			want, what = rfc5804.Number, "a number"
		}
		if args[i].Kind != want {
			return noText(fmt.Sprintf("%s: argument %d must be %s", name, i+1, what))
		}
		i++
	}
	if i != len(args) {
		return noText(fmt.Sprintf("%s: too many arguments", name))
	}
	return nil
}

// capabilities returns the capability lines of §1.7 for this session.
func (c *conn) capabilities() []rfc5804.Capability {
	v := func(name, value string) rfc5804.Capability {
		return rfc5804.Capability{Name: name, Value: value, HasValue: true}
	}
	caps := []rfc5804.Capability{
		v("IMPLEMENTATION", c.s.cfg.Implementation),
		v("SASL", strings.Join(c.mechanisms(), " ")),
		v("SIEVE", strings.Join(c.s.cfg.Checker.Extensions(), " ")),
	}
	if c.startTLSOffered() {
		caps = append(caps, rfc5804.Capability{Name: "STARTTLS"})
	}
	if n := c.s.cfg.MaxRedirects; n > 0 {
		caps = append(caps, v("MAXREDIRECTS", strconv.Itoa(n)))
	}
	if m := c.s.cfg.NotifyMethods; len(m) > 0 {
		caps = append(caps, v("NOTIFY", strings.Join(m, " ")))
	}
	if c.state == stateAuth {
		// §1.7: OWNER only once authenticated.
		caps = append(caps, v("OWNER", c.user))
	}
	for _, name := range []string{"UNAUTHENTICATE"} { // §2.14
		caps = append(caps, rfc5804.Capability{Name: name})
	}
	return append(caps, v("VERSION", "1.0"))
}

func (c *conn) sendCapabilities() {
	var b []byte
	for _, cp := range c.capabilities() {
		b = rfc5804.AppendCapability(b, cp)
	}
	c.send(b)
}

// startTLSOffered: §1.7, STARTTLS is announced where TLS is configured and
// neither STARTTLS nor AUTHENTICATE has completed.
func (c *conn) startTLSOffered() bool {
	return c.s.cfg.TLSConfig != nil && !c.tlsActive && c.state == stateNonAuth
}

// plaintextAllowed reports whether a password may be sent on this
// connection (RFC 2595 §2.3, the rule IMAP and POP3 follow).
func (c *conn) plaintextAllowed() bool {
	insecure := c.s.cfg.AllowInsecureAuth != nil && c.s.cfg.AllowInsecureAuth(c.raw.RemoteAddr())
	return rfc2595.PlaintextPasswordsAllowed(c.tlsActive, insecure)
}

// capability implements CAPABILITY (§2.4).
func (c *conn) capability([]rfc5804.Arg) error {
	c.sendCapabilities()
	c.ok("")
	return nil
}

// logout implements LOGOUT (§2.3): OK, then the connection is closed.
func (c *conn) logout([]rfc5804.Arg) error {
	c.ok("Logout completed")
	return errLogout
}

// noop implements NOOP (§2.13): OK, with the TAG response code when the
// client gave a string.
func (c *conn) noop(args []rfc5804.Arg) error {
	r := rfc5804.Response{Status: rfc5804.OK, Text: "Done"}
	if len(args) == 1 {
		r.Code = &rfc5804.Code{Name: rfc5804.CodeTag, Arg: args[0].Str, HasArg: true}
	}
	c.reply(r)
	return nil
}
