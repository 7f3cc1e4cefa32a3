package rfc3463

import (
	"fmt"
	"strconv"
)

// Class is the first sub-code of a status code (RFC 3463 §2).
type Class int

// The three classes of RFC 3463 §2.
const (
	Success           Class = 2 // 2.XXX.XXX
	PersistentFailure Class = 4 // 4.XXX.XXX, persistent transient failure
	PermanentFailure  Class = 5 // 5.XXX.XXX
)

// Subject values of RFC 3463 §2: the probable source of the condition.
const (
	SubjectUndefined = 0 // X.0.XXX Other or Undefined Status
	SubjectAddress   = 1 // X.1.XXX Addressing Status
	SubjectMailbox   = 2 // X.2.XXX Mailbox Status
	SubjectSystem    = 3 // X.3.XXX Mail System Status
	SubjectNetwork   = 4 // X.4.XXX Network and Routing Status
	SubjectProtocol  = 5 // X.5.XXX Mail Delivery Protocol Status
	SubjectMedia     = 6 // X.6.XXX Message Content or Media Status
	SubjectSecurity  = 7 // X.7.XXX Security or Policy Status
)

// maxSubCode is the largest subject or detail: both are 1*3digit (§2).
const maxSubCode = 999

// Code is an enhanced status code, class "." subject "." detail
// (RFC 3463 §2). The zero Code is not valid.
type Code struct {
	Class, Subject, Detail int
}

// Codes Loft sends, named after their RFC 3463 §3 titles.
var (
	// §3.1 X.0.0 Other undefined Status.
	OK = Code{2, 0, 0}
	// §3.2 X.1.0 Other address status: the originator was accepted.
	SenderOK = Code{2, 1, 0}
	// §3.2 X.1.5 Destination address valid.
	DestinationValid = Code{2, 1, 5}
	// §3.7 X.6.0 Other or undefined media error; in class 2 the message
	// was accepted without remark on its media (the code RFC 2034 §6
	// shows for an accepted message).
	MessageAccepted = Code{2, 6, 0}

	// §3.2 X.1.1 Bad destination mailbox address.
	BadDestinationMailbox = Code{5, 1, 1}
	// §3.2 X.1.3 Bad destination mailbox address syntax.
	BadDestinationSyntax = Code{5, 1, 3}
	// §3.2 X.1.7 Bad sender's mailbox address syntax.
	BadSenderSyntax = Code{5, 1, 7}
	// §3.3 X.2.0 Other or undefined mailbox status, transient.
	MailboxTemporary = Code{4, 2, 0}
	// §3.3 X.2.1 Mailbox disabled, not accepting messages.
	MailboxDisabled = Code{5, 2, 1}
	// §3.3 X.2.2 Mailbox full, as a transient failure.
	MailboxFullTemporary = Code{4, 2, 2}
	// §3.3 X.2.2 Mailbox full, as a permanent failure.
	MailboxFull = Code{5, 2, 2}
	// §3.4 X.3.0 Other or undefined mail system status, transient.
	SystemTemporary = Code{4, 3, 0}
	// §3.4 X.3.2 System not accepting network messages (shutting down,
	// too many connections).
	SystemNotAccepting = Code{4, 3, 2}
	// §3.4 X.3.4 Message too big for system.
	MessageTooBig = Code{5, 3, 4}
	// §3.5 X.4.3 Directory server failure.
	DirectoryFailure = Code{4, 4, 3}
	// §3.6 X.5.1 Invalid command.
	InvalidCommand = Code{5, 5, 1}
	// §3.6 X.5.2 Syntax error.
	SyntaxError = Code{5, 5, 2}
	// §3.6 X.5.3 Too many recipients, transient.
	TooManyRecipients = Code{4, 5, 3}
	// §3.6 X.5.4 Invalid command arguments.
	InvalidArguments = Code{5, 5, 4}
	// §3.7 X.6.0 Other or undefined media error, permanent.
	MediaError = Code{5, 6, 0}
	// §3.8 X.7.1 Delivery not authorized, message refused: a sender without
	// the p right on a shared folder (RFC 4314 §4), and the code RFC 5429
	// §2.5 recommends for a Sieve reject at the protocol level.
	DeliveryNotAuthorized = Code{5, 7, 1}
)

// Valid reports whether c satisfies the syntax of RFC 3463 §2: a class of
// 2, 4 or 5 and subject and detail of one to three digits.
func (c Code) Valid() bool {
	switch Class(c.Class) {
	case Success, PersistentFailure, PermanentFailure:
	default:
		return false
	}
	return c.Subject >= 0 && c.Subject <= maxSubCode && c.Detail >= 0 && c.Detail <= maxSubCode
}

// String formats c as status-code, each sub-code without leading zeros
// (RFC 3463 §2). An invalid Code formats with the same shape so that it
// shows in messages; use Valid to check.
func (c Code) String() string {
	b := make([]byte, 0, 11)
	return string(c.Append(b))
}

// Append appends the text form of c to b.
func (c Code) Append(b []byte) []byte {
	b = strconv.AppendInt(b, int64(c.Class), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(c.Subject), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(c.Detail), 10)
	return b
}

// Matches reports whether c agrees with the basic reply code of RFC 5321
// §4.2: RFC 2034 §4 requires a 2xx reply to carry a 2.X.X code, 4xx a
// 4.X.X and 5xx a 5.X.X.
func (c Code) Matches(replyCode int) bool {
	return c.Valid() && replyCode/100 == c.Class
}

// Transient reports whether c is a persistent transient failure (class 4).
func (c Code) Transient() bool { return Class(c.Class) == PersistentFailure }

// Permanent reports whether c is a permanent failure (class 5).
func (c Code) Permanent() bool { return Class(c.Class) == PermanentFailure }

// SyntaxErr describes where a status code failed to parse.
type SyntaxErr struct {
	Input  string // the text given to Parse
	Offset int    // octet offset of the problem within Input
	Reason string
}

func (e *SyntaxErr) Error() string {
	return fmt.Sprintf("rfc3463: status code %q: at offset %d: %s", e.Input, e.Offset, e.Reason)
}

// Parse parses a status code (RFC 3463 §2). The whole of s must be the
// code: white space and comments are not allowed within it, and each
// sub-code must have no leading zero digit.
func Parse(s string) (Code, error) {
	c, n, err := parsePrefix(s)
	if err != nil {
		return Code{}, err
	}
	if n != len(s) {
		return Code{}, &SyntaxErr{Input: s, Offset: n, Reason: "unexpected text after detail"}
	}
	return c, nil
}

// ParsePrefix parses a status code at the start of s and returns it with
// the number of octets it occupies. The code must end at the end of s or
// before a character that is not a digit or ".", as in a reply line where
// it is followed by a space (RFC 2034 §4).
func ParsePrefix(s string) (Code, int, error) {
	c, n, err := parsePrefix(s)
	if err != nil {
		return Code{}, 0, err
	}
	if n < len(s) && (s[n] == '.' || isDigit(s[n])) {
		return Code{}, 0, &SyntaxErr{Input: s, Offset: n, Reason: "sub-code too long"}
	}
	return c, n, nil
}

func parsePrefix(s string) (Code, int, error) {
	var c Code
	if s == "" {
		return c, 0, &SyntaxErr{Input: s, Reason: "empty"}
	}
	switch s[0] {
	case '2', '4', '5':
		c.Class = int(s[0] - '0')
	default:
		return Code{}, 0, &SyntaxErr{Input: s, Reason: "class must be 2, 4 or 5"}
	}
	i := 1
	for _, field := range []*int{&c.Subject, &c.Detail} {
		if i >= len(s) || s[i] != '.' {
			return Code{}, 0, &SyntaxErr{Input: s, Offset: i, Reason: `expected "."`}
		}
		i++
		start := i
		v := 0
		for i < len(s) && isDigit(s[i]) && i-start < 3 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		switch {
		case i == start:
			return Code{}, 0, &SyntaxErr{Input: s, Offset: i, Reason: "expected a digit"}
		case s[start] == '0' && i-start > 1:
			return Code{}, 0, &SyntaxErr{Input: s, Offset: start, Reason: "leading zero"}
		}
		*field = v
	}
	return c, i, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
