package imap

import (
	"strings"
	"testing"
)

// TestSkippedNonSyncLiteral: a command that is refused before its
// non-synchronizing literal is skipped with the literal's octets (RFC 7888
// §4), whatever the digits of the literal's size (RFC 9051 number64:
// leading zeros, up to 2^63-1). Were the literal missed, its octets would
// run as a command of their own.
func TestSkippedNonSyncLiteral(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	c.write("a1 BOGUS {" + strings.Repeat("0", 30) + "16+}\r\nb1 CREATE stray\r\na2 NOOP\r\n")
	if got := c.until("a2 "); strings.Join(got, "|") != "a1 BAD unknown command BOGUS|a2 OK NOOP completed" {
		t.Errorf("skipped literal with leading zeros: %q", got)
	}
	c.expect(`a3 LIST "" stray`, "a3 OK LIST completed")
}
