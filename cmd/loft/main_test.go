package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// loftBin is the loft binary built by TestMain.
var loftBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "loft-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	loftBin = filepath.Join(dir, "loft")
	gocmd := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gocmd); err != nil {
		gocmd = "go"
	}
	build := exec.Command(gocmd, "build", "-o", loftBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building loft:", err)
		return 1
	}
	return m.Run()
}

// result is what one run of loft did.
type result struct {
	stdout, stderr string
	code           int
}

// loft runs the binary with stdin as standard input and returns what it
// printed and its exit status.
func loft(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, loftBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("loft %q: %v", args, err)
	}
	return r
}

// ok runs loft and fails the test unless it exits 0; it returns stdout.
func ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := loft(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("loft %q: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs loft and fails the test unless it exits with code and says
// something matching pattern on standard error.
func fails(t *testing.T, code int, pattern string, stdin string, args ...string) result {
	t.Helper()
	r := loft(t, stdin, args...)
	if r.code != code {
		t.Fatalf("loft %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(pattern).MatchString(r.stderr) {
		t.Errorf("loft %q: stderr %q does not match %q", args, r.stderr, pattern)
	}
	return r
}

// adm returns the arguments of `loft adm --data data args…`.
func adm(data string, args ...string) []string {
	return append([]string{"adm", "--data", data}, args...)
}

func openDir(t *testing.T, data string) *directory.File {
	t.Helper()
	d, err := directory.OpenFile(filepath.Join(data, "directory"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func storeAccounts(t *testing.T, data string) []string {
	t.Helper()
	st, err := store.Open(filepath.Join(data, "store"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names, err := st.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "var")

	out := ok(t, "s3cret\n", adm(data, "user", "add", "alice", "--password-stdin",
		"--address", "Alice@Example.org", "--address", "a@example.org",
		"--quota-storage", "1GiB", "--quota-messages", "500")...)
	if out != "" {
		t.Errorf("user add printed %q", out)
	}
	ok(t, "hunter2", adm(data, "user", "add", "bob", "--password-stdin", "--disabled")...)

	if got, want := ok(t, "", adm(data, "user", "list")...), "alice\tenabled\talice@example.org a@example.org\nbob\tdisabled\t\n"; got != want {
		t.Errorf("user list:\n%s\nwant:\n%s", got, want)
	}
	want := `login: alice
enabled: yes
address: alice@example.org
address: a@example.org
quota-storage: 1073741824 (1GiB)
quota-messages: 500
scram: SCRAM-SHA-1 SCRAM-SHA-256
usage-storage: 0
usage-messages: 0
`
	if diff := cmp.Diff(want, ok(t, "", adm(data, "user", "show", "alice")...)); diff != "" {
		t.Errorf("user show (-want +got):\n%s", diff)
	}
	if got := storeAccounts(t, data); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("store accounts %v, want alice and bob", got)
	}
	d := openDir(t, data)
	if _, err := d.Authenticate(ctx, "alice", "s3cret"); err != nil {
		t.Errorf("Authenticate(alice): %v", err)
	}
	if _, err := d.Authenticate(ctx, "bob", "hunter2"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("Authenticate(bob), disabled: %v", err)
	}

	fails(t, 1, `already exists`, "other\n", adm(data, "user", "add", "alice", "--password-stdin")...)
	fails(t, 1, `already exists.*alice@example\.org`, "x\n", adm(data, "user", "add", "carol", "--password-stdin", "--address", "ALICE@example.org")...)
	if _, err := d.User("carol"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("carol exists after a refused add: %v", err)
	}
	fails(t, 1, `no account`, "", adm(data, "user", "show", "carol")...)

	// An account whose file predates SCRAM credentials (RFC 5802 §3)
	// cannot use SCRAM until its password is set again.
	bobFile := filepath.Join(data, "directory", "users", "bob.toml")
	raw, err := os.ReadFile(bobFile)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(raw), "\n") {
		if !strings.HasPrefix(l, "scram_") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(bobFile, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	if show := ok(t, "", adm(data, "user", "show", "bob")...); !strings.Contains(show, "\nscram: none ") {
		t.Errorf("user show of an account without SCRAM credentials:\n%s", show)
	}
	ok(t, "hunter2\n", adm(data, "user", "passwd", "bob", "--password-stdin")...)
	if show := ok(t, "", adm(data, "user", "show", "bob")...); !strings.Contains(show, "\nscram: SCRAM-SHA-1 SCRAM-SHA-256\n") {
		t.Errorf("user show after passwd:\n%s", show)
	}

	// passwd, from standard input and from a file.
	ok(t, "n3w\r\n", adm(data, "user", "passwd", "alice", "--password-stdin")...)
	if _, err := d.Authenticate(ctx, "alice", "n3w"); err != nil {
		t.Errorf("Authenticate with the new password: %v", err)
	}
	if _, err := d.Authenticate(ctx, "alice", "s3cret"); !errors.Is(err, directory.ErrAuthFailed) {
		t.Errorf("Authenticate with the old password: %v", err)
	}
	pwfile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwfile, []byte("from a file\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok(t, "", adm(data, "user", "passwd", "alice", "--password-file", pwfile)...)
	if _, err := d.Authenticate(ctx, "alice", "from a file"); err != nil {
		t.Errorf("Authenticate with the password from the file: %v", err)
	}
	fails(t, 1, `empty password`, "\n", adm(data, "user", "passwd", "alice", "--password-stdin")...)
	fails(t, 1, `no such account|not found`, "x\n", adm(data, "user", "passwd", "nobody", "--password-stdin")...)

	// set
	ok(t, "", adm(data, "user", "set", "alice", "--address", "alice@example.net", "--quota-storage", "512MB", "--quota-messages", "0")...)
	ok(t, "", adm(data, "user", "set", "bob", "--enable", "--address", "a@example.org")...)
	if got, want := ok(t, "", adm(data, "user", "list")...), "alice\tenabled\talice@example.net\nbob\tenabled\ta@example.org\n"; got != want {
		t.Errorf("user list after set:\n%s\nwant:\n%s", got, want)
	}
	a, err := d.LookupAddress(ctx, "A@example.org")
	if err != nil || a.Login != "bob" || a.QuotaStorage != 0 {
		t.Errorf("a@example.org = %+v, %v; want bob", a, err)
	}
	a, err = d.User("alice")
	if err != nil || a.QuotaStorage != 512_000_000 || a.QuotaMessages != 0 {
		t.Errorf("alice = %+v, %v", a, err)
	}
	show := ok(t, "", adm(data, "user", "show", "alice")...)
	for _, want := range []string{"\nquota-storage: 512000000 (512MB)\n", "\nquota-messages: 0 (no limit)\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user show after set lacks %q:\n%s", want, show)
		}
	}
	show = ok(t, "", adm(data, "user", "show", "bob")...)
	for _, want := range []string{"\nquota-storage: 0 (no limit)\n", "\nquota-messages: 0 (no limit)\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user show of bob lacks %q:\n%s", want, show)
		}
	}
	ok(t, "", adm(data, "user", "set", "alice", "--disable", "--no-addresses")...)
	if got := ok(t, "", adm(data, "user", "list")...); !strings.HasPrefix(got, "alice\tdisabled\t\n") {
		t.Errorf("user list after --disable --no-addresses:\n%s", got)
	}
	fails(t, 1, `already exists`, "", adm(data, "user", "set", "alice", "--address", "a@example.org")...)

	// del
	ok(t, "", adm(data, "user", "del", "bob", "--keep-mail")...)
	if got := storeAccounts(t, data); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("store accounts after del --keep-mail: %v", got)
	}
	ok(t, "", adm(data, "user", "del", "alice")...)
	if got := storeAccounts(t, data); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("store accounts after del: %v, want bob's kept mail only", got)
	}
	if got := ok(t, "", adm(data, "user", "list")...); got != "" {
		t.Errorf("user list after deleting everyone: %q", got)
	}
	fails(t, 1, `no such account|not found`, "", adm(data, "user", "del", "alice")...)

	// A new bob finds his kept mailboxes.
	ok(t, "pw\n", adm(data, "user", "add", "bob")...)
	if got := ok(t, "", adm(data, "user", "show", "bob")...); !strings.Contains(got, "usage-messages: 0\n") {
		t.Errorf("user show bob:\n%s", got)
	}
}

func TestGroupCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	for _, u := range []string{"alice", "bob", "carol"} {
		ok(t, "pw\n", adm(data, "user", "add", u, "--password-stdin")...)
	}
	ok(t, "", adm(data, "group", "add", "staff", "carol", "alice")...)
	ok(t, "", adm(data, "group", "add", "empty")...)
	fails(t, 1, `already exists`, "", adm(data, "group", "add", "staff")...)
	fails(t, 1, `nobody`, "", adm(data, "group", "add", "ghosts", "alice", "nobody")...)
	if got, want := ok(t, "", adm(data, "group", "list")...), "empty\t\nstaff\talice carol\n"; got != want {
		t.Errorf("group list:\n%q\nwant:\n%q", got, want)
	}
	if got, want := ok(t, "", adm(data, "group", "members", "staff", "--add", "bob", "--remove", "alice")...), "bob\ncarol\n"; got != want {
		t.Errorf("group members:\n%q\nwant %q", got, want)
	}
	if got, want := ok(t, "", adm(data, "group", "members", "staff")...), "bob\ncarol\n"; got != want {
		t.Errorf("group members without changes:\n%q\nwant %q", got, want)
	}
	if got := ok(t, "", adm(data, "user", "show", "carol")...); !strings.Contains(got, "\ngroup: staff\n") {
		t.Errorf("user show carol does not list staff:\n%s", got)
	}
	fails(t, 1, `not found|no such`, "", adm(data, "group", "members", "nogroup", "--add", "bob")...)
	ok(t, "", adm(data, "group", "del", "empty")...)
	fails(t, 1, `not found|no such`, "", adm(data, "group", "del", "empty")...)
	ok(t, "", adm(data, "user", "del", "carol")...)
	if got, want := ok(t, "", adm(data, "group", "list")...), "staff\tbob\n"; got != want {
		t.Errorf("group list after deleting carol:\n%q\nwant %q", got, want)
	}
}

func TestHostileLogins(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "var")
	for _, login := range []string{"../evil", "a/b", "/etc/passwd", "a b", "a\tb", "a\nb", "", strings.Repeat("x", 65)} {
		r := loft(t, "pw\n", adm(data, "user", "add", "--password-stdin", "--", login)...)
		if r.code != 1 || !strings.Contains(r.stderr, "invalid") {
			t.Errorf("user add %q: exit %d, stderr %q; want 1 and an invalid name", login, r.code, r.stderr)
		}
	}
	// "-" and ".." are odd but valid login names: they are created, and
	// nothing lands outside the data directory.
	for _, login := range []string{"-", ".."} {
		ok(t, "pw\n", adm(data, "user", "add", "--password-stdin", "--", login)...)
		if _, err := openDir(t, data).User(login); err != nil {
			t.Errorf("login %q: %v", login, err)
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 1 || entries[0].Name() != "var" {
		t.Errorf("%s holds %v (%v), want var alone", root, entries, err)
	}
	if _, err := os.Stat(filepath.Join(root, "evil")); err == nil {
		t.Error("a file escaped the data directory")
	}
}

func TestUsageErrors(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	for _, args := range [][]string{
		{"nosuch"},
		adm(data, "user", "add"),
		adm(data, "user", "add", "alice", "--password-stdin", "--password-file", "x"),
		adm(data, "user", "add", "alice", "--quota-storage", "12X"),
		adm(data, "user", "add", "alice", "--quota-storage", "-1"),
		adm(data, "user", "add", "alice", "--quota-storage", "1G"),
		adm(data, "user", "add", "alice", "--quota-messages", "-1"),
		adm(data, "user", "set", "alice"),
		adm(data, "user", "set", "alice", "--enable", "--disable"),
		adm(data, "user", "set", "alice", "--address", "a@b", "--no-addresses"),
		adm(data, "group"),
	} {
		fails(t, 2, `loft: `, "", args...)
	}
	if got := ok(t, "", "--help"); !strings.Contains(got, "adm user add") {
		t.Errorf("--help:\n%s", got)
	}
}

func TestPasswordInput(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "var")
	// Without a flag, a password comes from standard input when it is not
	// a terminal (here a pipe).
	ok(t, "piped\n", adm(data, "user", "add", "alice")...)
	if _, err := openDir(t, data).Authenticate(ctx, "alice", "piped"); err != nil {
		t.Errorf("Authenticate with the piped password: %v", err)
	}
	fails(t, 1, `empty password`, "", adm(data, "user", "add", "bob")...)
	fails(t, 1, `password file`, "", adm(data, "user", "add", "bob", "--password-file", filepath.Join(data, "absent"))...)
	fails(t, 1, `longer than`, strings.Repeat("x", directory.MaxPasswordLen+1), adm(data, "user", "add", "bob")...)
	if got := ok(t, "", adm(data, "user", "list")...); got != "alice\tenabled\t\n" {
		t.Errorf("failed adds left accounts:\n%s", got)
	}
}

// TestSizes: --quota-storage reads sizes as the configuration file does
// (server.ParseByteSize): KB, MB, GB are powers of 1000, KiB, MiB, GiB
// powers of 1024, and K, M, G alone are refused as ambiguous.
func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"0", 0}, {"1024", 1024}, {"1KB", 1000}, {"1KiB", 1024}, {"5MB", 5_000_000}, {"5mib", 5 << 20}, {"2GB", 2_000_000_000}, {"2GiB", 2 << 30}} {
		var s Size
		if err := s.UnmarshalText([]byte(tc.in)); err != nil || s.N != tc.want || !s.Set {
			t.Errorf("Size(%q) = %+v, %v; want %d", tc.in, s, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"", "is not a size"},
		{"-1", "negative"},
		{"1.5GiB", "is not a size"},
		{"1K", "ambiguous"},
		{"5M", "ambiguous"},
		{"2g", "ambiguous"},
		{"1T", "is not a size"},
	} {
		var s Size
		if err := s.UnmarshalText([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Size(%q) = %+v, %v; want an error with %q", tc.in, s, err, tc.err)
		}
	}
	data := filepath.Join(t.TempDir(), "var")
	fails(t, 2, `"1G" is not a size: G alone is ambiguous, write GB \(powers of 1000\) or GiB \(powers of 1024\)`, "pw\n",
		adm(data, "user", "add", "alice", "--quota-storage", "1G")...)
	for _, tc := range []struct{ in, want string }{
		{"0", "0 (no limit)"},
		{"1GiB", "1073741824 (1GiB)"},
		{"1536", "1536"},
		{"1GB", "1000000000 (1GB)"},
		{"1500KB", "1500000 (1500KB)"},
		{"3KiB", "3072 (3KiB)"},
	} {
		n, err := server.ParseByteSize(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := storageQuotaText(n); got != tc.want {
			t.Errorf("storageQuotaText(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestConfigDataDir checks that adm finds the data directory as serve
// does: data_dir of --config, overridden by --data.
func TestConfigDataDir(t *testing.T) {
	root := t.TempDir()
	fromConfig := filepath.Join(root, "from-config")
	cfg := filepath.Join(root, "loft.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir = %q\n", fromConfig)), 0o600); err != nil {
		t.Fatal(err)
	}
	ok(t, "pw\n", "adm", "--config", cfg, "user", "add", "alice")
	if _, err := openDir(t, fromConfig).User("alice"); err != nil {
		t.Errorf("alice is not under the configuration's data_dir: %v", err)
	}
	if got := storeAccounts(t, fromConfig); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("store accounts under data_dir: %v", got)
	}
	override := filepath.Join(root, "override")
	ok(t, "pw\n", "adm", "--config", cfg, "--data", override, "user", "add", "bob")
	if got := ok(t, "", "adm", "--data", override, "user", "list"); got != "bob\tenabled\t\n" {
		t.Errorf("user list under --data: %q", got)
	}
	if got := ok(t, "", "adm", "--config", cfg, "user", "list"); got != "alice\tenabled\t\n" {
		t.Errorf("user list under data_dir: %q", got)
	}
	bad := filepath.Join(root, "bad.toml")
	if err := os.WriteFile(bad, []byte("no_such_key = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fails(t, 1, `no_such_key`, "", "adm", "--config", bad, "user", "list")
}

func TestCheck(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	ok(t, "pw\n", adm(data, "user", "add", "alice")...)
	ok(t, "pw\n", adm(data, "user", "add", "bob")...)
	out := ok(t, "", adm(data, "check")...)
	// INBOX and the five mailboxes of the default [mailboxes] table.
	if !regexp.MustCompile(`(?m)^alice: ok: 6 mailboxes, \d+ records\nbob: ok: 6 mailboxes, \d+ records\n$`).MatchString(out) {
		t.Errorf("check:\n%s", out)
	}

	// A temporary file that an interrupted write left an hour ago.
	stale := filepath.Join(data, "store", "accounts", "alice", "tmp", "t.0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	r := loft(t, "", adm(data, "check", "alice")...)
	if r.code != 1 || !regexp.MustCompile(`(?m)^alice: 1 problems: .*\nalice: stale-tmp found `).MatchString(r.stdout) {
		t.Errorf("check with a stale file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = loft(t, "", adm(data, "check", "--repair", "alice")...)
	if r.code != 0 || !strings.Contains(r.stdout, "alice: stale-tmp repaired ") {
		t.Errorf("check --repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale file is still there: %v", err)
	}
	ok(t, "", adm(data, "check", "alice")...)
	fails(t, 1, `nobody`, "", adm(data, "check", "nobody")...)
}

func TestVersion(t *testing.T) {
	if got := ok(t, "", "version"); !regexp.MustCompile(`^loft \S+ go\S+\n$`).MatchString(got) {
		t.Errorf("version: %q", got)
	}
}

// TestServe runs `loft serve`, adds an account with `loft adm` while it
// runs, logs in over POP3, and stops the server with SIGTERM.
func TestServe(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "var")
	cfg := filepath.Join(root, "loft.toml")
	config := `
[auth]
failure_delay = 0
[lmtp]
listen = ["127.0.0.1:0"]
[imap]
listen = ["127.0.0.1:0"]
[imaps]
listen = ["127.0.0.1:0"]
[pop3]
listen = ["127.0.0.1:0"]
[pop3s]
listen = []
[managesieve]
listen = ["127.0.0.1:0"]
`
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, cfg, data)
	pop3Addr := p.pop3Addr

	// An account added by another process while the server runs.
	ok(t, "pop-secret\n", "adm", "--config", cfg, "--data", data, "user", "add", "alice")
	pop3Login(t, pop3Addr, "alice", "pop-secret")

	p.stop(t)
}

// serveProcess is a running `loft serve`.
type serveProcess struct {
	cmd      *exec.Cmd
	log      *lockedBuilder
	lines    chan string // every log line, for waitLog
	exited   chan error
	pop3Addr string
}

// startServe runs `loft serve` with the configuration file cfg (which must
// open a POP3 listener) and, unless data is "", --data data, and waits
// until it listens on POP3. The process
// is killed when t ends if it is still running.
func startServe(t *testing.T, cfg, data string) *serveProcess {
	t.Helper()
	args := []string{"serve", "--config", cfg}
	if data != "" {
		args = append(args, "--data", data)
	}
	cmd := exec.Command(loftBin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, log: new(lockedBuilder), lines: make(chan string, 1000), exited: make(chan error, 1)}
	listening := make(chan string, 4)
	go func() {
		re := regexp.MustCompile(`msg=listening proto=(\S+) addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.WriteString(sc.Text() + "\n")
			select {
			case p.lines <- sc.Text():
			default:
			}
			if m := re.FindStringSubmatch(sc.Text()); m != nil && m[1] == "pop3" {
				listening <- m[2]
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case p.pop3Addr = <-listening:
	case err := <-p.exited:
		t.Fatalf("loft serve exited: %v\n%s", err, p.log.String())
	case <-time.After(time.Minute):
		t.Fatal("loft serve did not report listening on POP3 within a minute")
	}
	return p
}

// waitLog waits, for at most a minute, for a log line that matches re.
func (p *serveProcess) waitLog(t *testing.T, re string) {
	t.Helper()
	r := regexp.MustCompile(re)
	deadline := time.After(time.Minute)
	for {
		select {
		case line := <-p.lines:
			if r.MatchString(line) {
				return
			}
		case <-deadline:
			t.Fatalf("no log line matching %s within a minute:\n%s", re, p.log.String())
		}
	}
}

// stop sends SIGTERM and checks that the server stops cleanly.
func (p *serveProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("loft serve after SIGTERM: %v\n%s", err, p.log.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("loft serve did not exit within a minute of SIGTERM")
	}
	if !strings.Contains(p.log.String(), "msg=stopped") {
		t.Errorf("the log does not say that the server stopped:\n%s", p.log.String())
	}
}

// TestServePortInUse: when a listen address is taken, `loft serve` names it
// and exits 1, and does not log that a server stopped which never started.
func TestServePortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	root := t.TempDir()
	cfg := filepath.Join(root, "loft.toml")
	config := fmt.Sprintf(`
[lmtp]
listen = []
[imap]
listen = []
[imaps]
listen = []
[pop3]
listen = [%q]
[pop3s]
listen = []
[managesieve]
listen = []
`, taken.Addr().String())
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := fails(t, 1, `pop3\.listen `+regexp.QuoteMeta(taken.Addr().String()), "", "serve", "--config", cfg, "--data", filepath.Join(root, "var"))
	if strings.Contains(r.stderr, "msg=stopped") {
		t.Errorf("loft serve logged stopped without having started:\n%s", r.stderr)
	}
}

// lockedBuilder is a strings.Builder for one writer and other readers.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pop3Login logs in over POP3 with USER and PASS and quits.
func pop3Login(t *testing.T, addr, user, pass string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(conn)
	expect := func(what string) {
		t.Helper()
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %v", what, err)
		}
		if !strings.HasPrefix(line, "+OK") {
			t.Fatalf("%s: %q, want +OK", what, line)
		}
	}
	expect("greeting")
	for _, c := range []struct{ cmd, what string }{{"USER " + user, "USER"}, {"PASS " + pass, "PASS"}, {"QUIT", "QUIT"}} {
		if _, err := fmt.Fprintf(conn, "%s\r\n", c.cmd); err != nil {
			t.Fatal(err)
		}
		expect(c.what)
	}
}

func TestQuotaAndACLCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	ok(t, "pw\n", adm(data, "user", "add", "alice", "--password-stdin", "--quota-messages", "10")...)
	ok(t, "pw\n", adm(data, "user", "add", "bob", "--password-stdin")...)
	st, err := store.Open(filepath.Join(data, "store"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := acct.Mailbox("INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inbox.Append(strings.NewReader("Subject: x\r\n\r\nhello\r\n"), store.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if got, want := ok(t, "", adm(data, "quota", "alice", "bob")...), "alice\t21\t0\t1\t10\nbob\t0\t0\t0\t0\n"; got != want {
		t.Errorf("quota:\n%q\nwant %q", got, want)
	}
	if got, want := ok(t, "", adm(data, "acl", "set", "alice", "INBOX", "$staff", "lrc")...), "alice\tlrswipkxtea\n$staff\tlrkx\n"; got != want {
		t.Errorf("acl set:\n%q\nwant %q", got, want)
	}
	if got, want := ok(t, "", adm(data, "acl", "set", "alice", "INBOX", "$staff", "--", "-x")...), "alice\tlrswipkxtea\n$staff\tlrk\n"; got != want {
		t.Errorf("acl set -x:\n%q\nwant %q", got, want)
	}
	if got, want := ok(t, "", adm(data, "acl", "del", "alice", "INBOX", "alice")...), "$staff\tlrk\n"; got != want {
		t.Errorf("acl del:\n%q\nwant %q", got, want)
	}
	if got, want := ok(t, "", adm(data, "acl", "get", "alice", "INBOX")...), "$staff\tlrk\n"; got != want {
		t.Errorf("acl get:\n%q\nwant %q", got, want)
	}
	fails(t, 1, `uppercase`, "", adm(data, "acl", "set", "alice", "INBOX", "bob", "lR")...)
	fails(t, 1, `not found`, "", adm(data, "acl", "get", "alice", "Nothing")...)

	// Deleting an account or a group takes its entries out of every ACL,
	// so that a new account of the same name inherits none of its rights.
	ok(t, "", adm(data, "acl", "set", "alice", "INBOX", "bob", "lrs")...)
	ok(t, "", adm(data, "acl", "set", "alice", "INBOX", "--", "-bob", "s")...)
	ok(t, "", adm(data, "group", "add", "staff", "bob")...)
	ok(t, "", adm(data, "user", "del", "bob")...)
	if got, want := ok(t, "", adm(data, "acl", "get", "alice", "INBOX")...), "$staff\tlrk\n"; got != want {
		t.Errorf("acl get after user del bob:\n%q\nwant %q", got, want)
	}
	ok(t, "", adm(data, "group", "del", "staff")...)
	if got, want := ok(t, "", adm(data, "acl", "get", "alice", "INBOX")...), ""; got != want {
		t.Errorf("acl get after group del staff:\n%q\nwant %q", got, want)
	}
}
