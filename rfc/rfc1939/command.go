package rfc1939

import (
	"fmt"
	"strconv"
)

// Limits of RFC 1939 §3. RFC 2449 §4 raises the command length to 255 octets
// for servers that offer CAPA; see package rfc2449.
const (
	MaxKeywordLength  = 4   // §3: keywords are three or four characters long
	MinKeywordLength  = 3   // §3
	MaxResponseLength = 512 // §3: a response line, including its CRLF
	MaxUniqueIDLength = 70  // §7 UIDL
)

// Command is one parsed command line.
type Command struct {
	// Keyword is the command keyword in upper case (§3: keywords are
	// case-insensitive).
	Keyword string
	// Args are the arguments, separated on the line by single spaces (§3).
	Args []string
	// Rest is everything after the keyword and its following space, unsplit.
	// PASS uses it so that a password may contain spaces (§7).
	Rest string
}

// SyntaxError describes a command line that does not follow §3.
type SyntaxError struct {
	Offset int    // octet offset into the line
	Msg    string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at octet %d: %s", e.Offset, e.Msg)
}

// IsVCHAR reports whether c is a visible US-ASCII character (RFC 5234 VCHAR).
func IsVCHAR(c byte) bool { return c >= 0x21 && c <= 0x7e }

// isParamOctet reports whether c may appear in a parameter: a VCHAR or, as a
// documented extension for UTF-8 user names and passwords, an octet above 0x7F.
func isParamOctet(c byte) bool { return IsVCHAR(c) || c >= 0x80 }

// ParseCommand parses one command line without its line terminator (§3;
// RFC 2449 §3: command = keyword *(SP param) CRLF, keyword = 3*4VCHAR,
// param = 1*VCHAR). A trailing CR is tolerated and removed. The keyword is
// returned in upper case.
func ParseCommand(line []byte) (Command, error) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return Command{}, &SyntaxError{Offset: 0, Msg: "empty command line"}
	}
	i := 0
	for i < len(line) && line[i] != ' ' {
		if !IsVCHAR(line[i]) {
			return Command{}, &SyntaxError{Offset: i, Msg: "invalid octet in keyword"}
		}
		i++
	}
	if i < MinKeywordLength || i > MaxKeywordLength {
		return Command{}, &SyntaxError{Offset: 0, Msg: "keyword must be 3 or 4 characters"}
	}
	cmd := Command{Keyword: upperASCII(line[:i])}
	if i == len(line) {
		return cmd, nil
	}
	// line[i] is the SP after the keyword.
	i++
	cmd.Rest = string(line[i:])
	for j := i; j < len(line); j++ {
		if line[j] != ' ' && !isParamOctet(line[j]) {
			return Command{}, &SyntaxError{Offset: j, Msg: "control octet in arguments"}
		}
	}
	start := i
	for j := i; j <= len(line); j++ {
		if j < len(line) && line[j] != ' ' {
			continue
		}
		if j == start {
			return cmd, &SyntaxError{Offset: j, Msg: "empty argument (arguments are separated by single spaces)"}
		}
		cmd.Args = append(cmd.Args, string(line[start:j]))
		start = j + 1
	}
	return cmd, nil
}

func upperASCII(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

// maxNumberDigits bounds message numbers and line counts so that they fit an
// int on every platform Go supports.
const maxNumberDigits = 9

// ParseMessageNumber parses a message-number argument (§4: decimal, the first
// message is 1). It does not check that the message exists.
func ParseMessageNumber(s string) (int, error) {
	n, err := parseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("invalid message number %q: %v", s, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("invalid message number %q: message numbers start at 1", s)
	}
	return n, nil
}

// ParseLineCount parses the second argument of TOP (§7: a non-negative number of
// lines). Counts too large to represent mean "the whole body" and are returned as
// the largest count.
func ParseLineCount(s string) (int, error) {
	if len(s) > maxNumberDigits && allDigits(s) {
		return maxLineCount, nil
	}
	n, err := parseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("invalid line count %q: %v", s, err)
	}
	return n, nil
}

const maxLineCount = 999999999

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseDecimal(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	if !allDigits(s) {
		return 0, fmt.Errorf("not a decimal number")
	}
	if len(s) > maxNumberDigits {
		return 0, fmt.Errorf("too large")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	return n, nil
}
