package rfc5804

import (
	"bufio"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func code(name string) *Code         { return &Code{Name: name} }
func codeArg(name, arg string) *Code { return &Code{Name: name, Arg: arg, HasArg: true} }

// TestResponseExamples encodes the responses of RFC 5804's examples that
// have one spelling, and parses every response of the examples.
func TestResponseExamples(t *testing.T) {
	tests := []struct {
		section string
		wire    string
		resp    Response
		encodes bool // AppendResponse gives wire (quoted strings, upper case)
	}{
		{"2.1", "OK (SASL \"cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==\")\r\n",
			Response{Status: OK, Code: codeArg(CodeSASL, "cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==")}, true},
		{"2.1", "NO\r\n", Response{Status: NO}, true},
		{"2.1", "BYE \"Too many failed authentication attempts\"\r\n",
			Response{Status: BYE, Text: "Too many failed authentication attempts", HasText: true}, true},
		{"2.1", "ok\r\n", Response{Status: OK}, false},
		{"2.2", "oK\r\n", Response{Status: OK}, false},
		{"2.3", "Ok\r\n", Response{Status: OK}, false},
		{"2.5", "NO (QUOTA/MAXSIZE) \"Quota exceeded\"\r\n",
			Response{Status: NO, Code: code(CodeQuotaMaxSize), Text: "Quota exceeded", HasText: true}, true},
		{"2.6", "NO \"line 2: Syntax error\"\r\n", Response{Status: NO, Text: "line 2: Syntax error", HasText: true}, true},
		{"2.6", "OK (WARNINGS) \"line 8: server redirect action limit is 2, this redirect might be ignored\"\r\n",
			Response{Status: OK, Code: code(CodeWarnings), Text: "line 8: server redirect action limit is 2, this redirect might be ignored", HasText: true}, true},
		{"2.8", "No (NONEXISTENT) \"There is no script by that name\"\r\n",
			Response{Status: NO, Code: code(CodeNonexistent), Text: "There is no script by that name", HasText: true}, false},
		{"2.8", "No (NONEXISTENT) {31}\r\nThere is no script by that name\r\n",
			Response{Status: NO, Code: code(CodeNonexistent), Text: "There is no script by that name", HasText: true}, false},
		{"2.10", "NO (ACTIVE) \"You may not delete an active script\"\r\n",
			Response{Status: NO, Code: code(CodeActive), Text: "You may not delete an active script", HasText: true}, true},
		{"2.11", "NO \"bar already exists\"\r\n", Response{Status: NO, Text: "bar already exists", HasText: true}, true},
		{"2.13", "OK \"NOOP completed\"\r\n", Response{Status: OK, Text: "NOOP completed", HasText: true}, true},
		{"2.13", "OK (TAG {16}\r\nSTARTTLS-SYNC-42) \"Done\"\r\n",
			Response{Status: OK, Code: codeArg(CodeTag, "STARTTLS-SYNC-42"), Text: "Done", HasText: true}, false},
		{"2.13", "OK (TAG \"STARTTLS-SYNC-42\") \"Done\"\r\n",
			Response{Status: OK, Code: codeArg(CodeTag, "STARTTLS-SYNC-42"), Text: "Done", HasText: true}, true},
		{"1.3", "BYE (REFERRAL sieve://sieve.example.com) \"Try elsewhere\"\r\n",
			Response{Status: BYE, Code: codeArg(CodeReferral, "sieve://sieve.example.com"), Text: "Try elsewhere", HasText: true}, true},
		{"1.3", "NO (TRYLATER) \"directory unavailable\"\r\n",
			Response{Status: NO, Code: code(CodeTryLater), Text: "directory unavailable", HasText: true}, true},
		{"1.3", "NO (ENCRYPT-NEEDED)\r\n", Response{Status: NO, Code: code(CodeEncryptNeeded)}, true},
		{"1.3", "NO (AUTH-TOO-WEAK)\r\n", Response{Status: NO, Code: code(CodeAuthTooWeak)}, true},
		{"1.3", "NO (TRANSITION-NEEDED)\r\n", Response{Status: NO, Code: code(CodeTransitionNeeded)}, true},
		{"1.3", "NO (QUOTA/MAXSCRIPTS)\r\n", Response{Status: NO, Code: code(CodeQuotaMaxScripts)}, true},
		{"1.3", "NO (QUOTA)\r\n", Response{Status: NO, Code: code(CodeQuota)}, true},
		{"1.3", "NO (ALREADYEXISTS) \"\"\r\n", Response{Status: NO, Code: code(CodeAlreadyExists), HasText: true}, true},
		{"4 multiline", "NO {30}\r\nline 1: error\r\nline 2: error\r\n\r\n",
			Response{Status: NO, Text: "line 1: error\r\nline 2: error\r\n", HasText: true}, true},
	}
	for _, tt := range tests {
		line, err := ReadLine(bufio.NewReader(strings.NewReader(tt.wire)), 1<<20)
		if err != nil || string(line) != tt.wire {
			t.Errorf("§%s ReadLine(%q) = %q, %v", tt.section, tt.wire, line, err)
			continue
		}
		got, err := ParseResponse(line)
		if err != nil {
			t.Errorf("§%s ParseResponse(%q): %v", tt.section, tt.wire, err)
			continue
		}
		if d := cmp.Diff(tt.resp, got); d != "" {
			t.Errorf("§%s ParseResponse(%q) (-want +got):\n%s", tt.section, tt.wire, d)
		}
		if tt.encodes {
			if enc := string(AppendResponse(nil, tt.resp)); enc != tt.wire {
				t.Errorf("§%s AppendResponse = %q, want %q", tt.section, enc, tt.wire)
			}
		}
	}
}

// TestDataLines parses the capability and LISTSCRIPTS lines of §1.7, §2.4
// and §2.7, and encodes those with one spelling.
func TestDataLines(t *testing.T) {
	tests := []struct {
		wire string
		strs []string
		atom string
	}{
		{"\"IMPlemENTATION\" \"Example1 ManageSieved v001\"\r\n", []string{"IMPlemENTATION", "Example1 ManageSieved v001"}, ""},
		{"\"SASL\" \"\"\r\n", []string{"SASL", ""}, ""},
		{"\"StaRTTLS\"\r\n", []string{"StaRTTLS"}, ""},
		{"\"summer_script\"\r\n", []string{"summer_script"}, ""},
		{"{13}\r\nclever\"script\r\n", []string{"clever\"script"}, ""},
		{"\"main_script\" ACTIVE\r\n", []string{"main_script"}, "ACTIVE"},
		{"\"main_script\" active\r\n", []string{"main_script"}, "active"},
	}
	for _, tt := range tests {
		line, err := ReadLine(bufio.NewReader(strings.NewReader(tt.wire)), 100)
		if err != nil {
			t.Fatal(err)
		}
		strs, atom, err := ParseDataLine(line)
		if err != nil || !cmp.Equal(strs, tt.strs) || atom != tt.atom {
			t.Errorf("ParseDataLine(%q) = %q, %q, %v", tt.wire, strs, atom, err)
		}
	}
	if got := string(AppendScriptLine(nil, "main_script", true)); got != "\"main_script\" ACTIVE\r\n" {
		t.Errorf("AppendScriptLine = %q", got)
	}
	if got := string(AppendCapability(nil, Capability{Name: "VERSION", Value: "1.0", HasValue: true})); got != "\"VERSION\" \"1.0\"\r\n" {
		t.Errorf("AppendCapability = %q", got)
	}
	if got := string(AppendCapability(nil, Capability{Name: "STARTTLS"})); got != "\"STARTTLS\"\r\n" {
		t.Errorf("AppendCapability = %q", got)
	}
}

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"":                        `""`,
		`clever"script`:           `"clever\"script"`,
		`a\b`:                     `"a\\b"`,
		"ä":                       `"ä"`,
		"two\r\nlines":            "{10}\r\ntwo\r\nlines",
		"\xff":                    "{1}\r\n\xff",
		strings.Repeat("x", 1025): "{1025}\r\n" + strings.Repeat("x", 1025),
	} {
		if got := string(AppendString(nil, in)); got != want {
			t.Errorf("AppendString(%.20q) = %.30q, want %.30q", in, got, want)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte("OK (TAG {16}\r\nSTARTTLS-SYNC-42) \"Done\"\r\n"))
	f.Add([]byte("NO (QUOTA/MAXSIZE) \"Quota exceeded\"\r\n"))
	f.Add([]byte("\"main_script\" ACTIVE\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		line, err := ReadLine(bufio.NewReader(strings.NewReader(string(data))), 1<<16)
		if err != nil {
			return
		}
		ParseDataLine(line)
		r, err := ParseResponse(line)
		if err != nil {
			return
		}
		if r.Code != nil && strings.EqualFold(r.Code.Name, CodeReferral) {
			return // a Sieve URL is carried as text, not a string
		}
		again, err := ParseResponse(AppendResponse(nil, r))
		if err != nil || !cmp.Equal(r, again) {
			t.Fatalf("%q parsed to %+v; re-encoded gives %+v, %v", line, r, again, err)
		}
	})
}
