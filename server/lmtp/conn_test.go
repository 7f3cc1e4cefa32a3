package lmtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests here drive go-smtp through every reply the adapter rewrites
// (replies.go), so that a go-smtp whose replies differ from v0.26's fails
// them rather than slipping past the rules.

// expectEOF reads until the server closes the connection.
func (c *client) expectEOF() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	if b, err := io.ReadAll(c.r); err != nil || len(b) > 0 {
		c.t.Fatalf("want the connection closed, got %q, %v", b, err)
	}
}

func TestOutOfSequence(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	// RFC 5321 §4.3.2: 503 for a command out of sequence.
	c.send("MAIL FROM:<a@example.com>")
	c.expect(503, "5.5.1")
	c.lhlo()
	c.send("RCPT TO:<alice@example.org>", "DATA")
	c.expect(503, "5.5.1")
	c.expect(503, "5.5.1")
	// BDAT with no transaction: refused, and its chunk is skipped.
	c.write("BDAT 4 LAST\r\nNOOPNOOP\r\n")
	c.expect(503, "5.5.1")
	c.expect(250, "2.0.0")
	// RFC 2033 §4.2: DATA with no accepted recipient.
	c.send("MAIL FROM:<a@example.com>", "RCPT TO:<nobody@example.org>", "DATA", "NOOP")
	c.expect(250, mailOK)
	c.expect(550, "5.1.1")
	c.expect(503, "5.5.1")
	c.expect(250, "2.0.0")
	// MAIL, RCPT and DATA while a BDAT message is open.
	c.write("RCPT TO:<alice@example.org>\r\nBDAT 2\r\nhi")
	c.expect(250, rcptOK)
	c.expect(250, "2.0.0")
	c.send("MAIL FROM:<b@example.com>", "RCPT TO:<bob@example.org>", "DATA", "RSET")
	c.expect(503, "5.5.1")
	c.expect(503, "5.5.1")
	c.expect(503, "5.5.1")
	c.expect(250, "2.0.0")
	if n := len(e.messages("alice")); n != 0 {
		t.Errorf("alice has %d messages", n)
	}
}

// TestLHLOReply: RFC 5321 §4.1.1.1, the server's Domain first.
func TestLHLOReply(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.send("LHLO client.example")
	c.noStatus = true
	r := c.reply()
	c.noStatus = false
	if !r[0].More || r[0].Text != "mx.example.org Hello client.example" {
		t.Errorf("first line %+v", r[0])
	}
}

func TestUnknownCommands(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	// RFC 5321 §4.2.4: not recognised, 500; known but not implemented, 502.
	for _, line := range []string{"XY", "XYZZY", "XYZZY PLUGH"} {
		c.send(line)
		c.expect(500, "5.5.2")
	}
	for _, line := range []string{"TURN", "AUTH PLAIN", "STARTTLS"} {
		c.send(line)
		c.expect(502, "5.5.1")
	}
	c.send("NOOP")
	c.expect(250, "2.0.0")
	// go-smtp gives up after the fourth; Loft says so with 421 (RFC 5321
	// §3.8).
	c.send("MAIL\tFROM:<a@example.com>")
	c.expect(500, "5.5.2")
	c.expect(421, "4.5.0")
	c.expectEOF()
}

func TestLongCommandLine(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	c.send("NOOP " + strings.Repeat("x", DefaultMaxLineLength))
	c.expect(500, "5.5.2")
	c.expectEOF()
	c.conn.Close()
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
}

// TestCRBeforeCRLF: a CR just before CRLF in DATA (RFC 5321 §2.3.8 allows
// CR only in CRLF) does not hide the next line's start: the "." line after
// it ends the data, and a dot that begins the line after it is unstuffed.
func TestCRBeforeCRLF(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	msgs := []struct{ wire, stored string }{
		{"Subject: cr\r\n\r\nend\r\r\n.\r\n", "Subject: cr\r\n\r\nend\r\r\n"},
		{"Subject: cr\r\n\r\nx\r\r\n..y\r\n\r\r\r\n.\r\n", "Subject: cr\r\n\r\nx\r\r\n.y\r\n\r\r\r\n"},
	}
	for _, m := range msgs {
		c.write("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n" + m.wire + "NOOP\r\n")
		c.expect(250, mailOK)
		c.expect(250, rcptOK)
		c.expect(354, "")
		c.expect(250, "2.0.0")
		c.expect(250, "2.0.0") // NOOP
	}
	for i, b := range e.messages("alice") {
		if tr := splitTrace(t, b); tr.rest != msgs[i].stored {
			t.Errorf("stored %q, want %q", tr.rest, msgs[i].stored)
		}
	}
}

// TestDataLineTooLong: a line of message data over the limit fails the
// message for each recipient; the data is read to its end and the session
// goes on.
func TestDataLineTooLong(t *testing.T) {
	e := newEnv(t)
	c := e.dial("tcp")
	c.lhlo()
	long := "Subject: long\r\n\r\n" + strings.Repeat("x", maxDataLine) + "\r\n"
	got := c.transaction("", []string{"alice@example.org", "bob@example.org"}, []string{rcptAccepted, rcptAccepted}, long)
	if !slices.Equal(got, []string{"500 5.5.2", "500 5.5.2"}) {
		t.Fatalf("data replies %q", got)
	}
	c.send("NOOP")
	c.expect(250, "2.0.0")
	if n := len(e.messages("alice")) + len(e.messages("bob")); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	// The longest line accepted, its CRLF included.
	fits := "Subject: long\r\n\r\n" + strings.Repeat("x", maxDataLine-2) + "\r\n"
	if got := c.transaction("", []string{"alice@example.org"}, []string{rcptAccepted}, fits); got[0] != "250 2.0.0" {
		t.Fatalf("data reply %q", got)
	}
}

func TestSizeLimitBDAT(t *testing.T) {
	const limit = 2000
	e := newEnv(t, withConfig(func(c *Config) { c.MaxMessageBytes = limit }))
	c := e.dial("tcp")
	c.lhlo()
	exact := "Subject: exact\r\n\r\n" + strings.Repeat("b", limit-len("Subject: exact\r\n\r\n")-2) + "\r\n"
	c.write(fmt.Sprintf("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nBDAT %d LAST\r\n%s", len(exact), exact))
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(250, "2.0.0")
	over := exact + "x"
	c.write(fmt.Sprintf("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nBDAT %d LAST\r\n%sNOOP\r\n", len(over), over))
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(552, "5.3.4")
	c.expect(250, "2.0.0")
	msgs := e.messages("alice")
	if len(msgs) != 1 || splitTrace(t, msgs[0]).rest != exact {
		t.Errorf("alice has %d messages", len(msgs))
	}
}

// startTLS sends STARTTLS and runs the handshake; it returns the client
// over TLS.
func startTLS(t *testing.T, c *client, cfg *tls.Config, extra string) *client {
	t.Helper()
	c.write("STARTTLS\r\n" + extra)
	c.expect(220, "2.0.0")
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(ioTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	tc.SetDeadline(time.Time{})
	return newClient(t, tc)
}

func TestSTARTTLSAdapter(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t, "mx.example.org")
	e := newEnv(t, withConfig(func(c *Config) { c.TLSConfig = srvTLS }))
	c := e.dial("tcp")
	// RFC 3207 §4: no parameters.
	c.send("STARTTLS now")
	c.expect(501, "5.5.4")
	if caps := c.lhlo(); !slices.Contains(caps, "STARTTLS") {
		t.Fatalf("no STARTTLS in %q", caps)
	}
	c.send("MAIL FROM:<a@example.com>")
	c.expect(250, mailOK)
	// A command sent after STARTTLS in the same write came in the clear:
	// it is discarded, never run as if sent over TLS.
	c = startTLS(t, c, cliTLS, "NOOP\r\n")
	// RFC 3207 §4.2: no greeting, and the session starts over: the open
	// transaction is gone, and LHLO comes first.
	c.send("MAIL FROM:<a@example.com>")
	c.expect(503, "5.5.1")
	caps := c.lhlo()
	if slices.Contains(caps, "STARTTLS") {
		t.Errorf("STARTTLS offered over TLS: %q", caps)
	}
	c.send("STARTTLS")
	c.expect(503, "5.5.1")
	got := c.transaction("s@example.com", []string{"alice@example.org"}, []string{rcptAccepted}, hello)
	if got[0] != "250 2.0.0" {
		t.Fatal(got)
	}
	if tr := splitTrace(t, e.messages("alice")[0]); tr.with != "LMTPS" || tr.from != "client.example ([127.0.0.1])" {
		t.Errorf("trace %+v", tr)
	}
	if !strings.Contains(e.logs.String(), "discarding input sent after STARTTLS") {
		t.Error("the discarded input is not logged")
	}
	if n := e.srv.ActiveConnections(); n != 1 {
		t.Errorf("ActiveConnections = %d, want 1", n)
	}
	c.send("QUIT")
	c.expect(221, "2.0.0")
	c.expectEOF()
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
}

func TestSTARTTLSHandshakeFails(t *testing.T) {
	srvTLS, _ := selfSigned(t, "mx.example.org")
	e := newEnv(t, withConfig(func(c *Config) { c.TLSConfig = srvTLS }))
	c := e.dial("tcp")
	c.lhlo()
	c.send("STARTTLS")
	c.expect(220, "2.0.0")
	c.write("this is not TLS\r\n")
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	io.Copy(io.Discard, c.r) // the server's alert, if any, then EOF
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
}

// TestShutdownAfterSTARTTLS: an idle connection over TLS is told 421, over
// TLS, like any other.
func TestShutdownAfterSTARTTLS(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t, "mx.example.org")
	e := newEnv(t, withConfig(func(c *Config) { c.TLSConfig = srvTLS }))
	c := e.dial("tcp")
	c.lhlo()
	c = startTLS(t, c, cliTLS, "")
	c.lhlo()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	c.expect(421, "4.3.2")
	for range e.nServ {
		if err := <-e.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	e.nServ = 0
}
