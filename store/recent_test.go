package store

import (
	"bufio"
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
	"time"
)

func TestClaimRecent(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	if w, err := m.RecentWatermark(); err != nil || w != 0 {
		t.Fatalf("RecentWatermark of a new mailbox = %d, %v; want 0", w, err)
	}
	steps := []struct {
		upto, first, last, watermark uint32
	}{
		{0, 0, 0, 0},
		{5, 1, 5, 5},
		{3, 0, 0, 5},
		{5, 0, 0, 5},
		{8, 6, 8, 8},
		{9, 9, 9, 9},
		{4294967295, 10, 4294967295, 4294967295},
		{4294967295, 0, 0, 4294967295},
	}
	for _, s := range steps {
		first, last, err := m.ClaimRecent(s.upto)
		if err != nil || first != s.first || last != s.last {
			t.Errorf("ClaimRecent(%d) = %d, %d, %v; want %d, %d", s.upto, first, last, err, s.first, s.last)
		}
		if w, err := m.RecentWatermark(); err != nil || w != s.watermark {
			t.Errorf("after ClaimRecent(%d): RecentWatermark = %d, %v; want %d", s.upto, w, err, s.watermark)
		}
	}
	// Four claims were written, densely, each "uid SP nonce LF".
	dir := filepath.Join(m.st.dir, recentDirName)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	if strings.Join(names, " ") != "1 2 3 4" {
		t.Errorf("claim files %v, want 1 2 3 4", names)
	}
	data, err := os.ReadFile(filepath.Join(dir, "2"))
	if err != nil {
		t.Fatal(err)
	}
	if u, nonce, ok := strings.Cut(string(data), " "); !ok || u != "8" || len(nonce) != 33 || !strings.HasSuffix(nonce, "\n") {
		t.Errorf("claim 2 holds %q", data)
	}
	// The claims are dense whatever the check sees: Check does not complain.
	rep, err := a.Check(false)
	if err != nil || !rep.Clean() {
		t.Errorf("Check after claims: %+v, %v", rep, err)
	}
}

// TestRecentTop checks the galloping search for the newest claim at many
// sizes, including claims made under its feet by another Store.
func TestRecentTop(t *testing.T) {
	_, a := newTestAccount(t)
	m := mustMailbox(t, a, "INBOX")
	for n := uint32(1); n <= 70; n++ {
		if _, _, err := m.ClaimRecent(n * 3); err != nil {
			t.Fatal(err)
		}
		k, w, err := recentTop(filepath.Join(m.st.dir, recentDirName))
		if err != nil || k != uint64(n) || w != n*3 {
			t.Fatalf("after %d claims: recentTop = %d, %d, %v", n, k, w, err)
		}
	}
}

func TestClaimRecentErrors(t *testing.T) {
	_, a := newTestAccount(t)
	if err := a.CreateMailbox("gone"); err != nil {
		t.Fatal(err)
	}
	m := mustMailbox(t, a, "gone")
	if err := a.DeleteMailbox("gone"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.ClaimRecent(3); !errors.Is(err, ErrNotFound) {
		t.Errorf("ClaimRecent on a deleted mailbox: %v, want ErrNotFound", err)
	}
	if _, err := m.RecentWatermark(); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecentWatermark on a deleted mailbox: %v, want ErrNotFound", err)
	}

	inbox := mustMailbox(t, a, "INBOX")
	if _, _, err := inbox.ClaimRecent(2); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(inbox.st.dir, recentDirName, "2")
	if err := os.WriteFile(bad, []byte("7 not-a-nonce\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := inbox.RecentWatermark(); !errors.Is(err, ErrInvalid) {
		t.Errorf("RecentWatermark with a damaged claim: %v, want ErrInvalid", err)
	}
	if _, _, err := inbox.ClaimRecent(9); !errors.Is(err, ErrInvalid) {
		t.Errorf("ClaimRecent with a damaged claim: %v, want ErrInvalid", err)
	}
}

func TestParseClaim(t *testing.T) {
	nonce := strings.Repeat("0a", 16)
	tests := []struct {
		in   string
		uid  uint32
		fail bool
	}{
		{"1 " + nonce + "\n", 1, false},
		{"4294967295 " + nonce + "\n", 4294967295, false},
		{"4294967296 " + nonce + "\n", 0, true},
		{"0 " + nonce + "\n", 0, true},
		{"01 " + nonce + "\n", 0, true},
		{"1 " + nonce, 0, true},
		{"1  " + nonce + "\n", 0, true},
		{"1 " + strings.ToUpper(nonce) + "\n", 0, true},
		{"1 " + nonce[:30] + "\n", 0, true},
		{"", 0, true},
		{"\n", 0, true},
	}
	for _, tt := range tests {
		uid, n, err := parseClaim([]byte(tt.in))
		if tt.fail != (err != nil) || uid != tt.uid || !tt.fail && n != nonce {
			t.Errorf("parseClaim(%q) = %d, %q, %v", tt.in, uid, n, err)
		}
	}
}

// claimer is one session: it claims up to the mailbox's highest UID whenever
// asked, and records the ranges it won.
type claimer struct {
	m   *Mailbox
	won [][2]uint32
}

func (c *claimer) claim(t testing.TB) {
	snap, err := c.m.Snapshot()
	if err != nil {
		t.Error(err)
		return
	}
	if len(snap.Messages) == 0 {
		return
	}
	first, last, err := c.m.ClaimRecent(snap.Messages[len(snap.Messages)-1].UID)
	if err != nil {
		t.Error(err)
		return
	}
	if first != 0 {
		c.won = append(c.won, [2]uint32{first, last})
	}
}

// checkExactlyOnce checks that the ranges cover 1..max with no UID twice.
func checkExactlyOnce(t *testing.T, ranges [][2]uint32, max uint32) {
	t.Helper()
	count := make([]int, max+1)
	for _, r := range ranges {
		if r[0] < 1 || r[1] < r[0] || r[1] > max {
			t.Fatalf("range %v outside 1..%d", r, max)
		}
		for u := r[0]; u <= r[1]; u++ {
			count[u]++
		}
	}
	for u := uint32(1); u <= max; u++ {
		if count[u] != 1 {
			t.Errorf("UID %d was recent in %d sessions, want exactly 1", u, count[u])
		}
	}
}

// TestClaimRecentConcurrent runs sessions on several Stores sharing one root
// (as several processes would, each with its own replayed state) while
// messages arrive: every UID is won by exactly one session.
func TestClaimRecentConcurrent(t *testing.T) {
	_, root := newTestStore(t)
	const sessions, messages = 6, 120
	var claimers []*claimer
	for i := range sessions {
		s, err := Open(root, Options{NoSync: true, PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if err := s.CreateAccount("alice"); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.Account("alice")
		if err != nil {
			t.Fatal(err)
		}
		claimers = append(claimers, &claimer{m: mustMailbox(t, a, "INBOX")})
	}
	deliverer := claimers[0].m
	var wg sync.WaitGroup
	done := make(chan struct{})
	for _, c := range claimers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					c.claim(t)
					return
				default:
					c.claim(t)
				}
			}
		})
	}
	for i := range messages {
		mustAppend(t, deliverer, fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i))
	}
	close(done)
	wg.Wait()
	var all [][2]uint32
	for _, c := range claimers {
		all = append(all, c.won...)
	}
	checkExactlyOnce(t, all, messages)
}

const (
	envRecentRoot = "LOFT_RECENT_ROOT"
	envRecentStop = "LOFT_RECENT_STOP"
)

// TestClaimRecentProcesses runs the sessions in separate processes: each
// child claims until the parent's stop file appears, then claims once more
// and prints its ranges.
func TestClaimRecentProcesses(t *testing.T) {
	s, root := newTestStore(t)
	if err := s.CreateAccount("alice"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	inbox := mustMailbox(t, a, "INBOX")
	stop := filepath.Join(t.TempDir(), "stop")
	const procs, messages = 3, 60
	type child struct {
		cmd *exec.Cmd
		out *strings.Builder
	}
	var children []child
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestClaimRecentChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envRecentRoot+"="+root, envRecentStop+"="+stop)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, child{cmd, out})
	}
	for i := range messages {
		mustAppend(t, inbox, fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i))
	}
	if err := os.WriteFile(stop, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	var all [][2]uint32
	for _, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child: %v\n%s", err, c.out)
		}
		sc := bufio.NewScanner(strings.NewReader(c.out.String()))
		for sc.Scan() {
			f, l, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "won "), "-")
			if !ok || !strings.HasPrefix(sc.Text(), "won ") {
				continue
			}
			first, err1 := strconv.ParseUint(f, 10, 32)
			last, err2 := strconv.ParseUint(l, 10, 32)
			if err1 != nil || err2 != nil {
				t.Fatalf("child output %q", sc.Text())
			}
			all = append(all, [2]uint32{uint32(first), uint32(last)})
		}
	}
	checkExactlyOnce(t, all, messages)
}

// TestClaimRecentChild is the child of TestClaimRecentProcesses.
func TestClaimRecentChild(t *testing.T) {
	root := os.Getenv(envRecentRoot)
	if root == "" {
		t.Skip("run by TestClaimRecentProcesses")
	}
	s, err := Open(root, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	c := &claimer{m: mustMailbox(t, a, "INBOX")}
	for {
		_, err := os.Stat(os.Getenv(envRecentStop))
		c.claim(t)
		if err == nil {
			break // one claim after the stop file appeared, which saw every message
		}
	}
	for _, r := range c.won {
		fmt.Printf("won %d-%d\n", r[0], r[1])
	}
}
