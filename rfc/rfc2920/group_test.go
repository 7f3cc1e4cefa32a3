package rfc2920

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEndsGroup(t *testing.T) {
	tests := []struct {
		cmd  string
		want bool
	}{
		// RFC 2920 §3.1: may appear anywhere in a group.
		{"RSET", false},
		{"MAIL FROM:<mrose@dbc.mtview.ca.us>", false},
		{"mail from:<>", false},
		{"SEND FROM:<a@b>", false},
		{"SOML FROM:<a@b>", false},
		{"SAML FROM:<a@b>", false},
		{"RCPT TO:<ned@innosoft.com>", false},
		{"Rcpt\tTO:<x@y>", false},
		// §3.1: only as the last command in a group.
		{"EHLO dbc.mtview.ca.us", true},
		{"LHLO client.example", true},
		{"DATA", true},
		{"VRFY x", true},
		{"EXPN x", true},
		{"TURN", true},
		{"QUIT", true},
		{"NOOP", true},
		// Commands of other extensions, and unknown ones.
		{"STARTTLS", true},
		{"AUTH PLAIN", true},
		{"XYZZY", true},
		{"", true},
		{"RCPTTO:<x@y>", true},
	}
	for _, tt := range tests {
		if got := EndsGroup(tt.cmd); got != tt.want {
			t.Errorf("EndsGroup(%q) = %v, want %v", tt.cmd, got, tt.want)
		}
	}
}

func TestGroups(t *testing.T) {
	// The pipelined dialogue of RFC 2920 §4, then a second transaction
	// whose RSET/MAIL may share a group with what follows.
	cmds := []string{
		"EHLO dbc.mtview.ca.us",
		"MAIL FROM:<mrose@dbc.mtview.ca.us>",
		"RCPT TO:<ned@innosoft.com>",
		"RCPT TO:<dan@innosoft.com>",
		"RCPT TO:<kvc@innosoft.com>",
		"DATA",
		"RSET",
		"MAIL FROM:<a@b>",
		"RCPT TO:<c@d>",
	}
	want := [][]string{
		{"EHLO dbc.mtview.ca.us"},
		{"MAIL FROM:<mrose@dbc.mtview.ca.us>", "RCPT TO:<ned@innosoft.com>", "RCPT TO:<dan@innosoft.com>", "RCPT TO:<kvc@innosoft.com>", "DATA"},
		{"RSET", "MAIL FROM:<a@b>", "RCPT TO:<c@d>"},
	}
	if diff := cmp.Diff(want, Groups(cmds)); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}
	if got := Groups(nil); len(got) != 0 {
		t.Errorf("Groups(nil) = %v", got)
	}
}
