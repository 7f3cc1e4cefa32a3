package directory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The test binary doubles as a directory writer for the multi-process
// test: with helperEnv set it runs contend instead of the tests.
const (
	helperEnv   = "LOFT_DIRECTORY_TEST_HELPER" // the directory
	helperIDEnv = "LOFT_DIRECTORY_TEST_ID"
	helperNEnv  = "LOFT_DIRECTORY_TEST_N"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helperMain(dir))
	}
	code := m.Run()
	for _, f := range AfterTests {
		if err := f(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// AfterTests are run by TestMain once every test has run: the external
// tests (package directory_test) stop what they share there.
var AfterTests []func() error

// helperMain waits for a line on standard input (so that every process
// starts together), runs contend and prints what it won, one "won KEY"
// line each.
func helperMain(dir string) int {
	id, err1 := strconv.Atoi(os.Getenv(helperIDEnv))
	n, err2 := strconv.Atoi(os.Getenv(helperNEnv))
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	f, err := OpenFile(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	f.params = testParams
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "helper: waiting for the start:", err)
		return 1
	}
	won, err := contend(f, id, n)
	for _, w := range won {
		fmt.Println("won", w)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// contend adds n accounts w<id>-<i>, each with its own address and with
// shared<i>@example.org, which every worker wants; when that is taken the
// account is added without it. Then it adds second<i>@example.org, which
// every worker also wants, to each account with UpdateUser. It returns the
// contested addresses it won.
func contend(f *File, id, n int) (won []string, err error) {
	for i := range n {
		login := fmt.Sprintf("w%d-%d", id, i)
		shared := fmt.Sprintf("shared%d@example.org", i)
		spec := UserSpec{Login: login, Password: "pw-" + login, Addresses: []string{login + "@example.org", shared}}
		err := f.AddUser(spec)
		if errors.Is(err, ErrExists) {
			spec.Addresses = spec.Addresses[:1]
			err = f.AddUser(spec)
		} else if err == nil {
			won = append(won, shared)
		}
		if err != nil {
			return won, fmt.Errorf("adding %s: %w", login, err)
		}
	}
	for i := range n {
		login := fmt.Sprintf("w%d-%d", id, i)
		second := fmt.Sprintf("second%d@example.org", i)
		err := f.UpdateUser(login, func(c *UserChange) error {
			c.Addresses = append(c.Addresses, second)
			return nil
		})
		switch {
		case err == nil:
			won = append(won, second)
		case !errors.Is(err, ErrExists):
			return won, fmt.Errorf("updating %s: %w", login, err)
		}
	}
	return won, nil
}

// checkContended checks the directory after workers ran contend: every
// account is there with its own address, and each contested address went to
// exactly one worker, the one it resolves to.
func checkContended(t *testing.T, f *File, workers, n int, won map[int][]string) {
	t.Helper()
	ctx := context.Background()
	users, err := f.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != workers*n {
		t.Errorf("%d accounts, want %d", len(users), workers*n)
	}
	owner := make(map[string]string) // contested address → winning login
	for id, addrs := range won {
		for _, a := range addrs {
			i, _ := strconv.Atoi(strings.TrimLeft(strings.TrimSuffix(a, "@example.org"), "abcdefghijklmnopqrstuvwxyz"))
			login := fmt.Sprintf("w%d-%d", id, i)
			if prev, ok := owner[a]; ok {
				t.Errorf("%s won by both %s and %s", a, prev, login)
			}
			owner[a] = login
		}
	}
	for id := range workers {
		for i := range n {
			login := fmt.Sprintf("w%d-%d", id, i)
			acct, err := f.LookupAddress(ctx, login+"@example.org")
			if err != nil || acct.Login != login {
				t.Errorf("%s@example.org = %+v, %v", login, acct, err)
				continue
			}
			for _, a := range acct.Addresses[1:] {
				if owner[a] != login {
					t.Errorf("%s shows %s, which %q won", login, a, owner[a])
				}
			}
		}
	}
	for i := range n {
		for _, a := range []string{fmt.Sprintf("shared%d@example.org", i), fmt.Sprintf("second%d@example.org", i)} {
			acct, err := f.LookupAddress(ctx, a)
			if err != nil || acct.Login != owner[a] {
				t.Errorf("%s resolves to %+v (%v); the winner was %q", a, acct, err, owner[a])
			}
		}
	}
	if _, err := f.Authenticate(ctx, "w0-0", "pw-w0-0"); err != nil {
		t.Errorf("Authenticate(w0-0): %v", err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	const workers, n = 8, 12
	dir := filepath.Join(t.TempDir(), "directory")
	shared := openTest(t, dir)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won = make(map[int][]string)
	)
	start := make(chan struct{})
	for id := range workers {
		// Half the workers share one File, as goroutines of one server
		// do; the others have their own, as separate processes would.
		f := shared
		if id%2 == 1 {
			f = openTest(t, dir)
		}
		wg.Go(func() {
			<-start
			w, err := contend(f, id, n)
			if err != nil {
				t.Errorf("worker %d: %v", id, err)
			}
			mu.Lock()
			won[id] = w
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	checkContended(t, openTest(t, dir), workers, n, won)
	checkWonOnce(t, won, 2*n)
}

// checkWonOnce checks that the workers won want contested addresses in all:
// each one exactly once.
func checkWonOnce(t *testing.T, won map[int][]string, want int) {
	t.Helper()
	var total int
	for _, w := range won {
		total += len(w)
	}
	if total != want {
		t.Errorf("%d contested addresses won, want %d (each exactly once)", total, want)
	}
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	const workers, n = 4, 12
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "directory")
	openTest(t, dir) // create it before the race
	type proc struct {
		cmd    *exec.Cmd
		stdout strings.Builder
		stderr strings.Builder
		start  func() error
	}
	procs := make([]*proc, workers)
	for id := range workers {
		p := &proc{cmd: exec.Command(exe, "-test.run=^$")}
		p.cmd.Env = append(os.Environ(), helperEnv+"="+dir, helperIDEnv+"="+strconv.Itoa(id), helperNEnv+"="+strconv.Itoa(n))
		p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
		stdin, err := p.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p.start = func() error {
			_, err := stdin.Write([]byte("go\n"))
			return errors.Join(err, stdin.Close())
		}
		procs[id] = p
	}
	for _, p := range procs {
		if err := p.start(); err != nil {
			t.Error(err)
		}
	}
	won := make(map[int][]string)
	for id, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("worker process %d: %v\n%s", id, err, p.stderr.String())
		}
		for line := range strings.Lines(p.stdout.String()) {
			if a, ok := strings.CutPrefix(strings.TrimSpace(line), "won "); ok {
				won[id] = append(won[id], a)
			}
		}
	}
	checkContended(t, openTest(t, dir), workers, n, won)
	checkWonOnce(t, won, 2*n)
	if slices.ContainsFunc(procs, func(p *proc) bool { return strings.Contains(p.stdout.String(), "FAIL") }) {
		t.Error("a worker process ran tests instead of its work")
	}
}
