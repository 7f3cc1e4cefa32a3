package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/imap"
	"github.com/loftmail/loft/server/lmtp"
	"github.com/loftmail/loft/server/managesieve"
	"github.com/loftmail/loft/server/pop3"
	"github.com/loftmail/loft/server/sieve"
	"github.com/loftmail/loft/store"
)

// implementation is what POP3 announces in its IMPLEMENTATION capability
// (RFC 2449 §6.9).
const implementation = "Loft"

// Server is one assembled Loft server: its store, directory, TLS
// configuration and protocol servers. Build it with New, bind its
// listeners with Start, and stop it with Shutdown.
type Server struct {
	cfg       *Config
	logger    *slog.Logger
	store     *store.Store
	dir       directory.Admin
	tlsConfig *tls.Config
	imap      *imap.Server
	pop3      *pop3.Server
	lmtp      *lmtp.Server
	sieve     *managesieve.Server
	// engine runs Sieve at delivery and checks scripts for ManageSieve;
	// LMTP uses it only when sieve.enabled is true.
	engine *sieve.Engine

	mu        sync.Mutex
	started   bool // Start was called
	running   bool // Start bound every listener
	stopping  bool
	listeners []boundListener
	serving   sync.WaitGroup

	failed   chan struct{} // closed when a serve loop fails
	failOnce sync.Once
	failErr  error

	shutdownOnce sync.Once
	shutdownErr  error
	stopped      chan struct{} // closed when Shutdown has finished
}

type boundListener struct {
	proto string
	ln    net.Listener
}

// New opens the store and the directory, builds the TLS configuration and
// creates the protocol servers. It binds no listener: Start does. A nil
// logger discards the log.
func New(cfg *Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	lim := cfg.Limits
	tlsConfig, err := loadTLSConfig(cfg, logger)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.StorePath(), store.Options{
		Logger:              logger.With("component", "store"),
		PollInterval:        cfg.Store.PollInterval.Duration(),
		MaxMessageSize:      int64(lim.MaxMessageSize),
		NewAccountMailboxes: cfg.Mailboxes.NewAccountMailboxes(),
	})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.StorePath(), err)
	}
	dir, err := OpenDirectory(cfg, logger)
	if err != nil {
		st.Close()
		return nil, err
	}

	s := &Server{
		cfg:       cfg,
		logger:    logger,
		store:     st,
		dir:       dir,
		tlsConfig: tlsConfig,
		failed:    make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	s.imap = imap.New(imap.Config{
		Store:                st,
		Directory:            dir,
		TLSConfig:            tlsConfig,
		AllowInsecureAuth:    plaintextPolicy(cfg.Auth.Plaintext),
		Hostname:             cfg.Hostname,
		Logger:               logger, // the package adds proto=imap
		MaxLineLength:        lim.MaxLineLength,
		MaxLiteralSize:       int64(lim.MaxLiteralSize),
		IdleTimeout:          lim.IMAPIdleTimeout.Duration(),
		LiteralPlus:          lim.IMAPLiteralPlus,
		LoginTimeout:         lim.LoginTimeout.Duration(),
		MaxConnections:       lim.MaxConnections,
		MaxConnectionsPerIP:  lim.MaxConnectionsPerIP,
		AuthFailureDelay:     authFailureDelay(cfg.Auth.FailureDelay),
		CacheDir:             cfg.CachePath(),
		Now:                  cfg.Now,
		OtherUsersPrefix:     cfg.IMAP.OtherUsersPrefix,
		SharedPrefix:         cfg.IMAP.SharedPrefix,
		SharedAccount:        cfg.IMAP.SharedAccount,
		GroupPrefix:          cfg.IMAP.GroupPrefix,
		Admins:               cfg.IMAP.Admins,
		DefaultQuotaStorage:  int64(cfg.Quota.DefaultStorage),
		DefaultQuotaMessages: cfg.Quota.DefaultMessages,
	})
	s.pop3 = pop3.New(pop3.Config{
		Store:               st,
		Directory:           dir,
		TLSConfig:           tlsConfig,
		AllowInsecureAuth:   plaintextPolicy(cfg.Auth.Plaintext),
		Hostname:            cfg.Hostname,
		Implementation:      implementation,
		Logger:              logger, // the package adds proto=pop3
		MaxLineLength:       lim.MaxLineLength,
		IdleTimeout:         lim.IdleTimeout.Duration(),
		LoginTimeout:        lim.LoginTimeout.Duration(),
		MaxConnections:      lim.MaxConnections,
		MaxConnectionsPerIP: lim.MaxConnectionsPerIP,
		AuthFailureDelay:    authFailureDelay(cfg.Auth.FailureDelay),
	})
	s.engine, err = newSieve(cfg, dir, logger.With("component", "sieve"))
	if err != nil {
		dir.Close()
		st.Close()
		return nil, err
	}
	var filter lmtp.Filter
	if cfg.Sieve.Enabled {
		filter = s.engine
	}
	s.lmtp = lmtp.New(lmtp.Config{
		Filter:               filter,
		Store:                st,
		Directory:            dir,
		Hostname:             cfg.Hostname,
		TLSConfig:            tlsConfig,
		Logger:               logger.With("proto", "lmtp"),
		MaxMessageBytes:      int64(lim.MaxMessageSize),
		MaxRecipients:        lim.MaxRecipients,
		MaxLineLength:        lim.MaxLineLength,
		OverQuotaPermanent:   cfg.LMTP.OverQuotaPermanent,
		DefaultQuotaStorage:  int64(cfg.Quota.DefaultStorage),
		DefaultQuotaMessages: cfg.Quota.DefaultMessages,
		Folders:              lmtpFolders(cfg.LMTP.Folders),
		GroupPrefix:          cfg.IMAP.GroupPrefix,
		DetailSeparator:      cfg.LMTP.DetailSeparator,
		NoDetail:             cfg.LMTP.DetailSeparator == "",
		Postmaster:           cfg.LMTP.Postmaster,
		ReadTimeout:          lim.IdleTimeout.Duration(),
		WriteTimeout:         lim.IdleTimeout.Duration(),
		MaxConnections:       lim.MaxConnections,
		MaxConnectionsPerIP:  lim.MaxConnectionsPerIP,
	})
	s.sieve = managesieve.New(managesieve.Config{
		Store:               st,
		Directory:           dir,
		Checker:             s.engine,
		TLSConfig:           tlsConfig,
		AllowInsecureAuth:   plaintextPolicy(cfg.Auth.Plaintext),
		Implementation:      implementation,
		MaxRedirects:        cfg.Sieve.MaxRedirects,
		MaxScriptSize:       int64(lim.MaxScriptSize),
		MaxScripts:          lim.MaxScripts,
		MaxLineLength:       lim.MaxLineLength,
		Logger:              logger, // the package adds proto=managesieve
		LoginTimeout:        lim.LoginTimeout.Duration(),
		MaxConnections:      lim.MaxConnections,
		MaxConnectionsPerIP: lim.MaxConnectionsPerIP,
		AuthFailureDelay:    authFailureDelay(cfg.Auth.FailureDelay),
	})
	return s, nil
}

// newSieve builds the Sieve engine from the [sieve] section and
// limits.max_script_size: the one place where the extension list and the
// limits are configured, for delivery and for ManageSieve's checks alike.
//
// The directory is asked first for scripts (the LDAP directory keeps a
// global script in its settings entry and a personal one per account);
// the global script file and the store's active script apply where it
// keeps none. dir may be nil (script checks only).
// sieveNamespaces returns the IMAP namespace prefixes that are not
// personal mailbox names, as server/imap refuses to create them (its
// underNamespace): fileinto must not file into what IMAP hides.
// The defaults are server/imap's.
func sieveNamespaces(cfg *Config) []string {
	prefix := func(p, def string) string {
		if p == "" {
			p = def
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return p
	}
	out := []string{prefix(cfg.IMAP.OtherUsersPrefix, "Other Users/")}
	if cfg.IMAP.SharedAccount != "" {
		out = append(out, prefix(cfg.IMAP.SharedPrefix, "Shared/"))
	}
	return out
}

func newSieve(cfg *Config, dir directory.Directory, logger *slog.Logger) (*sieve.Engine, error) {
	sc := cfg.Sieve
	var scripts sieve.ScriptSource
	if dir != nil {
		scripts = sieve.DirectorySource(dir, sc.GlobalScript)
	}
	e, err := sieve.New(sieve.Config{
		Extensions:          sc.Extensions,
		GlobalScript:        sc.GlobalScript,
		GlobalDir:           sc.GlobalDir,
		Scripts:             scripts,
		Relay:               sieve.RelayConfig{Addr: sc.Relay, Hostname: cfg.Hostname, Timeout: sc.RelayTimeout.Duration()},
		NamespacePrefixes:   sieveNamespaces(cfg),
		Hostname:            cfg.Hostname,
		MaxScriptSize:       int(cfg.Limits.MaxScriptSize),
		MaxNesting:          sc.MaxNesting,
		MaxRedirects:        sc.MaxRedirects,
		MaxActions:          sc.MaxActions,
		MaxIncludeDepth:     sc.MaxIncludeDepth,
		SubaddressSeparator: sc.Separator(cfg.LMTP.DetailSeparator),
		VacationMinimum:     sc.VacationMinimum.Duration(),
		VacationMaximum:     sc.VacationMaximum.Duration(),
		ErrorReport:         sc.ErrorReport,
		CacheSize:           sc.CacheSize,
		Logger:              logger,
	})
	if err != nil {
		return nil, fmt.Errorf("sieve: %w", err)
	}
	// A global script that is missing or does not compile would fail
	// every delivery (each kept in INBOX): refuse to start instead.
	if sc.GlobalScript != "" {
		src, err := os.ReadFile(sc.GlobalScript)
		if err == nil {
			err = e.Check(src)
		}
		if err != nil {
			return nil, fmt.Errorf("sieve.global_script: %w", err)
		}
	}
	if sc.GlobalDir != "" {
		if fi, err := os.Stat(sc.GlobalDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("sieve.global_dir: %s is not a directory", sc.GlobalDir)
		}
	}
	return e, nil
}

// NewSieveChecker returns the Sieve engine of the configuration, for
// checking scripts outside a running server (`loft adm sieve put`) with
// the same extensions and limits as delivery and ManageSieve. It runs no
// script and sends no mail. Errors: a [sieve] section the engine refuses.
func NewSieveChecker(cfg *Config) (*sieve.Engine, error) {
	return newSieve(cfg, nil, slog.New(slog.DiscardHandler))
}

// OpenDirectory opens the directory the configuration selects: the file
// directory at DirectoryPath, or the LDAP directory of [directory.ldap].
// The logger receives the LDAP directory's warnings; nil discards them.
// `loft serve` and `loft adm` both open it so.
func OpenDirectory(cfg *Config, logger *slog.Logger) (directory.Admin, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch cfg.Directory.Backend {
	case "ldap":
		o, err := cfg.Directory.LDAP.Options(logger.With("component", "directory"))
		if err != nil {
			return nil, fmt.Errorf("directory.ldap.%w", err)
		}
		d, err := directory.OpenLDAP(o)
		if err != nil {
			return nil, fmt.Errorf("open LDAP directory: %w", err)
		}
		return d, nil
	default:
		d, err := directory.OpenFile(cfg.DirectoryPath())
		if err != nil {
			return nil, fmt.Errorf("open directory %s: %w", cfg.DirectoryPath(), err)
		}
		return d, nil
	}
}

// Reload re-reads what the server takes from its directory at start: for
// the LDAP directory, the shared settings entry, and it forgets the
// accounts it cached. `loft serve` calls it on SIGHUP.
func (s *Server) Reload(ctx context.Context) error {
	r, ok := s.dir.(interface{ Reload(context.Context) error })
	if !ok {
		return nil
	}
	if err := r.Reload(ctx); err != nil {
		return fmt.Errorf("reload directory: %w", err)
	}
	s.logger.Info("directory reloaded")
	return nil
}

// authFailureDelay converts auth.failure_delay, where 0 means no delay, to
// the AuthFailureDelay of imap.Config and pop3.Config, where 0 means the
// package's default and a negative value no delay.
func authFailureDelay(d Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d.Duration()
}

// Start binds every configured listener and starts serving on each. It
// returns once all are listening; if one address cannot be bound, it
// closes the others and returns that error. Start may be called once.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("server: already started")
	}
	if s.stopping {
		return errors.New("server: shut down")
	}
	s.started = true

	type pending struct {
		boundListener
		implicitTLS bool
	}
	var bound []pending
	for _, set := range s.cfg.listenerSets() {
		for _, spec := range set.addrs {
			ln, err := listen(spec)
			if err != nil {
				for _, b := range bound {
					b.ln.Close()
				}
				return fmt.Errorf("%s.listen %s: %w", set.proto, spec, err)
			}
			bound = append(bound, pending{boundListener{set.proto, ln}, set.implicitTLS})
		}
	}
	for _, b := range bound {
		s.listeners = append(s.listeners, b.boundListener)
		s.logger.Info("listening", "proto", b.proto, "addr", b.ln.Addr().String())
		s.serving.Add(1)
		go s.serve(b.proto, b.ln, b.implicitTLS)
	}
	s.running = true
	return nil
}

// serve runs one protocol server's accept loop on ln until it ends. An end
// that Shutdown did not cause is a failure that Wait reports.
func (s *Server) serve(proto string, ln net.Listener, implicitTLS bool) {
	defer s.serving.Done()
	var err error
	switch proto {
	case "lmtp":
		err = s.lmtp.Serve(ln)
	case "imap", "imaps":
		err = s.imap.Serve(ln, implicitTLS)
	case "pop3", "pop3s":
		err = s.pop3.Serve(ln, implicitTLS)
	case "managesieve":
		err = s.sieve.Serve(ln)
	default:
		err = fmt.Errorf("no server for protocol %q", proto)
	}
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		return
	}
	if err == nil {
		err = errors.New("stopped accepting connections")
	}
	err = fmt.Errorf("%s on %s: %w", proto, ln.Addr(), err)
	s.logger.Error("listener failed", "proto", proto, "addr", ln.Addr().String(), "err", err)
	s.failOnce.Do(func() {
		s.failErr = err
		close(s.failed)
	})
}

// Addrs returns the addresses the server listens on, by protocol ("lmtp",
// "imap", "imaps", "pop3", "pop3s", "managesieve"). With port 0 in the configuration, they hold the ports
// the system chose. It is empty before Start.
func (s *Server) Addrs() map[string][]net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	addrs := make(map[string][]net.Addr)
	for _, b := range s.listeners {
		addrs[b.proto] = append(addrs[b.proto], b.ln.Addr())
	}
	return addrs
}

// ActiveConnections returns the number of open connections by protocol;
// IMAP and IMAPS share the count under "imap", POP3 and POP3S under "pop3";
// ManageSieve's is under "managesieve".
func (s *Server) ActiveConnections() map[string]int {
	return map[string]int{
		"lmtp":        s.lmtp.ActiveConnections(),
		"imap":        s.imap.ActiveConnections(),
		"pop3":        s.pop3.ActiveConnections(),
		"managesieve": s.sieve.ActiveConnections(),
	}
}

// Shutdown stops accepting connections, lets the protocol servers finish
// the connections they have until ctx is done, and then closes the store and
// the directory. It returns the first error of these steps; ctx's error if
// it ended first. Later calls return the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.shutdownErr = s.shutdown(ctx)
		close(s.stopped)
	})
	<-s.stopped
	return s.shutdownErr
}

func (s *Server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	listeners := s.listeners
	running := s.running
	s.mu.Unlock()

	for _, b := range listeners {
		// The protocol servers close their listeners too; closing
		// here first makes sure that no new connection is accepted
		// while they drain.
		if err := b.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.logger.Warn("close listener", "proto", b.proto, "addr", b.ln.Addr().String(), "err", err)
		}
	}

	var wg sync.WaitGroup
	var lmtpErr, imapErr, pop3Err, sieveErr error
	wg.Go(func() { lmtpErr = s.lmtp.Shutdown(ctx) })
	wg.Go(func() { imapErr = s.imap.Shutdown(ctx) })
	wg.Go(func() { pop3Err = s.pop3.Shutdown(ctx) })
	wg.Go(func() { sieveErr = s.sieve.Shutdown(ctx) })
	wg.Wait()
	s.serving.Wait()

	// The listeners are closed already, so a protocol server that closes
	// them again, after draining its connections, reports net.ErrClosed.
	var errs []error
	if lmtpErr != nil && !errors.Is(lmtpErr, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("lmtp: %w", lmtpErr))
	}
	if imapErr != nil && !errors.Is(imapErr, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("imap: %w", imapErr))
	}
	if pop3Err != nil && !errors.Is(pop3Err, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("pop3: %w", pop3Err))
	}
	if sieveErr != nil && !errors.Is(sieveErr, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("managesieve: %w", sieveErr))
	}
	if err := s.dir.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close directory: %w", err))
	}
	if err := s.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	if running {
		// A server that never started (Start failed, or was not
		// called) has nothing to report stopped.
		s.logger.Info("stopped")
	}
	return errors.Join(errs...)
}

// Wait blocks until Shutdown has finished, and then returns nil, or until a
// listener fails, and then returns its error without shutting down: the
// caller decides, usually by calling Shutdown.
//
// A server whose listener failed before Shutdown reports that failure from
// every later Wait too.
func (s *Server) Wait() error {
	select {
	case <-s.stopped:
	case <-s.failed:
	}
	select {
	case <-s.failed:
		return s.failErr
	default:
		return nil
	}
}

// lmtpFolders converts the [[lmtp.folder]] tables.
func lmtpFolders(fs []FolderConfig) []lmtp.Folder {
	out := make([]lmtp.Folder, len(fs))
	for i, f := range fs {
		out[i] = lmtp.Folder{Address: f.Address, Account: f.Account, Mailbox: f.Mailbox}
	}
	return out
}
