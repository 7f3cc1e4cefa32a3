package managesieve_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/server/managesieve"
)

// FuzzSession feeds arbitrary octets to an authenticated session: whatever
// comes, the server answers without panicking and ends the session cleanly
// (the env's cleanup fails the test on a logged panic).
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"LISTSCRIPTS\r\n",
		"PUTSCRIPT \"a\" {5+}\r\nkeep;\r\nSETACTIVE \"a\"\r\nGETSCRIPT \"a\"\r\n",
		"RENAMESCRIPT \"a\" \"b\"\r\nDELETESCRIPT \"b\"\r\nHAVESPACE \"x\" 12\r\n",
		"NOOP {3}\r\nabc\r\nUNAUTHENTICATE\r\nAUTHENTICATE \"LOGIN\"\r\n\"*\"\r\n",
		"CHECKSCRIPT \"error\"\r\nSTARTTLS\r\n",
	} {
		f.Add([]byte(s))
	}
	env := newEnv(f, insecureAuth, func(cfg *managesieve.Config) { cfg.MaxScriptSize = 64 })
	env.dir.mu.Lock()
	env.dir.cheap = true
	env.dir.mu.Unlock()
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.DialTimeout("tcp", env.addr, ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(ioTimeout))
		login := "AUTHENTICATE \"PLAIN\" \"" + plain("alice", alicePassword) + "\"\r\n"
		go func() {
			nc.Write([]byte(login))
			nc.Write(data)
			nc.Write([]byte("\r\nLOGOUT\r\n"))
			nc.(*net.TCPConn).CloseWrite()
		}()
		out, err := io.ReadAll(nc)
		if err != nil {
			t.Fatalf("reading the session: %v", err)
		}
		if !strings.Contains(string(out), "OK") {
			t.Fatalf("no OK in the session: %q", out)
		}
	})
}
