package imap

import (
	"errors"
	"runtime/debug"

	"github.com/loftmail/loft/rfc/rfc2971"
	"github.com/loftmail/loft/rfc/rfc3501"
)

// capID announces ID (RFC 2971 §3).
func capID(*conn) []string { return []string{rfc2971.Capability} }

// idCmd implements ID (RFC 2971 §3.1), in any state. The client's list is
// logged, made printable and bounded (rfc2971.Params.String), and changes
// nothing else (§3). The answer is the untagged ID response with the
// server's name and version (§3.2, §3.3). A list over §3.3's limits is BAD.
func (c *conn) idCmd(tag string, dec *rfc3501.Decoder) error {
	if !dec.SP() {
		return dec.Err()
	}
	params, err := rfc2971.Parse(dec)
	if dec.Err() != nil {
		return dec.Err()
	}
	if !dec.CRLF() {
		return dec.Err()
	}
	var se *rfc3501.SyntaxError
	var le *rfc2971.LimitError
	switch {
	case errors.As(err, &le), errors.As(err, &se):
		return bad("%v", err)
	case err != nil:
		return err
	}
	c.log.Info("client ID", "user", c.user, "id", params.String())
	c.enc.Untagged().Atom("ID").SP()
	serverID().Encode(c.enc)
	c.enc.CRLF()
	return nil
}

// serverID is the server's ID list: its name and, when the build knows it,
// its module version.
func serverID() rfc2971.Params {
	name, version := "Loft", "(devel)"
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		version = info.Main.Version
	}
	return rfc2971.Params{{Field: "name", Value: &name}, {Field: "version", Value: &version}}
}
