package directory_test

import (
	"context"
	"testing"
	"time"

	"github.com/loftmail/loft/server/directory"
)

// BenchmarkLogin measures logins per second (Authenticate with the right
// password, from parallel goroutines): against the file directory (an
// argon2id hash per login), and against slapd (a search and a bind per
// login without the cache, a bind alone with it; slapd stores the
// password as {SSHA}).
//
//	go test -run '^$' -bench Login -benchtime 3s ./server/directory
func BenchmarkLogin(b *testing.B) { benchBackends(b, benchLogin) }

// BenchmarkLookupAddress measures recipient look-ups per second, as LMTP
// makes one per RCPT: against the file directory, and against slapd with
// and without the cache.
//
//	go test -run '^$' -bench LookupAddress -benchtime 3s ./server/directory
func BenchmarkLookupAddress(b *testing.B) { benchBackends(b, benchLookup) }

// benchBackends runs bench as sub-benchmarks: file, on a new file
// directory, and ldap-cache and ldap-nocache, on a subtree of the shared
// slapd each.
func benchBackends(b *testing.B, bench func(*testing.B, directory.Admin)) {
	b.Run("file", func(b *testing.B) {
		d, err := directory.OpenFile(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		bench(b, d)
	})
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{{"ldap-cache", time.Minute}, {"ldap-nocache", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			slapdStop.Do(func() { directory.AfterTests = append(directory.AfterTests, slapd.Close) })
			s := slapd.Get(b)
			tree, err := s.NewTree()
			if err != nil {
				b.Fatal(err)
			}
			o := s.Options(tree)
			o.CacheTTL = tc.ttl
			d, err := directory.OpenLDAP(o)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			bench(b, d)
		})
	}
}

func benchLogin(b *testing.B, d directory.Admin) {
	if err := d.AddUser(directory.UserSpec{Login: "alice", Password: "alice-secret", Addresses: []string{"alice@example.org"}}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Authenticate(ctx, "alice", "alice-secret"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := d.Authenticate(ctx, "alice", "alice-secret"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

func benchLookup(b *testing.B, d directory.Admin) {
	if err := d.AddUser(directory.UserSpec{Login: "alice", Password: "alice-secret", Addresses: []string{"alice@example.org"}}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := d.LookupAddress(ctx, "alice@example.org"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
