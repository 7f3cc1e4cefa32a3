package integration

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/conformance/harness"
)

// TestLoftServe is the README's story with the real binary: build loft,
// run `loft serve` with a configuration file (serveLoft), add a user with
// `loft adm user add`, deliver with Python's smtplib.LMTP, retrieve with
// curl octet for octet, and stop the server with SIGTERM, which must exit
// 0.
func TestLoftServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loft binary")
	}
	python := needProgram(t, "python3", "python3")
	curl := needProgram(t, "curl", "curl")
	p := serveLoft(t, "lmtp", "pop3", "pop3s")
	dir, pop3Addr := p.Dir, p.Addr["pop3"]
	_, lmtpPort, _ := net.SplitHostPort(p.Addr["lmtp"])

	// loft adm user add, the password on standard input.
	p.addUser(t, "alice", "secret", "alice@example.org")

	// Python's smtplib.LMTP delivers.
	script := filepath.Join(dir, "deliver.py")
	err := os.WriteFile(script, []byte(`
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
with smtplib.LMTP(host, port, local_hostname="client.example.org") as c:
    refused = c.sendmail("bob@example.net", ["alice@example.org"], sys.stdin.buffer.read())
    assert not refused, refused
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	run(t, harness.CRLF([]byte(testMessage)), nil, python, script, "127.0.0.1", lmtpPort)

	// curl retrieves it octet for octet: the delivered message behind the
	// trace fields that delivery added.
	got := run(t, nil, nil, curl, "--silent", "--show-error", "--max-time", "60",
		"pop3://alice:secret@"+pop3Addr+"/1")
	sameMessage(t, "curl RETR", got, []byte(testMessage))
	stored := retrieve(t, pop3Addr)
	if len(stored) != 1 || !bytes.Equal(stored[0], got) {
		t.Errorf("curl RETR differs from POP3 RETR")
	}
	// serveLoft's cleanup sends SIGTERM: the server drains and must exit 0.
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
