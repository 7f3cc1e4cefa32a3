package imap

import (
	"net"
	"net/netip"
	"sync"
)

// perIP counts the sessions of each client IP address, for
// Config.MaxConnectionsPerIP.
type perIP struct {
	mu    sync.Mutex
	count map[netip.Addr]int
}

// clientIP returns the IP address of a TCP peer, an IPv4-mapped IPv6 address
// as IPv4. ok is false for a peer without one (a unix socket), which is not
// counted.
func clientIP(a net.Addr) (ip netip.Addr, ok bool) {
	ta, isTCP := a.(*net.TCPAddr)
	if !isTCP {
		return netip.Addr{}, false
	}
	ip, ok = netip.AddrFromSlice(ta.IP)
	return ip.Unmap(), ok
}

// acquire counts one more session from ip and reports true, or reports false
// when ip has limit sessions already.
func (p *perIP) acquire(ip netip.Addr, limit int) bool {
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

// release uncounts a session that acquire counted.
func (p *perIP) release(ip netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count[ip] <= 1 {
		delete(p.count, ip)
		return
	}
	p.count[ip]--
}
