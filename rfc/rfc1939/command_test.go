package rfc1939

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line string
		want Command
		err  bool
	}{
		// §5 and §10 examples.
		{line: "STAT", want: Command{Keyword: "STAT"}},
		{line: "LIST", want: Command{Keyword: "LIST"}},
		{line: "LIST 2", want: Command{Keyword: "LIST", Args: []string{"2"}, Rest: "2"}},
		{line: "RETR 1", want: Command{Keyword: "RETR", Args: []string{"1"}, Rest: "1"}},
		{line: "DELE 1", want: Command{Keyword: "DELE", Args: []string{"1"}, Rest: "1"}},
		{line: "NOOP", want: Command{Keyword: "NOOP"}},
		{line: "RSET", want: Command{Keyword: "RSET"}},
		{line: "QUIT", want: Command{Keyword: "QUIT"}},
		// §7 examples.
		{line: "TOP 1 10", want: Command{Keyword: "TOP", Args: []string{"1", "10"}, Rest: "1 10"}},
		{line: "UIDL 2", want: Command{Keyword: "UIDL", Args: []string{"2"}, Rest: "2"}},
		{line: "USER mrose", want: Command{Keyword: "USER", Args: []string{"mrose"}, Rest: "mrose"}},
		{line: "PASS secret", want: Command{Keyword: "PASS", Args: []string{"secret"}, Rest: "secret"}},
		{line: "APOP mrose c4c9334bac560ecc979e58001b3e22fb", want: Command{
			Keyword: "APOP", Args: []string{"mrose", "c4c9334bac560ecc979e58001b3e22fb"},
			Rest: "mrose c4c9334bac560ecc979e58001b3e22fb"}},
		// §3: keywords are case-insensitive.
		{line: "stat", want: Command{Keyword: "STAT"}},
		{line: "Top 1 0", want: Command{Keyword: "TOP", Args: []string{"1", "0"}, Rest: "1 0"}},
		// A trailing CR is removed (the caller strips LF).
		{line: "NOOP\r", want: Command{Keyword: "NOOP"}},
		// UTF-8 in a user name is accepted.
		{line: "USER j\xc3\xb6rg", want: Command{Keyword: "USER", Args: []string{"j\xc3\xb6rg"}, Rest: "j\xc3\xb6rg"}},
		// Errors.
		{line: "", err: true},
		{line: "\r", err: true},
		{line: "NO", err: true},
		{line: "STATUS", err: true},
		{line: " STAT", err: true},
		{line: "ST\x01T", err: true},
		{line: "USER a\tb", err: true},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if tt.err {
			if err == nil {
				t.Errorf("ParseCommand(%q) = %+v, want error", tt.line, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tt.line, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
}

// TestParseCommandRest: an empty argument is a syntax error, but the keyword and
// the unsplit rest are still returned, for PASS (§7: spaces may be part of the
// password).
func TestParseCommandRest(t *testing.T) {
	for _, line := range []string{"PASS two  spaces", "PASS trailing ", "PASS  leading"} {
		cmd, err := ParseCommand([]byte(line))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("ParseCommand(%q) error = %v, want *SyntaxError", line, err)
		}
		if cmd.Keyword != "PASS" || cmd.Rest != strings.TrimPrefix(line, "PASS ") {
			t.Errorf("ParseCommand(%q) = %+v, want keyword PASS and the rest unsplit", line, cmd)
		}
	}
	cmd, err := ParseCommand([]byte("PASS a b"))
	if err != nil || cmd.Rest != "a b" || len(cmd.Args) != 2 {
		t.Errorf("ParseCommand(PASS a b) = %+v, %v", cmd, err)
	}
}

func TestParseMessageNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{in: "1", want: 1},
		{in: "42", want: 42},
		{in: "007", want: 7},
		{in: "999999999", want: 999999999},
		{in: "0", err: true},
		{in: "", err: true},
		{in: "-1", err: true},
		{in: "+1", err: true},
		{in: "1a", err: true},
		{in: "1000000000", err: true},
		{in: "99999999999999999999999", err: true},
	}
	for _, tt := range tests {
		got, err := ParseMessageNumber(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseMessageNumber(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseLineCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{in: "0", want: 0},
		{in: "10", want: 10},
		{in: "99999999999999999999", want: maxLineCount},
		{in: "", err: true},
		{in: "-1", err: true},
		{in: "x", err: true},
	}
	for _, tt := range tests {
		got, err := ParseLineCount(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseLineCount(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"STAT", "LIST 2", "TOP 1 10", "PASS a  b", "uidl", "", "AUTH PLAIN =", "X\x00Y", "USER \xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := ParseCommand(line)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(line) {
				t.Fatalf("offset %d out of range for %d octets", se.Offset, len(line))
			}
			return
		}
		if n := len(cmd.Keyword); n < MinKeywordLength || n > MaxKeywordLength {
			t.Fatalf("keyword %q has %d octets", cmd.Keyword, n)
		}
		if cmd.Keyword != strings.ToUpper(cmd.Keyword) {
			t.Fatalf("keyword %q not upper case", cmd.Keyword)
		}
		if strings.Join(cmd.Args, " ") != cmd.Rest {
			t.Fatalf("args %q do not join to rest %q", cmd.Args, cmd.Rest)
		}
		for _, a := range cmd.Args {
			if a == "" {
				t.Fatal("empty argument")
			}
			for i := 0; i < len(a); i++ {
				if !isParamOctet(a[i]) {
					t.Fatalf("argument %q contains %#x", a, a[i])
				}
			}
		}
	})
}
