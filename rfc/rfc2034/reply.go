package rfc2034

import (
	"fmt"

	"github.com/loftmail/loft/rfc/rfc3463"
)

// Keyword is the LHLO/EHLO keyword of the extension (RFC 2034 §3 item 2).
const Keyword = "ENHANCEDSTATUSCODES"

// ReplyLine is one line of an SMTP or LMTP reply (RFC 5321 §4.2) with the
// enhanced status code that RFC 2034 §4 puts at the start of its text.
type ReplyLine struct {
	// Code is the three-digit reply code.
	Code int
	// More is true when the line ends with "-": another line of the same
	// reply follows (RFC 5321 §4.2.1).
	More bool
	// Status is the enhanced status code, if the text begins with one;
	// HasStatus says whether it did.
	Status    rfc3463.Code
	HasStatus bool
	// Text is the rest of the line after the status code and the spaces
	// that follow it (or after the reply code when there is no status).
	Text string
}

// ReplyError describes a reply line that does not follow RFC 5321 §4.2 or
// RFC 2034 §4.
type ReplyError struct {
	Line   string
	Offset int
	Reason string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("rfc2034: reply line %q: at offset %d: %s", e.Line, e.Offset, e.Reason)
}

// ParseReplyLine parses one reply line, without its CRLF. The reply code
// follows RFC 5321 §4.2 (Reply-code = %x32-35 %x30-35 %x30-39); after it
// comes "-" or a space and a textstring, or nothing (§4.2 asks clients to
// accept a bare code). When the text begins with a status code followed by
// a space or the end of the line, it is parsed into Status (RFC 2034 §4);
// text that does not begin with one is left in Text with HasStatus false,
// as in the greeting and the LHLO reply.
func ParseReplyLine(line string) (ReplyLine, error) {
	var r ReplyLine
	if len(line) < 3 {
		return r, &ReplyError{Line: line, Reason: "shorter than a reply code"}
	}
	if line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' || line[2] < '0' || line[2] > '9' {
		return r, &ReplyError{Line: line, Reason: "not a reply code"}
	}
	r.Code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	rest := line[3:]
	if rest == "" {
		return r, nil
	}
	switch rest[0] {
	case '-':
		r.More = true
	case ' ':
	default:
		return r, &ReplyError{Line: line, Offset: 3, Reason: `expected "-" or SP after the reply code`}
	}
	rest = rest[1:]
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c != '\t' && (c < 32 || c > 126) {
			return r, &ReplyError{Line: line, Offset: 4 + i, Reason: "text is not HT, SP or printable US-ASCII"}
		}
	}
	if code, n, err := rfc3463.ParsePrefix(rest); err == nil && (n == len(rest) || rest[n] == ' ') {
		r.Status, r.HasStatus = code, true
		rest = rest[n:]
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
	}
	r.Text = rest
	return r, nil
}

// RequiresStatus reports whether a reply with this code must carry an
// enhanced status code under RFC 2034 §4: 2xx, 4xx and 5xx replies do,
// except the greeting and the reply to LHLO, HELO or EHLO, which the caller
// leaves out.
func RequiresStatus(code int) bool {
	switch code / 100 {
	case 2, 4, 5:
		return true
	}
	return false
}

// CheckReplyLine checks a parsed line against RFC 2034 §4: a 2xx, 4xx or
// 5xx line carries a status code of the same class. The caller skips the
// greeting and the LHLO reply.
func CheckReplyLine(r ReplyLine) error {
	if !RequiresStatus(r.Code) {
		return nil
	}
	if !r.HasStatus {
		return fmt.Errorf("rfc2034: %d reply without an enhanced status code", r.Code)
	}
	if !r.Status.Matches(r.Code) {
		return fmt.Errorf("rfc2034: %d reply with status code %v of another class", r.Code, r.Status)
	}
	return nil
}
