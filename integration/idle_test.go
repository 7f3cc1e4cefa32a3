package integration

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
)

// buildLoft builds the loft binary into a temporary directory.
func buildLoft(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build loft: %v", err)
	}
	loft := filepath.Join(t.TempDir(), "loft")
	build := exec.Command(goCmd, "build", "-o", loft, "github.com/loftmail/loft/cmd/loft")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return loft
}

// startLoft runs `loft ARGS...` in dir until the test ends (then it is
// killed, and its output logged if the test failed), and returns a channel
// closed when the process exits.
func startLoft(t *testing.T, name, loft, dir string, args ...string) <-chan struct{} {
	t.Helper()
	cmd := exec.Command(loft, args...)
	cmd.Dir = dir
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, logs.String())
		}
	})
	return done
}

// The listeners of `loft serve` with no configuration (DESIGN.md,
// "Configuration and commands").
var defaultListeners = []string{"127.0.0.1:1143", "127.0.0.1:1993", "127.0.0.1:1110", "127.0.0.1:1995", "127.0.0.1:2424", "127.0.0.1:4190"}

// idleScript idles with Python's imaplib until an EXISTS response arrives.
// imaplib before Python 3.14 has no idle(); the lower-level interface that
// every version has (_new_tag, send, readline) sends IDLE and DONE as RFC
// 2177 §3 has them. It prints "IDLING" once the server has answered
// "+ idling", then every line it reads.
const idleScript = `
import imaplib, sys
host, port = sys.argv[1], int(sys.argv[2])
m = imaplib.IMAP4(host, port, timeout=120)
m.login("alice", "secret")
typ, data = m.select("INBOX")
assert typ == "OK", (typ, data)
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
line = m.readline()
assert line.startswith(b"+"), line
print("IDLING", flush=True)
while True:
    line = m.readline()
    assert line, "connection closed while idling"
    print(line.decode().rstrip(), flush=True)
    if line.endswith(b" EXISTS\r\n"):
        break
m.send(b"DONE\r\n")
while True:
    line = m.readline()
    assert line, "connection closed after DONE"
    print(line.decode().rstrip(), flush=True)
    if line.startswith(tag + b" "):
        break
assert line.startswith(tag + b" OK "), line
m.logout()
`

// TestIdleAcrossProcesses: Python's imaplib idles (RFC 2177) on `make run`'s
// server, the loft binary running `loft serve` with no configuration in a
// temporary working directory; a second loft process, serving LMTP alone
// on the same data directory, takes a delivery; the first process sees the
// new message through the store and sends "* 1 EXISTS" to the idling
// client, which then ends IDLE with DONE and gets the tagged OK. The test
// waits on the client's output, never on a fixed delay.
func TestIdleAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loft binary")
	}
	python := needProgram(t, "python3", "python3")
	for _, addr := range defaultListeners {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			msg := fmt.Sprintf("the default listener %s of `loft serve` is in use: %v", addr, err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		l.Close()
	}
	loft := buildLoft(t)
	work := t.TempDir()

	// Process 1: `make run`, the embedded default.
	first := startLoft(t, "loft serve (default)", loft, work, "serve")
	for _, addr := range defaultListeners {
		if err := waitListening(addr, first); err != nil {
			t.Fatalf("loft serve: %s: %v", addr, err)
		}
	}
	add := exec.Command(loft, "adm", "user", "add", "alice", "--password-stdin", "--address", "alice@example.org")
	add.Dir = work
	add.Stdin = strings.NewReader("secret\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("loft adm user add: %v\n%s", err, out)
	}

	// Process 2: LMTP only, on the same data directory.
	lmtpAddr := "127.0.0.1:" + strconv.Itoa(freePorts(t, 1)[0])
	config := filepath.Join(work, "second.toml")
	err := os.WriteFile(config, fmt.Appendf(nil, `data_dir = %q

[lmtp]
listen = [%q]

[imap]
listen = []

[imaps]
listen = []

[pop3]
listen = []

[pop3s]
listen = []

[managesieve]
listen = []
`, filepath.Join(work, "var"), lmtpAddr), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	second := startLoft(t, "loft serve (LMTP)", loft, work, "serve", "--config", config)
	if err := waitListening(lmtpAddr, second); err != nil {
		t.Fatalf("second loft serve: %v", err)
	}

	script := filepath.Join(work, "idle.py")
	if err := os.WriteFile(script, []byte(idleScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "127.0.0.1", "1143")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var out []string
	for lines.Scan() {
		out = append(out, lines.Text())
		if lines.Text() == "IDLING" {
			break
		}
	}
	if len(out) == 0 || out[len(out)-1] != "IDLING" {
		cmd.Wait()
		t.Fatalf("imaplib did not start idling: %q\n%s", out, stderr.String())
	}
	d, err := harness.Deliver(lmtpAddr, "bob@example.net", []string{"alice@example.org"}, harness.CRLF([]byte(testMessage)))
	if err != nil {
		t.Fatalf("delivery to the second process: %v", err)
	}
	if r := d.DataReplies["alice@example.org"]; !r.OK() {
		t.Fatalf("delivery to the second process: %s", r)
	}
	for lines.Scan() {
		out = append(out, lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("imaplib: %v\noutput: %q\n%s", err, out, stderr.String())
	}
	if !contains(out, "* 1 EXISTS") {
		t.Errorf("no \"* 1 EXISTS\" while idling: %q", out)
	}
	if last := out[len(out)-1]; !strings.Contains(last, " OK ") {
		t.Errorf("IDLE ended with %q, want the tagged OK", last)
	}

	t.Run("mbsync", func(t *testing.T) { mbsyncDefaultServe(t) })
}

// mbsyncDefaultServe has mbsync (isync) synchronise INBOX with a Maildir
// against the default `loft serve` (plain IMAP on 127.0.0.1:1143, where
// the embedded default allows LOGIN): the message delivered before comes
// down, and one written in the Maildir goes up (APPEND, with UIDPLUS's
// APPENDUID and, for a small message under LITERAL-, a non-synchronizing
// literal if isync uses one); a second run changes nothing.
func mbsyncDefaultServe(t *testing.T) {
	mbsync := needProgram(t, "mbsync", "isync")
	dir := t.TempDir()
	mail := filepath.Join(dir, "mail")
	makeMaildirFolder(t, filepath.Join(mail, "INBOX"))
	writeMaildirMessage(t, filepath.Join(mail, "INBOX"), "new", "1.local",
		"From: Near <near@example.org>\nSubject: from the Maildir\n\nUploaded.\n")
	sync := mbsyncWith(t, mbsync, dir, `Host 127.0.0.1
Port 1143
User alice
Pass secret
SSLType None
AuthMechs LOGIN
`, "INBOX")
	sync("first")
	near := maildirMessages(t, filepath.Join(mail, "INBOX"))
	if len(near) != 2 {
		t.Fatalf("Maildir INBOX after the first run: %v, want the delivered and the local message", near)
	}
	c, err := harness.Dial("127.0.0.1:1143")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ReadIMAP(); err != nil {
		t.Fatal(err)
	}
	if _, st, err := c.IMAPCommand("a1 LOGIN alice secret"); err != nil || st != "OK" {
		t.Fatalf("LOGIN: %s %v", st, err)
	}
	resps, st, err := c.IMAPCommand("a2 STATUS INBOX (MESSAGES)")
	if err != nil || st != "OK" || !contains(resps, "* STATUS INBOX (MESSAGES 2)") {
		t.Errorf("server INBOX after the first run: %q %s %v, want 2 messages", resps, st, err)
	}
	sync("second")
	if again := maildirMessages(t, filepath.Join(mail, "INBOX")); len(again) != 2 {
		t.Errorf("Maildir INBOX after the second run: %v", again)
	}
	resps, _, _ = c.IMAPCommand("a3 STATUS INBOX (MESSAGES)")
	if !contains(resps, "* STATUS INBOX (MESSAGES 2)") {
		t.Errorf("server INBOX after the second run: %q", resps)
	}
}
