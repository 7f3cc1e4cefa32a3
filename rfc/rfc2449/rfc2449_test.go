package rfc2449

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCodeValid(t *testing.T) {
	tests := []struct {
		code Code
		want bool
	}{
		{CodeInUse, true},
		{CodeLoginDelay, true},
		{CodeSysTemp, true},
		{CodeSysPerm, true},
		{CodeAuth, true},
		{"SYS/TEMP/DISK", true},
		{"", false},
		{"SYS/", false},
		{"/TEMP", false},
		{"A B", false},
		{"A]", false},
		{"a\x80", false},
	}
	for _, tt := range tests {
		if got := tt.code.Valid(); got != tt.want {
			t.Errorf("Code(%q).Valid() = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestCodeIs(t *testing.T) {
	tests := []struct {
		code, want Code
		is         bool
	}{
		{"SYS/TEMP", CodeSysTemp, true},
		{"sys/temp", CodeSysTemp, true},
		{"SYS/TEMP/DISK", CodeSysTemp, true}, // §8: unknown detail is ignored
		{"SYS/TEMP", "SYS", true},
		{"SYS/TEMPORARY", CodeSysTemp, false},
		{"SYS", CodeSysTemp, false},
		{"AUTH", CodeAuth, true},
		{"AUTHX", CodeAuth, false},
	}
	for _, tt := range tests {
		if got := tt.code.Is(tt.want); got != tt.is {
			t.Errorf("Code(%q).Is(%q) = %v, want %v", tt.code, tt.want, got, tt.is)
		}
	}
}

func TestAppendStatus(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		// §8 example.
		{string(AppendERR(nil, CodeInUse, "Do you have another POP session running?")),
			"-ERR [IN-USE] Do you have another POP session running?\r\n"},
		{string(AppendERR(nil, CodeSysTemp, "")), "-ERR [SYS/TEMP]\r\n"},
		{string(AppendERR(nil, CodeAuth, "authentication failed")), "-ERR [AUTH] authentication failed\r\n"},
		{string(AppendERR(nil, "", "no such message")), "-ERR no such message\r\n"},
		// Text without a code must not look like one.
		{string(AppendERR(nil, "", "[x] y")), "-ERR  [x] y\r\n"},
		{string(AppendERR(nil, "BAD CODE", "text")), "-ERR text\r\n"},
		{string(AppendOK(nil, "", "")), "+OK\r\n"},
		{string(AppendOK(nil, "", "maildrop ready")), "+OK maildrop ready\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if n := len(AppendERR(nil, CodeSysTemp, strings.Repeat("x", 600))); n != MaxResponseLength {
		t.Errorf("long response of %d octets, want %d", n, MaxResponseLength)
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		line string
		want Response
		err  bool
	}{
		{line: "+OK", want: Response{OK: true}},
		{line: "+OK 2 320", want: Response{OK: true, Text: "2 320"}},
		{line: "-ERR [IN-USE] Do you have another POP session running?",
			want: Response{Code: CodeInUse, Text: "Do you have another POP session running?"}},
		{line: "-ERR [SYS/TEMP]", want: Response{Code: CodeSysTemp}},
		{line: "-ERR no such message", want: Response{Text: "no such message"}},
		{line: "+OKAY", err: true},
		{line: "OK", err: true},
		{line: "-ERR [AUTH", err: true},
		{line: "-ERR [] x", err: true},
	}
	for _, tt := range tests {
		got, err := ParseResponse(tt.line)
		if (err != nil) != tt.err {
			t.Errorf("ParseResponse(%q) error %v, want error %v", tt.line, err, tt.err)
			continue
		}
		if err == nil {
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseResponse(%q) (-want +got):\n%s", tt.line, diff)
			}
		}
	}
}

// TestCapabilities renders and parses the §5 example.
func TestCapabilities(t *testing.T) {
	caps := []Capability{
		{Tag: TagTop},
		{Tag: TagUser},
		{Tag: TagSASL, Params: []string{"CRAM-MD5", "KERBEROS_V4"}},
		{Tag: TagRespCodes},
		{Tag: TagLoginDelay, Params: []string{"900"}},
		{Tag: TagPipelining},
		{Tag: TagExpire, Params: []string{"60"}},
		{Tag: TagUIDL},
		{Tag: TagImplementation, Params: []string{"Shlemazle-Plotz-v302"}},
	}
	got, err := AppendCapabilities(nil, "Capability list follows", caps)
	if err != nil {
		t.Fatal(err)
	}
	want := "+OK Capability list follows\r\n" +
		"TOP\r\n" +
		"USER\r\n" +
		"SASL CRAM-MD5 KERBEROS_V4\r\n" +
		"RESP-CODES\r\n" +
		"LOGIN-DELAY 900\r\n" +
		"PIPELINING\r\n" +
		"EXPIRE 60\r\n" +
		"UIDL\r\n" +
		"IMPLEMENTATION Shlemazle-Plotz-v302\r\n" +
		".\r\n"
	if string(got) != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	lines := strings.Split(strings.TrimSuffix(want, "\r\n.\r\n"), "\r\n")[1:]
	var parsed []Capability
	for _, l := range lines {
		c, err := ParseCapability(l)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, c)
	}
	if diff := cmp.Diff(caps, parsed); diff != "" {
		t.Errorf("parsed capabilities (-want +got):\n%s", diff)
	}
	if c, err := ParseCapability("sasl PLAIN"); err != nil || c.Tag != TagSASL {
		t.Errorf("ParseCapability(sasl PLAIN) = %+v, %v", c, err)
	}
}

func TestAppendCapabilityErrors(t *testing.T) {
	for _, c := range []Capability{
		{Tag: ""},
		{Tag: "A.B"},
		{Tag: "X", Params: []string{""}},
		{Tag: "X", Params: []string{"a b"}},
		{Tag: "X", Params: []string{strings.Repeat("p", 510)}},
	} {
		if _, err := AppendCapability(nil, c); err == nil {
			t.Errorf("AppendCapability(%+v) succeeded", c)
		}
	}
	for _, bad := range []string{"", ".", "A  B", "A "} {
		if _, err := ParseCapability(bad); err == nil {
			t.Errorf("ParseCapability(%q) succeeded", bad)
		}
	}
}
