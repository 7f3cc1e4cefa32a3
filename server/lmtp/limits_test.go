package lmtp

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address local (127.0.0.0/8 is
// all loopback on Linux) and returns the connection without reading.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from %s: %v", local, err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// TestMaxConnectionsPerIP: a client address over its share is answered 421
// 4.7.0 in place of the greeting (RFC 5321 §3.1; RFC 3463 §3.8) and closed;
// other addresses and Unix-domain connections are not affected; a share
// frees when a connection ends.
func TestMaxConnectionsPerIP(t *testing.T) {
	e := newEnv(t, withUnix(), withConfig(func(c *Config) { c.MaxConnectionsPerIP = 2 }))
	c1 := e.dial("tcp")
	e.dial("tcp")

	nc := dialFrom(t, "127.0.0.1", e.addr)
	refused := newClient(t, nc)
	refused.expect(421, "4.7.0")
	nc.SetReadDeadline(time.Now().Add(ioTimeout))
	if rest, err := io.ReadAll(refused.r); err != nil || len(rest) != 0 {
		t.Errorf("after the 421: %q, %v; want the connection closed", rest, err)
	}

	other := e.dialFrom("127.0.0.2")
	other.lhlo()
	for range 3 {
		e.dial("unix").lhlo()
	}

	c1.send("QUIT")
	c1.expect(221, "2.0.0")
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 5 })
	e.dial("tcp").lhlo()
}

// dialFrom is dial("tcp") from the loopback address local.
func (e *testEnv) dialFrom(local string) *client {
	e.t.Helper()
	c := newClient(e.t, dialFrom(e.t.(*testing.T), local, e.addr))
	c.noStatus = true
	g := c.reply()
	c.noStatus = false
	if g[0].Code != 220 {
		e.t.Fatalf("greeting %+v", g)
	}
	return c
}

// TestCommandLineLimit: MaxLineLength counts a command line with its CRLF
// (RFC 5321 §4.5.3.1.4); the first line of a connection and later ones
// alike. One octet more is answered 500 5.5.2 and the connection closed,
// and no part of the line runs as a command.
func TestCommandLineLimit(t *testing.T) {
	const limit = 600
	e := newEnv(t, withConfig(func(c *Config) { c.MaxLineLength = limit }))
	line := func(n int) string { return "NOOP " + strings.Repeat("x", n-len("NOOP ")-2) }

	c := e.dial("tcp")
	c.send(line(limit))
	c.expect(250, "2.0.0")
	c.lhlo()
	c.send(line(limit))
	c.expect(250, "2.0.0")
	c.send(line(limit + 1))
	c.expect(500, "5.5.2")
	c.expectEOF()
	c.conn.Close()

	// However long the line and however it arrives.
	for _, n := range []int{limit + 1, 3 * limit, 100 * limit} {
		c := e.dial("tcp")
		c.send(line(n), "NOOP")
		c.expect(500, "5.5.2")
		c.expectEOF()
		c.conn.Close()
	}
	c = e.dial("tcp")
	c.write(line(limit + 1)[:10])
	c.write(line(limit + 1)[10:] + "\r\n")
	c.expect(500, "5.5.2")
	c.expectEOF()
	c.conn.Close()
	waitFor(t, func() bool { return e.srv.ActiveConnections() == 0 })
}

// TestCommandLineBuffered: the server holds no more than MaxLineLength
// octets of a command line: once it has that many without a line end, it
// answers, without waiting for more.
func TestCommandLineBuffered(t *testing.T) {
	const limit = 600
	e := newEnv(t, withConfig(func(c *Config) { c.MaxLineLength = limit }))
	c := e.dial("tcp")
	c.lhlo()
	c.write(strings.Repeat("x", limit-1))
	c.write("x")
	c.expect(500, "5.5.2")
	c.expectEOF()
	c.conn.Close()
}

// TestLineLimitNotInChunks: a BDAT chunk is octets, not lines (RFC 3030
// §2): a chunk with a line longer than MaxLineLength is delivered as it
// is, and one that is refused is skipped whole. A BDAT line whose size
// cannot be read has no chunk: what follows is commands.
func TestLineLimitNotInChunks(t *testing.T) {
	const limit = 600
	e := newEnv(t, withConfig(func(c *Config) { c.MaxLineLength = limit }))
	c := e.dial("tcp")
	c.lhlo()
	msg := "Subject: long\r\n\r\n" + strings.Repeat("y", 3*limit) + "\r\n"
	c.write(fmt.Sprintf("MAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nBDAT %d LAST\r\n%s", len(msg), msg))
	c.expect(250, mailOK)
	c.expect(250, rcptOK)
	c.expect(250, "2.0.0")
	if got := e.messages("alice"); len(got) != 1 || splitTrace(t, got[0]).rest != msg {
		t.Errorf("alice has %d messages, want the chunk as sent", len(got))
	}

	// Refused for want of a transaction (RFC 3030 §2: the chunk is read
	// all the same).
	chunk := strings.Repeat("z", 2*limit)
	c.write(fmt.Sprintf("BDAT %d\r\n%sNOOP\r\n", len(chunk), chunk))
	c.expect(503, "5.5.1")
	c.expect(250, "2.0.0")

	// No chunk size that go-smtp can read: no chunk.
	c.send("BDAT x", "NOOP", "BDAT 1 MORE", "NOOP", "BDAT 99999999999 LAST", "NOOP")
	for range 3 {
		c.expect(501, "5.5.4")
		c.expect(250, "2.0.0")
	}
}

func TestBDATChunk(t *testing.T) {
	for _, tt := range []struct {
		line string
		size int64
		ok   bool
	}{
		{"BDAT 100\r\n", 100, true},
		{"bdat 0 last\r\n", 0, true},
		{"BDAT  7   LAST \r\n", 7, true},
		{"BDAT 4294967295\n", 4294967295, true},
		{"BDAT 4294967296\r\n", 0, false},
		{"BDAT\r\n", 0, false},
		{"BDAT \r\n", 0, false},
		{"BDAT -1\r\n", 0, false},
		{"BDAT 1 2\r\n", 0, false},
		{"BDAT 1 LAST 2\r\n", 0, false},
		{"BDATA 1\r\n", 0, false},
		{"DATA\r\n", 0, false},
		{"NOOP BDAT 1\r\n", 0, false},
	} {
		size, ok := bdatChunk([]byte(tt.line))
		if size != tt.size || ok != tt.ok {
			t.Errorf("bdatChunk(%q) = %d, %v; want %d, %v", tt.line, size, ok, tt.size, tt.ok)
		}
	}
}
