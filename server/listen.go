package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// listen binds one listen address from the configuration. A unix socket
// left behind by a server that crashed is replaced; one that a running
// server still answers on is an error, as a TCP port in use is.
func listen(spec string) (net.Listener, error) {
	network, addr, err := parseListenAddr(spec)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		if err := removeStaleSocket(addr); err != nil {
			return nil, err
		}
	}
	return net.Listen(network, addr)
}

// removeStaleSocket removes the unix socket at path if nothing accepts
// connections on it. It leaves every other kind of file alone, so that
// net.Listen reports it.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil
	}
	conn, err := net.Dial("unix", path)
	if err == nil {
		conn.Close()
		return fmt.Errorf("listen unix %s: another process is listening on this socket", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return nil // let net.Listen say what is wrong
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// plaintextPolicy returns the function the protocol servers ask whether a
// connection from addr may send a clear-text password without TLS.
func plaintextPolicy(mode string) func(net.Addr) bool {
	switch mode {
	case PlaintextAlways:
		return func(net.Addr) bool { return true }
	case PlaintextLoopback:
		return isLocal
	default:
		return func(net.Addr) bool { return false }
	}
}

// isLocal reports whether addr is a loopback address or a unix socket
// peer: a connection that cannot have crossed a network.
func isLocal(addr net.Addr) bool {
	switch a := addr.(type) {
	case nil:
		return false
	case *net.UnixAddr:
		return true
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	}
	if addr.Network() == "unix" {
		return true
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}
