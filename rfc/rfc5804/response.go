package rfc5804

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Status is the first word of a final response (§4 response-oknobye).
type Status string

const (
	OK  Status = "OK"
	NO  Status = "NO"
	BYE Status = "BYE"
)

// The response codes of §1.3 (registered in §6.4). A code is a
// "/"-separated hierarchy; a client that does not know a detail treats it
// as its parent (QUOTA/MAXSIZE as QUOTA).
const (
	CodeAuthTooWeak      = "AUTH-TOO-WEAK"     // NO/BYE to AUTHENTICATE: mechanism too weak for this identity
	CodeEncryptNeeded    = "ENCRYPT-NEEDED"    // NO/BYE to AUTHENTICATE: encryption required first
	CodeQuota            = "QUOTA"             // the command would exceed a quota
	CodeQuotaMaxScripts  = "QUOTA/MAXSCRIPTS"  // the number of scripts
	CodeQuotaMaxSize     = "QUOTA/MAXSIZE"     // the size of a script
	CodeReferral         = "REFERRAL"          // BYE: use the server of the Sieve URL argument
	CodeSASL             = "SASL"              // OK to AUTHENTICATE: final server SASL data (base64 string)
	CodeTransitionNeeded = "TRANSITION-NEEDED" // NO to AUTHENTICATE: authenticate once with PLAIN over TLS
	CodeTryLater         = "TRYLATER"          // a temporary server failure
	CodeActive           = "ACTIVE"            // not allowed on the active script
	CodeNonexistent      = "NONEXISTENT"       // no script by that name
	CodeAlreadyExists    = "ALREADYEXISTS"     // a script by that name exists
	CodeWarnings         = "WARNINGS"          // the script is valid but may not do what was meant
	CodeTag              = "TAG"               // NOOP's string echoed back (§2.13)
)

// Code is a response code (§4 resp-code): a name and, for SASL, TAG,
// REFERRAL and extensions that take one, an argument.
type Code struct {
	Name string
	// Arg is the argument: a string for SASL, TAG and extension codes
	// (encoded quoted or as a literal), a Sieve URL written as is for
	// REFERRAL (§3). HasArg tells an empty string from none.
	Arg    string
	HasArg bool
}

// Response is a final response (§4 response-ok, response-nobye).
type Response struct {
	Status Status
	Code   *Code  // nil for none
	Text   string // human-readable UTF-8 text; "" with HasText false for none
	// HasText tells an empty text string from none.
	HasText bool
}

// quotable reports whether s can be sent as a quoted string (§4 quoted):
// at most MaxQuoted octets of UTF-8 without NUL, CR or LF.
func quotable(s string) bool {
	if len(s) > MaxQuoted || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexAny(s, "\x00\r\n") < 0
}

// AppendString appends s as a §4 string: quoted where it can be, else as a
// server literal ("{n}" CRLF octets, literal-s2c).
func AppendString(b []byte, s string) []byte {
	if !quotable(s) {
		b = append(b, '{')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, "}\r\n"...)
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// AppendLiteral appends s as a server literal whatever its content, as
// GETSCRIPT does with a script (§2.9).
func AppendLiteral(b []byte, s string) []byte {
	b = append(b, '{')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, "}\r\n"...)
	return append(b, s...)
}

// AppendResponse appends r and its CRLF (§4 response-ok / response-nobye):
// status [SP "(" code [SP arg] ")"] [SP string] CRLF.
func AppendResponse(b []byte, r Response) []byte {
	b = append(b, r.Status...)
	if r.Code != nil {
		b = append(b, " ("...)
		b = append(b, r.Code.Name...)
		if r.Code.HasArg {
			b = append(b, ' ')
			if r.Code.Name == CodeReferral {
				b = append(b, r.Code.Arg...)
			} else {
				b = AppendString(b, r.Code.Arg)
			}
		}
		b = append(b, ')')
	}
	if r.HasText || r.Text != "" {
		b = append(b, ' ')
		b = AppendString(b, r.Text)
	}
	return append(b, "\r\n"...)
}

// Capability is one line of a capability response (§1.7, §4
// single-capability): a name and an optional value.
type Capability struct {
	Name     string
	Value    string
	HasValue bool
}

// AppendCapability appends one capability line and its CRLF.
func AppendCapability(b []byte, c Capability) []byte {
	b = AppendString(b, c.Name)
	if c.HasValue {
		b = append(b, ' ')
		b = AppendString(b, c.Value)
	}
	return append(b, "\r\n"...)
}

// AppendScriptLine appends one LISTSCRIPTS line (§2.7): the name, " ACTIVE"
// for the active script, CRLF.
func AppendScriptLine(b []byte, name string, active bool) []byte {
	b = AppendString(b, name)
	if active {
		b = append(b, " ACTIVE"...)
	}
	return append(b, "\r\n"...)
}
