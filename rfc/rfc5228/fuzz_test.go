package rfc5228_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// seeds returns the scripts of the corpus cases, as fuzz seeds.
func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		c, err := sievetest.Parse(file, string(text))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(c.Sections["script"]))
	}
	f.Add([]byte("require \"variables\"; set \"a\" \"${b}\"; if string :matches \"${a}\" \"*\" { keep; }"))
	f.Add([]byte("text:\r\n..\r\n.\r\n"))
}

// FuzzCompile checks that Compile never panics, and that every error it
// reports has a position inside the script.
func FuzzCompile(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := rfc5228.Compile(src, rfc5228.Options{Extensions: sievetest.All})
		if err == nil {
			return
		}
		errs, ok := err.(rfc5228.Errors)
		if !ok || len(errs) == 0 {
			t.Fatalf("Compile returned %T %v", err, err)
		}
		lines := strings.Count(string(src), "\n") + 1
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines || e.Column < 1 {
				t.Fatalf("error outside the script (%d lines): %v", lines, e)
			}
		}
	})
}

// fuzzMessage is the fixed message that FuzzRun runs scripts on.
const fuzzMessage = "Date: Tue, 1 Apr 1997 09:06:31 -0800 (PST)\r\n" +
	"From: Coyote <coyote@desert.example.org>\r\n" +
	"To: roadrunner+birds@acme.example.com, friends: a@b.example;\r\n" +
	"Subject: =?UTF-8?Q?gr=C3=B6=C3=9Fe?= [list] hello\r\n" +
	"Received: from a by b; Wed, 2 Apr 1997 10:00:00 +0000\r\n" +
	"Content-Type: multipart/mixed; boundary=XX\r\n" +
	"\r\n--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9\r\n--XX--\r\n"

// FuzzRun compiles fuzzed scripts and runs those that compile against a
// fixed message: Run never panics, always returns a Result, and on an
// error returns the implicit keep alone.
func FuzzRun(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := rfc5228.Compile(src, rfc5228.Options{Extensions: sievetest.All})
		if err != nil {
			return
		}
		env := &rfc5228.MessageEnv{Raw: []byte(fuzzMessage), From: "coyote@desert.example.org", To: "roadrunner@acme.example.com",
			Time: time.Date(2008, 6, 13, 10, 0, 0, 0, time.UTC), Mailboxes: []string{"INBOX"}}
		res, err := s.Run(env)
		if res == nil {
			t.Fatal("Run returned no Result")
		}
		if err != nil && (len(res.Actions) != 1 || !res.ImplicitKeep) {
			t.Fatalf("Run failed (%v) with actions %v", err, res.Actions)
		}
	})
}

// TestMalformedMessages runs header, address, envelope, date and body
// tests on every message of the shared corpus of malformed messages: none
// may panic or fail.
func TestMalformedMessages(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", dir)
	}
	s, err := rfc5228.Compile([]byte(`require ["body", "date", "index", "relational", "variables", "envelope", "fileinto", "subaddress", "comparator-i;ascii-numeric"];
if header :matches ["subject", "from", "content-type"] "*" { set "s" "${1}"; }
if address :all :contains ["from", "to", "cc", "bcc", "sender", "reply-to"] "@" { fileinto "a"; }
if address :detail :index 1 :last "to" "x" { fileinto "b"; }
if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "2" { fileinto "c"; }
if date :is "date" "year" "1997" { fileinto "d"; }
if date :originalzone :index 1 "received" "iso8601" "x" { fileinto "e"; }
if body :contains "x" { fileinto "f"; }
if body :raw :contains "x" { fileinto "g"; }
if body :content "" :matches "*" { fileinto "h"; }
if exists "x-spam" { discard; }
`), rfc5228.Options{Extensions: sievetest.All})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Run(&rfc5228.MessageEnv{Raw: raw, From: "a@b.example", To: "c@d.example"})
		if err != nil || res == nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
		}
	}
}

// fuzzScript exercises every test that reads the message.
const fuzzScript = `require ["body", "date", "index", "relational", "variables", "envelope", "fileinto", "subaddress", "comparator-i;ascii-numeric"];
if header :matches ["subject", "from"] "*" { set "s" "${1}"; }
if address :all :contains ["from", "to", "cc"] "@" { fileinto "a"; }
if address :detail :index 1 :last "to" "x" { fileinto "b"; }
if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "2" { fileinto "c"; }
if date :is "date" "year" "1997" { fileinto "d"; }
if date :originalzone "received" "iso8601" "x" { fileinto "e"; }
if body :contains "x" { fileinto "f"; }
if body :content "" :matches "*" { fileinto "g"; }
if body :raw :contains "x" { fileinto "h"; }
`

// FuzzMessage runs a fixed script on fuzzed messages: header, address,
// date and body reading never panic and never fail the run.
func FuzzMessage(f *testing.F) {
	f.Add([]byte(fuzzMessage))
	f.Add([]byte("To: a@b, (c) <d@e>,, \"x\"@y\r\nDate: 32 Jan\r\n\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n"))
	s, err := rfc5228.Compile([]byte(fuzzScript), rfc5228.Options{Extensions: sievetest.All})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := s.Run(&rfc5228.MessageEnv{Raw: raw, From: "a@b.example", To: "c+d@e.example"})
		if err != nil || res == nil {
			t.Fatalf("Run: %v", err)
		}
	})
}

// TestConcurrentRuns runs one compiled script from many goroutines at
// once (go test -race proves that a Script is safe to share).
func TestConcurrentRuns(t *testing.T) {
	s, err := rfc5228.Compile([]byte(fuzzScript), rfc5228.Options{Extensions: sievetest.All})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []string)
	for i := 0; i < 8; i++ {
		go func() {
			res, err := s.Run(&rfc5228.MessageEnv{Raw: []byte(fuzzMessage), To: "c+x@e.example"})
			var got []string
			if err == nil {
				for _, a := range res.Actions {
					got = append(got, sievetest.Render(a))
				}
			}
			done <- got
		}()
	}
	want := []string{`fileinto "a"`, `fileinto "c"`, `fileinto "d"`, `fileinto "g"`, `fileinto "h"`}
	for i := 0; i < 8; i++ {
		if got := <-done; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("run %d: %q, want %q", i, got, want)
		}
	}
}
