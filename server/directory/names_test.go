package directory

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// decodeName inverts encodeName for encodings that were not shortened.
func decodeName(enc string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(enc) {
			return "", errors.New("truncated escape")
		}
		v, err := strconv.ParseUint(enc[i+1:i+3], 16, 8)
		if err != nil {
			return "", err
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// checkEncoding checks that an encoded name is a safe file name.
func checkEncoding(t *testing.T, name, enc string) {
	t.Helper()
	if enc == "" || enc == "." || enc == ".." || enc[0] == '.' {
		t.Fatalf("encodeName(%q) = %q: empty or a dot name", name, enc)
	}
	if len(enc) > maxEncodedLen {
		t.Fatalf("encodeName(%q) is %d octets, more than %d", name, len(enc), maxEncodedLen)
	}
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !safeByte(c) && c != '%' && c != '~' {
			t.Fatalf("encodeName(%q) = %q holds %q", name, enc, c)
		}
	}
	if before, hash, ok := strings.Cut(enc, "~"); ok {
		if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" || strings.Contains(hash, "~") {
			t.Fatalf("encodeName(%q) = %q: bad hash suffix", name, enc)
		}
		if _, err := decodeName(before); err != nil {
			t.Fatalf("encodeName(%q) = %q: cut inside an escape: %v", name, enc, err)
		}
		return
	}
	dec, err := decodeName(enc)
	if err != nil || dec != name {
		t.Fatalf("decodeName(encodeName(%q)) = %q, %v", name, dec, err)
	}
}

func TestEncodeName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"alice", "alice"},
		{"Alice", "Alice"},
		{"alice@example.org", "alice@example.org"},
		{"a+b=c,d_e-f", "a+b=c,d_e-f"},
		{".", "%2E"},
		{"..", "%2E."},
		{".hidden", "%2Ehidden"},
		{"a/b", "a%2Fb"},
		{"../x", "%2E.%2Fx"},
		{"a%2Fb", "a%252Fb"},
		{"a b", "a%20b"},
		{"a\x00b", "a%00b"},
		{"~", "%7E"},
		{"日", "%E6%97%A5"},
		{"", "%00"},
	} {
		got := encodeName(tc.name)
		if got != tc.want {
			t.Errorf("encodeName(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if tc.name != "" {
			checkEncoding(t, tc.name, got)
		}
	}
	// Long names are cut and hashed, and stay distinct.
	long1 := strings.Repeat("é", 120)
	long2 := strings.Repeat("é", 119) + "è"
	e1, e2 := encodeName(long1), encodeName(long2)
	checkEncoding(t, long1, e1)
	checkEncoding(t, long2, e2)
	if e1 == e2 || !strings.Contains(e1, "~") {
		t.Errorf("long names encode to %q and %q", e1, e2)
	}
}

func TestCheckLogin(t *testing.T) {
	for _, ok := range []string{"a", "alice", "Alice", "alice@example.org", "a.b-c_d+e", "..", "日本語", strings.Repeat("x", MaxLoginLen)} {
		if err := CheckLogin(ok); err != nil {
			t.Errorf("CheckLogin(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "/", "a\x00", "a\x7f", "a\u0085b", "a\u00a0b", "\u200e", "a\ufeff", "\xc3", "a\ufffdb", strings.Repeat("x", MaxLoginLen+1)} {
		if err := CheckLogin(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckLogin(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCanonicalAddress(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice@example.org", "alice@example.org"},
		{"Alice@Example.ORG", "alice@example.org"},
		{"a.b+c@sub.example.org", "a.b+c@sub.example.org"},
		{"postmaster@localhost", "postmaster@localhost"},
		{"o'neil@example.org", "o'neil@example.org"},
		{"Jörg@Bücher.example", "jörg@bücher.example"},
		{"x@_dmarc.example.org", "x@_dmarc.example.org"},
	} {
		got, err := CanonicalAddress(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalAddress(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "alice", "@example.org", "alice@", "a@b@c", "a b@example.org", `"a b"@example.org`,
		".a@example.org", "a.@example.org", "a..b@example.org", "a@example..org", "a@.example.org",
		"a@example.org.", "a@-example.org", "a@example-.org", "a@[192.0.2.1]", "a@exa mple.org",
		"a/b@exa/mple.org", "a\x00@example.org", "a@example.org\n", "<a@example.org>", "a\xff@example.org",
		strings.Repeat("a", 65) + "@example.org",
		"a@" + strings.Repeat("b", 64) + ".org",
		"a@" + strings.Repeat("b.", 127) + "org",
	} {
		if got, err := CanonicalAddress(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("CanonicalAddress(%q) = %q, %v; want ErrInvalid", bad, got, err)
		}
	}
}

func FuzzEncodeName(f *testing.F) {
	for _, s := range []string{"alice", ".", "..", "../../etc/passwd", "a\x00b", "%41", "~x", strings.Repeat("é", 150), strings.Repeat("a%", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" {
			return
		}
		checkEncoding(t, name, encodeName(name))
	})
}

func FuzzCheckLogin(f *testing.F) {
	for _, s := range []string{"alice", "a/b", "..", "\u202e", strings.Repeat("é", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, login string) {
		if CheckLogin(login) != nil {
			return
		}
		enc := encodeName(login)
		checkEncoding(t, login, enc)
		if strings.Contains(enc, "~") {
			t.Fatalf("valid login %q was shortened to %q", login, enc)
		}
	})
}

func FuzzCanonicalAddress(f *testing.F) {
	for _, s := range []string{"alice@example.org", "A@B", "a@b@c", "İ@example.org", "a..b@c", "x@日本.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, address string) {
		c, err := CanonicalAddress(address)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CanonicalAddress(%q): %v does not wrap ErrInvalid", address, err)
			}
			return
		}
		if c2, err := CanonicalAddress(c); err != nil || c2 != c {
			t.Fatalf("CanonicalAddress is not idempotent on %q: %q, %v", c, c2, err)
		}
		if len(c) > MaxAddressLen || strings.Count(c, "@") != 1 || !strings.EqualFold(c, address) && strings.ToLower(address) != c {
			t.Fatalf("CanonicalAddress(%q) = %q", address, c)
		}
		checkEncoding(t, c, encodeName(c))
	})
}
