package imap

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// The memory an idle session costs the server, measured with many sessions
// at once. The clients run in a child process (this test binary again, as
// TestIdleMemClients), so that what this process holds is the server's
// alone:
//
//	go test -run '^$' -bench BenchmarkIdleConnMemory ./server/imap/
//	LOFT_IDLE_CONNS=20000 go test -run '^$' -bench BenchmarkIdleConnMemory ./server/imap/
//
// The figures are the growth of HeapInuse+StackInuse, after two collections,
// divided by the number of sessions: "B/conn" for authenticated sessions,
// "B/conn-greeted" before LOGIN, "B/conn-selected" after SELECT INBOX and
// "B/conn-idling" in IDLE (RFC 2177) on the selected INBOX, each session
// with its store watch and the goroutine that waits for DONE. The goal for
// an idling session is under 32 KiB.

const (
	idleConnsEnv      = "LOFT_IDLE_CONNS"
	idleMemDefault    = 10000
	idleMemClientAddr = "LOFT_IDLEMEM_CLIENT_ADDR" // set in the child only
	idleMemUser       = "idle"
	idleMemPassword   = "idle-pw"
	idleMemPrefix     = "idlemem: "
)

// idleMemPhases are the states the child brings every connection to, in
// order; it reports each on stdout and waits for a line on stdin.
var idleMemPhases = []string{"greeted", "authenticated", "selected", "idling"}

func BenchmarkIdleConnMemory(b *testing.B) {
	n := idleMemDefault
	if v := os.Getenv(idleConnsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", idleConnsEnv, v)
		}
	}
	// This process holds the server's side of every connection, the child
	// the client's; each needs n descriptors and some to spare.
	if err := raiseFileLimit(uint64(n) + 100); err != nil {
		b.Skipf("cannot raise RLIMIT_NOFILE for %d connections: %v", n, err)
	}
	// The test environment's store polls for changes every 20 ms, which
	// thousands of idling sessions' watches would turn into a busy loop:
	// this one polls at the default interval.
	st, err := store.Open(b.TempDir(), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	env := newEnv(b, insecureAuth, func(cfg *Config) {
		// The test environment logs into memory, which would count as
		// the server's.
		cfg.Logger = slog.New(slog.DiscardHandler)
		cfg.Store = st
	})
	addCheapUser(b, env)
	// One session first, so that what the first login sets up once (the
	// account, the directory's cached file) is in the baseline.
	c := env.login(idleMemUser, idleMemPassword)
	c.expectTagged("S1 SELECT INBOX", "S1 OK [READ-WRITE] SELECT completed")
	c.expectTagged("Z LOGOUT", "Z OK LOGOUT completed")
	c.conn.Close()
	waitFor(b, "the first session to end", func() bool { return env.srv.ActiveConnections() == 0 })

	base := serverMemory()
	b.ResetTimer()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleMemClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), idleMemClientAddr+"="+env.addr, idleConnsEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil { // the benchmark failed
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := bufio.NewScanner(stdout)

	perConn := make(map[string]float64)
	for _, phase := range idleMemPhases {
		if err := waitChild(lines, phase); err != nil {
			b.Fatal(err)
		}
		if got := env.srv.ActiveConnections(); got != n {
			b.Fatalf("%s: %d sessions, want %d", phase, got, n)
		}
		m := serverMemory()
		perConn[phase] = float64(m.total()-base.total()) / float64(n)
		b.Logf("%d %s sessions: %.0f B/conn (heap %.0f, stacks %.0f)", n, phase, perConn[phase],
			float64(m.heap-base.heap)/float64(n), float64(m.stack-base.stack)/float64(n))
		if _, err := io.WriteString(stdin, "next\n"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stdin.Close()
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("client process: %v", err)
	}
	b.ReportMetric(perConn["authenticated"], "B/conn")
	b.ReportMetric(perConn["greeted"], "B/conn-greeted")
	b.ReportMetric(perConn["selected"], "B/conn-selected")
	b.ReportMetric(perConn["idling"], "B/conn-idling")
}

// waitChild reads the child's output up to its report of phase.
func waitChild(lines *bufio.Scanner, phase string) error {
	for lines.Scan() {
		l, ok := strings.CutPrefix(lines.Text(), idleMemPrefix)
		if !ok {
			continue
		}
		if l == phase {
			return nil
		}
		return fmt.Errorf("client process: %s", l)
	}
	if err := lines.Err(); err != nil {
		return err
	}
	return fmt.Errorf("client process ended before %s", phase)
}

// memSample is the memory in use after two collections.
type memSample struct{ heap, stack uint64 }

func (m memSample) total() int64 { return int64(m.heap + m.stack) }

func serverMemory() memSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapInuse, stack: ms.StackInuse}
}

// raiseFileLimit raises the soft RLIMIT_NOFILE to at least want, and the hard
// limit too where the process may.
func raiseFileLimit(want uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= want {
		return nil
	}
	lim.Cur = want
	lim.Max = max(lim.Max, want)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// addCheapUser adds the user the sessions log in as, with an argon2id hash of
// the least cost in place of the directory's (19 MiB, two passes): the
// directory verifies whatever parameters a stored hash names, and thousands
// of logins at the real cost would take minutes.
func addCheapUser(tb testing.TB, env *testEnv) {
	tb.Helper()
	if err := env.dir.AddUser(directory.UserSpec{Login: idleMemUser, Password: idleMemPassword}); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(env.root, "directory", "users", idleMemUser+".toml")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(idleMemPassword), salt, 1, 8, 1, 32)
	hash := fmt.Sprintf("$argon2id$v=%d$m=8,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	re := regexp.MustCompile(`(?m)^password = ".*"$`)
	if !re.Match(data) {
		tb.Fatalf("%s has no password line:\n%s", path, data)
	}
	data = re.ReplaceAllLiteral(data, []byte(`password = "`+hash+`"`))
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

// TestIdleMemClients is the client process of BenchmarkIdleConnMemory; run
// on its own it does nothing.
func TestIdleMemClients(t *testing.T) {
	addr := os.Getenv(idleMemClientAddr)
	if addr == "" {
		t.Skip("the client process of BenchmarkIdleConnMemory")
	}
	n, err := strconv.Atoi(os.Getenv(idleConnsEnv))
	if err != nil {
		t.Fatal(err)
	}
	fail := func(err error) {
		fmt.Printf("%s%v\n", idleMemPrefix, err)
		t.Fatal(err)
	}
	if err := raiseFileLimit(uint64(n) + 100); err != nil {
		fail(err)
	}
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	steps := map[string]func(i int) error{
		"greeted": func(i int) error {
			c, err := net.DialTimeout("tcp", addr, ioTimeout)
			if err != nil {
				return err
			}
			conns[i], readers[i] = c, bufio.NewReaderSize(c, 1024)
			return idleMemExchange(c, readers[i], "", "* OK ")
		},
		"authenticated": func(i int) error {
			return idleMemExchange(conns[i], readers[i],
				"L LOGIN "+idleMemUser+" "+idleMemPassword+"\r\n", "L OK ")
		},
		"selected": func(i int) error {
			return idleMemExchange(conns[i], readers[i], "S SELECT INBOX\r\n", "S OK ")
		},
		"idling": func(i int) error {
			return idleMemExchange(conns[i], readers[i], "I IDLE\r\n", "+ ")
		},
	}
	stdin := bufio.NewScanner(os.Stdin)
	for _, phase := range idleMemPhases {
		if err := idleMemEach(n, steps[phase]); err != nil {
			fail(fmt.Errorf("%s: %v", phase, err))
		}
		fmt.Printf("%s%s\n", idleMemPrefix, phase)
		if !stdin.Scan() {
			return
		}
	}
	stdin.Scan() // until the benchmark is done
}

// idleMemEach runs step for 0…n-1 on a few goroutines and returns the first
// error.
func idleMemEach(n int, step func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				if err := step(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// idleMemExchange sends line (if any) and reads up to the line that starts
// with want; any other tagged or BYE line is an error.
func idleMemExchange(c net.Conn, r *bufio.Reader, line, want string) error {
	c.SetDeadline(time.Now().Add(ioTimeout))
	defer c.SetDeadline(time.Time{})
	if line != "" {
		if _, err := io.WriteString(c, line); err != nil {
			return err
		}
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(l, want):
			return nil
		case strings.HasPrefix(l, "* BYE"), !strings.HasPrefix(l, "* "):
			return fmt.Errorf("got %q, want %q…", l, want)
		}
	}
}
