package rfc2595

import "errors"

// Capability is the CAPA tag that announces STLS (§4).
const Capability = "STLS"

// Reasons that STLS is refused (§4).
var (
	ErrTLSActive    = errors.New("Command not permitted when TLS active")
	ErrState        = errors.New("STLS is only permitted in AUTHORIZATION state")
	ErrArguments    = errors.New("STLS takes no arguments")
	ErrNotAvailable = errors.New("TLS is not available on this server")
)

// Session is what the STLS rules of §4 need to know about a POP3 session.
type Session struct {
	Authorization bool // the session is in the AUTHORIZATION state
	TLSActive     bool // a TLS layer is active (after STLS, or implicit TLS)
	TLSAvailable  bool // the server has a certificate to offer
}

// Check reports whether an STLS command with nargs arguments may start a TLS
// negotiation in session s (§4), and if not, why.
func Check(s Session, nargs int) error {
	switch {
	case nargs != 0:
		return ErrArguments
	case s.TLSActive:
		return ErrTLSActive
	case !s.Authorization:
		return ErrState
	case !s.TLSAvailable:
		return ErrNotAvailable
	}
	return nil
}

// Offered reports whether the STLS capability is announced in session s: only
// when the command is "present and permitted in the current state" (§4).
func Offered(s Session) bool {
	return Check(s, 0) == nil
}

// PlaintextPasswordsAllowed reports whether commands and mechanisms that send a
// password in the clear (USER/PASS, SASL PLAIN and LOGIN) may be used and
// announced: always under TLS, and without it only where the configuration
// allows (§2.3, §9).
func PlaintextPasswordsAllowed(tlsActive, insecureAllowed bool) bool {
	return tlsActive || insecureAllowed
}
