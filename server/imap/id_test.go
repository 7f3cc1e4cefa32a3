package imap

import (
	"strings"
	"testing"
)

// TestIDLog: the client's ID list is logged with its control characters
// replaced (RFC 2971 §3: for human consumption; a literal may carry CR LF,
// which must not forge a log line), and the answer is the server's list.
func TestIDLog(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect(`i1 ID ("name" {7}`, "+ Ready for literal data")
	got := c.cmd("ab\r\ncde)")
	if len(got) != 2 || !strings.HasPrefix(got[0], `* ID ("name" "Loft" "version" "`) || got[1] != "i1 OK ID completed" {
		t.Errorf("ID: %q", got)
	}
	logs := env.logs.String()
	if !strings.Contains(logs, "ab\uFFFD\uFFFDcde") {
		t.Errorf("the client's ID is not logged made printable:\n%s", logs)
	}
	if strings.Contains(logs, "ab\r\ncde") || strings.Contains(logs, "\ncde") {
		t.Errorf("the client's ID reached the log raw:\n%s", logs)
	}
}
