package rfc1939

import (
	"strings"
	"testing"
)

func TestValidUniqueID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		// §7 examples.
		{"whqtswO00WBw418f9t5JxYwZ", true},
		{"QhdPYR:00WBw1Ph7x7", true},
		{"1700000000.42", true},
		{"!", true},
		{"~", true},
		{strings.Repeat("a", 70), true},
		{strings.Repeat("a", 71), false},
		{"", false},
		{"a b", false},
		{"a\x7f", false},
		{"\xc3\xa9", false},
	}
	for _, tt := range tests {
		if got := ValidUniqueID(tt.id); got != tt.want {
			t.Errorf("ValidUniqueID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestUniqueID(t *testing.T) {
	tests := []struct {
		validity, uid uint32
		want          string
	}{
		{1, 1, "1.1"},
		{1700000000, 42, "1700000000.42"},
		{4294967295, 4294967295, "4294967295.4294967295"},
	}
	for _, tt := range tests {
		got := UniqueID(tt.validity, tt.uid)
		if got != tt.want {
			t.Errorf("UniqueID(%d, %d) = %q, want %q", tt.validity, tt.uid, got, tt.want)
		}
		if !ValidUniqueID(got) {
			t.Errorf("UniqueID(%d, %d) = %q is not a valid unique-id", tt.validity, tt.uid, got)
		}
		v, u, err := ParseUniqueID(got)
		if err != nil || v != tt.validity || u != tt.uid {
			t.Errorf("ParseUniqueID(%q) = %d, %d, %v", got, v, u, err)
		}
	}
	for _, bad := range []string{"", "1", "1.", ".1", "0.1", "1.0", "01.1", "1.1.1", "4294967296.1", "a.b"} {
		if _, _, err := ParseUniqueID(bad); err == nil {
			t.Errorf("ParseUniqueID(%q) succeeded, want error", bad)
		}
	}
}
