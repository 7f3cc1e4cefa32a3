package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustPutSieve(t *testing.T, a *Account, name, data string) {
	t.Helper()
	if err := a.PutSieveScript(name, []byte(data)); err != nil {
		t.Fatalf("PutSieveScript(%q): %v", name, err)
	}
}

func sieveList(t *testing.T, a *Account) []SieveScriptInfo {
	t.Helper()
	l, err := a.SieveScripts()
	if err != nil {
		t.Fatalf("SieveScripts: %v", err)
	}
	return l
}

func TestSieveScripts(t *testing.T) {
	_, a := newTestAccount(t)
	if l := sieveList(t, a); len(l) != 0 {
		t.Fatalf("new account lists %v", l)
	}
	if name, data, err := a.ActiveSieveScript(); name != "" || data != nil || err != nil {
		t.Fatalf("ActiveSieveScript on a new account = %q, %q, %v", name, data, err)
	}
	mustPutSieve(t, a, "vacation", "keep;\r\n")
	mustPutSieve(t, a, "Ärger/../x", "discard;")
	mustPutSieve(t, a, "empty", "")
	want := []SieveScriptInfo{{Name: "empty"}, {Name: "vacation", Size: 7}, {Name: "Ärger/../x", Size: 8}}
	if d := cmp.Diff(want, sieveList(t, a)); d != "" {
		t.Fatalf("SieveScripts (-want +got):\n%s", d)
	}
	if data, err := a.SieveScript("Ärger/../x"); err != nil || string(data) != "discard;" {
		t.Fatalf("SieveScript = %q, %v", data, err)
	}
	if _, err := a.SieveScript("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SieveScript(nope): %v, want ErrNotFound", err)
	}

	// Activation, replacement of the active script, deactivation.
	if err := a.SetActiveSieveScript("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetActive(nope): %v", err)
	}
	if err := a.SetActiveSieveScript("vacation"); err != nil {
		t.Fatal(err)
	}
	mustPutSieve(t, a, "vacation", "stop;")
	name, data, err := a.ActiveSieveScript()
	if err != nil || name != "vacation" || string(data) != "stop;" {
		t.Fatalf("ActiveSieveScript = %q, %q, %v", name, data, err)
	}
	if err := a.DeleteSieveScript("vacation"); !errors.Is(err, ErrActive) {
		t.Fatalf("deleting the active script: %v, want ErrActive", err)
	}
	if err := a.SetActiveSieveScript("empty"); err != nil {
		t.Fatal(err)
	}
	want = []SieveScriptInfo{{Name: "empty", Active: true}, {Name: "vacation", Size: 5}, {Name: "Ärger/../x", Size: 8}}
	if d := cmp.Diff(want, sieveList(t, a)); d != "" {
		t.Fatalf("one active (-want +got):\n%s", d)
	}

	// Renaming keeps the active script active.
	if err := a.RenameSieveScript("empty", "vacation"); !errors.Is(err, ErrExists) {
		t.Fatalf("rename onto an existing name: %v", err)
	}
	if err := a.RenameSieveScript("gone", "new"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rename of a missing script: %v", err)
	}
	if err := a.RenameSieveScript("empty", "renamed"); err != nil {
		t.Fatal(err)
	}
	if name, _, _ := a.ActiveSieveScript(); name != "renamed" {
		t.Fatalf("active after rename = %q", name)
	}
	if err := a.DeleteSieveScript("vacation"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSieveScript("vacation"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := a.SetActiveSieveScript(""); err != nil {
		t.Fatal(err)
	}
	if err := a.SetActiveSieveScript(""); err != nil {
		t.Fatalf("deactivating twice: %v", err)
	}
	if name, _, err := a.ActiveSieveScript(); name != "" || err != nil {
		t.Fatalf("after deactivation: %q, %v", name, err)
	}
	want = []SieveScriptInfo{{Name: "renamed"}, {Name: "Ärger/../x", Size: 8}}
	if d := cmp.Diff(want, sieveList(t, a)); d != "" {
		t.Fatalf("final (-want +got):\n%s", d)
	}
	if rep, err := a.Check(false); err != nil || !rep.Clean() {
		t.Fatalf("Check: %+v, %v", rep, err)
	}
}

func TestSieveNames(t *testing.T) {
	_, a := newTestAccount(t)
	long := strings.Repeat("€", 128) // 384 octets: RFC 5804 §1.6 requires 128 characters
	for _, name := range []string{"a", long, strings.Repeat("𝄞", 128), "with space", ".", "..", "/etc/passwd"} {
		if err := a.PutSieveScript(name, []byte("keep;")); err != nil {
			t.Errorf("PutSieveScript(%q): %v", name, err)
		}
		if got, err := a.SieveScript(name); err != nil || string(got) != "keep;" {
			t.Errorf("SieveScript(%q) = %q, %v", name, got, err)
		}
	}
	for _, name := range []string{"", "a\x00b", "tab\there", "cr\r", "del\x7f", "c1\u0085", "ls\u2028", "ps\u2029",
		"\xff", "e\u0301", strings.Repeat("x", MaxSieveNameOctets+1)} {
		if err := a.PutSieveScript(name, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("PutSieveScript(%q): %v, want ErrInvalid", name, err)
		}
		for _, err := range []error{a.SetActiveSieveScript(name), a.DeleteSieveScript(name), a.RenameSieveScript("a", name)} {
			if name != "" && !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: %v, want ErrInvalid", name, err)
			}
		}
	}
	// Nothing escaped the account's sieve/ directory.
	ents, _ := os.ReadDir(a.path(sieveDir))
	if len(ents) != 7 {
		t.Errorf("sieve/ holds %d entries, want 7", len(ents))
	}
}

// TestSieveConcurrent races replacements and activations of several scripts
// with readers: a reader always sees a whole script (one that some writer
// wrote, under the name it was written for) or none.
func TestSieveConcurrent(t *testing.T) {
	_, a := newTestAccount(t)
	names := []string{"one", "two", "three"}
	for _, n := range names {
		mustPutSieve(t, a, n, n+":0")
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for w, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 100; i++ {
				if err := a.PutSieveScript(n, []byte(fmt.Sprintf("%s:%d%s", n, i, strings.Repeat(".", i*97)))); err != nil {
					errs <- err
					return
				}
				if err := a.SetActiveSieveScript(names[(w+i)%len(names)]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				name, data, err := a.ActiveSieveScript()
				if err != nil {
					errs <- err
					return
				}
				if name == "" {
					continue
				}
				if !strings.HasPrefix(string(data), name+":") {
					errs <- fmt.Errorf("active %q holds %.20q", name, data)
					return
				}
				l, err := a.SieveScripts()
				if err != nil {
					errs <- err
					return
				}
				active := 0
				for _, s := range l {
					if s.Active {
						active++
					}
				}
				if active != 1 || len(l) != 3 {
					errs <- fmt.Errorf("list %v", l)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCheckSieve(t *testing.T) {
	s, a := newTestAccount(t)
	s.grace = 0
	mustPutSieve(t, a, "x", "keep;")
	if err := a.SetActiveSieveScript("x"); err != nil {
		t.Fatal(err)
	}
	// As after a SetActive that raced a delete: the link names nothing.
	os.Remove(a.path(sieveDir, sieveFile("x")))
	os.WriteFile(a.path(sieveDir, sieveFile("y")), []byte(sieveMagic+"not y\nkeep;"), 0o640)
	os.WriteFile(a.path(sieveDir, "stray"), nil, 0o640)
	if name, _, err := a.ActiveSieveScript(); name != "" || err != nil {
		t.Fatalf("dangling link: %q, %v, want no active script", name, err)
	}
	rep, err := a.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, fmt.Sprintf("%s %v", p.Kind, p.Repaired))
	}
	sort.Strings(got)
	want := []string{ProblemBadSieve + " false", ProblemDanglingActive + " true", ProblemStray + " false"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if _, err := os.Lstat(a.path(sieveDir, sieveActive)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dangling active link not removed: %v", err)
	}
}

// TestSieveDeletedAccount: storing a script in an account deleted
// meanwhile fails and does not make the account's directory again.
func TestSieveDeletedAccount(t *testing.T) {
	s, a := newTestAccount(t)
	if err := s.DeleteAccount("alice"); err != nil {
		t.Fatal(err)
	}
	if err := a.PutSieveScript("x", []byte("keep;")); err == nil {
		t.Fatal("PutSieveScript in a deleted account succeeded")
	}
	if _, err := os.Stat(a.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted account's directory is back: %v", err)
	}
	if l, err := a.SieveScripts(); err != nil || len(l) != 0 {
		t.Errorf("SieveScripts of a deleted account = %v, %v", l, err)
	}
}

// FuzzSieveHeader: the header parser accepts exactly what marshalSieve
// writes for a valid name, and never panics.
func FuzzSieveHeader(f *testing.F) {
	f.Add([]byte(sieveMagic + "vacation\nkeep;"))
	f.Add([]byte(sieveMagic + "\nkeep;"))
	f.Add([]byte("LOFTSIEVE1 a\u2028b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		name, n, err := readSieveHeader(bytes.NewReader(data), "")
		if err != nil {
			return
		}
		if CheckSieveName(name) != nil {
			t.Fatalf("accepted the invalid name %q", name)
		}
		if got := marshalSieve(name, data[n:]); !bytes.Equal(got, data) {
			t.Fatalf("%q: header of %d octets, name %q, does not write back", data, n, name)
		}
	})
}

// TestSieveRenameAgainstActivate: a Rename of a script and an Activate
// of its old name, at once and many times over. Whenever the Activate
// answers OK, the script is active afterwards under its new name: the
// Rename never leaves the link naming the file it took away (no script
// active although SETACTIVE said OK). The interleaving is up to the
// scheduler; the property holds for every one of them.
func TestSieveRenameAgainstActivate(t *testing.T) {
	_, a := newTestAccount(t)
	for i := range 300 {
		from, to := fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i+1)
		if i == 0 {
			mustPutSieve(t, a, from, "keep;")
		}
		if err := a.SetActiveSieveScript(""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var renameErr, activateErr error
		wg.Add(2)
		go func() { defer wg.Done(); renameErr = a.RenameSieveScript(from, to) }()
		go func() { defer wg.Done(); activateErr = a.SetActiveSieveScript(from) }()
		wg.Wait()
		if renameErr != nil {
			t.Fatalf("round %d: Rename: %v", i, renameErr)
		}
		if activateErr != nil && !errors.Is(activateErr, ErrNotFound) {
			t.Fatalf("round %d: Activate: %v", i, activateErr)
		}
		name, _, err := a.ActiveSieveScript()
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if activateErr == nil && name != to {
			t.Fatalf("round %d: Activate of %q answered OK, then the Rename to %q left %q active", i, from, to, name)
		}
	}
}
