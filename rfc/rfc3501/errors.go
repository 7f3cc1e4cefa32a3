package rfc3501

import (
	"errors"
	"fmt"
)

// ErrLineTooLong is wrapped by the *SyntaxError a Decoder returns when a line
// segment of a command (the octets between the start of a line, or the end of a
// literal, and the next CRLF, not counting literal bodies) is longer than
// Decoder.MaxLine. After it, Decoder.DiscardLine resynchronises on the next
// command. RFC 7162 §4 asks servers to accept lines of at least 8192 octets.
var ErrLineTooLong = errors.New("line too long")

// ErrNoSuchPart is returned by Message.Section for a section whose part does not
// exist in the message, or whose HEADER/TEXT specifier names a part that is not
// of type MESSAGE/RFC822 (RFC 3501 §6.4.5).
var ErrNoSuchPart = errors.New("no such body part")

// SyntaxError is a violation of the RFC 3501 §9 grammar found while decoding.
// Its text is meant for a "BAD" response.
type SyntaxError struct {
	Pos int64  // octet offset from the start of the command (literal bodies included)
	Msg string // what was expected and what was found
	Err error  // an underlying cause such as ErrLineTooLong, or nil
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at octet %d: %s", e.Pos, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// describe names an octet for an error message.
func describe(c byte) string {
	switch {
	case c == ' ':
		return "SP"
	case c == '\r':
		return "CR"
	case c == '\n':
		return "LF"
	case c < ' ' || c >= 0x7f:
		return fmt.Sprintf("octet 0x%02x", c)
	default:
		return fmt.Sprintf("%q", c)
	}
}
