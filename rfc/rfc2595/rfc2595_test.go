package rfc2595

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		s     Session
		nargs int
		want  error
	}{
		// §4 example: "C: STLS / S: +OK Begin TLS negotiation".
		{"allowed", Session{Authorization: true, TLSAvailable: true}, 0, nil},
		// §4 example: "S: -ERR Command not permitted when TLS active".
		{"tls active", Session{Authorization: true, TLSActive: true, TLSAvailable: true}, 0, ErrTLSActive},
		{"transaction", Session{TLSAvailable: true}, 0, ErrState},
		{"arguments", Session{Authorization: true, TLSAvailable: true}, 1, ErrArguments},
		{"no certificate", Session{Authorization: true}, 0, ErrNotAvailable},
	}
	for _, tt := range tests {
		if err := Check(tt.s, tt.nargs); !errors.Is(err, tt.want) {
			t.Errorf("%s: Check = %v, want %v", tt.name, err, tt.want)
		}
		if got, want := Offered(tt.s), tt.want == nil || tt.want == ErrArguments; got != want {
			t.Errorf("%s: Offered = %v, want %v", tt.name, got, want)
		}
	}
	if ErrTLSActive.Error() != "Command not permitted when TLS active" {
		t.Errorf("ErrTLSActive text %q differs from §4's example", ErrTLSActive)
	}
}

func TestPlaintextPasswordsAllowed(t *testing.T) {
	tests := []struct{ tls, insecure, want bool }{
		{false, false, false},
		{false, true, true},
		{true, false, true},
		{true, true, true},
	}
	for _, tt := range tests {
		if got := PlaintextPasswordsAllowed(tt.tls, tt.insecure); got != tt.want {
			t.Errorf("PlaintextPasswordsAllowed(%v, %v) = %v", tt.tls, tt.insecure, got)
		}
	}
}
