package connlimit

import (
	"net"
	"net/netip"
	"sync"
	"testing"
)

// TestClientIP: IPv4 clients are counted by their IPv4 address whether they
// come over IPv4 or IPv6; unix sockets are not counted.
func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		addr   net.Addr
		want   string
		wantOK bool
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1}, "192.0.2.1", true},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 1}, "192.0.2.1", true},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}, "2001:db8::1", true},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}, "127.0.0.1", true},
		{&net.UnixAddr{Name: "/run/loft.sock", Net: "unix"}, "invalid IP", false},
	} {
		got, ok := ClientIP(tt.addr)
		if got.String() != tt.want || ok != tt.wantOK {
			t.Errorf("ClientIP(%v) = %v, %v; want %s, %v", tt.addr, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestPerIP: the limit is kept per address, a release makes room again, and
// no count is left once every connection is released.
func TestPerIP(t *testing.T) {
	var p PerIP
	ip := netip.MustParseAddr("192.0.2.1")
	other := netip.MustParseAddr("192.0.2.2")
	if !p.Acquire(ip, 1) || p.Acquire(ip, 1) {
		t.Fatal("Acquire: the limit of 1 is not kept")
	}
	if !p.Acquire(other, 1) {
		t.Fatal("Acquire: another address shares the first one's count")
	}
	p.Release(ip)
	if !p.Acquire(ip, 1) {
		t.Fatal("Acquire after Release refused")
	}
	p.Release(ip)
	p.Release(other)
	p.Release(other) // a release without a count changes nothing
	if len(p.count) != 0 {
		t.Errorf("counts left after every release: %v", p.count)
	}
	if p.Acquire(ip, 0) {
		t.Error("Acquire with a limit of 0 accepted")
	}
}

// TestPerIPConcurrent: concurrent Acquires never exceed the limit.
func TestPerIPConcurrent(t *testing.T) {
	const limit, tries = 3, 50
	var p PerIP
	ip := netip.MustParseAddr("2001:db8::1")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		accepted int
	)
	for range tries {
		wg.Go(func() {
			if p.Acquire(ip, limit) {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != limit {
		t.Errorf("%d of %d concurrent Acquires accepted, want %d", accepted, tries, limit)
	}
}
