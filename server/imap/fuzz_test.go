package imap

import (
	"bytes"
	"log/slog"
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
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 143} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzSession feeds arbitrary input to a whole session, not authenticated or
// already logged in: the server must never panic or report an internal
// error, must answer only in CRLF-terminated lines, and must end the session
// when the input ends. Inputs with LOGIN or AUTHENTICATE run the directory's
// real password hashing, which makes them slow to minimize: run with
// -fuzzminimizetime=5s or so.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"a1 SELECT INBOX\r\na2 NOOP\r\na3 EXPUNGE\r\na4 CLOSE\r\na5 LOGOUT\r\n",
		"a1 CREATE a/b/\r\na2 LIST \"\" *\r\na3 LIST a/ %\r\na4 LSUB \"\" %\r\na5 RENAME a x\r\na6 DELETE x\r\n",
		"a1 SETACL INBOX bob +lrcd\r\na2 GETACL INBOX\r\na3 LISTRIGHTS INBOX -bob\r\na4 MYRIGHTS \"Other Users/bob/INBOX\"\r\na5 DELETEACL INBOX bob\r\na6 SETACL INBOX $g lrQ\r\n",
		"a1 GETQUOTAROOT INBOX\r\na2 GETQUOTA \"\"\r\na3 SETQUOTA \"\" (STORAGE 1 MESSAGE 2)\r\na4 STATUS INBOX (DELETED DELETED-STORAGE)\r\n",
		"a1 APPEND INBOX (\\Seen) \"01-Jan-2020 00:00:00 +0000\" {5}\r\nhello\r\na2 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n",
		"a1 SUBSCRIBE x\r\na2 UNSUBSCRIBE x\r\na3 NAMESPACE\r\na4 CAPABILITY\r\na5 EXAMINE INBOX\r\na6 CHECK\r\n",
		"a1 LOGIN {5}\r\nalice {3}\r\nxyz\r\na2 AUTHENTICATE PLAIN\r\n*\r\na3 STARTTLS\r\n",
		"a1 RENAME INBOX old\r\na2 SELECT &ZeVnLIqe-\r\na3 CREATE {3+}\r\nabc\r\na4 UID FETCH 1:* FLAGS\r\n",
		"\r\n* x\r\n+ y\r\na1\r\na1 \r\na1 NOOP x\r\na1 APPEND INBOX {0}\r\n\r\na1 LIST \"\" \"\"\r\n",
		"a1 CREATE s (USE (\\Sent))\r\na2 SUBSCRIBE s/x\r\na3 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (% *) RETURN (CHILDREN STATUS (MESSAGES UNSEEN) SPECIAL-USE)\r\na4 LIST (SPECIAL-USE) \"\" *\r\n",
		strings.Repeat("A", 70000) + "\r\na1 NOOP\r\n",
		"a1 APPEND INBOX ~{3}\r\na\x00b\r\na2 SELECT INBOX\r\na3 FETCH 1:* (BINARY[1]<0.2> BINARY.SIZE[] BINARY.PEEK[2.1])\r\n",
		"a1 SELECT INBOX\r\na2 SEARCH RETURN (SAVE MIN) YOUNGER 60\r\na3 UID FETCH $ FLAGS\r\na4 UID SEARCH RETURN () OLDER 1 $\r\na5 COPY 1,$ x\r\n",
		"a1 SELECT INBOX\r\na2 IDLE\r\nDONE\r\na3 MOVE 1 x\r\na4 UID MOVE 1:* INBOX\r\na5 ENABLE CONDSTORE\r\na6 ID (\"name\" \"x\")\r\na7 UNSELECT\r\na8 IDLE\r\nnope\r\na9 IDLE\r\n",
		"a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\na2 AUTHENTICATE LOGIN =\r\na3 ID NIL\r\na4 APPEND INBOX {5000+}\r\n" + strings.Repeat("x", 5000) + "\r\na5 CREATE {2+}\r\nab\r\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	// No log: it would keep every line of every run in memory.
	shared := newEnv(f, insecureAuth, func(cfg *Config) { cfg.Logger = slog.New(slog.DiscardHandler) })
	f.Fuzz(func(t *testing.T, input []byte, loggedIn bool) {
		mc := &memConn{in: bytes.NewReader(input)}
		c := newConn(shared.srv, mc, false, time.Now())
		if loggedIn {
			if r, ok := c.startSession(&directory.Account{Login: "alice", Enabled: true}, "fuzz").(*response); !ok || r.status != statusOK {
				t.Fatalf("login: %v", r)
			}
		}
		c.serve()
		out := mc.out.String()
		if strings.Contains(out, "SERVERBUG") {
			t.Fatalf("internal error for input %q:\n%s", input, out)
		}
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("output does not end in CRLF: %q", out)
		}
		for _, line := range strings.SplitAfter(out, "\n") {
			if line != "" && !strings.HasSuffix(line, "\r\n") {
				t.Fatalf("line %q without CRLF in %q", line, out)
			}
		}
	})
}
