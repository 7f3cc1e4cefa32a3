// Package connlimit counts the open connections of each client IP address,
// so that the protocol engines (server/imap, server/pop3, server/lmtp) can
// enforce their MaxConnectionsPerIP setting with one implementation.
//
// Shapes and units: a client is identified by a netip.Addr, IPv4-mapped IPv6
// addresses folded to IPv4 (ClientIP), so a client counts once whichever
// family it connects over. A limit is a number of connections at the same
// time from one address; PerIP keeps no history and no timers. Peers
// without an IP address (unix sockets) are not counted: ClientIP reports
// ok false for them and the caller skips the limiter.
//
// Errors: there are none. Acquire reports a refusal as false, and the
// caller decides how to tell the client. Release of an address that holds
// no count is a no-op.
//
// The package imports only the standard library (deps_test.go checks it).
package connlimit

import (
	"net"
	"net/netip"
	"sync"
)

// PerIP counts the connections of each client IP address. The zero value is
// ready to use; its methods are safe for concurrent use. A PerIP must not be
// copied after first use.
type PerIP struct {
	mu    sync.Mutex
	count map[netip.Addr]int
}

// ClientIP returns the IP address of a TCP peer, an IPv4-mapped IPv6
// address as IPv4. ok is false for a peer without one (a unix socket),
// which is not to be counted.
func ClientIP(a net.Addr) (ip netip.Addr, ok bool) {
	ta, isTCP := a.(*net.TCPAddr)
	if !isTCP {
		return netip.Addr{}, false
	}
	ip, ok = netip.AddrFromSlice(ta.IP)
	return ip.Unmap(), ok
}

// Acquire counts one more connection from ip and reports true, or reports
// false, counting nothing, when ip has limit connections already. A limit
// of zero or less refuses every connection: callers that mean "no limit"
// do not call Acquire.
func (p *PerIP) Acquire(ip netip.Addr, limit int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count[ip] >= limit {
		return false
	}
	if p.count == nil {
		p.count = make(map[netip.Addr]int)
	}
	p.count[ip]++
	return true
}

// Release uncounts a connection that Acquire counted.
func (p *PerIP) Release(ip netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count[ip] <= 1 {
		delete(p.count, ip)
		return
	}
	p.count[ip]--
}
