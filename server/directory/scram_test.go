package directory

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
)

// scramLogin runs a whole SCRAM exchange between xdg-go/scram's client and
// SCRAMServer, and returns the server's error, or the client's when it
// refuses the server's final message.
func scramLogin(t *testing.T, f *File, mech, login, password string) error {
	t.Helper()
	h, _, _ := scramHash(mech)
	client, err := h.NewClient(login, password, "")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	conv := client.NewConversation()
	srv, err := NewSCRAMServer(context.Background(), f, mech)
	if err != nil {
		t.Fatalf("NewSCRAMServer: %v", err)
	}
	if c, done, err := srv.Next(nil); err != nil || done || len(c) != 0 {
		t.Fatalf("Next(nil) = %q, %v, %v; want an empty challenge", c, done, err)
	}
	msg, err := conv.Step("")
	if err != nil {
		t.Fatalf("client-first: %v", err)
	}
	for {
		out, done, err := srv.Next([]byte(msg))
		if err != nil {
			return err
		}
		msg, err = conv.Step(string(out))
		if done {
			if err != nil || !conv.Valid() {
				t.Fatalf("client refuses the server-final-message %q: %v", out, err)
			}
			if srv.Login() != login {
				t.Fatalf("Login() = %q, want %q", srv.Login(), login)
			}
			return nil
		}
		if err != nil {
			t.Fatalf("client step: %v", err)
		}
	}
}

func TestSCRAMExchange(t *testing.T) {
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "pencil"})
	mustAdd(t, f, UserSpec{Login: "bob", Password: "secret", Disabled: true})
	mustAdd(t, f, UserSpec{Login: "nopass"})
	for _, mech := range SCRAMMechanisms {
		t.Run(mech, func(t *testing.T) {
			if err := scramLogin(t, f, mech, "alice", "pencil"); err != nil {
				t.Fatalf("right password: %v", err)
			}
			for _, c := range []struct{ login, password string }{
				{"alice", "pencil2"}, // wrong password
				{"bob", "secret"},    // disabled
				{"carol", "pencil"},  // unknown
				{"nopass", ""},       // no password
				{"a/b", "pencil"},    // not a login name
			} {
				if err := scramLogin(t, f, mech, c.login, c.password); !errors.Is(err, ErrAuthFailed) {
					t.Errorf("%s/%q: error %v, want ErrAuthFailed", c.login, c.password, err)
				}
			}
		})
	}
}

// TestSCRAMFakeSalts checks RFC 5802 §5's advice: an unknown login name
// gets a salt that does not change between attempts nor between servers
// sharing the directory, and a disabled account shows its own salt.
func TestSCRAMFakeSalts(t *testing.T) {
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "bob", Password: "secret"})
	ctx := context.Background()
	get := func(f *File, login, mech string) SCRAMCredentials {
		t.Helper()
		c, err := f.SCRAMCredentials(ctx, login, mech)
		if err != nil {
			t.Fatalf("SCRAMCredentials(%q, %s): %v", login, mech, err)
		}
		if c.Iterations < 4096 || len(c.Salt) < scramMinSaltLen {
			t.Fatalf("SCRAMCredentials(%q, %s): %d iterations, %d octets of salt", login, mech, c.Iterations, len(c.Salt))
		}
		return c
	}
	for _, mech := range SCRAMMechanisms {
		a := get(f, "carol", mech)
		second := openTest(t, f.dir)
		if b := get(second, "carol", mech); !bytes.Equal(a.Salt, b.Salt) {
			t.Errorf("%s: made-up salt differs between attempts or servers", mech)
		}
		if b := get(f, "dave", mech); bytes.Equal(a.Salt, b.Salt) {
			t.Errorf("%s: two unknown logins share a salt", mech)
		}
		real := get(f, "bob", mech)
		if err := f.UpdateUser("bob", func(ch *UserChange) error { ch.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		disabled := get(f, "bob", mech)
		if !bytes.Equal(real.Salt, disabled.Salt) || bytes.Equal(real.StoredKey, disabled.StoredKey) {
			t.Errorf("%s: a disabled account must show its salt and no usable key", mech)
		}
		if err := f.UpdateUser("bob", func(ch *UserChange) error { ch.Disabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.SCRAMCredentials(ctx, "bob", "SCRAM-SHA-512"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown mechanism: error %v, want ErrInvalid", err)
	}
}

// TestSCRAMStorage checks what a user file holds, and that setting a
// password replaces, or removes, the SCRAM credentials.
func TestSCRAMStorage(t *testing.T) {
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "alice", Password: "pencil"})
	data, err := os.ReadFile(f.userPath("alice"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scram_sha_1 = \"SCRAM-SHA-1$4096:", "scram_sha_256 = \"SCRAM-SHA-256$4096:"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("user file lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "pencil") {
		t.Errorf("user file holds the password:\n%s", data)
	}
	if m, err := f.SCRAMStatus("alice"); err != nil || len(m) != 2 {
		t.Errorf("SCRAMStatus = %v, %v", m, err)
	}

	// A password that SASLprep refuses (a control character, RFC 4013
	// §2.3) removes the old credentials: the old password must not keep
	// working through SCRAM.
	if err := f.SetPassword("alice", "bell\x07"); err != nil {
		t.Fatal(err)
	}
	if m, err := f.SCRAMStatus("alice"); err != nil || len(m) != 0 {
		t.Errorf("SCRAMStatus after a SASLprep-invalid password = %v, %v", m, err)
	}
	if err := scramLogin(t, f, SCRAMSHA256, "alice", "pencil"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("old password after SetPassword: %v, want ErrAuthFailed", err)
	}
	if err := f.SetPassword("alice", "new pencil"); err != nil {
		t.Fatal(err)
	}
	if err := scramLogin(t, f, SCRAMSHA1, "alice", "new pencil"); err != nil {
		t.Errorf("new password: %v", err)
	}

	// An account written before SCRAM credentials were kept.
	rec, err := f.readUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	old := rec.clone()
	old.SCRAMSHA1, old.SCRAMSHA256 = "", ""
	if err := f.writeUser(old); err != nil {
		t.Fatal(err)
	}
	if m, err := f.SCRAMStatus("alice"); err != nil || len(m) != 0 {
		t.Errorf("SCRAMStatus of an old record = %v, %v", m, err)
	}
	if err := scramLogin(t, f, SCRAMSHA1, "alice", "new pencil"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("old record: %v, want ErrAuthFailed", err)
	}
	if _, err := f.Authenticate(context.Background(), "alice", "new pencil"); err != nil {
		t.Errorf("old record, password: %v", err)
	}
}

// TestSCRAMExamples replays the examples of RFC 5802 §5 (SCRAM-SHA-1) and
// RFC 7677 §3 (SCRAM-SHA-256): user "user", password "pencil".
func TestSCRAMExamples(t *testing.T) {
	for _, c := range []struct {
		mech, salt, clientFirst, serverNonce, serverFirst, clientFinal, serverFinal string
	}{{
		mech:        SCRAMSHA1,
		salt:        "QSXCR+Q6sek8bf92",
		clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		serverNonce: "3rfcNHYJY1ZVvWVs7j",
		serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
	}, {
		mech:        SCRAMSHA256,
		salt:        "W22ZaJ0SNY7soEsUEjb6gQ==",
		clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	}} {
		t.Run(c.mech, func(t *testing.T) {
			salt, err := base64.StdEncoding.DecodeString(c.salt)
			if err != nil {
				t.Fatal(err)
			}
			creds, ok, err := deriveSCRAM(c.mech, "pencil", salt, 4096)
			if err != nil || !ok {
				t.Fatalf("deriveSCRAM: %v, %v", ok, err)
			}
			// The stored form survives a round trip.
			stored := formatSCRAM(c.mech, creds)
			if _, err := parseSCRAM(c.mech, stored); err != nil {
				t.Fatalf("parseSCRAM(%q): %v", stored, err)
			}
			d := fixedSCRAM{"user": creds}
			srv, err := newSCRAMServer(context.Background(), d, c.mech, func() string { return c.serverNonce })
			if err != nil {
				t.Fatal(err)
			}
			out, done, err := srv.Next([]byte(c.clientFirst))
			if err != nil || done || string(out) != c.serverFirst {
				t.Fatalf("server-first = %q, %v, %v; want %q", out, done, err, c.serverFirst)
			}
			out, done, err = srv.Next([]byte(c.clientFinal))
			if err != nil || !done || string(out) != c.serverFinal {
				t.Fatalf("server-final = %q, %v, %v; want %q", out, done, err, c.serverFinal)
			}
		})
	}
}

// fixedSCRAM is a SCRAMDirectory with fixed credentials.
type fixedSCRAM map[string]SCRAMCredentials

func (d fixedSCRAM) SCRAMCredentials(_ context.Context, login, _ string) (SCRAMCredentials, error) {
	if c, ok := d[login]; ok {
		return c, nil
	}
	return SCRAMCredentials{}, ErrUnavailable
}

func (fixedSCRAM) Authenticate(context.Context, string, string) (*Account, error) {
	return nil, ErrAuthFailed
}
func (fixedSCRAM) LookupLogin(context.Context, string) (*Account, error)   { return nil, ErrNotFound }
func (fixedSCRAM) LookupAddress(context.Context, string) (*Account, error) { return nil, ErrNotFound }
func (fixedSCRAM) Groups(context.Context) ([]Group, error)                 { return nil, nil }
func (fixedSCRAM) Settings(context.Context) (Settings, error)              { return Settings{}, nil }
func (fixedSCRAM) Close() error                                            { return nil }

// TestSCRAMMalformed feeds SCRAMServer messages that break RFC 5802 §7 or
// require channel binding: each is ErrInvalid, never a panic.
func TestSCRAMMalformed(t *testing.T) {
	f := newTest(t)
	mustAdd(t, f, UserSpec{Login: "user", Password: "pencil"})
	first := []string{
		",,n=user,r=abc",
		"p=tls-unique,,n=user,r=abc",
		"p,,n=user,r=abc",
		"x,,n=user,r=abc",
		"n,,m=ext,n=user,r=abc",
		"n,,n=user",
		"n",
	}
	for _, msg := range first {
		srv, err := NewSCRAMServer(context.Background(), f, SCRAMSHA1)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.Next([]byte(msg)); !errors.Is(err, ErrInvalid) {
			t.Errorf("client-first %q: error %v, want ErrInvalid", msg, err)
		}
	}
	srv, _ := NewSCRAMServer(context.Background(), f, SCRAMSHA1)
	if _, _, err := srv.Next([]byte("n,a=admin,n=user,r=abc")); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("other authorization identity: error %v, want ErrAuthFailed", err)
	}
	for _, final := range []string{
		"",
		"c=biws",
		"c=biws,r=abc,p=AAAA",
		"c=biws,r=abc,p=" + base64.StdEncoding.EncodeToString(make([]byte, 64)),
	} {
		srv, _ := NewSCRAMServer(context.Background(), f, SCRAMSHA1)
		if _, _, err := srv.Next([]byte("n,,n=user,r=abc")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.Next([]byte(final)); !errors.Is(err, ErrInvalid) {
			t.Errorf("client-final %q: error %v, want ErrInvalid", final, err)
		}
	}
}

func FuzzParseSCRAM(f *testing.F) {
	f.Add(SCRAMSHA1, "SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE=")
	f.Add(SCRAMSHA256, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=")
	f.Add(SCRAMSHA1, "SCRAM-SHA-1$0:$:")
	f.Fuzz(func(t *testing.T, mech, s string) {
		c, err := parseSCRAM(mech, s)
		if err != nil {
			return
		}
		// What parses is canonical: formatting it gives the input back.
		if got := formatSCRAM(mech, c); got != s {
			t.Fatalf("parseSCRAM(%q) formats back as %q", s, got)
		}
	})
}

// FuzzSCRAMServer feeds SCRAMServer arbitrary client messages: it must
// never panic, and never succeed without the password.
func FuzzSCRAMServer(f *testing.F) {
	dir := newTest(f)
	mustAdd(f, dir, UserSpec{Login: "user", Password: "pencil"})
	f.Add("n,,n=user,r=abc", "c=biws,r=abc,p=AAAA")
	f.Add("y,,n=user,r=abc", "c=eSws,r=x,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
	f.Fuzz(func(t *testing.T, first, final string) {
		srv, err := NewSCRAMServer(context.Background(), dir, SCRAMSHA1)
		if err != nil {
			t.Fatal(err)
		}
		if _, done, err := srv.Next([]byte(first)); err != nil || done {
			return
		}
		if _, done, err := srv.Next([]byte(final)); err == nil && done {
			t.Fatalf("exchange %q, %q succeeded", first, final)
		}
	})
}
