package pop3

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loftmail/loft/rfc/rfc1939"
)

// corpusDir is the shared corpus of malformed MIME messages, beside the
// repository; a fresh clone does not have it.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

// TestCorpus appends every corpus message exactly as it is (several use bare
// LF line ends) and checks that LIST reports its size and that RETR and TOP
// send its exact octets, byte-stuffed, as a well-formed multi-line response.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skipf("no corpus in %s", corpusDir)
	}
	env := newEnv(t, insecureAuth)
	var msgs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(b))
	}
	env.deliver("alice", msgs...)

	c := env.dial()
	c.login("alice", alicePassword)
	total := 0
	var list []string
	for i, m := range msgs {
		total += len(m)
		list = append(list, fmt.Sprintf("%d %d", i+1, len(m)))
	}
	c.expect("LIST", fmt.Sprintf("+OK %d messages (%d octets)", len(msgs), total))
	if got := c.lines(); strings.Join(got, "|") != strings.Join(list, "|") {
		t.Errorf("LIST = %q, want %q", got, list)
	}
	for i, m := range msgs {
		name := filepath.Base(files[i])
		n := i + 1
		c.expect(fmt.Sprintf("LIST %d", n), fmt.Sprintf("+OK %d %d", n, len(m)))
		c.expect(fmt.Sprintf("RETR %d", n), fmt.Sprintf("+OK %d octets", len(m)))
		if got, want := c.body(), stuffed(m); got != want {
			t.Errorf("%s: RETR sent %q, want %q", name, got, want)
		}
		c.expect(fmt.Sprintf("RETR %d", n), fmt.Sprintf("+OK %d octets", len(m)))
		want := m
		if !strings.HasSuffix(m, "\r\n") {
			want += "\r\n"
		}
		if got := string(c.decode()); got != want {
			t.Errorf("%s: RETR decoded %q, want %q", name, got, want)
		}
		c.expect(fmt.Sprintf("TOP %d 0", n), "+OK top of message follows")
		if got, want := c.body(), stuffed(headerOf(m)); got != want {
			t.Errorf("%s: TOP 0 sent %q, want %q", name, got, want)
		}
		id := strings.TrimPrefix(c.expectPrefix(fmt.Sprintf("UIDL %d", n), fmt.Sprintf("+OK %d ", n)), fmt.Sprintf("+OK %d ", n))
		if !rfc1939.ValidUniqueID(id) {
			t.Errorf("%s: unique-id %q", name, id)
		}
	}
	c.expect("QUIT", fmt.Sprintf("+OK pop.example.org POP3 server signing off (%d messages left)", len(msgs)))
}

// headerOf returns the header of msg and the empty line after it, with lines
// ending at each LF (RFC 1939 §7 TOP); all of msg when it has no empty line.
func headerOf(msg string) string {
	for i := 0; i < len(msg); {
		end := strings.IndexByte(msg[i:], '\n')
		if end < 0 {
			break
		}
		line := msg[i : i+end+1]
		i += end + 1
		if line == "\n" || line == "\r\n" {
			return msg[:i]
		}
	}
	return msg
}
