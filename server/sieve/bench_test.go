package sieve

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/sieve/sievetest"
	"github.com/loftmail/loft/store"
)

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDeliver measures deliveries per second through the engine
// into the store (without fsync, so that the figure is the cost of Sieve
// and the store's work, not of the disk), with no script and with a
// 200-rule script that every message runs to its end.
//
//	go test ./server/sieve -run '^$' -bench Deliver -benchtime 2000x
func BenchmarkDeliver(b *testing.B) {
	for _, bc := range []struct {
		name   string
		script string
	}{
		{"none", ""},
		{"rules200", sievetest.RulesScript(200)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st, err := store.Open(b.TempDir(), store.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			sa, err := st.OpenAccount("alice")
			if err != nil {
				b.Fatal(err)
			}
			if bc.script != "" {
				if err := sa.PutSieveScript("main", []byte(bc.script)); err != nil {
					b.Fatal(err)
				}
				if err := sa.SetActiveSieveScript("main"); err != nil {
					b.Fatal(err)
				}
			}
			e, err := New(Config{Hostname: "mx.example.org"})
			if err != nil {
				b.Fatal(err)
			}
			msg := returnPath("bob@example.com") + strings.ReplaceAll(
				"From: Bob <bob@example.com>\nTo: alice@example.org\nSubject: an ordinary message\n\n"+
					strings.Repeat("A line of body text, as long as most are.\n", 50), "\n", "\r\n")
			acct := &directory.Account{Login: "alice", Addresses: []string{"alice@example.org"}, Enabled: true}
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			start := time.Now()
			cpu0 := cpuTime()
			for range b.N {
				d := &Delivery{Account: acct, Store: sa, From: "bob@example.com", To: "alice@example.org",
					Message: strings.NewReader(msg), Size: int64(len(msg)), InternalDate: time.Now()}
				out, err := e.Deliver(context.Background(), d)
				if err != nil || len(out.Mailboxes) != 1 {
					b.Fatalf("Deliver: %+v, %v", out, err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
			// CPU time per delivery (user and system, the whole process):
			// unlike the wall clock, it hardly depends on what else the
			// machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/delivery")
		})
	}
}
