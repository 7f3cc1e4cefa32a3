package imap

import (
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// extension is one extension a client may enable with ENABLE (RFC 5161
// §3.1), as a bit of the connection's enabled set (conn.enabled). The
// handlers an extension changes test c.enabled.has(ext) in their explicit
// branch for it.
type extension uint32

// enabledSet is the set of extensions enabled on a connection. Once
// enabled, an extension stays enabled until the connection closes (RFC 5161
// §3.1: "there is no way to disable it").
type enabledSet uint32

func (s enabledSet) has(e extension) bool { return uint32(s)&uint32(e) != 0 }

// enableable is one row of the table of extensions that ENABLE knows: the
// capability name a client sends, the bit it sets, and whether it may be
// enabled on this connection now (the server offers the extension: it is in
// CAPABILITY). Extensions that need ENABLE (CONDSTORE, QRESYNC, UTF8=ACCEPT)
// add their row to Server.enableable.
type enableable struct {
	name    string // upper case, as in CAPABILITY
	ext     extension
	offered func(c *conn) bool
}

// newEnableTable returns the extensions ENABLE can enable. Loft announces
// none that needs it yet; RFC 5161 §3.1 then has every argument ignored, and
// ENABLE answers an empty ENABLED response.
func newEnableTable() []enableable { return nil }

// capEnable announces ENABLE (RFC 5161 §3) after authentication, where the
// command is valid.
func capEnable(c *conn) []string {
	if c.state == stateNotAuthenticated {
		return nil
	}
	return []string{"ENABLE"}
}

// enable implements ENABLE (RFC 5161 §3.1): capability names, at least one.
// Each name that a row of Server.enableable offers on this connection is
// enabled; every other name is ignored (§3.1: unknown, not permitted with
// ENABLE, or not supported). The untagged ENABLED response (§3.2) lists the
// extensions this command enabled: those it names that were not already
// enabled ("each corresponding ENABLED response SHOULD only contain
// extensions enabled by the corresponding ENABLE command"), and may be
// empty. CAPABILITY does not change (§3.1).
func (c *conn) enable(tag string, dec *rfc3501.Decoder) error {
	var names []string
	for {
		var name string
		if !dec.SP() || !dec.Atom(&name) {
			return dec.Err()
		}
		names = append(names, name)
		if !dec.Peek(' ') {
			break
		}
	}
	if !dec.CRLF() {
		return dec.Err()
	}
	c.enc.Untagged().Atom("ENABLED")
	for _, name := range names {
		for _, row := range c.s.enableable {
			if !strings.EqualFold(row.name, name) || c.enabled.has(row.ext) || !row.offered(c) {
				continue
			}
			c.enabled |= enabledSet(row.ext)
			c.enc.SP().Atom(row.name)
		}
	}
	c.enc.CRLF()
	return nil
}
