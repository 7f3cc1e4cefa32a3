package rfc3463

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Code
		wantErr bool
	}{
		// RFC 3463 §2: "Example: 2.1.23".
		{in: "2.1.23", want: Code{2, 1, 23}},
		{in: "2.0.0", want: Code{2, 0, 0}},
		{in: "5.1.1", want: Code{5, 1, 1}},
		{in: "4.2.2", want: Code{4, 2, 2}},
		{in: "5.999.999", want: Code{5, 999, 999}},
		// RFC 2034 §6 example replies.
		{in: "2.1.5", want: Code{2, 1, 5}},
		{in: "5.7.1", want: Code{5, 7, 1}},
		{in: "2.6.0", want: Code{2, 6, 0}},
		// Class is 2, 4 or 5 only (§2).
		{in: "3.0.0", wantErr: true},
		{in: "1.0.0", wantErr: true},
		{in: "6.0.0", wantErr: true},
		// Sub-codes are 1*3digit without leading zeros (§2).
		{in: "2.01.0", wantErr: true},
		{in: "2.0.00", wantErr: true},
		{in: "2.1000.0", wantErr: true},
		{in: "2.0.1000", wantErr: true},
		{in: "2..0", wantErr: true},
		{in: "2.0.", wantErr: true},
		{in: "2.0", wantErr: true},
		{in: "2", wantErr: true},
		{in: "", wantErr: true},
		// No white space or comments within a code (§2).
		{in: "2. 0.0", wantErr: true},
		{in: "2.0.0 ", wantErr: true},
		{in: " 2.0.0", wantErr: true},
		{in: "2.0.0(x)", wantErr: true},
		{in: "2.a.0", wantErr: true},
		{in: "+2.0.0", wantErr: true},
		{in: "2.-1.0", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr {
			var se *SyntaxErr
			if !errors.As(err, &se) {
				t.Errorf("Parse(%q) = %v, %v; want a *SyntaxErr", tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in      string
		want    Code
		n       int
		wantErr bool
	}{
		{in: "2.1.5 Destination address valid", want: Code{2, 1, 5}, n: 5},
		{in: "5.1.1", want: Code{5, 1, 1}, n: 5},
		{in: "4.4.3\tdirectory", want: Code{4, 4, 3}, n: 5},
		{in: "2.1.5555 x", wantErr: true},
		{in: "2.1.5.1 x", wantErr: true},
		{in: "250 2.0.0", wantErr: true},
		{in: "Ok", wantErr: true},
	}
	for _, tt := range tests {
		got, n, err := ParsePrefix(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParsePrefix(%q) = %v, %d; want an error", tt.in, got, n)
			}
			continue
		}
		if err != nil || got != tt.want || n != tt.n {
			t.Errorf("ParsePrefix(%q) = %v, %d, %v; want %v, %d", tt.in, got, n, err, tt.want, tt.n)
		}
	}
}

func TestNamedCodes(t *testing.T) {
	tests := []struct {
		code  Code
		text  string
		reply int
	}{
		{OK, "2.0.0", 250},
		{SenderOK, "2.1.0", 250},
		{DestinationValid, "2.1.5", 250},
		{MessageAccepted, "2.6.0", 250},
		{BadDestinationMailbox, "5.1.1", 550},
		{BadDestinationSyntax, "5.1.3", 501},
		{BadSenderSyntax, "5.1.7", 553},
		{MailboxTemporary, "4.2.0", 450},
		{MailboxDisabled, "5.2.1", 550},
		{MailboxFullTemporary, "4.2.2", 452},
		{MailboxFull, "5.2.2", 552},
		{SystemTemporary, "4.3.0", 451},
		{SystemNotAccepting, "4.3.2", 421},
		{MessageTooBig, "5.3.4", 552},
		{DirectoryFailure, "4.4.3", 451},
		{InvalidCommand, "5.5.1", 500},
		{SyntaxError, "5.5.2", 500},
		{TooManyRecipients, "4.5.3", 452},
		{InvalidArguments, "5.5.4", 501},
		{MediaError, "5.6.0", 554},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.text {
			t.Errorf("%#v.String() = %q, want %q", tt.code, got, tt.text)
		}
		if !tt.code.Valid() {
			t.Errorf("%v is not Valid", tt.code)
		}
		// RFC 2034 §4: the code agrees with the reply it goes with.
		if !tt.code.Matches(tt.reply) {
			t.Errorf("%v does not match reply %d", tt.code, tt.reply)
		}
		if tt.code.Matches(tt.reply + 100) {
			t.Errorf("%v matches reply %d", tt.code, tt.reply+100)
		}
	}
}

func TestValid(t *testing.T) {
	for _, c := range []Code{{}, {3, 0, 0}, {2, -1, 0}, {2, 0, 1000}, {5, 1000, 0}} {
		if c.Valid() {
			t.Errorf("%#v.Valid() = true", c)
		}
	}
	if c := (Code{4, 2, 2}); !c.Transient() || c.Permanent() {
		t.Errorf("4.2.2: Transient %v Permanent %v", c.Transient(), c.Permanent())
	}
	if c := (Code{5, 2, 2}); c.Transient() || !c.Permanent() {
		t.Errorf("5.2.2: Transient %v Permanent %v", c.Transient(), c.Permanent())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2.0.0", "5.1.1", "2.1.23", "4.999.0", "2.01.0", "", "5.5.5.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		if !c.Valid() {
			t.Fatalf("Parse(%q) = %#v, which is not Valid", s, c)
		}
		// A parsed code formats back to the same text: no leading zeros
		// are accepted, so the form is canonical.
		if c.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, c.String())
		}
		c2, n, err := ParsePrefix(s + " text")
		if err != nil || c2 != c || n != len(s) {
			t.Fatalf("ParsePrefix(%q) = %v, %d, %v", s+" text", c2, n, err)
		}
	})
}
