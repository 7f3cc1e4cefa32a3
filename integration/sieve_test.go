package integration

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sieveConnect runs sieve-connect against the ManageSieve listener of p as
// login (password on standard input), over STARTTLS trusting the server's
// generated certificate, with PLAIN, and the given action arguments; it
// returns the standard output.
func (p *loftProcess) sieveConnect(t *testing.T, program, login, password string, action ...string) string {
	t.Helper()
	return string(run(t, []byte(password+"\n"), nil, program, p.sieveConnectArgs(t, login, action...)...))
}

// sieveConnectArgs are the arguments of sieveConnect.
func (p *loftProcess) sieveConnectArgs(t *testing.T, login string, action ...string) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(p.Addr["managesieve"])
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{
		"--nosrv", "--server", host, "--port", port,
		"--tlscafile", p.CertFile, "--tlshostname", "localhost", "--noclearauth",
		"--user", login, "--passwordfd", "0", "--authmech", "PLAIN",
	}, action...)
}

// TestSieveConnect uploads and activates a script with sieve-connect
// against the real loft binary, lists and downloads it, and checks what
// `loft adm sieve` and the store then hold; a script that does not compile
// is refused and not stored.
func TestSieveConnect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loft binary")
	}
	sc := needProgram(t, "sieve-connect", "sieve-connect")
	p := serveLoft(t, "lmtp", "managesieve")
	p.addUser(t, "alice", "secret", "alice@example.org")

	script := "require [\"fileinto\"];\r\nif header :contains \"subject\" \"lists\" {\r\n  fileinto \"Lists\";\r\n}\r\n"
	local := filepath.Join(t.TempDir(), "filter.sieve")
	if err := os.WriteFile(local, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	p.sieveConnect(t, sc, "alice", "secret", "--upload", "--localsieve", local, "--remotesieve", "filter")
	p.sieveConnect(t, sc, "alice", "secret", "--activate", "--remotesieve", "filter")
	list := p.sieveConnect(t, sc, "alice", "secret", "--list")
	if !strings.Contains(list, "filter") || !strings.Contains(strings.ToLower(list), "active") {
		t.Errorf("sieve-connect --list:\n%s", list)
	}
	fetched := filepath.Join(t.TempDir(), "fetched.sieve")
	p.sieveConnect(t, sc, "alice", "secret", "--download", "--remotesieve", "filter", "--localsieve", fetched)
	got, err := os.ReadFile(fetched)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != script {
		t.Errorf("downloaded %q, want the octets uploaded %q", got, script)
	}
	if out := p.adm(t, "", "sieve", "list", "alice"); out != "filter\t"+strconv.Itoa(len(script))+"\tactive\n" {
		t.Errorf("loft adm sieve list: %q", out)
	}

	// A script that does not compile is refused, and nothing is stored.
	bad := filepath.Join(t.TempDir(), "bad.sieve")
	if err := os.WriteFile(bad, []byte("fileinto \"x\";\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	refused := exec.CommandContext(ctx, sc, p.sieveConnectArgs(t, "alice", "--upload", "--localsieve", bad, "--remotesieve", "bad")...)
	refused.Stdin = strings.NewReader("secret\n")
	if out, err := refused.CombinedOutput(); err == nil {
		t.Errorf("sieve-connect uploaded a script that does not compile:\n%s", out)
	} else if !strings.Contains(string(out), "line 1") {
		t.Errorf("sieve-connect does not show the server's error with its line:\n%s", out)
	}
	if out := p.adm(t, "", "sieve", "list", "alice"); strings.Contains(out, "bad") {
		t.Errorf("the refused script was stored: %q", out)
	}
}
