package pop3

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// benchMessage returns a message of exactly size octets with CRLF line ends,
// some of whose lines begin with "." so that byte-stuffing is exercised.
func benchMessage(n, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: sender@example.org\r\nTo: alice@example.org\r\nSubject: message %d\r\n\r\n", n)
	for i := 0; b.Len() < size; i++ {
		line := fmt.Sprintf("line %d of the body of message %d, with some text to fill it.", i, n)
		if i%10 == 0 {
			line = "." + line
		}
		b.WriteString(line + "\r\n")
	}
	s := b.String()[:size-2] + "\r\n"
	return s
}

// BenchmarkRETR1000 retrieves 1 000 messages of 4 KiB in one session over
// loopback, pipelined (RFC 2449 §6.6), and reports messages and megabytes per
// second.
func BenchmarkRETR1000(b *testing.B) {
	const count, size = 1000, 4096
	env := newEnv(b, insecureAuth, func(cfg *Config) { cfg.Logger = nil })
	msgs := make([]string, count)
	for i := range msgs {
		msgs[i] = benchMessage(i+1, size)
	}
	env.deliver("alice", msgs...)
	c := env.dial()
	c.login("alice", alicePassword)

	var cmds strings.Builder
	for i := 1; i <= count; i++ {
		fmt.Fprintf(&cmds, "RETR %d\r\n", i)
	}
	want := fmt.Sprintf("+OK %d octets", size)
	b.SetBytes(count * size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		errc := make(chan error, 1)
		go func() {
			_, err := io.WriteString(c.conn, cmds.String())
			errc <- err
		}()
		for i := 0; i < count; i++ {
			if got := c.line(); got != want {
				b.Fatalf("RETR %d: %q", i+1, got)
			}
			n := 0
			for {
				line, err := c.r.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				if len(line) == 3 && line[0] == '.' {
					break
				}
				n += len(line)
			}
			if n < size {
				b.Fatalf("RETR %d: %d octets", i+1, n)
			}
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(count*b.N)/elapsed, "msgs/s")
}
