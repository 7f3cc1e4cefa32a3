package rfc2920

import "strings"

// Keyword is the LHLO/EHLO keyword of the extension (RFC 2920 §2).
const Keyword = "PIPELINING"

// continuing lists the commands RFC 2920 §3.1 allows anywhere in a group:
// "RSET, MAIL FROM, SEND FROM, SOML FROM, SAML FROM, and RCPT TO".
var continuing = map[string]bool{
	"RSET": true,
	"MAIL": true,
	"SEND": true,
	"SOML": true,
	"SAML": true,
	"RCPT": true,
}

// EndsGroup reports whether a client must wait for the replies after
// sending this command, given its command line or verb: per RFC 2920 §3.1
// only RSET, MAIL, SEND, SOML, SAML and RCPT may be followed by more
// commands in the same group. EHLO (LHLO in LMTP), DATA, VRFY, EXPN, TURN,
// QUIT and NOOP end a group, and so does every command that another
// extension adds unless that extension says otherwise ("Additional commands
// ... may only appear as the last command in a group"), and so does any
// unrecognised command. The verb is matched case-insensitively (RFC 5321
// §2.4).
func EndsGroup(command string) bool {
	verb := command
	if i := strings.IndexAny(verb, " \t"); i >= 0 {
		verb = verb[:i]
	}
	return !continuing[strings.ToUpper(verb)]
}

// Groups splits a sequence of command lines into the groups a pipelining
// client may send in one write each (RFC 2920 §3.1): every group ends with
// a command for which EndsGroup is true, or with the last command.
func Groups(commands []string) [][]string {
	var groups [][]string
	start := 0
	for i, c := range commands {
		if EndsGroup(c) {
			groups = append(groups, commands[start:i+1])
			start = i + 1
		}
	}
	if start < len(commands) {
		groups = append(groups, commands[start:])
	}
	return groups
}
