package integration

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loftmail/loft/conformance/harness"
)

// TestLoftServe is the README's story with the real binary: build loft,
// run `loft serve` with a configuration file, add a user with `loft adm
// user add`, deliver with Python's smtplib.LMTP, retrieve with curl octet
// for octet, and stop the server with SIGTERM, which must exit 0.
func TestLoftServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loft binary")
	}
	python := needProgram(t, "python3", "python3")
	curl := needProgram(t, "curl", "curl")
	dir := t.TempDir()
	loft := buildLoft(t, dir)

	ports := freePorts(t, 3)
	lmtpAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	pop3Addr := "127.0.0.1:" + strconv.Itoa(ports[1])
	pop3sAddr := "127.0.0.1:" + strconv.Itoa(ports[2])
	config := filepath.Join(dir, "loft.toml")
	err := os.WriteFile(config, fmt.Appendf(nil, `data_dir = %q
hostname = "loft.example.org"

[auth]
failure_delay = 0

[lmtp]
listen = [%q]

[pop3]
listen = [%q]

[pop3s]
listen = [%q]

[managesieve]
listen = []
`, filepath.Join(dir, "var"), lmtpAddr, pop3Addr, pop3sAddr), 0o644)
	if err != nil {
		t.Fatal(err)
	}

	serve := startLoft(t, loft, dir, config, lmtpAddr, pop3Addr, pop3sAddr)

	addUser(t, loft, dir, config, "alice", "secret", "alice@example.org")

	// Python's smtplib.LMTP delivers.
	script := filepath.Join(dir, "deliver.py")
	err = os.WriteFile(script, []byte(`
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
with smtplib.LMTP(host, port, local_hostname="client.example.org") as c:
    refused = c.sendmail("bob@example.net", ["alice@example.org"], sys.stdin.buffer.read())
    assert not refused, refused
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	run(t, harness.CRLF([]byte(testMessage)), nil, python, script, "127.0.0.1", strconv.Itoa(ports[0]))

	// curl retrieves it octet for octet: the delivered message behind the
	// trace fields that delivery added.
	got := run(t, nil, nil, curl, "--silent", "--show-error", "--max-time", "60",
		"pop3://alice:secret@"+pop3Addr+"/1")
	sameMessage(t, "curl RETR", got, []byte(testMessage))
	stored := retrieve(t, pop3Addr)
	if len(stored) != 1 || !bytes.Equal(stored[0], got) {
		t.Errorf("curl RETR differs from POP3 RETR")
	}

	// SIGTERM: the server drains and exits 0.
	if err := serve.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-serve.done:
		if serve.waitErr != nil {
			t.Errorf("loft serve after SIGTERM: %v, want exit status 0", serve.waitErr)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("loft serve did not exit within two minutes of SIGTERM")
	}
}

// buildLoft builds the loft binary into dir and returns its path.
func buildLoft(t *testing.T, dir string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build loft: %v", err)
	}
	loft := filepath.Join(dir, "loft")
	build := exec.Command(goCmd, "build", "-o", loft, "github.com/loftmail/loft/cmd/loft")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return loft
}

// loftProcess is a running `loft serve`.
type loftProcess struct {
	cmd     *exec.Cmd
	logs    syncBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// startLoft runs `loft serve --config config` in dir and returns once
// every one of addrs accepts connections. At the end of the test a server
// still running is killed, and its output is logged if the test failed.
func startLoft(t *testing.T, loft, dir, config string, addrs ...string) *loftProcess {
	t.Helper()
	p := &loftProcess{cmd: exec.Command(loft, "serve", "--config", config), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stdout = &p.logs
	p.cmd.Stderr = &p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("loft serve output:\n%s", p.logs.String())
		}
	})
	for _, addr := range addrs {
		if err := waitListening(addr, p.done); err != nil {
			t.Fatalf("loft serve: %s: %v", addr, err)
		}
	}
	return p
}

// addUser runs `loft adm user add`, the password on standard input.
func addUser(t *testing.T, loft, dir, config, login, password, address string) {
	t.Helper()
	add := exec.Command(loft, "adm", "--config", config, "user", "add", login,
		"--password-stdin", "--address", address)
	add.Dir = dir
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("loft adm user add: %v\n%s", err, out)
	}
}

// freePorts returns n TCP ports on 127.0.0.1 that were free a moment ago:
// the kernel picks each for a listener that is then closed.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var listeners []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range listeners {
		l.Close()
	}
	return ports
}

// waitListening waits until addr accepts a TCP connection, the process
// exits, or a generous deadline passes. Each failed attempt waits a little
// longer before the next; how long the server takes to start never decides
// the outcome.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(time.Minute)
	backoff := 5 * time.Millisecond
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after a minute: %w", err)
		}
		select {
		case <-exited:
			return errors.New("the server exited before listening")
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the writes of a child process's
// output copier and the reads of the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
