// Package server assembles Loft: it reads the configuration, opens the
// message store and the directory, builds the TLS configuration (generating a
// self-signed certificate when none is configured), creates one server per
// protocol and binds their listeners.
//
// Nothing here is global: New builds a complete, independent server from a
// Config, so that tests can run many servers in one process, each with its
// own data directory and ports.
//
//	cfg, err := server.LoadConfig(path) // "" is the embedded default
//	srv, err := server.New(cfg, logger)
//	err = srv.Start()                   // binds every listener
//	err = srv.Wait()                    // until Shutdown, or a listener fails
//
// The protocol engines live in the subpackages (server/pop3, server/lmtp, …);
// this package only wires them together, and is imported by cmd/loft and by
// tests, never by the engines themselves.
package server
