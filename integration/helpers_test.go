package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/loftmail/loft/conformance/harness"
)

// clientTimeout bounds each run of a client program. It is generous: a
// client that hangs fails the test, one that works takes well under it.
const clientTimeout = 60 * time.Second

// needProgram returns the path of program, or skips the test (fails it
// under CI=true) when it is not installed.
func needProgram(t *testing.T, program, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	msg := "MISSING TEST CLIENT: install " + program + " (Debian package " + debianPackage +
		", or run scripts/test-deps)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startServer starts an in-process server with IMAP, IMAPS, POP3, POP3S and
// LMTP and the account alice (password "secret", address alice@example.org).
func startServer(t *testing.T) *harness.Server {
	t.Helper()
	dir := t.TempDir()
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := harness.Start(harness.Options{
		Dir:       dir,
		Protocols: []string{harness.IMAP, harness.IMAPS, harness.POP3, harness.POP3S, harness.LMTP},
		Log:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		log.Close()
		if t.Failed() {
			if b, err := os.ReadFile(log.Name()); err == nil {
				t.Logf("server log:\n%s", b)
			}
		}
	})
	if err := srv.AddUser(harness.User{Login: "alice", Password: "secret", Addresses: []string{"alice@example.org"}}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// run runs a client program with stdin and returns its standard output;
// a non-zero exit fails the test with both outputs.
func run(t *testing.T, stdin []byte, env []string, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// retrieve returns alice's messages as POP3 RETR sends them.
func retrieve(t *testing.T, addr string) [][]byte {
	t.Helper()
	msgs, err := harness.Retrieve(addr, "alice", "secret")
	if err != nil {
		t.Fatalf("POP3: %v", err)
	}
	return msgs
}

// sameMessage fails the test unless got, with the trace fields of
// delivery removed, is exactly want with CRLF line ends.
func sameMessage(t *testing.T, what string, got, want []byte) {
	t.Helper()
	want = harness.CRLF(want)
	if body := harness.StripTrace(got); !bytes.Equal(body, want) {
		t.Errorf("%s: message differs from what was delivered\ngot:\n%q\nwant:\n%q", what, body, want)
	}
}

// testMessage is delivered by the tests; its second body line starts with
// a dot, so every client's dot-stuffing is exercised.
const testMessage = "From: Bob <bob@example.net>\n" +
	"To: Alice <alice@example.org>\n" +
	"Subject: integration\n" +
	"Message-ID: <integration@example.net>\n" +
	"\n" +
	"Hello Alice.\n" +
	".A line that starts with a dot.\n" +
	"Bye.\n"
