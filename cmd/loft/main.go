// Command loft is Loft's one binary: the server and its administration.
//
//	loft serve [--config FILE] [--data DIR]
//	loft adm [--config FILE] [--data DIR] user add LOGIN [--password-stdin | --password-file F]
//	         [--address ADDR]... [--quota-storage SIZE] [--quota-messages N] [--disabled]
//	loft adm user list | show LOGIN | del LOGIN [--keep-mail] | passwd LOGIN [...]
//	loft adm user set LOGIN [--address ADDR]... [--no-addresses] [--quota-storage SIZE]
//	         [--quota-messages N] [--enable | --disable]
//	loft adm group add NAME [MEMBER]... | del NAME | list
//	loft adm group members NAME [--add LOGIN]... [--remove LOGIN]...
//	loft adm mailbox list LOGIN | special-use LOGIN MAILBOX [ATTRIBUTE]...
//	loft adm sieve list LOGIN | get LOGIN NAME | put LOGIN NAME [FILE] [--activate]
//	loft adm sieve activate LOGIN NAME | deactivate LOGIN | delete LOGIN NAME
//	loft adm check [LOGIN]... [--repair]
//	loft version
//
// `loft serve` and `loft adm` find the data directory the same way: --data,
// or else data_dir of the configuration file (--config, or the embedded
// default, whose data_dir is ./var). Under it, directory/ holds the users
// and store/ the mail.
//
// A SIZE is octets, or a number with a unit: KB, MB, GB (powers of 1000)
// or KiB, MiB, GiB (powers of 1024), as in the configuration file; K, M
// and G alone are refused as ambiguous.
//
// Output is plain text meant for scripts as well as people; its formats are
// described with each command. Errors go to standard error, and the exit
// status is 0 on success, 1 on failure and 2 for a command line that is
// not understood.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

type cli struct {
	Serve   serveCmd   `cmd:"" help:"Run the server until SIGINT (Ctrl-C) or SIGTERM, then let connections finish (at most 30 s) and exit; a second signal exits at once. SIGHUP re-reads the directory's shared settings and forgets cached accounts."`
	Adm     admCmd     `cmd:"" help:"Manage accounts, groups and the message store."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

// Paths are the flags that say where the data is.
type Paths struct {
	Config string `help:"Configuration file (TOML). Without it the embedded default is used." placeholder:"FILE" type:"path"`
	Data   string `help:"Data directory; overrides data_dir of the configuration (default ./var)." placeholder:"DIR" type:"path"`
}

// env is what every command gets: its standard streams.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError is a command line that parses but makes no sense; it exits
// with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs loft with args (without the program name) and returns the exit
// status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	exited, status := false, exitOK
	parser, err := kong.New(&c,
		kong.Name("loft"),
		kong.Description("Loft, an IMAP, POP3, LMTP and ManageSieve message store."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exited, status = true, code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "loft:", err)
		return exitFailure
	}
	ctx, err := parser.Parse(args)
	if exited {
		return status // --help was printed
	}
	if err != nil {
		fmt.Fprintf(stderr, "loft: %v\nRun \"loft --help\" for usage.\n", err)
		return exitUsage
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	err = ctx.Run(e, &c.Adm.Paths)
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "loft: %v\nRun \"loft --help\" for usage.\n", err)
		return exitUsage
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "loft:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "loft:", err)
	return exitFailure
}

// exitError ends loft with a status, after printing msg unless it is
// empty: for commands whose output already told the story.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit status %d: %s", e.code, e.msg) }
