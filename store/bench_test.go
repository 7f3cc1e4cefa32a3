package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

var benchSizes = []struct {
	name string
	size int
}{{"4KiB", 4 << 10}, {"100KiB", 100 << 10}}

// BenchmarkFSLimit measures what the file system itself allows for one
// durable new file: exclusive create, write, fsync, rename. Sub-benchmarks
// "+dirsync" add the directory fsync that makes the new name durable too,
// which any acknowledged delivery needs.
func BenchmarkFSLimit(b *testing.B) {
	for _, sz := range benchSizes {
		for _, dirSync := range []bool{false, true} {
			name := sz.name
			if dirSync {
				name += "+dirsync"
			}
			b.Run(name, func(b *testing.B) {
				dir := b.TempDir()
				data := bytes.Repeat([]byte("x"), sz.size)
				b.SetBytes(int64(sz.size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					tmp := filepath.Join(dir, "t."+strconv.Itoa(i))
					f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.Write(data); err != nil {
						b.Fatal(err)
					}
					if err := f.Sync(); err != nil {
						b.Fatal(err)
					}
					f.Close()
					if err := os.Rename(tmp, filepath.Join(dir, strconv.Itoa(i))); err != nil {
						b.Fatal(err)
					}
					if dirSync {
						d, _ := os.Open(dir)
						if err := d.Sync(); err != nil {
							b.Fatal(err)
						}
						d.Close()
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}

// BenchmarkAppend measures durable delivery (fsync on) into one mailbox by
// 1, 4 and 16 concurrent goroutines.
func BenchmarkAppend(b *testing.B) {
	for _, sz := range benchSizes {
		for _, writers := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("%s/writers=%d", sz.name, writers), func(b *testing.B) {
				s, err := Open(b.TempDir(), Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				s.CreateAccount("bench")
				a, _ := s.Account("bench")
				m, _ := a.Mailbox("INBOX")
				data := bytes.Repeat([]byte("x"), sz.size)
				var next atomic.Int64
				var wg sync.WaitGroup
				b.SetBytes(int64(sz.size))
				b.ResetTimer()
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							if _, err := m.Append(bytes.NewReader(data), AppendOptions{}); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}

// snap100kFixture builds (once, cached under the system temp directory) a
// store with a 100 000-message mailbox, with NoSync to save time.
func snap100kFixture(b *testing.B) string {
	root := filepath.Join(os.TempDir(), "loft-bench-snap100k-v1")
	if _, err := os.Stat(filepath.Join(root, "complete")); err == nil {
		return root
	}
	os.RemoveAll(root)
	s, err := Open(root, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	s.CreateAccount("bench")
	a, _ := s.Account("bench")
	m, _ := a.Mailbox("INBOX")
	body := []byte("Subject: bench\r\n\r\nhello\r\n")
	for i := 0; i < 100000; i++ {
		flags := []string{`\Seen`}
		if i%7 == 0 {
			flags = append(flags, "$Label"+strconv.Itoa(i%5))
		}
		if _, err := m.Append(bytes.NewReader(body), AppendOptions{Flags: flags}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := m.Snapshot(); err != nil {
		b.Fatal(err)
	}
	s.Close() // waits for the snapshot file
	os.WriteFile(filepath.Join(root, "complete"), nil, 0o644)
	return root
}

// BenchmarkSnapshot100k measures Snapshot of a 100 000-message mailbox:
// cold (a new Store: snapshot file plus the records after it) and warm (the
// cached state: one failed open of the next record).
func BenchmarkSnapshot100k(b *testing.B) {
	root := snap100kFixture(b)
	open := func() (*Store, *Mailbox) {
		s, err := Open(root, Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		a, err := s.Account("bench")
		if err != nil {
			b.Fatal(err)
		}
		m, err := a.Mailbox("INBOX")
		if err != nil {
			b.Fatal(err)
		}
		return s, m
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, m := open()
			snap, err := m.Snapshot()
			if err != nil || len(snap.Messages) != 100000 {
				b.Fatalf("%v, %d messages", err, len(snap.Messages))
			}
			s.snapEvery = 1 << 62 // do not rewrite the fixture's snapshot
			s.Close()
		}
	})
	b.Run("warm", func(b *testing.B) {
		s, m := open()
		defer s.Close()
		m.Snapshot()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			snap, err := m.Snapshot()
			if err != nil || len(snap.Messages) != 100000 {
				b.Fatalf("%v, %d messages", err, len(snap.Messages))
			}
		}
	})
}

// BenchmarkMoveTo measures durable moves of 4 KiB messages between two
// mailboxes, one message per call and sixteen per call (an IMAP MOVE of a
// set). The messages are delivered beforehand without fsync.
func BenchmarkMoveTo(b *testing.B) {
	for _, per := range []int{1, 16} {
		b.Run(fmt.Sprintf("%dpercall", per), func(b *testing.B) {
			root := b.TempDir()
			setup, err := Open(root, Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			if err := setup.CreateAccount("bench"); err != nil {
				b.Fatal(err)
			}
			a, _ := setup.Account("bench")
			if err := a.CreateMailbox("Dst"); err != nil {
				b.Fatal(err)
			}
			inbox := mustMailbox(b, a, "INBOX")
			body := string(testMessage("bench@move", 4<<10, 1))
			n := b.N * per
			for i := 0; i < n; i++ {
				mustAppend(b, inbox, body)
			}
			setup.Close()
			s, err := Open(root, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			a, _ = s.Account("bench")
			src, dst := mustMailbox(b, a, "INBOX"), mustMailbox(b, a, "Dst")
			mustSnapshot(b, src)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				uids := make([]uint32, per)
				for j := range uids {
					uids[j] = uint32(i*per + j + 1)
				}
				res, err := src.MoveTo(dst, uids)
				if err != nil || len(res.SrcUIDs) != per {
					b.Fatalf("MoveTo: %+v, %v", res, err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkMailboxes measures listing an account of 200 mailboxes (IMAP
// LIST's source): one directory listing per level, and per mailbox one
// read of its box file and one open of its special-use file (FORMAT.md,
// "Special use"); 10 of them have a special use.
func BenchmarkMailboxes(b *testing.B) {
	_, a := newTestAccount(b)
	for i := range 200 {
		name := fmt.Sprintf("folder%03d/sub%d", i/4, i%4)
		if err := a.CreateMailbox(name); err != nil {
			b.Fatal(err)
		}
		if i%20 == 0 {
			if err := a.SetSpecialUse(name, []string{`\Archive`}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		infos, err := a.Mailboxes()
		if err != nil {
			b.Fatal(err)
		}
		if len(infos) != 251 {
			b.Fatalf("%d names, want 251", len(infos))
		}
	}
	b.ReportMetric(float64(b.N*251)/b.Elapsed().Seconds(), "names/s")
}
