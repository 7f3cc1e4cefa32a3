// Package sievetest runs corpora of Sieve test cases: a script, a
// message, an envelope, and the exact actions a run must produce, or the
// exact positions of the errors Compile must report. The rfc/rfc5228
// packages' tests use it on their testdata directories.
//
// A case is one file, *.txt, in a txtar-like format: a head of
// "key: value" lines and "#" comments, then sections each opened by a line
// "-- name --":
//
//	# RFC 5228 §4.2, the redirect example.
//	extensions: fileinto
//	from: coyote@desert.example.org
//	to: roadrunner@acme.example.com
//	now: 2008-06-13T10:00:00-05:00
//	mailboxes: INBOX Trash
//	env: name=Loft phase=during
//	envelope: orcpt=rfc822;coyote@example.org
//	separator: +
//	-- script --
//	redirect "bart@example.com";
//	-- message --
//	From: coyote@desert.example.org
//	...
//	-- actions --
//	redirect "bart@example.com"
//
// "message: FILE" takes the message from the file messages/FILE beside
// the case instead of a section.
//
// extensions lists the capabilities the compiler may use (all that
// rfc5228 supports when absent, "none" for none). The message's lines get
// CRLF ends; a case without one uses the empty message. "actions" lists
// one action a line as Render writes it, the implicit keep as
// "implicit keep" and "implicit keep :flags ..."; "error" holds the
// position "line L, column C" of a run-time error, after which actions
// must be only the implicit keep. "errors" instead lists the positions of
// the compile-time errors, "L:C" a line, each optionally followed by text
// that the error's message must contain. Sections "personal/NAME" and
// "global/NAME" are scripts for include.
package sievetest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc3894"
	"github.com/loftmail/loft/rfc/rfc5173"
	"github.com/loftmail/loft/rfc/rfc5183"
	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/rfc/rfc5229"
	"github.com/loftmail/loft/rfc/rfc5230"
	"github.com/loftmail/loft/rfc/rfc5231"
	"github.com/loftmail/loft/rfc/rfc5232"
	"github.com/loftmail/loft/rfc/rfc5233"
	"github.com/loftmail/loft/rfc/rfc5260"
	"github.com/loftmail/loft/rfc/rfc5429"
	"github.com/loftmail/loft/rfc/rfc5490"
	"github.com/loftmail/loft/rfc/rfc6609"
)

// All is every capability rfc5228 supports.
var All = []rfc5228.Extension{
	rfc5228.FileIntoExtension, rfc5228.EnvelopeExtension, rfc5228.EncodedCharacterExtension,
	rfc5228.NumericComparatorExtension,
	rfc3894.Extension, rfc5173.Extension, rfc5183.Extension, rfc5229.Extension,
	rfc5230.Extension, rfc5230.Seconds, rfc5231.Extension, rfc5232.Extension,
	rfc5233.Extension, rfc5260.Date, rfc5260.Index, rfc5429.Reject, rfc5429.Ereject,
	rfc5490.Extension, rfc6609.Extension,
}

// Case is one parsed case file.
type Case struct {
	Name     string
	Dir      string // where the case file is, for "message: FILE"
	Head     map[string]string
	Sections map[string]string
}

// Parse reads a case file's text.
func Parse(name, text string) (*Case, error) {
	c := &Case{Name: name, Head: map[string]string{}, Sections: map[string]string{}}
	section := ""
	var body strings.Builder
	flush := func() {
		if section != "" {
			c.Sections[section] = body.String()
		}
		body.Reset()
	}
	for i, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			flush()
			section = strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			if _, dup := c.Sections[section]; dup {
				return nil, fmt.Errorf("%s:%d: section %q twice", name, i+1, section)
			}
			continue
		}
		if section != "" {
			body.WriteString(line)
			continue
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		k, v, ok := strings.Cut(trimmed, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is neither \"key: value\" nor a section", name, i+1, trimmed)
		}
		c.Head[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	flush()
	if _, ok := c.Sections["script"]; !ok {
		return nil, fmt.Errorf("%s: no script section", name)
	}
	return c, nil
}

// Options returns the compile options the case's head asks for.
func (c *Case) Options() rfc5228.Options {
	opts := rfc5228.Options{Extensions: All, SubaddressSeparator: c.Head["separator"]}
	if e, ok := c.Head["extensions"]; ok {
		opts.Extensions = nil
		for _, name := range strings.Fields(e) {
			if name != "none" {
				opts.Extensions = append(opts.Extensions, rfc5228.Capability(name))
			}
		}
	}
	for key, p := range map[string]*int{"max-redirects": &opts.MaxRedirects, "max-actions": &opts.MaxActions, "max-nesting": &opts.MaxNesting, "max-size": &opts.MaxScriptSize, "max-include-depth": &opts.MaxIncludeDepth, "max-includes": &opts.MaxIncludes} {
		if v, ok := c.Head[key]; ok {
			*p, _ = strconv.Atoi(v)
		}
	}
	return opts
}

// Env returns the environment the case describes.
func (c *Case) Env(t testing.TB) *rfc5228.MessageEnv {
	msg := c.Sections["message"]
	if file, ok := c.Head["message"]; ok {
		b, err := os.ReadFile(filepath.Join(c.Dir, "messages", file))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		msg = string(b)
	}
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	env := &rfc5228.MessageEnv{Raw: []byte(msg), From: c.Head["from"], To: c.Head["to"]}
	env.Time = time.Date(2008, 6, 13, 10, 0, 0, 0, time.UTC)
	if now, ok := c.Head["now"]; ok {
		tm, err := time.Parse(time.RFC3339, now)
		if err != nil {
			t.Fatalf("%s: now: %v", c.Name, err)
		}
		env.Time = tm
	}
	env.Mailboxes = strings.Fields(c.Head["mailboxes"])
	env.Items = pairs(c.Head["env"])
	env.EnvelopeParts = pairs(c.Head["envelope"])
	opts := c.Options()
	env.Scripts = func(loc rfc5228.Location, name string) (*rfc5228.Script, error) {
		src, ok := c.Sections[string(loc)+"/"+name]
		if !ok {
			return nil, fmt.Errorf("%s script %q: %w", loc, name, rfc5228.ErrNotFound)
		}
		return rfc5228.Compile([]byte(src), opts)
	}
	return env
}

func pairs(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		m[k] = strings.ReplaceAll(v, "+", " ")
	}
	return m
}

// Render writes an action as the corpus lists it: the command that would
// take it, its tagged arguments in a fixed order, then its positional
// argument. A synthesised vacation handle is written "#" and its first 8
// hex digits.
func Render(a rfc5228.Action) string {
	var b strings.Builder
	flags := func(fl []string) {
		if fl != nil {
			b.WriteString(" :flags " + list(fl))
		}
	}
	switch a := a.(type) {
	case rfc5228.Keep:
		if a.Implicit {
			b.WriteString("implicit ")
		}
		b.WriteString("keep")
		flags(a.Flags)
	case rfc5228.FileInto:
		b.WriteString("fileinto")
		if a.Copy {
			b.WriteString(" :copy")
		}
		if a.Create {
			b.WriteString(" :create")
		}
		flags(a.Flags)
		b.WriteString(" " + strconv.Quote(a.Mailbox))
	case rfc5228.Redirect:
		b.WriteString("redirect")
		if a.Copy {
			b.WriteString(" :copy")
		}
		b.WriteString(" " + strconv.Quote(a.Address))
	case rfc5228.Discard:
		b.WriteString("discard")
	case rfc5228.Reject:
		b.WriteString(a.Kind() + " " + strconv.Quote(a.Reason))
	case rfc5228.Vacation:
		b.WriteString("vacation")
		fmt.Fprintf(&b, " :seconds %d", int64(a.Period/time.Second))
		if a.Subject != "" {
			b.WriteString(" :subject " + strconv.Quote(a.Subject))
		}
		if a.From != "" {
			b.WriteString(" :from " + strconv.Quote(a.From))
		}
		if a.Addresses != nil {
			b.WriteString(" :addresses " + list(a.Addresses))
		}
		if a.Mime {
			b.WriteString(" :mime")
		}
		if len(a.Handle) == 64 && strings.Trim(a.Handle, "0123456789abcdef") == "" {
			b.WriteString(" :handle #" + a.Handle[:8])
		} else {
			b.WriteString(" :handle " + strconv.Quote(a.Handle))
		}
		b.WriteString(" " + strconv.Quote(a.Reason))
	default:
		fmt.Fprintf(&b, "%T", a)
	}
	return b.String()
}

func list(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(strings.TrimSuffix(l, "\r")); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// Check runs one case and reports every difference.
func (c *Case) Check(t testing.TB) {
	t.Helper()
	script, err := rfc5228.Compile([]byte(c.Sections["script"]), c.Options())
	if want, ok := c.Sections["errors"]; ok {
		c.checkErrors(t, err, lines(want))
		return
	}
	if err != nil {
		t.Fatalf("%s: Compile: %v", c.Name, err)
	}
	res, err := script.Run(c.Env(t))
	var got []string
	for _, a := range res.Actions {
		got = append(got, Render(a))
	}
	if wantErr, ok := c.Sections["error"]; ok {
		var e *rfc5228.Error
		if err == nil || !asError(err, &e) {
			t.Fatalf("%s: Run returned %v, want an error at %s", c.Name, err, strings.TrimSpace(wantErr))
		}
		if at := fmt.Sprintf("line %d, column %d", e.Line, e.Column); at != strings.TrimSpace(wantErr) {
			t.Errorf("%s: run-time error at %s (%v), want at %s", c.Name, at, err, strings.TrimSpace(wantErr))
		}
	} else if err != nil {
		t.Fatalf("%s: Run: %v", c.Name, err)
	}
	want := lines(c.Sections["actions"])
	if !slices.Equal(got, want) {
		t.Errorf("%s: actions\n got: %s\nwant: %s", c.Name, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	if res.ImplicitKeep != (len(got) > 0 && strings.HasPrefix(got[len(got)-1], "implicit keep")) {
		t.Errorf("%s: ImplicitKeep is %v, actions %q", c.Name, res.ImplicitKeep, got)
	}
}

func asError(err error, e **rfc5228.Error) bool {
	x, ok := err.(*rfc5228.Error)
	*e = x
	return ok
}

func (c *Case) checkErrors(t testing.TB, err error, want []string) {
	t.Helper()
	errs, ok := err.(rfc5228.Errors)
	if !ok {
		t.Fatalf("%s: Compile returned %v, want errors %q", c.Name, err, want)
	}
	if len(errs) != len(want) {
		t.Errorf("%s: %d errors, want %d:\n%v", c.Name, len(errs), len(want), err)
		return
	}
	for i, w := range want {
		at, text, _ := strings.Cut(w, " ")
		e := errs[i]
		if got := fmt.Sprintf("%d:%d", e.Line, e.Column); got != at {
			t.Errorf("%s: error %d at %s (%s), want at %s", c.Name, i+1, got, e.Msg, at)
		}
		if !strings.Contains(e.Msg, strings.TrimSpace(text)) {
			t.Errorf("%s: error %d is %q, want it to contain %q", c.Name, i+1, e.Msg, text)
		}
	}
}

// Run checks every *.txt case in dir, each as a subtest.
func Run(t *testing.T, dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in %s: %v", dir, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(file), string(text))
			if err != nil {
				t.Fatal(err)
			}
			c.Dir = dir
			c.Check(t)
		})
	}
}
