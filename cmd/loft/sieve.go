package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// sieveCmd manages accounts' Sieve scripts, as ManageSieve (RFC 5804) does
// for users, whether or not the server runs: the store takes no locks.
type sieveCmd struct {
	List       sieveListCmd       `cmd:"" help:"List an account's scripts: NAME<TAB>OCTETS<TAB>active|inactive, sorted by name."`
	Get        sieveGetCmd        `cmd:"" help:"Write a script to standard output, octet for octet."`
	Put        sievePutCmd        `cmd:"" help:"Check a script and store it, replacing one of that name; from FILE, or standard input."`
	Activate   sieveActivateCmd   `cmd:"" help:"Make a script the account's active one (the one delivery runs)."`
	Deactivate sieveDeactivateCmd `cmd:"" help:"Leave the account without an active script."`
	Delete     sieveDeleteCmd     `cmd:"" help:"Delete a script; the active one cannot be deleted."`
}

// sieveAccount opens the store account of login, which must exist in the
// directory.
func sieveAccount(a *admin, login string) (*store.Account, error) {
	if _, err := a.dir.User(login); err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return nil, fmt.Errorf("no account %q", login)
		}
		return nil, err
	}
	return a.st.OpenAccount(login)
}

// sieveError words the store's errors about a script for the command line.
func sieveError(name string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no script %q", name)
	case errors.Is(err, store.ErrExists):
		return fmt.Errorf("a script %q exists", name)
	case errors.Is(err, store.ErrActive):
		return fmt.Errorf("script %q is active: deactivate it first", name)
	}
	return err
}

type sieveListCmd struct {
	Login string `arg:"" help:"Login name."`
}

func (c *sieveListCmd) Run(e *env, p *Paths) error {
	return withSieveAccount(p, c.Login, "", func(acct *store.Account) error {
		list, err := acct.SieveScripts()
		if err != nil {
			return err
		}
		for _, s := range list {
			state := "inactive"
			if s.Active {
				state = "active"
			}
			fmt.Fprintf(e.stdout, "%s\t%d\t%s\n", s.Name, s.Size, state)
		}
		return nil
	})
}

type sieveGetCmd struct {
	Login string `arg:"" help:"Login name."`
	Name  string `arg:"" help:"Script name."`
}

func (c *sieveGetCmd) Run(e *env, p *Paths) error {
	return withSieveAccount(p, c.Login, c.Name, func(acct *store.Account) error {
		data, err := acct.SieveScript(c.Name)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(data)
		return err
	})
}

type sievePutCmd struct {
	Login    string `arg:"" help:"Login name."`
	Name     string `arg:"" help:"Script name (RFC 5804 §1.6: UTF-8, no control characters)."`
	File     string `arg:"" optional:"" type:"path" help:"The script; standard input when absent or \"-\"."`
	Activate bool   `help:"Also make it the active script."`
}

// Run checks the script as ManageSieve's PUTSCRIPT does (the errors, each
// with line and column, go to standard error and nothing is stored), then
// stores it. The number of scripts is not limited for the administrator.
func (c *sievePutCmd) Run(e *env, p *Paths) error {
	if err := store.CheckSieveName(c.Name); err != nil {
		return fmt.Errorf("script name %q: %w", c.Name, err)
	}
	var data []byte
	var err error
	if c.File == "" || c.File == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(c.File)
	}
	if err != nil {
		return err
	}
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	checker, err := server.NewSieveChecker(a.cfg)
	if err != nil {
		return err
	}
	if err := checker.Check(data); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitError{code: exitFailure, msg: fmt.Sprintf("script %q not stored: it does not compile", c.Name)}
	}
	acct, err := sieveAccount(a, c.Login)
	if err != nil {
		return err
	}
	if err := acct.PutSieveScript(c.Name, data); err != nil {
		return sieveError(c.Name, err)
	}
	if c.Activate {
		return sieveError(c.Name, acct.SetActiveSieveScript(c.Name))
	}
	return nil
}

type sieveActivateCmd struct {
	Login string `arg:"" help:"Login name."`
	Name  string `arg:"" help:"Script name."`
}

func (c *sieveActivateCmd) Run(e *env, p *Paths) error {
	if c.Name == "" {
		return usageError{"activate: the script name is empty; use deactivate"}
	}
	return withSieveAccount(p, c.Login, c.Name, func(acct *store.Account) error { return acct.SetActiveSieveScript(c.Name) })
}

type sieveDeactivateCmd struct {
	Login string `arg:"" help:"Login name."`
}

func (c *sieveDeactivateCmd) Run(e *env, p *Paths) error {
	return withSieveAccount(p, c.Login, "", func(acct *store.Account) error { return acct.SetActiveSieveScript("") })
}

type sieveDeleteCmd struct {
	Login string `arg:"" help:"Login name."`
	Name  string `arg:"" help:"Script name."`
}

func (c *sieveDeleteCmd) Run(e *env, p *Paths) error {
	return withSieveAccount(p, c.Login, c.Name, func(acct *store.Account) error { return acct.DeleteSieveScript(c.Name) })
}

// withSieveAccount opens the account of login and runs f on it; store
// errors about the script name are worded for the command line.
func withSieveAccount(p *Paths, login, name string, f func(*store.Account) error) error {
	a, err := openAdmin(p, true)
	if err != nil {
		return err
	}
	defer a.close()
	acct, err := sieveAccount(a, login)
	if err != nil {
		return err
	}
	return sieveError(name, f(acct))
}
