package server

import (
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1024", 1024},
		{"7B", 7},
		{"1KB", 1000},
		{"1kib", 1024},
		{"20MB", 20_000_000},
		{"512 MiB", 512 << 20},
		{" 2GiB ", 2 << 30},
		{"3gb", 3_000_000_000},
		{"8589934591GiB", 8589934591 << 30},
	} {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, err string }{
		{"", "is not a size"},
		{"MiB", "is not a size"},
		{"1.5GiB", "is not a size"},
		{"1T", "is not a size"},
		{"12X", "is not a size"},
		{"1K", "K alone is ambiguous, write KB (powers of 1000) or KiB (powers of 1024)"},
		{"512M", "M alone is ambiguous"},
		{"2g", "G alone is ambiguous"},
		{"8589934592GiB", "too large"},
		{"9223372036854775808", "is not a size"},
	} {
		got, err := ParseByteSize(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseByteSize(%q) = %d, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}

func TestFormatByteSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "0",
		7:             "7",
		1000:          "1KB",
		1024:          "1KiB",
		1536:          "1536",
		1024000:       "1000KiB",
		512_000_000:   "512MB",
		50 << 20:      "50MiB",
		1 << 30:       "1GiB",
		3_000_000_000: "3GB",
	} {
		got := FormatByteSize(n)
		if got != want {
			t.Errorf("FormatByteSize(%d) = %q, want %q", n, got, want)
		}
		if back, err := ParseByteSize(got); err != nil || back != n {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", got, back, err, n)
		}
	}
}

// digits is the number part ParseByteSize accepts.
var digits = regexp.MustCompile(`^[+-]?[0-9]+$`)

// FuzzParseByteSize checks what ParseByteSize accepts against a statement
// of the syntax, and its value, computed without overflow.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0", "1KiB", "99999999999GiB", "1k2", "-0", "5 mb", "1M", " 7 B "} {
		f.Add(s)
	}
	units := []struct {
		name string
		size int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"b", 1}}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err != nil {
			return
		}
		num, size := strings.ToLower(strings.TrimSpace(s)), int64(1)
		for _, u := range units {
			if rest, ok := strings.CutSuffix(num, u.name); ok {
				num, size = strings.TrimSpace(rest), u.size
				break
			}
		}
		if !digits.MatchString(num) {
			t.Fatalf("ParseByteSize accepted %q", s)
		}
		want, _ := new(big.Int).SetString(num, 10)
		want.Mul(want, big.NewInt(size))
		if want.Cmp(big.NewInt(n)) != 0 {
			t.Fatalf("ParseByteSize(%q) = %d, want %s", s, n, want)
		}
	})
}
