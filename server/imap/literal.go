package imap

import (
	"github.com/emersion/go-imap/v2"
)

// literalMinusMax is the largest non-synchronizing literal a client may send
// to a server that announces LITERAL- (RFC 7888 §5).
const literalMinusMax = 4096

// capLiteral announces LITERAL- or, with Config.LiteralPlus, LITERAL+ (RFC
// 7888 §5: never both).
//
// LITERAL- is the default because Loft bounds literals (MaxLiteralSize for
// APPEND, MaxLineLength for the rest): under LITERAL+ a client may send a
// message of any size without waiting, and a server that will not take it
// can only read it all and refuse it, or drop the connection (§4); under
// LITERAL- anything over 4096 octets is sent synchronizing, so an APPEND
// over the limit is refused before a single octet of it travels, and small
// arguments still save a round trip.
func (c *conn) capLiteral() []string {
	if c.s.cfg.LiteralPlus {
		return []string{"LITERAL+"}
	}
	return []string{"LITERAL-"}
}

// nonSyncRefusal returns the refusal of a non-synchronizing literal ("{n+}",
// RFC 7888 §3) of size octets that no limit of this command allows, or nil.
// The decoder then skips the literal's octets and the rest of the command
// (the client sends them without waiting), and the command is answered:
// RFC 7888 §4's first choice, which keeps the session.
//
//   - Under LITERAL-, one over 4096 octets breaks §5: BAD, with [TOOBIG]
//     in APPEND, as §5 requires.
//   - Otherwise the limits of a synchronizing literal apply (conn.literal):
//     NO [TOOBIG] for an APPEND over MaxLiteralSize, BAD for another
//     command's literal over MaxLineLength.
func (c *conn) nonSyncRefusal(size int64) error {
	if !c.s.cfg.LiteralPlus && size > literalMinusMax {
		if c.appendLiteral {
			return &response{status: statusBAD, code: imap.ResponseCodeTooBig,
				text: "non-synchronizing literal larger than 4096 octets (LITERAL-)"}
		}
		return bad("non-synchronizing literal larger than 4096 octets (LITERAL-)")
	}
	return nil
}
