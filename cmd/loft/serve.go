package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loftmail/loft/server"
)

// drainTimeout is how long `loft serve` lets open connections finish after
// SIGINT or SIGTERM.
const drainTimeout = 30 * time.Second

type serveCmd struct {
	Paths `embed:""`
}

// Run starts the server and serves until SIGINT or SIGTERM, or until a
// listener fails (SIGHUP reloads the directory's shared settings); then it shuts down, letting connections finish for at
// most drainTimeout. A second signal during the drain ends the process at
// once.
func (c *serveCmd) Run(e *env) error {
	cfg, err := c.load()
	if err != nil {
		return err
	}
	logger, err := cfg.Log.NewLogger(e.stderr)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		// New opened the store and the directory; Shutdown closes them.
		srv.Shutdown(context.Background())
		return err
	}
	signals, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// SIGHUP re-reads what the server takes from its directory (the LDAP
	// settings entry) and empties its cache of accounts.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	failed := make(chan error, 1)
	go func() { failed <- srv.Wait() }()

	var failure error
wait:
	for {
		select {
		case <-hup:
			ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
			if err := srv.Reload(ctx); err != nil {
				logger.Warn("reload failed", "err", err)
			}
			cancel()
		case <-signals.Done():
			logger.Info("shutting down", "reason", "signal", "drain", drainTimeout.String())
			break wait
		case failure = <-failed:
			logger.Error("shutting down", "reason", "listener failed", "err", failure)
			break wait
		}
	}
	stop() // from now on a signal has its default effect
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return failure
}
