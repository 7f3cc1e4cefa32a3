package pop3

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
)

// memConn is a net.Conn that reads a fixed input, then io.EOF, and records
// what is written: a whole session runs synchronously on it.
type memConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (m *memConn) Read(p []byte) (int, error)       { return m.in.Read(p) }
func (m *memConn) Write(p []byte) (int, error)      { return m.out.Write(p) }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 110} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzSession feeds arbitrary input to a whole session, in the AUTHORIZATION
// state or already logged in: the server must never panic, must answer only
// in CRLF-terminated lines, and must end the session when the input ends.
// Inputs with PASS or AUTH run the directory's real password hashing, which
// makes them slow to minimize: run with -fuzzminimizetime=5s or so.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nQUIT\r\n",
		"CAPA\r\nAUTH\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN\r\nAGFsaWNlAHg=\r\nUSER alice\r\nPASS x\r\n",
		"LIST 1 2\r\nRETR 0\r\nRETR 99999999999\r\nTOP 1 -1\r\n\r\n \r\nxyzzy\r\n",
		"DELE 1\r\nDELE 2\r\nDELE 3\r\nQUIT\r\n",
		strings.Repeat("A", 700) + "\r\nNOOP\nSTLS\r\nAPOP a b\r\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	shared := newEnv(f, insecureAuth)
	f.Fuzz(func(t *testing.T, input []byte, loggedIn bool) {
		env := *shared
		env.t = t
		if n := len(env.uids("alice")); n < 3 {
			for range 3 - n {
				env.deliver("alice", msgPlain, msgDots, msgLong)
			}
		}
		mc := &memConn{in: bytes.NewReader(input)}
		c := newConn(env.srv, mc, mc, false, time.Now())
		if loggedIn {
			if err := c.login(&directory.Account{Login: "alice", Enabled: true}, "fuzz"); err != nil {
				t.Fatal(err)
			}
		}
		c.serve()
		out := mc.out.String()
		if strings.Contains(out, "internal error") {
			t.Fatalf("internal error for input %q:\n%s", input, out)
		}
		if out != "" && !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("output does not end in CRLF: %q", out)
		}
		for _, line := range strings.SplitAfter(out, "\n") {
			if line != "" && !strings.HasSuffix(line, "\r\n") {
				t.Fatalf("line %q without CRLF in %q", line, out)
			}
		}
	})
}
