package rfc2449

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc1939"
)

// Length limits of §4, including the terminating CRLF.
const (
	MaxCommandLength    = 255 // a command line
	MaxResponseLength   = 512 // the first line of a response, and a capability line (§5)
	MaxCapabilityLength = 512
)

// Capability tags of §6, RFC 3206 §6 and RFC 2595 §4.
const (
	TagTop            = "TOP"            // §6.1
	TagUser           = "USER"           // §6.2
	TagSASL           = "SASL"           // §6.3
	TagRespCodes      = "RESP-CODES"     // §6.4
	TagLoginDelay     = "LOGIN-DELAY"    // §6.5
	TagPipelining     = "PIPELINING"     // §6.6
	TagExpire         = "EXPIRE"         // §6.7
	TagUIDL           = "UIDL"           // §6.8
	TagImplementation = "IMPLEMENTATION" // §6.9
	TagAuthRespCode   = "AUTH-RESP-CODE" // RFC 3206 §6
	TagSTLS           = "STLS"           // RFC 2595 §4
)

// Code is an extended response code (§8), without its brackets: one or more
// levels separated by "/". Codes are case-insensitive.
type Code string

// Response codes of §8.1 and RFC 3206.
const (
	CodeNone       Code = ""
	CodeLoginDelay Code = "LOGIN-DELAY" // §8.1.1
	CodeInUse      Code = "IN-USE"      // §8.1.2
	CodeSysTemp    Code = "SYS/TEMP"    // RFC 3206 §4: a temporary system error
	CodeSysPerm    Code = "SYS/PERM"    // RFC 3206 §4: a permanent system error
	CodeAuth       Code = "AUTH"        // RFC 3206 §5: a problem with the credentials
)

// isRchar reports whether c is an rchar of §3: printable ASCII except "/" and "]".
func isRchar(c byte) bool {
	return c >= 0x21 && c <= 0x7e && c != '/' && c != ']'
}

// Valid reports whether c follows §3's resp-code grammar
// (resp-level *("/" resp-level), resp-level = 1*rchar). The empty code is not
// valid; it stands for "no code".
func (c Code) Valid() bool {
	if c == "" {
		return false
	}
	for _, level := range strings.Split(string(c), "/") {
		if level == "" {
			return false
		}
		for i := 0; i < len(level); i++ {
			if !isRchar(level[i]) {
				return false
			}
		}
	}
	return true
}

// Is reports whether c is want or a more detailed code below want: §8 tells
// clients to ignore unknown hierarchical detail, so "SYS/TEMP/DISK" is
// "SYS/TEMP" and "SYS". The comparison is case-insensitive.
func (c Code) Is(want Code) bool {
	if len(c) < len(want) || !strings.EqualFold(string(c[:len(want)]), string(want)) {
		return false
	}
	return len(c) == len(want) || c[len(want)] == '/'
}

// AppendOK appends "+OK", the response code in brackets when code is not
// empty, the text, and CRLF (§3 single-line, §8). The line is limited to
// MaxResponseLength octets as rfc1939.AppendStatus does.
func AppendOK(dst []byte, code Code, text string) []byte {
	return appendStatus(dst, rfc1939.OK, code, text)
}

// AppendERR appends "-ERR", the response code in brackets when code is not
// empty, the text, and CRLF (§3 single-line, §8). An invalid code is left out.
func AppendERR(dst []byte, code Code, text string) []byte {
	return appendStatus(dst, rfc1939.ERR, code, text)
}

func appendStatus(dst []byte, status string, code Code, text string) []byte {
	if !code.Valid() {
		// No code, or one that would not parse: send the text alone.
		// §3: text = *schar / resp-code *CHAR. Text without a code must not
		// begin with "[", or a client would read one.
		if strings.HasPrefix(text, "[") {
			text = " " + text
		}
		return rfc1939.AppendStatus(dst, status, text)
	}
	t := "[" + string(code) + "]"
	if text != "" {
		t += " " + text
	}
	return rfc1939.AppendStatus(dst, status, t)
}

// Response is a parsed single-line response (the client side of §3 and §8).
type Response struct {
	OK   bool
	Code Code // empty when the text has no response code
	Text string
}

// ParseResponse parses a single-line response without its CRLF.
func ParseResponse(line string) (Response, error) {
	var r Response
	var rest string
	switch {
	case strings.HasPrefix(line, rfc1939.OK):
		r.OK, rest = true, line[len(rfc1939.OK):]
	case strings.HasPrefix(line, rfc1939.ERR):
		rest = line[len(rfc1939.ERR):]
	default:
		return r, fmt.Errorf("response %q: status is neither +OK nor -ERR", line)
	}
	if rest == "" {
		return r, nil
	}
	if rest[0] != ' ' {
		return r, fmt.Errorf("response %q: no space after status", line)
	}
	rest = rest[1:]
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return r, fmt.Errorf("response %q: unterminated response code", line)
		}
		code := Code(rest[1:end])
		if !code.Valid() {
			return r, fmt.Errorf("response %q: invalid response code", line)
		}
		r.Code = code
		rest = strings.TrimPrefix(rest[end+1:], " ")
	}
	r.Text = rest
	return r, nil
}

// Capability is one line of a CAPA response (§5): a tag and its parameters.
type Capability struct {
	Tag    string
	Params []string
}

// ValidTag reports whether tag follows §3's capa-tag (1*cchar: printable
// ASCII except ".").
func ValidTag(tag string) bool {
	if tag == "" {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c < 0x21 || c > 0x7e || c == '.' {
			return false
		}
	}
	return true
}

// AppendCapability appends one capability line (§3: capa-tag *(SP param)
// CRLF). It returns an error when the tag or a parameter is invalid or the line
// would exceed MaxCapabilityLength octets.
func AppendCapability(dst []byte, c Capability) ([]byte, error) {
	if !ValidTag(c.Tag) {
		return dst, fmt.Errorf("rfc2449: invalid capability tag %q", c.Tag)
	}
	n := len(c.Tag) + 2
	for _, p := range c.Params {
		if p == "" {
			return dst, fmt.Errorf("rfc2449: %s: empty parameter", c.Tag)
		}
		for i := 0; i < len(p); i++ {
			if !rfc1939.IsVCHAR(p[i]) {
				return dst, fmt.Errorf("rfc2449: %s: invalid parameter %q", c.Tag, p)
			}
		}
		n += 1 + len(p)
	}
	if n > MaxCapabilityLength {
		return dst, fmt.Errorf("rfc2449: %s: capability line of %d octets", c.Tag, n)
	}
	dst = append(dst, c.Tag...)
	for _, p := range c.Params {
		dst = append(dst, ' ')
		dst = append(dst, p...)
	}
	return append(dst, '\r', '\n'), nil
}

// AppendCapabilities appends a whole CAPA response (§5): "+OK", text, one line
// per capability, and the terminating line.
func AppendCapabilities(dst []byte, text string, caps []Capability) ([]byte, error) {
	dst = rfc1939.AppendOK(dst, text)
	for _, c := range caps {
		var err error
		if dst, err = AppendCapability(dst, c); err != nil {
			return dst, err
		}
	}
	return rfc1939.AppendEnd(dst), nil
}

// ParseCapability parses one capability line without its CRLF. Tags are
// case-insensitive (§5) and returned in upper case.
func ParseCapability(line string) (Capability, error) {
	fields := strings.Split(line, " ")
	if !ValidTag(fields[0]) {
		return Capability{}, fmt.Errorf("capability %q: invalid tag", line)
	}
	c := Capability{Tag: strings.ToUpper(fields[0])}
	for _, p := range fields[1:] {
		if p == "" {
			return Capability{}, fmt.Errorf("capability %q: empty parameter", line)
		}
		c.Params = append(c.Params, p)
	}
	return c, nil
}
