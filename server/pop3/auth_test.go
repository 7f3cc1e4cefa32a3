package pop3

import (
	"crypto/tls"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestAuthPlain: AUTH PLAIN with an initial response (RFC 5034 §4, RFC 4616),
// and without one (an empty "+ " challenge first).
func TestAuthPlain(t *testing.T) {
	env := newEnv(t, insecureAuth)
	env.deliver("alice", msgPlain)

	c := env.dial()
	c.expectPrefix("AUTH PLAIN "+b64("\x00alice\x00"+alicePassword), "+OK maildrop has 1 messages")
	c.expect("STAT", "+OK 1 "+itoa(len(msgPlain)))

	c = env.dial()
	c.expect("AUTH plain", "+ ")
	c.expectPrefix(b64("alice\x00alice\x00"+alicePassword), "+OK maildrop has 1 messages")

	// An authorization identity other than the user is refused (RFC 4616 §2).
	c = env.dial()
	c.expect("AUTH PLAIN "+b64("bob\x00alice\x00"+alicePassword), "-ERR [AUTH] authentication failed")
	// Malformed PLAIN messages.
	c.expect("AUTH PLAIN "+b64("alice"), "-ERR [AUTH] malformed authentication exchange")
	c.expect("AUTH PLAIN =", "-ERR [AUTH] malformed authentication exchange")
	// Wrong password, unknown user, disabled account: all the same answer
	// (RFC 3206 §5).
	c.expect("AUTH PLAIN "+b64("\x00alice\x00wrong"), "-ERR [AUTH] authentication failed")
	c.expect("AUTH PLAIN "+b64("\x00nobody\x00wrong"), "-ERR [AUTH] authentication failed")
	c.expect("AUTH PLAIN "+b64("\x00carol\x00carol-pw"), "-ERR [AUTH] authentication failed")
	// A response longer than a command line: a 1000-octet password.
	c.expect("AUTH PLAIN", "+ ")
	c.expect(b64("\x00alice\x00"+strings.Repeat("p", 1000)), "-ERR [AUTH] authentication failed")
	// The session is still in AUTHORIZATION and can log in.
	c.expect("STAT", "-ERR STAT is not valid in the AUTHORIZATION state")
	c.expectPrefix("AUTH PLAIN "+b64("\x00alice\x00"+alicePassword), "+OK ")
}

// TestAuthLogin: the LOGIN mechanism, with and without an initial response.
func TestAuthLogin(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.expect(b64("bob"), "+ "+b64("Password:"))
	c.expect(b64(bobPassword), "+OK maildrop has 0 messages (0 octets)")

	c = env.dial()
	c.expect("AUTH LOGIN "+b64("bob"), "+ "+b64("Password:"))
	c.expect(b64(bobPassword), "+OK maildrop has 0 messages (0 octets)")

	c = env.dial()
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.expect(b64("bob"), "+ "+b64("Password:"))
	c.expect(b64("wrong"), "-ERR [AUTH] authentication failed")
}

// TestAuthCancel: "*" cancels an exchange (RFC 1734 §2); bad base64 ends it.
func TestAuthCancel(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.expect("*", "-ERR authentication canceled")
	c.expect("AUTH PLAIN", "+ ")
	c.expect("*", "-ERR authentication canceled")
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.expect("not base64!", "-ERR AUTH: invalid base64: octet 0x20 at 3")
	c.expect("AUTH LOGIN", "+ "+b64("Username:"))
	c.write(strings.Repeat("A", 5000) + "\r\n")
	if got := c.line(); got != "-ERR authentication line too long" {
		t.Fatalf("long response: %q", got)
	}
	c.expect("NOOP", "-ERR NOOP is not valid in the AUTHORIZATION state")
	c.login("alice", alicePassword)
}

// TestAuthList: "AUTH" alone lists the mechanisms.
func TestAuthList(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.expect("AUTH", "+OK supported mechanisms follow")
	if diff := cmp.Diff([]string{"PLAIN", "LOGIN"}, c.lines()); diff != "" {
		t.Errorf("AUTH list (-want +got):\n%s", diff)
	}
}

// TestPlaintextRefused: without TLS and without AllowInsecureAuth, USER/PASS
// and AUTH PLAIN/LOGIN are refused with [AUTH] and not announced (RFC 2595
// §2.3, §9), and the connection stays open.
func TestPlaintextRefused(t *testing.T) {
	env := newEnv(t, withTLS)
	c := env.dial()
	c.expect("CAPA", "+OK capability list follows")
	want := []string{"TOP", "UIDL", "STLS", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Loft 0.1"}
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("CAPA without TLS (-want +got):\n%s", diff)
	}
	refused := "-ERR [AUTH] plaintext authentication requires TLS (use STLS)"
	c.expect("USER alice", refused)
	c.expect("PASS "+alicePassword, refused)
	c.expect("AUTH PLAIN "+b64("\x00alice\x00"+alicePassword), refused)
	c.expect("AUTH LOGIN", refused)
	c.expect("AUTH", "+OK supported mechanisms follow")
	if got := c.lines(); len(got) != 0 {
		t.Errorf("AUTH lists %q without TLS", got)
	}
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off")

	// Without a certificate there is no STLS to suggest.
	env = newEnv(t)
	c = env.dial()
	c.expect("USER alice", "-ERR [AUTH] plaintext authentication requires TLS")
}

// TestSTLS: STLS (RFC 2595 §4) upgrades the connection; capabilities change
// after TLS; a second STLS is refused.
func TestSTLS(t *testing.T) {
	env := newEnv(t, withTLS)
	env.deliver("alice", msgDots)
	c := env.dial()
	c.expect("STLS x", "-ERR STLS takes no arguments")
	c.expect("STLS", "+OK Begin TLS negotiation")
	c.startTLS(env.clientTLSConfig())

	c.expect("CAPA", "+OK capability list follows")
	want := []string{"TOP", "UIDL", "USER", "SASL PLAIN LOGIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Loft 0.1"}
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("CAPA after STLS (-want +got):\n%s", diff)
	}
	c.expect("STLS", "-ERR Command not permitted when TLS active")
	c.login("alice", alicePassword)
	c.expect("RETR 1", "+OK "+itoa(len(msgDots))+" octets")
	if got, want := c.body(), stuffed(msgDots); got != want {
		t.Errorf("RETR over TLS %q, want %q", got, want)
	}
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (1 messages left)")
	c.expectEOF()
}

// TestSTLSDiscardsInjection: commands sent in the clear after STLS are
// discarded, not run inside TLS (RFC 2595 §4).
func TestSTLSDiscardsInjection(t *testing.T) {
	env := newEnv(t, withTLS)
	c := env.dial()
	c.write("STLS\r\nUSER alice\r\n")
	if got := c.line(); got != "+OK Begin TLS negotiation" {
		t.Fatalf("STLS: %q", got)
	}
	c.startTLS(env.clientTLSConfig())
	// Had "USER alice" run, PASS would now be accepted.
	c.expect("PASS "+alicePassword, "-ERR PASS must follow a successful USER")
	if !strings.Contains(env.logs.String(), "discarding input sent after STLS") {
		t.Error("discarded input not logged")
	}
}

// TestImplicitTLS: a session inside TLS from the first octet (RFC 8314 §3.1).
func TestImplicitTLS(t *testing.T) {
	env := newEnv(t, withTLS)
	c := env.dialTLS()
	c.expect("CAPA", "+OK capability list follows")
	want := []string{"TOP", "UIDL", "USER", "SASL PLAIN LOGIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Loft 0.1"}
	if diff := cmp.Diff(want, c.lines()); diff != "" {
		t.Errorf("CAPA with implicit TLS (-want +got):\n%s", diff)
	}
	c.expect("STLS", "-ERR Command not permitted when TLS active")
	c.expectPrefix("AUTH PLAIN "+b64("\x00bob\x00"+bobPassword), "+OK maildrop has 0 messages")
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
}

// TestNoPasswordInLogs: debug logs name users and commands, never passwords.
func TestNoPasswordInLogs(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.dial()
	c.login("alice", alicePassword)
	c.expect("QUIT", "+OK pop.example.org POP3 server signing off (maildrop empty)")
	c = env.dial()
	c.expect("PASS x", "-ERR PASS must follow a successful USER")
	c.expect("USER bob", "+OK send PASS")
	c.expect("PASS wrong-"+bobPassword, "-ERR [AUTH] authentication failed")
	ir := b64("\x00bob\x00" + bobPassword)
	c.expectPrefix("AUTH PLAIN "+ir, "+OK ")
	logs := env.logs.String()
	for _, secret := range []string{alicePassword, bobPassword, ir} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"user=alice", "user=bob", "cmd=PASS", "method=USER", `method="AUTH PLAIN"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// startTLS runs the client side of the STLS handshake.
func (c *client) startTLS(cfg *tls.Config) {
	c.t.Helper()
	if n := c.r.Buffered(); n != 0 {
		c.t.Fatalf("%d octets after the STLS answer", n)
	}
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.conn = tc
	c.r.Reset(tc)
}

func itoa(n int) string { return strconv.Itoa(n) }
