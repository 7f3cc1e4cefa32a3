package pop3

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc1939"
	"github.com/loftmail/loft/rfc/rfc2449"
	"github.com/loftmail/loft/rfc/rfc2595"
)

// handler runs one command. It queues its responses with c.ok, c.send or
// c.sendMessage and returns nil, or returns an error that dispatch answers
// with one -ERR line (errors.go), or errQuit after its final response, or an
// *abortError to drop the connection.
type handler func(c *conn, cmd rfc1939.Command) error

// command is one row of the command table.
type command struct {
	name    string
	run     handler
	states  state // the states in which the command is valid
	minArgs int
	maxArgs int
	// rawArgs: the handler reads Command.Rest itself, so the split into
	// arguments is not checked (PASS: RFC 1939 §7 lets a password contain
	// spaces).
	rawArgs bool
	// capability returns the CAPA line that announces the command on this
	// connection (RFC 2449 §5), if any.
	capability func(c *conn) (rfc2449.Capability, bool)
}

// commandTable is the single source of truth for dispatch and for CAPA.
type commandTable struct {
	list   []*command // in CAPA order
	byName map[string]*command
	// behaviours are the capabilities that describe the server rather than a
	// command (RFC 2449 §6.4, §6.6, §6.9; RFC 3206 §6).
	behaviours []func(c *conn) (rfc2449.Capability, bool)
}

const both = stateAuthorization | stateTransaction

func newCommandTable() commandTable {
	list := []*command{
		// RFC 1939 §5 and §7, TRANSACTION state.
		{name: "STAT", run: (*conn).stat, states: stateTransaction},
		{name: "LIST", run: (*conn).list, states: stateTransaction, maxArgs: 1},
		{name: "RETR", run: (*conn).retr, states: stateTransaction, minArgs: 1, maxArgs: 1},
		{name: "DELE", run: (*conn).dele, states: stateTransaction, minArgs: 1, maxArgs: 1},
		{name: "NOOP", run: (*conn).noop, states: stateTransaction},
		{name: "RSET", run: (*conn).rset, states: stateTransaction},
		{name: "TOP", run: (*conn).top, states: stateTransaction, minArgs: 2, maxArgs: 2,
			capability: static(rfc2449.TagTop)}, // RFC 2449 §6.1
		{name: "UIDL", run: (*conn).uidl, states: stateTransaction, maxArgs: 1,
			capability: static(rfc2449.TagUIDL)}, // RFC 2449 §6.8
		// RFC 1939 §4 and §6: QUIT in both states.
		{name: "QUIT", run: (*conn).quit, states: both},
		// Authentication: RFC 1939 §7, RFC 1734, RFC 2595 §4.
		{name: "USER", run: (*conn).userCmd, states: stateAuthorization, minArgs: 1, maxArgs: 1,
			capability: (*conn).capUser}, // RFC 2449 §6.2
		{name: "PASS", run: (*conn).pass, states: stateAuthorization, rawArgs: true},
		{name: "APOP", run: (*conn).apop, states: stateAuthorization, rawArgs: true},
		{name: "AUTH", run: (*conn).auth, states: stateAuthorization, maxArgs: 2,
			capability: (*conn).capSASL}, // RFC 2449 §6.3
		{name: "STLS", run: (*conn).stls, states: stateAuthorization,
			capability: (*conn).capSTLS}, // RFC 2595 §4
		// RFC 2449 §5.
		{name: "CAPA", run: (*conn).capa, states: both},
	}
	t := commandTable{
		list:   list,
		byName: make(map[string]*command, len(list)),
		behaviours: []func(c *conn) (rfc2449.Capability, bool){
			static(rfc2449.TagRespCodes),    // RFC 2449 §6.4: every "[" starts a code
			static(rfc2449.TagAuthRespCode), // RFC 3206 §6: credentials problems carry [AUTH]
			static(rfc2449.TagPipelining),   // RFC 2449 §6.6: conn.go answers in order
			(*conn).capImplementation,       // RFC 2449 §6.9
		},
	}
	for _, cmd := range list {
		t.byName[cmd.name] = cmd
	}
	return t
}

func static(tag string) func(*conn) (rfc2449.Capability, bool) {
	return func(*conn) (rfc2449.Capability, bool) { return rfc2449.Capability{Tag: tag}, true }
}

// run checks cmd against the table (RFC 1939 §3: an unknown command, a
// command in the wrong state and a syntax error each get a negative answer)
// and runs its handler.
func (t commandTable) run(c *conn, cmd rfc1939.Command, parseErr error) error {
	e := t.byName[cmd.Keyword]
	if e == nil {
		return &response{text: "unknown command"}
	}
	if e.states&c.state == 0 {
		return &response{text: fmt.Sprintf("%s is not valid in the %s state", cmd.Keyword, c.state)}
	}
	if !e.rawArgs {
		if parseErr != nil {
			return &response{text: fmt.Sprintf("%s: %v", cmd.Keyword, parseErr)}
		}
		if n := len(cmd.Args); n < e.minArgs || n > e.maxArgs {
			return &response{text: fmt.Sprintf("%s takes %s", cmd.Keyword, argCount(e.minArgs, e.maxArgs))}
		}
	}
	return e.run(c, cmd)
}

func argCount(lo, hi int) string {
	switch {
	case hi == 0:
		return "no arguments"
	case lo == hi && lo == 1:
		return "one argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	case lo == 0 && hi == 1:
		return "at most one argument"
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// capabilities returns what CAPA announces on this connection, in table order.
func (t commandTable) capabilities(c *conn) []rfc2449.Capability {
	var caps []rfc2449.Capability
	for _, e := range t.list {
		if e.capability == nil {
			continue
		}
		if capa, ok := e.capability(c); ok {
			caps = append(caps, capa)
		}
	}
	for _, b := range t.behaviours {
		if capa, ok := b(c); ok {
			caps = append(caps, capa)
		}
	}
	return caps
}

// capa implements CAPA (RFC 2449 §5), valid in both states.
func (c *conn) capa(rfc1939.Command) error {
	out, err := rfc2449.AppendCapabilities(nil, "capability list follows", c.s.commands.capabilities(c))
	if err != nil {
		return fmt.Errorf("CAPA: %w", err)
	}
	c.send(out)
	return nil
}

// plaintextAllowed reports whether this connection may send passwords in the
// clear (RFC 2595 §2.3).
func (c *conn) plaintextAllowed() bool {
	insecure := c.s.cfg.AllowInsecureAuth != nil && c.s.cfg.AllowInsecureAuth(c.raw.RemoteAddr())
	return rfc2595.PlaintextPasswordsAllowed(c.tlsActive, insecure)
}

// capUser: USER is announced where it may be used (RFC 2449 §6.2), in both
// states (§5: AUTHORIZATION capabilities are announced in both).
func (c *conn) capUser() (rfc2449.Capability, bool) {
	return rfc2449.Capability{Tag: rfc2449.TagUser}, c.plaintextAllowed()
}

// capSASL lists the mechanisms usable on this connection (RFC 2449 §6.3).
func (c *conn) capSASL() (rfc2449.Capability, bool) {
	mechs := c.mechanisms()
	return rfc2449.Capability{Tag: rfc2449.TagSASL, Params: mechs}, len(mechs) > 0
}

// capSTLS: announced only when STLS is "present and permitted in the current
// state" (RFC 2595 §4), so never after TLS and never in TRANSACTION.
func (c *conn) capSTLS() (rfc2449.Capability, bool) {
	return rfc2449.Capability{Tag: rfc2595.Capability}, rfc2595.Offered(c.stlsSession())
}

func (c *conn) capImplementation() (rfc2449.Capability, bool) {
	params := strings.Fields(c.s.cfg.Implementation)
	capa := rfc2449.Capability{Tag: rfc2449.TagImplementation, Params: params}
	if len(params) == 0 {
		return capa, false
	}
	if _, err := rfc2449.AppendCapability(nil, capa); err != nil {
		return capa, false
	}
	return capa, true
}
