// Package harness starts the assembled Loft server in-process for black-box
// tests, and speaks the line protocols (IMAP, POP3, LMTP) to it byte for byte.
//
// It is shared by the conformance driver (conformance/) and the real-client
// tests (integration/). Every server it starts listens on 127.0.0.1 with
// kernel-chosen ports, keeps its data in a directory the caller owns, and
// serves TLS with a self-signed certificate made for that server alone, so
// that many servers can run at once in one test binary.
package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
)

// Hostname is the host name every test server announces in its greetings
// and Received headers.
const Hostname = "loft.example.org"

// Protocol names, as used in server.Server.Addrs and in Options.
const (
	IMAP  = "imap"
	IMAPS = "imaps"
	POP3  = "pop3"
	POP3S = "pop3s"
	LMTP  = "lmtp"
	// ManageSieve (RFC 5804), with STARTTLS.
	ManageSieve = "managesieve"
)

// Options says which listeners a test server opens and how it is configured.
type Options struct {
	// Dir is a directory owned by the caller; the server keeps its data,
	// certificate and log under it.
	Dir string
	// Protocols lists the listeners to open (IMAP, IMAPS, POP3, POP3S,
	// LMTP, ManageSieve). Each listens
	// on 127.0.0.1 with a port the kernel chooses.
	Protocols []string
	// ConfigFile, if set, is a TOML file read with server.LoadConfig; the
	// harness then sets the data directory, host name, listeners and
	// certificate, and makes failed authentications answer at once
	// (auth.failure_delay = 0).
	ConfigFile string
	// Plaintext, if set, overrides Auth.Plaintext: "never", "loopback" or
	// "always".
	Plaintext string
	// Log receives the server's structured log. Nil discards it.
	Log io.Writer
	// Directory, if set, replaces the configuration's [directory]
	// section: an LDAP directory instead of the file directory under
	// Dir, for instance.
	Directory *server.DirectoryConfig
	// Now, if set, is the server's clock for the IMAP search keys that
	// depend on the current time (RFC 5032).
	Now func() time.Time
}

// Server is a running test server.
type Server struct {
	// Config is the configuration the server was started with.
	Config *server.Config
	// Addr maps each opened protocol to its "127.0.0.1:port" address.
	Addr map[string]string
	// Roots holds the certificate the server presents.
	Roots *x509.CertPool

	srv *server.Server
}

// Start assembles and starts a server as opts describe. The caller must
// call Stop.
func Start(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("harness: Options.Dir is required")
	}
	cfg := server.DefaultConfig()
	if opts.ConfigFile != "" {
		var err error
		if cfg, err = server.LoadConfig(opts.ConfigFile); err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
	}
	// Failed logins are answered at once: tests wait for replies, and the
	// delay that slows password guessing would only slow them down.
	cfg.Auth.FailureDelay = 0
	cfg.DataDir = filepath.Join(opts.Dir, "data")
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	cfg.Hostname = Hostname
	cfg.Now = opts.Now
	certFile, keyFile, roots, err := WriteCertificate(opts.Dir)
	if err != nil {
		return nil, err
	}
	cfg.TLS.CertFile = certFile
	cfg.TLS.KeyFile = keyFile
	if opts.Plaintext != "" {
		cfg.Auth.Plaintext = opts.Plaintext
	}
	if opts.Directory != nil {
		cfg.Directory = *opts.Directory
	}
	cfg.LMTP.Listen = nil
	cfg.IMAP.Listen = nil
	cfg.IMAPS.Listen = nil
	cfg.POP3.Listen = nil
	cfg.POP3S.Listen = nil
	cfg.ManageSieve.Listen = nil
	for _, p := range opts.Protocols {
		switch p {
		case LMTP:
			cfg.LMTP.Listen = []string{"127.0.0.1:0"}
		case IMAP:
			cfg.IMAP.Listen = []string{"127.0.0.1:0"}
		case IMAPS:
			cfg.IMAPS.Listen = []string{"127.0.0.1:0"}
		case POP3:
			cfg.POP3.Listen = []string{"127.0.0.1:0"}
		case POP3S:
			cfg.POP3S.Listen = []string{"127.0.0.1:0"}
		case ManageSieve:
			cfg.ManageSieve.Listen = []string{"127.0.0.1:0"}
		default:
			return nil, fmt.Errorf("harness: unknown protocol %q", p)
		}
	}

	logOut := opts.Log
	if logOut == nil {
		logOut = io.Discard
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("harness: server.New: %w", err)
	}
	if err := srv.Start(); err != nil {
		// New opened the store and the directory; Shutdown closes them.
		srv.Shutdown(context.Background())
		return nil, fmt.Errorf("harness: Start: %w", err)
	}
	s := &Server{Config: cfg, Addr: map[string]string{}, Roots: roots, srv: srv}
	addrs := srv.Addrs()
	for _, p := range opts.Protocols {
		if len(addrs[p]) == 0 {
			s.Stop()
			return nil, fmt.Errorf("harness: server opened no %s listener", p)
		}
		s.Addr[p] = addrs[p][0].String()
	}
	return s, nil
}

// Stop shuts the server down, waiting up to a minute for connections to end.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// User describes an account to create in the server's directory.
type User struct {
	Login         string
	Password      string
	Addresses     []string
	QuotaStorage  int64
	QuotaMessages int64
	Disabled      bool
}

// AddUser creates an account in the server's directory (the file
// directory or LDAP, as configured) while the server runs, the way `loft
// adm user add` does: through a directory opened for the purpose.
func (s *Server) AddUser(u User) error {
	dir, err := server.OpenDirectory(s.Config, nil)
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	defer dir.Close()
	err = dir.AddUser(directory.UserSpec{
		Login:         u.Login,
		Password:      u.Password,
		Addresses:     u.Addresses,
		QuotaStorage:  u.QuotaStorage,
		QuotaMessages: u.QuotaMessages,
		Disabled:      u.Disabled,
	})
	if err != nil {
		return fmt.Errorf("harness: adding user %s: %w", u.Login, err)
	}
	return nil
}

// TLSConfig returns a client configuration that trusts this server's
// certificate.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.Roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// Dial opens a connection to the listener of protocol p, over implicit TLS
// for POP3S and IMAPS.
func (s *Server) Dial(p string) (*Conn, error) {
	addr, ok := s.Addr[p]
	if !ok {
		return nil, fmt.Errorf("harness: the server has no %s listener", p)
	}
	if p == POP3S || p == IMAPS {
		return DialTLS(addr, s.TLSConfig())
	}
	return Dial(addr)
}
