package main

import (
	"fmt"

	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// load reads the configuration that p names (the embedded default when
// p.Config is empty) and applies --data to it, so that `loft serve` and
// `loft adm` given the same flags use the same directories.
func (p *Paths) load() (*server.Config, error) {
	cfg, err := server.LoadConfig(p.Config)
	if err != nil {
		return nil, err
	}
	if p.Data != "" {
		cfg.DataDir = p.Data
	}
	return cfg, nil
}

// openDirectory opens the directory of the configuration: the file
// directory, or the LDAP directory whose entries `loft adm` then changes.
func openDirectory(cfg *server.Config) (directory.Admin, error) {
	return server.OpenDirectory(cfg, nil)
}

// openStore opens the message store of the configuration.
func openStore(cfg *server.Config) (*store.Store, error) {
	st, err := store.Open(cfg.StorePath(), store.Options{NewAccountMailboxes: cfg.Mailboxes.NewAccountMailboxes()})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.StorePath(), err)
	}
	return st, nil
}
