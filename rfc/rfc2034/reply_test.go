package rfc2034

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/loftmail/loft/rfc/rfc3463"
)

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		in       string
		want     ReplyLine
		wantErr  bool
		checkErr bool
	}{
		// RFC 2034 §6, the usage example.
		{in: "220 dbc.mtview.ca.us SMTP service ready", want: ReplyLine{Code: 220, Text: "dbc.mtview.ca.us SMTP service ready"}, checkErr: true},
		{in: "250-dbc.mtview.ca.us says hello", want: ReplyLine{Code: 250, More: true, Text: "dbc.mtview.ca.us says hello"}, checkErr: true},
		{in: "250 ENHANCEDSTATUSCODES", want: ReplyLine{Code: 250, Text: "ENHANCEDSTATUSCODES"}, checkErr: true},
		{in: "250 2.1.0 Originator <ned@ymir.claremont.edu> ok", want: ReplyLine{Code: 250, Status: sc(2, 1, 0), HasStatus: true, Text: "Originator <ned@ymir.claremont.edu> ok"}},
		{in: "250 2.1.5 Recipient <mrose@dbc.mtview.ca.us> ok", want: ReplyLine{Code: 250, Status: sc(2, 1, 5), HasStatus: true, Text: "Recipient <mrose@dbc.mtview.ca.us> ok"}},
		{in: `550 5.1.1 Mailbox "nosuchuser" does not exist`, want: ReplyLine{Code: 550, Status: sc(5, 1, 1), HasStatus: true, Text: `Mailbox "nosuchuser" does not exist`}},
		{in: "551-5.7.1 Forwarding to remote hosts disabled", want: ReplyLine{Code: 551, More: true, Status: sc(5, 7, 1), HasStatus: true, Text: "Forwarding to remote hosts disabled"}},
		{in: "354 Send message, ending in CRLF.CRLF.", want: ReplyLine{Code: 354, Text: "Send message, ending in CRLF.CRLF."}},
		{in: "250 2.6.0 Message accepted", want: ReplyLine{Code: 250, Status: sc(2, 6, 0), HasStatus: true, Text: "Message accepted"}},
		{in: "221 2.0.0 Goodbye", want: ReplyLine{Code: 221, Status: sc(2, 0, 0), HasStatus: true, Text: "Goodbye"}},
		// "one or more spaces" follow the code (RFC 2034 §3 item 4).
		{in: "452 4.2.2   Mailbox full", want: ReplyLine{Code: 452, Status: sc(4, 2, 2), HasStatus: true, Text: "Mailbox full"}},
		// A code alone, with or without the space (RFC 5321 §4.2).
		{in: "250", want: ReplyLine{Code: 250}, checkErr: true},
		{in: "250 ", want: ReplyLine{Code: 250}, checkErr: true},
		{in: "250 2.0.0", want: ReplyLine{Code: 250, Status: sc(2, 0, 0), HasStatus: true}},
		// The status must agree with the reply class (RFC 2034 §4).
		{in: "250 5.1.1 odd", want: ReplyLine{Code: 250, Status: sc(5, 1, 1), HasStatus: true, Text: "odd"}, checkErr: true},
		// Text that merely starts like a code is not one.
		{in: "250 2.0.0.1 version", want: ReplyLine{Code: 250, Text: "2.0.0.1 version"}, checkErr: true},
		{in: "250 2.0.0x", want: ReplyLine{Code: 250, Text: "2.0.0x"}, checkErr: true},
		{in: "25", wantErr: true},
		{in: "600 2.0.0 x", wantErr: true},
		{in: "260 2.0.0 x", wantErr: true},
		{in: "2500 x", wantErr: true},
		{in: "250x", wantErr: true},
		{in: "250 2.0.0 caf\xc3\xa9", wantErr: true},
		{in: "250 a\rb", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseReplyLine(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseReplyLine(%q) = %+v; want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseReplyLine(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseReplyLine(%q) (-want +got):\n%s", tt.in, diff)
		}
		if err := CheckReplyLine(got); (err != nil) != tt.checkErr {
			t.Errorf("CheckReplyLine(%q) = %v, want error %v", tt.in, err, tt.checkErr)
		}
	}
}

func TestRequiresStatus(t *testing.T) {
	for code, want := range map[int]bool{211: true, 250: true, 354: false, 421: true, 550: true, 334: false} {
		if got := RequiresStatus(code); got != want {
			t.Errorf("RequiresStatus(%d) = %v, want %v", code, got, want)
		}
	}
}

func FuzzParseReplyLine(f *testing.F) {
	for _, s := range []string{"250 2.0.0 ok", "250-PIPELINING", "550 5.1.1 <x@y> no", "354 go", "2", "250 2.0.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReplyLine(s)
		if err != nil {
			return
		}
		if r.Code < 200 || r.Code > 559 {
			t.Fatalf("ParseReplyLine(%q).Code = %d", s, r.Code)
		}
		if r.HasStatus && !r.Status.Valid() {
			t.Fatalf("ParseReplyLine(%q).Status = %v, not valid", s, r.Status)
		}
		if len(r.Text) > len(s) {
			t.Fatalf("ParseReplyLine(%q).Text longer than the line", s)
		}
	})
}

func sc(class, subject, detail int) rfc3463.Code {
	return rfc3463.Code{Class: class, Subject: subject, Detail: detail}
}
