package lmtp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/sieve"
	"github.com/loftmail/loft/server/sieve/sievetest"
)

// BenchmarkDeliver measures durable delivery over LMTP: each message is
// acknowledged only once the store has fsynced it. Every connection
// delivers to its own account; b.N messages are shared among the
// connections. It reports messages per second.
func BenchmarkDeliver(b *testing.B) {
	for _, size := range []int{4 << 10, 100 << 10} {
		for _, conns := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("size=%dKiB/conns=%d", size>>10, conns), func(b *testing.B) {
				benchDeliver(b, conns, size)
			})
		}
	}
}

// BenchmarkDeliverSieve is BenchmarkDeliver through the Sieve engine
// (server/sieve), without a script and with a 200-rule script that each
// message runs to its end, so that the two figures show what filtering
// costs a delivery.
//
//	go test ./server/lmtp -run '^$' -bench DeliverSieve -benchtime 2000x
func BenchmarkDeliverSieve(b *testing.B) {
	for _, script := range []struct{ name, src string }{{"none", ""}, {"rules200", sievetest.RulesScript(200)}} {
		for _, conns := range []int{1, 4} {
			b.Run(fmt.Sprintf("script=%s/conns=%d", script.name, conns), func(b *testing.B) {
				engine, err := sieve.New(sieve.Config{Hostname: "mx.example.org"})
				if err != nil {
					b.Fatal(err)
				}
				benchDeliver(b, conns, 4<<10, withConfig(func(c *Config) { c.Filter = engine }), withScript(script.src, conns))
			})
		}
	}
}

// withScript makes src the active script of the accounts bench0 …
// bench(n-1), once the environment exists.
func withScript(src string, n int) envOption {
	return func(e *testEnv) {
		if src == "" {
			return
		}
		e.setup = append(e.setup, func() {
			for i := range n {
				sa, err := e.store.OpenAccount(fmt.Sprintf("bench%d", i))
				if err == nil {
					err = sa.PutSieveScript("main", []byte(src))
				}
				if err == nil {
					err = sa.SetActiveSieveScript("main")
				}
				if err != nil {
					e.t.Fatal(err)
				}
			}
		})
	}
}

func benchDeliver(b *testing.B, conns, size int, opts ...envOption) {
	e := newEnv(b, opts...)
	for i := range conns {
		u := directory.UserSpec{Login: fmt.Sprintf("bench%d", i), Addresses: []string{fmt.Sprintf("bench%d@example.org", i)}}
		if err := e.dir.AddUser(u); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range e.setup {
		f()
	}
	msg := benchMessage(size)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := deliverLoop(e.addr, fmt.Sprintf("bench%d@example.org", i), msg, n); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchMessage returns a message of about size octets, dot-stuffed and
// terminated for DATA.
func benchMessage(size int) string {
	var sb strings.Builder
	sb.WriteString("From: Bench <bench@example.com>\r\nSubject: benchmark\r\n\r\n")
	line := strings.Repeat("0123456789", 7) + "\r\n"
	for sb.Len()+len(line) <= size {
		sb.WriteString(line)
	}
	return sb.String()
}

// deliverLoop sends n transactions on one connection, each pipelined in
// one write, and checks every reply code.
func deliverLoop(addr, rcpt, msg string, n int) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Minute))
	r := bufio.NewReader(nc)
	expect := func(code string) error {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(line, code) {
				return fmt.Errorf("got %q, want %s", line, code)
			}
			if len(line) < 4 || line[3] != '-' {
				return nil
			}
		}
	}
	if err := expect("220"); err != nil {
		return err
	}
	if _, err := io.WriteString(nc, "LHLO bench.example\r\n"); err != nil {
		return err
	}
	if err := expect("250"); err != nil {
		return err
	}
	tx := "MAIL FROM:<bench@example.com>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n" + dataBlock(msg)
	for range n {
		if _, err := io.WriteString(nc, tx); err != nil {
			return err
		}
		for _, code := range []string{"250", "250", "354", "250"} {
			if err := expect(code); err != nil {
				return err
			}
		}
	}
	_, err = io.WriteString(nc, "QUIT\r\n")
	return err
}
