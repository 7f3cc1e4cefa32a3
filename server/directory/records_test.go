package directory

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgon(t *testing.T) {
	const good = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
	h, err := parseArgon(good)
	if err != nil {
		t.Fatalf("parseArgon(%q): %v", good, err)
	}
	if h.params != (argonParams{memory: 19456, time: 2, threads: 1}) || string(h.salt) != "saltsaltsaltsalt" || len(h.key) != 27 {
		t.Errorf("parseArgon = %+v", h)
	}
	for _, bad := range []string{
		"",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$t=2,m=19456,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5", // 4 GiB
		"$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=65,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=7,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=019456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=-1,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5",               // salt too short
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5",                   // key too short
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5", // padded
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5$",
	} {
		if _, err := parseArgon(bad); err == nil {
			t.Errorf("parseArgon(%q) succeeded", bad)
		}
	}
}

func TestVerifyPassword(t *testing.T) {
	hash, err := hashPassword(testParams, "secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"secret", true}, {"Secret", false}, {"secret\x00", false}, {"", false}} {
		ok, err := verifyPassword(hash, tc.password)
		if err != nil || ok != tc.want {
			t.Errorf("verifyPassword(hash of secret, %q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
	for _, bad := range []string{"", "secret", "$1$md5$salt", "$argon2id$v=19$garbage"} {
		if ok, err := verifyPassword(bad, "secret"); ok || err == nil {
			t.Errorf("verifyPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestUserRecordRoundTrip(t *testing.T) {
	rec := &userRecord{
		Login:         "alice",
		Password:      "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		Addresses:     []string{"alice@example.org", "a@example.org"},
		QuotaStorage:  1 << 40,
		QuotaMessages: 7,
		Disabled:      true,
	}
	data, err := encodeUser(rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseUser(data)
	if err != nil {
		t.Fatalf("parseUser(encodeUser()): %v\n%s", err, data)
	}
	if diff := cmp.Diff(rec, got, cmp.AllowUnexported(userRecord{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(string(data), "# ") || len(rec.Nonce) != 32 {
		t.Errorf("encoded record:\n%s", data)
	}
}

func FuzzParseArgon(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$2a$10$abcdefghijklmnopqrstuu")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseArgon(s)
		if err != nil {
			return
		}
		// What parses is canonical: formatting it gives the input back.
		if got := formatArgon(h.params, h.salt, h.key); got != s {
			t.Fatalf("parseArgon(%q) formats back as %q", s, got)
		}
	})
}

func FuzzParseUser(f *testing.F) {
	f.Add([]byte("format = 1\nlogin = \"alice\"\npassword = \"\"\naddresses = [\"alice@example.org\"]\nquota_storage = 0\nquota_messages = 0\ndisabled = false\nnonce = \"\"\n"))
	f.Add([]byte("format = 1\nlogin = \"a/b\"\n"))
	f.Add([]byte("format = 1\nlogin = \"alice\"\naddresses = [\"A@B\"]\n"))
	f.Add([]byte("[[x]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := parseUser(data)
		if err != nil {
			return
		}
		// What parses is valid, and survives a write and a read.
		enc, err := encodeUser(rec.clone())
		if err != nil {
			t.Fatalf("encodeUser: %v", err)
		}
		back, err := parseUser(enc)
		if err != nil {
			t.Fatalf("parseUser(encodeUser(%q)): %v", data, err)
		}
		back.Nonce, rec.Nonce = "", ""
		if rec.Addresses == nil {
			rec.Addresses = []string{}
		}
		if diff := cmp.Diff(rec, back); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", data, diff)
		}
		checkEncoding(t, rec.Login, encodeName(rec.Login))
	})
}

func FuzzParseGroup(f *testing.F) {
	f.Add([]byte("format = 1\nname = \"staff\"\nmembers = [\"alice\", \"bob\"]\nnonce = \"\"\n"))
	f.Add([]byte("format = 1\nname = \"staff\"\nmembers = [\"alice\", \"alice\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := parseGroup(data)
		if err != nil {
			return
		}
		if CheckLogin(rec.Name) != nil || hasDuplicates(rec.Members) {
			t.Fatalf("parseGroup(%q) accepted %+v", data, rec)
		}
	})
}

func FuzzParseClaim(f *testing.F) {
	f.Add([]byte("alice\n0123456789abcdef0123456789abcdef\n"))
	f.Add([]byte("\n0123456789abcdef0123456789abcdef\n"))
	f.Add([]byte("a/b\n0123456789abcdef0123456789abcdef\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		owner, nonce, err := parseClaim(data)
		if err != nil {
			return
		}
		if got := formatClaim(owner, nonce); string(got) != string(data) {
			t.Fatalf("parseClaim(%q) formats back as %q", data, got)
		}
	})
}
