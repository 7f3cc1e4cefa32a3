package imap

import (
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc3516"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/rfc/rfc4315"
	"github.com/loftmail/loft/rfc/rfc6154"
)

// handler runs one command. dec is positioned after the command name (and
// after "UID SP name" for the UID forms): the handler decodes its arguments
// up to and including the CRLF before it acts, queues its untagged responses
// on c.enc, and returns nil for "tag OK <name> completed", a *response for
// any other completion (errors.go), or another error, which errorResponse
// turns into a tagged NO. A decoder error is answered with BAD and the rest
// of the command is skipped.
type handler func(c *conn, tag string, dec *rfc3501.Decoder) error

// cmdFlags describe how a command relates to the selected mailbox.
type cmdFlags uint8

const (
	// usesSeqNums: the command's arguments or results are message sequence
	// numbers (RFC 3501 §5.5: a client must not pipeline such a command
	// behind one that may expunge).
	usesSeqNums cmdFlags = 1 << iota
	// mayExpunge: EXPUNGE responses may be sent while the command is in
	// progress (RFC 3501 §7.4.1). FETCH, STORE and SEARCH lack it; their UID
	// forms have it ("An EXPUNGE response MAY be sent during a UID
	// command").
	mayExpunge
)

// command is one row of the command table. A row without run and name only
// announces a capability: an extension of the grammar that no command
// carries (LITERAL+).
type command struct {
	name   string // upper case; "UID FETCH" for the UID forms (RFC 3501 §6.4.8)
	run    handler
	states state // the states in which the command is valid (RFC 3501 §3)
	flags  cmdFlags
	// capability returns the capability names that the command makes the
	// server announce on this connection (RFC 3501 §7.2.1), if any.
	capability func(c *conn) []string
	// acl is what the command requires of the ACLs of the mailboxes it
	// touches (RFC 4314 §4). newCommandTable fills it from the table of
	// rfc4314.Needs, by the command's name, so that a new row (MOVE: "i" on
	// the target, "r", "t" and "e" on the source) gets its rights from there;
	// the engine checks Need.Selected before the handler runs
	// (checkSelected), and the handlers reach every mailbox they name
	// through openNamed, openTarget and checkParent, which check the rest.
	acl rfc4314.Need
}

// commandTable is the single source of truth for dispatch and for the
// CAPABILITY response.
type commandTable struct {
	list   []*command
	byName map[string]*command
}

const (
	anyState      = stateNotAuthenticated | stateAuthenticated | stateSelected
	authenticated = stateAuthenticated | stateSelected
)

func newCommandTable() commandTable {
	list := []*command{
		// RFC 3501 §6.1: any state.
		{name: "CAPABILITY", run: (*conn).capabilityCmd, states: anyState, flags: mayExpunge,
			capability: func(*conn) []string { return []string{"IMAP4rev1"} }},
		{name: "NOOP", run: (*conn).noop, states: anyState, flags: mayExpunge},
		{name: "LOGOUT", run: (*conn).logout, states: anyState, flags: mayExpunge},
		// RFC 3501 §6.2: not authenticated state.
		{name: "STARTTLS", run: (*conn).starttls, states: stateNotAuthenticated,
			capability: (*conn).capStartTLS},
		{name: "AUTHENTICATE", run: (*conn).authenticate, states: stateNotAuthenticated,
			capability: (*conn).capAuth},
		{name: "LOGIN", run: (*conn).login, states: stateNotAuthenticated,
			capability: (*conn).capLoginDisabled},
		// RFC 3501 §6.3: authenticated state (and selected).
		{name: "SELECT", run: (*conn).selectCmd, states: authenticated, flags: mayExpunge},
		{name: "EXAMINE", run: (*conn).examine, states: authenticated, flags: mayExpunge},
		// RFC 6154 §3: CREATE's USE parameter.
		{name: "CREATE", run: (*conn).create, states: authenticated, flags: mayExpunge,
			capability: func(*conn) []string { return []string{rfc6154.CreateCapability} }},
		{name: "DELETE", run: (*conn).delete, states: authenticated, flags: mayExpunge},
		{name: "RENAME", run: (*conn).rename, states: authenticated, flags: mayExpunge},
		{name: "SUBSCRIBE", run: (*conn).subscribe, states: authenticated, flags: mayExpunge},
		{name: "UNSUBSCRIBE", run: (*conn).unsubscribe, states: authenticated, flags: mayExpunge},
		// RFC 5258, RFC 5819, RFC 6154 §2, RFC 3348: list.go.
		{name: "LIST", run: (*conn).list, states: authenticated, flags: mayExpunge,
			capability: listCapabilities},
		{name: "LSUB", run: (*conn).lsub, states: authenticated, flags: mayExpunge},
		{name: "STATUS", run: (*conn).status, states: authenticated, flags: mayExpunge},
		{name: "APPEND", run: (*conn).appendCmd, states: authenticated, flags: mayExpunge},
		// RFC 3501 §6.4: selected state.
		{name: "CHECK", run: (*conn).check, states: stateSelected, flags: mayExpunge},
		{name: "CLOSE", run: (*conn).closeCmd, states: stateSelected, flags: mayExpunge},
		{name: "EXPUNGE", run: (*conn).expunge, states: stateSelected, flags: mayExpunge},
		// RFC 4315 §2.1; the row announces UIDPLUS, whose APPENDUID and
		// COPYUID codes are in APPEND's and COPY's handlers.
		{name: "UID EXPUNGE", run: (*conn).uidExpunge, states: stateSelected, flags: mayExpunge,
			capability: func(*conn) []string { return []string{rfc4315.Capability} }},
		// RFC 3516 extends FETCH (binary.go) and APPEND (conn.go's literal
		// policy admits a literal8 message).
		{name: "FETCH", run: (*conn).fetch, states: stateSelected, flags: usesSeqNums,
			capability: func(*conn) []string { return []string{rfc3516.Capability} }},
		{name: "UID FETCH", run: (*conn).uidFetch, states: stateSelected, flags: mayExpunge},
		{name: "STORE", run: (*conn).storeCmd, states: stateSelected, flags: usesSeqNums},
		{name: "UID STORE", run: (*conn).uidStore, states: stateSelected, flags: mayExpunge},
		{name: "COPY", run: (*conn).copyCmd, states: stateSelected, flags: usesSeqNums | mayExpunge},
		{name: "UID COPY", run: (*conn).uidCopy, states: stateSelected, flags: mayExpunge},
		// RFC 4731, RFC 5182 and RFC 5032 extend SEARCH (search.go).
		{name: "SEARCH", run: (*conn).search, states: stateSelected, flags: usesSeqNums,
			capability: searchCapabilities},
		{name: "UID SEARCH", run: (*conn).uidSearch, states: stateSelected, flags: mayExpunge},
		// RFC 4314 §3; the GETACL row announces ACL and RIGHTS=.
		{name: "SETACL", run: (*conn).setACL, states: authenticated, flags: mayExpunge},
		{name: "DELETEACL", run: (*conn).deleteACL, states: authenticated, flags: mayExpunge},
		{name: "GETACL", run: (*conn).getACL, states: authenticated, flags: mayExpunge,
			capability: aclCapabilities},
		{name: "LISTRIGHTS", run: (*conn).listRights, states: authenticated, flags: mayExpunge},
		{name: "MYRIGHTS", run: (*conn).myRights, states: authenticated, flags: mayExpunge},
		// RFC 9208 §4.1 (RFC 2087); the GETQUOTA row announces QUOTA,
		// QUOTASET and the resources.
		{name: "GETQUOTA", run: (*conn).getQuota, states: authenticated, flags: mayExpunge,
			capability: quotaCapabilities},
		{name: "GETQUOTAROOT", run: (*conn).getQuotaRoot, states: authenticated, flags: mayExpunge},
		{name: "SETQUOTA", run: (*conn).setQuota, states: authenticated, flags: mayExpunge},
		// RFC 2342 §5.
		{name: "NAMESPACE", run: (*conn).namespace, states: authenticated, flags: mayExpunge,
			capability: func(*conn) []string { return []string{"NAMESPACE"} }},
		// RFC 2177 §3 IDLE (idle.go).
		{name: "IDLE", run: (*conn).idle, states: authenticated, flags: mayExpunge, capability: capIdle},
		// RFC 3691 §2 UNSELECT (unselect.go).
		{name: "UNSELECT", run: (*conn).unselect, states: stateSelected, flags: mayExpunge,
			capability: func(*conn) []string { return []string{"UNSELECT"} }},
		// RFC 5161 §3.1 ENABLE (enable.go).
		{name: "ENABLE", run: (*conn).enable, states: authenticated, flags: mayExpunge, capability: capEnable},
		// RFC 2971 §3.1 ID, in any state (id.go).
		{name: "ID", run: (*conn).idCmd, states: anyState, flags: mayExpunge, capability: capID},
		// RFC 6851 §3.1, §3.2 MOVE and UID MOVE (move.go).
		{name: "MOVE", run: (*conn).move, states: stateSelected, flags: usesSeqNums | mayExpunge,
			capability: func(*conn) []string { return []string{"MOVE"} }},
		{name: "UID MOVE", run: (*conn).uidMove, states: stateSelected, flags: mayExpunge},
		// RFC 7888 LITERAL+ or LITERAL- (literal.go): no command, a row
		// for the capability alone.
		{name: "", capability: (*conn).capLiteral},
	}
	t := commandTable{list: list, byName: make(map[string]*command, len(list))}
	for _, cmd := range list {
		if cmd.run == nil {
			continue // a capability-only row
		}
		if t.byName[cmd.name] != nil {
			panic("imap: command " + cmd.name + " is in the table twice")
		}
		t.byName[cmd.name] = cmd
		cmd.acl = rfc4314.Needs(cmd.name)
	}
	return t
}

// lookup returns the row of a command name (in any case), or nil.
func (t commandTable) lookup(name string) *command {
	return t.byName[strings.ToUpper(name)]
}

// capabilities returns what CAPABILITY announces on this connection in its
// current state: IMAP4rev1 first (RFC 3501 §7.2.1), then each command's
// capabilities in table order, without duplicates.
func (t commandTable) capabilities(c *conn) []string {
	var caps []string
	for _, e := range t.list {
		if e.capability == nil {
			continue
		}
		for _, name := range e.capability(c) {
			if !slices.Contains(caps, name) {
				caps = append(caps, name)
			}
		}
	}
	return caps
}
