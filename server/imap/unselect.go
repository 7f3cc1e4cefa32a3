package imap

import (
	"github.com/loftmail/loft/rfc/rfc3501"
)

// unselect implements UNSELECT (RFC 3691 §2): CLOSE without the expunge; the
// session returns to the authenticated state. Outside the selected state
// the command table answers BAD, as §2 asks.
func (c *conn) unselect(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	c.sel, c.state = nil, stateAuthenticated
	return nil
}
