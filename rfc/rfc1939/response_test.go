package rfc1939

import (
	"strings"
	"testing"
)

func TestAppendStatus(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		// §4, §5 and §6 examples.
		{string(AppendOK(nil, "POP3 server ready")), "+OK POP3 server ready\r\n"},
		{string(AppendOK(nil, "2 320")), "+OK 2 320\r\n"},
		{string(AppendOK(nil, "")), "+OK\r\n"},
		{string(AppendERR(nil, "no such message, only 2 messages in maildrop")), "-ERR no such message, only 2 messages in maildrop\r\n"},
		{string(AppendERR(nil, "bad\r\nline")), "-ERR bad  line\r\n"},
		{string(AppendLine(nil, "1 120")), "1 120\r\n"},
		{string(AppendLine(nil, ".hidden")), "..hidden\r\n"},
		{string(AppendEnd(nil)), ".\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestAppendStatusLength: a response line never exceeds 512 octets with its
// CRLF (§3).
func TestAppendStatusLength(t *testing.T) {
	long := strings.Repeat("x", 1000)
	for _, line := range [][]byte{AppendOK(nil, long), AppendERR(nil, long), AppendLine(nil, long), AppendLine(nil, "."+long)} {
		if len(line) != MaxResponseLength {
			t.Errorf("line of %d octets, want %d", len(line), MaxResponseLength)
		}
		if !strings.HasSuffix(string(line), "x\r\n") {
			t.Errorf("line does not end in text and CRLF: %q", line[len(line)-5:])
		}
	}
}
