package managesieve_test

import (
	"encoding/base64"
	"testing"

	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/managesieve"
	"github.com/xdg-go/scram"
)

// scramDirectory gives the server the file directory itself, which keeps
// SCRAM credentials, instead of the test wrapper, which hides them.
func scramDirectory(cfg *managesieve.Config) {
	cfg.Directory = cfg.Directory.(*flakyDirectory).Directory
}

// challenge reads a server challenge line (§2.1: a string) and decodes it.
func (c *client) challenge() string {
	c.t.Helper()
	l := c.line()
	strs, atom, err := rfc5804.ParseDataLine([]byte(l))
	if err != nil || atom != "" || len(strs) != 1 {
		c.t.Fatalf("challenge %q: not one string", l)
	}
	b, err := base64.StdEncoding.DecodeString(strs[0])
	if err != nil {
		c.t.Fatalf("challenge %q: %v", l, err)
	}
	return string(b)
}

func quoted64(s string) string { return `"` + base64.StdEncoding.EncodeToString([]byte(s)) + `"` }

// scramAuth runs AUTHENTICATE with a SCRAM mechanism and xdg-go/scram's
// client, with or without an initial response, and returns the final
// response; on OK it checks the server's signature in the SASL code.
func scramAuth(c *client, mech, login, password string, initial bool) rfc5804.Response {
	c.t.Helper()
	h := scram.SHA1
	if mech == directory.SCRAMSHA256 {
		h = scram.SHA256
	}
	cl, err := h.NewClient(login, password, "")
	if err != nil {
		c.t.Fatal(err)
	}
	conv := cl.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		c.t.Fatal(err)
	}
	if initial {
		c.write(`AUTHENTICATE "` + mech + `" ` + quoted64(first) + "\r\n")
	} else {
		c.write(`AUTHENTICATE "` + mech + `"` + "\r\n")
		if ch := c.challenge(); ch != "" {
			c.t.Fatalf("first challenge %q, want empty", ch)
		}
		c.write(quoted64(first) + "\r\n")
	}
	l := c.line()
	if _, ok := rfc5804.FinalStatus([]byte(l)); ok {
		r, err := rfc5804.ParseResponse([]byte(l))
		if err != nil {
			c.t.Fatalf("bad response %q: %v", l, err)
		}
		return r
	}
	strs, _, err := rfc5804.ParseDataLine([]byte(l))
	if err != nil || len(strs) != 1 {
		c.t.Fatalf("server-first line %q", l)
	}
	serverFirst, _ := base64.StdEncoding.DecodeString(strs[0])
	final, err := conv.Step(string(serverFirst))
	if err != nil {
		c.t.Fatalf("client refuses server-first-message %q: %v", serverFirst, err)
	}
	_, r := c.cmd(quoted64(final))
	if r.Status == rfc5804.OK {
		// §2.1: the server-final-message is the OK's SASL code.
		if r.Code == nil || r.Code.Name != rfc5804.CodeSASL {
			c.t.Fatalf("OK without a SASL code: %+v", r)
		}
		v, err := base64.StdEncoding.DecodeString(r.Code.Arg)
		if err != nil {
			c.t.Fatalf("SASL code %q: %v", r.Code.Arg, err)
		}
		if _, err := conv.Step(string(v)); err != nil || !conv.Valid() {
			c.t.Fatalf("server signature %q refused: %v", v, err)
		}
	}
	return r
}

// TestSCRAM: §2.1 makes SCRAM-SHA-1 mandatory; SCRAM-SHA-256 is RFC 7677.
// Neither sends the password, so both are offered and accepted without
// TLS, where PLAIN is refused.
func TestSCRAM(t *testing.T) {
	env := newEnv(t, scramDirectory)
	c, greeting := env.dial()
	if got := capMap(t, greeting)["SASL"]; got != "SCRAM-SHA-1 SCRAM-SHA-256" {
		t.Fatalf("SASL capability without TLS: %q", got)
	}
	c.no(`AUTHENTICATE "PLAIN" "`+plain("alice", alicePassword)+`"`, rfc5804.CodeEncryptNeeded)
	for _, mech := range directory.SCRAMMechanisms {
		for _, initial := range []bool{true, false} {
			if r := scramAuth(c, mech, "alice", alicePassword, initial); r.Status != rfc5804.OK {
				t.Fatalf("%s (initial response %v): %+v", mech, initial, r)
			}
			if got := capMap(t, c.ok("CAPABILITY"))["OWNER"]; got != "alice" {
				t.Fatalf("OWNER %q after %s", got, mech)
			}
			c.ok("LISTSCRIPTS")
			c.ok("UNAUTHENTICATE")
		}
	}
	if got := capMap(t, c.starttls(env.roots))["SASL"]; got != "PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256" {
		t.Fatalf("SASL capability with TLS: %q", got)
	}
}

// TestSCRAMFailures: a wrong password, a disabled account and an unknown
// login name all get the same NO; a client that requires channel binding,
// or sends a malformed message, is refused too.
func TestSCRAMFailures(t *testing.T) {
	env := newEnv(t, scramDirectory, func(cfg *managesieve.Config) { cfg.MaxAuthFailures = 100 })
	c, _ := env.dial()
	for _, mech := range directory.SCRAMMechanisms {
		for _, u := range []struct{ login, password string }{
			{"alice", "wrong"},
			{"carol", "carol-pw"}, // disabled
			{"nobody", "pw"},
		} {
			r := scramAuth(c, mech, u.login, u.password, true)
			if r.Status != rfc5804.NO || r.Code != nil {
				t.Errorf("%s %s: %+v, want NO without a code", mech, u.login, r)
			}
		}
		// RFC 5802 §6: "p=" requires channel binding, not offered here.
		c.no(`AUTHENTICATE "`+mech+`" `+quoted64("p=tls-unique,,n=alice,r=abcdef"), "")
		c.no(`AUTHENTICATE "`+mech+`" `+quoted64(",,n=alice,r=abcdef"), "")
		// "*" cancels after the server-first-message.
		c.write(`AUTHENTICATE "` + mech + `" ` + quoted64("n,,n=alice,r=abcdef") + "\r\n")
		c.challenge()
		c.no(`"*"`, "")
	}
	// Still usable.
	if r := scramAuth(c, directory.SCRAMSHA1, "alice", alicePassword, true); r.Status != rfc5804.OK {
		t.Fatalf("after failures: %+v", r)
	}
}
