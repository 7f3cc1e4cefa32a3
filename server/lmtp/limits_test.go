package lmtp

import (
	"io"
	"net"
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
