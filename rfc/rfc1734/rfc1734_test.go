package rfc1734

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAuth(t *testing.T) {
	tests := []struct {
		args []string
		want Auth
		err  bool
	}{
		// RFC 1734 §2 examples.
		{args: []string{"KERBEROS_V4"}, want: Auth{Mechanism: "KERBEROS_V4"}},
		{args: []string{"FOOBAR"}, want: Auth{Mechanism: "FOOBAR"}},
		// Case-insensitive (RFC 1734 §3).
		{args: []string{"plain"}, want: Auth{Mechanism: "PLAIN"}},
		// RFC 5034 §4: an initial response, and "=" for an empty one.
		{args: []string{"PLAIN", "AHRlc3QAc2VjcmV0"}, want: Auth{Mechanism: "PLAIN", InitialResponse: []byte("\x00test\x00secret")}},
		{args: []string{"EXTERNAL", "="}, want: Auth{Mechanism: "EXTERNAL", InitialResponse: []byte{}}},
		{args: nil, err: true},
		{args: []string{"PLAIN", "a", "b"}, err: true},
		{args: []string{"PL*AIN"}, err: true},
		{args: []string{"ABCDEFGHIJKLMNOPQRSTU"}, err: true},
		{args: []string{"PLAIN", "not base64!"}, err: true},
		{args: []string{"PLAIN", "AHRlc3QAc2VjcmV0="}, err: true},
		{args: []string{"PLAIN", "AA"}, err: true}, // unpadded
		{args: []string{"PLAIN", ""}, err: true},   // RFC 5034 §4: "=" instead
	}
	for _, tt := range tests {
		got, err := ParseAuth(tt.args)
		if (err != nil) != tt.err {
			t.Errorf("ParseAuth(%q) error %v, want error %v", tt.args, err, tt.err)
			continue
		}
		if err == nil {
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseAuth(%q) (-want +got):\n%s", tt.args, diff)
			}
			if tt.want.InitialResponse != nil && got.InitialResponse == nil {
				t.Errorf("ParseAuth(%q): empty initial response came back nil", tt.args)
			}
		}
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		line string
		want []byte
		err  error
	}{
		// RFC 1734 §2 example.
		{line: "DiAF5A4gA+oOIALuBkAAmw==", want: []byte{0x0e, 0x20, 0x05, 0xe4, 0x0e, 0x20, 0x03, 0xea, 0x0e, 0x20, 0x02, 0xee, 0x06, 0x40, 0x00, 0x9b}},
		{line: "", want: []byte{}},
		{line: "dXNlcg==", want: []byte("user")},
		{line: "*", err: ErrCanceled},
	}
	for _, tt := range tests {
		got, err := ParseResponse(tt.line)
		if !errors.Is(err, tt.err) {
			t.Errorf("ParseResponse(%q) error %v, want %v", tt.line, err, tt.err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseResponse(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
	for _, bad := range []string{"=", "**", "a b", "dXNlcg"} {
		if _, err := ParseResponse(bad); err == nil {
			t.Errorf("ParseResponse(%q) succeeded", bad)
		}
	}
}

func TestAppendChallenge(t *testing.T) {
	tests := []struct {
		challenge []byte
		want      string
	}{
		// RFC 1734 §2 example: "+ AmFYig==".
		{[]byte{0x02, 0x61, 0x58, 0x8a}, "+ AmFYig==\r\n"},
		{[]byte("Username:"), "+ VXNlcm5hbWU6\r\n"},
		{nil, "+ \r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendChallenge(nil, tt.challenge)); got != tt.want {
			t.Errorf("AppendChallenge(%q) = %q, want %q", tt.challenge, got, tt.want)
		}
	}
}

func TestEncode(t *testing.T) {
	if got := EncodeInitialResponse(nil); got != "=" {
		t.Errorf("EncodeInitialResponse(nil) = %q", got)
	}
	in := []byte("\x00alice\x00pw")
	a, err := ParseAuth([]string{"PLAIN", EncodeInitialResponse(in)})
	if err != nil || string(a.InitialResponse) != string(in) {
		t.Errorf("round trip: %q, %v", a.InitialResponse, err)
	}
	r, err := ParseResponse(EncodeResponse(in))
	if err != nil || string(r) != string(in) {
		t.Errorf("round trip: %q, %v", r, err)
	}
}

func FuzzParseAuth(f *testing.F) {
	f.Add("PLAIN", "=")
	f.Add("LOGIN", "dXNlcg==")
	f.Fuzz(func(t *testing.T, mech, ir string) {
		a, err := ParseAuth([]string{mech, ir})
		if err != nil {
			return
		}
		if !ValidMechanism(a.Mechanism) || a.InitialResponse == nil {
			t.Fatalf("ParseAuth(%q, %q) = %+v", mech, ir, a)
		}
		if back := EncodeInitialResponse(a.InitialResponse); back != ir {
			t.Fatalf("initial response %q re-encodes as %q", ir, back)
		}
	})
}
