package rfc1734

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MaxMechanismLength is the longest SASL mechanism name (RFC 4422 §3.1).
const MaxMechanismLength = 20

// ErrCanceled is returned by ParseResponse for the line "*" (RFC 1734 §2: the
// client cancels the exchange; the server must answer with a negative response).
var ErrCanceled = errors.New("authentication exchange canceled by the client")

// ValidMechanism reports whether name is a SASL mechanism name (RFC 4422 §3.1:
// 1 to 20 upper-case letters, digits, "-" and "_"). Lower-case letters are
// accepted, because the AUTH command's mechanism is case-insensitive (RFC 1734
// §3).
func ValidMechanism(name string) bool {
	if name == "" || len(name) > MaxMechanismLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Auth is a parsed AUTH command.
type Auth struct {
	// Mechanism is the SASL mechanism name in upper case.
	Mechanism string
	// InitialResponse is the decoded initial response (RFC 5034 §4). It is nil
	// when the client sent none and empty, not nil, when the client sent "=".
	InitialResponse []byte
}

// ParseAuth parses the arguments of an AUTH command that has at least one
// (RFC 1734 §2; RFC 5034 §4: "AUTH" SP sasl-mech [SP initial-response]).
func ParseAuth(args []string) (Auth, error) {
	if len(args) == 0 || len(args) > 2 {
		return Auth{}, fmt.Errorf("AUTH takes a mechanism and an optional initial response")
	}
	if !ValidMechanism(args[0]) {
		return Auth{}, fmt.Errorf("invalid SASL mechanism name %q", args[0])
	}
	a := Auth{Mechanism: strings.ToUpper(args[0])}
	if len(args) == 2 {
		ir, err := decode(args[1], true)
		if err != nil {
			return Auth{}, fmt.Errorf("initial response: %v", err)
		}
		a.InitialResponse = ir
	}
	return a, nil
}

// ParseResponse decodes one client response line of an exchange, without its
// CRLF (RFC 1734 §2: a line of base64; "*" cancels). It returns ErrCanceled for
// "*". An empty line is an empty response.
func ParseResponse(line string) ([]byte, error) {
	if line == "*" {
		return nil, ErrCanceled
	}
	return decode(line, false)
}

// decode decodes strict, padded base64 (RFC 4648 §4). With allowEqual, "="
// stands for the empty string (RFC 5034 §4), since an empty argument cannot be
// sent.
func decode(s string, allowEqual bool) ([]byte, error) {
	if allowEqual {
		switch s {
		case "=":
			return []byte{}, nil
		case "":
			return nil, errors.New(`an empty initial response is sent as "="`)
		}
	}
	// encoding/base64 skips CR and LF; a response line has neither.
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/', c == '=':
		default:
			return nil, fmt.Errorf("invalid base64: octet %#02x at %d", c, i)
		}
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %v", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// AppendChallenge appends a server challenge line (RFC 1734 §2, RFC 5034 §4):
// "+", a space, the base64 challenge, CRLF.
func AppendChallenge(dst, challenge []byte) []byte {
	dst = append(dst, '+', ' ')
	dst = base64.StdEncoding.AppendEncode(dst, challenge)
	return append(dst, '\r', '\n')
}

// EncodeResponse returns the client's line for response (the client side of
// RFC 1734 §2), for tests and clients.
func EncodeResponse(response []byte) string {
	return base64.StdEncoding.EncodeToString(response)
}

// EncodeInitialResponse returns the initial-response argument for response
// (RFC 5034 §4: "=" when it is empty).
func EncodeInitialResponse(response []byte) string {
	if len(response) == 0 {
		return "="
	}
	return EncodeResponse(response)
}
