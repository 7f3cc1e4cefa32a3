package loft_test

// This file enforces the layering of DESIGN.md ("Layering"), in the manner
// of Go's own go/build/deps_test.go: it lists every package of the module
// with `go list` and checks each non-test import against the rules below.
// Tests may import anything, so only a package's own imports are checked.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/loftmail/loft"

// A pattern names packages: "std" is the standard library, "p/..." is p and
// every package below it, and any other pattern is one import path.
// Patterns beginning with "./" are relative to the module.
type pattern string

func (p pattern) match(path string, std bool) bool {
	if p == "std" {
		return std
	}
	s := string(p)
	if rel, ok := strings.CutPrefix(s, "./"); ok {
		s = module + "/" + rel
	}
	if prefix, ok := strings.CutSuffix(s, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == s
}

func matchAny(ps []pattern, path string, std bool) bool {
	for _, p := range ps {
		if p.match(path, std) {
			return true
		}
	}
	return false
}

// A rule constrains the imports of the packages it covers: with allow set,
// a covered package may import only what allow matches; every covered
// package may import nothing that deny matches.
type rule struct {
	why    string    // what the rule says, for the failure message
	covers []pattern // the packages the rule constrains
	except []pattern // covered packages it leaves alone
	allow  []pattern
	deny   []pattern
}

var engines = []string{"imap", "pop3", "lmtp", "managesieve"}

func layeringRules() []rule {
	rules := []rule{
		{
			why:    "rfc/* are leaves: they import only the standard library, go-message, go-imap/v2's root package and rfc/* (DESIGN.md, Layering 1)",
			covers: []pattern{"./rfc/..."},
			allow:  []pattern{"std", "github.com/emersion/go-message/...", "github.com/emersion/go-imap/v2", "./rfc/..."},
		},
		{
			why:    "store imports nothing from server/ (DESIGN.md, Layering 2)",
			covers: []pattern{"./store/..."},
			deny:   []pattern{"./server/..."},
		},
		{
			why:    "server/directory imports only the standard library, go-ldap, x/crypto, toml, xdg-go/scram and rfc/* (DESIGN.md, Layering 3)",
			covers: []pattern{"./server/directory/..."},
			allow: []pattern{"std", "github.com/go-ldap/ldap/v3/...", "golang.org/x/crypto/...",
				"github.com/BurntSushi/toml/...", "github.com/xdg-go/scram/...", "./rfc/...", "./server/directory/..."},
		},
		{
			why:    "server/sieve sits below the protocol engines and the assembly (DESIGN.md, Layering 4)",
			covers: []pattern{"./server/sieve/..."},
			deny:   []pattern{"./server", "./server/imap/...", "./server/pop3/...", "./server/lmtp/...", "./server/managesieve/...", "./server/admin/..."},
		},
		{
			why:    "server/internal/* hold what the protocol engines share and import only the standard library (DESIGN.md, Layering 5)",
			covers: []pattern{"./server/internal/..."},
			allow:  []pattern{"std"},
		},
		{
			why:    "nothing imports cmd/ (DESIGN.md, Layering 6)",
			covers: []pattern{"./..."},
			except: []pattern{"./cmd/..."},
			deny:   []pattern{"./cmd/..."},
		},
		{
			why:    "only cmd/loft, conformance/ and tests import the server assembly (DESIGN.md, Layering 6)",
			covers: []pattern{"./..."},
			except: []pattern{"./cmd/loft/...", "./conformance/..."},
			deny:   []pattern{"./server"},
		},
		{
			why:    "only tests import conformance/ (DESIGN.md, Tests)",
			covers: []pattern{"./..."},
			except: []pattern{"./conformance/..."},
			deny:   []pattern{"./conformance/..."},
		},
	}
	for _, e := range engines {
		var others []pattern
		for _, o := range engines {
			if o != e {
				others = append(others, pattern("./server/"+o+"/..."))
			}
		}
		rules = append(rules, rule{
			why:    "the protocol engines server/{imap,pop3,lmtp,managesieve} never import each other (DESIGN.md, Layering 5)",
			covers: []pattern{pattern("./server/" + e + "/...")},
			deny:   others,
		})
	}
	return rules
}

// A violation is one import that breaks one rule.
type violation struct {
	pkg, imp string
	rule     rule
}

func (v violation) String() string {
	return fmt.Sprintf("%s imports %s: %s", v.pkg, v.imp, v.rule.why)
}

// checkImports returns the imports of pkg that break a rule. isStd says
// whether an import path is in the standard library.
func checkImports(rules []rule, pkg string, imports []string, isStd func(string) bool) []violation {
	var vs []violation
	for _, r := range rules {
		if !matchAny(r.covers, pkg, false) || matchAny(r.except, pkg, false) {
			continue
		}
		for _, imp := range imports {
			std := isStd(imp)
			if matchAny(r.deny, imp, std) || (r.allow != nil && !matchAny(r.allow, imp, std)) {
				vs = append(vs, violation{pkg: pkg, imp: imp, rule: r})
			}
		}
	}
	return vs
}

// listedPackage is the part of `go list -json` output the test reads.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	Module     *struct{ Path string }
}

func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Dir,Standard,GoFiles,CgoFiles,Imports,Module", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// importPosition returns "file:line" of the import of imp in p, or p's
// directory if no file shows it.
func importPosition(p listedPackage, imp string) string {
	fset := token.NewFileSet()
	for _, name := range slices.Concat(p.GoFiles, p.CgoFiles) {
		path := filepath.Join(p.Dir, name)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, spec := range f.Imports {
			if s, err := strconv.Unquote(spec.Path.Value); err == nil && s == imp {
				pos := fset.Position(spec.Pos())
				return fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
			}
		}
	}
	return p.Dir
}

func TestLayering(t *testing.T) {
	pkgs := goList(t)
	std := make(map[string]bool)
	for _, p := range pkgs {
		std[p.ImportPath] = p.Standard
	}
	isStd := func(path string) bool {
		if s, ok := std[path]; ok {
			return s
		}
		// A package go list could not find: the standard library's
		// paths have no dot in their first element.
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}

	rules := layeringRules()
	checked := 0
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != module {
			continue
		}
		checked++
		for _, v := range checkImports(rules, p.ImportPath, p.Imports, isStd) {
			t.Errorf("%s: %v", importPosition(p, v.imp), v)
		}
	}
	if checked == 0 {
		t.Fatalf("go list found no package of %s", module)
	}
	t.Logf("checked the imports of %d packages", checked)
}

// TestLayeringRules checks the rules themselves on imports the module does
// not (and must not) have, so that a rule that never fires is noticed.
func TestLayeringRules(t *testing.T) {
	const m = module + "/"
	isStd := func(path string) bool {
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}
	tests := []struct {
		pkg, imp string
		bad      bool
	}{
		{m + "rfc/rfc3501", "strings", false},
		{m + "rfc/rfc3501", "github.com/emersion/go-imap/v2", false},
		{m + "rfc/rfc3501", "github.com/emersion/go-message/textproto", false},
		{m + "rfc/rfc4551", m + "rfc/rfc3501", false},
		{m + "rfc/rfc3501", "github.com/emersion/go-imap/v2/imapclient", true},
		{m + "rfc/rfc3501", "github.com/emersion/go-imap/v2/imapserver", true},
		{m + "rfc/rfc3501", m + "store", true},
		{m + "rfc/rfc5228", "github.com/BurntSushi/toml", true},
		{m + "store", m + "rfc/rfc4314", false},
		{m + "store", "github.com/fsnotify/fsnotify", false},
		{m + "store", m + "server/directory", true},
		{m + "store", m + "server", true},
		{m + "server/directory", "github.com/go-ldap/ldap/v3", false},
		{m + "server/directory", "golang.org/x/crypto/bcrypt", false},
		{m + "server/directory", "github.com/BurntSushi/toml", false},
		{m + "server/directory/ldap", m + "server/directory", false},
		{m + "server/directory", m + "store", true},
		{m + "server/directory", "github.com/emersion/go-imap/v2", true},
		{m + "server/sieve", m + "store", false},
		{m + "server/sieve", m + "server/lmtp", true},
		{m + "server/pop3", m + "store", false},
		{m + "server/pop3", m + "server/directory", false},
		{m + "server/pop3", m + "server/lmtp", true},
		{m + "server/imap", m + "server/managesieve", true},
		{m + "server/managesieve", m + "server/imap/internal/wire", true},
		{m + "server/managesieve", m + "rfc/rfc5804", false},
		{m + "server/managesieve", m + "store", false},
		{m + "server/managesieve", m + "server/directory", false},
		{m + "server/managesieve", m + "server/pop3", true},
		{m + "server/managesieve", m + "server", true},
		{m + "rfc/rfc5804", "bufio", false},
		{m + "rfc/rfc5804", m + "store", true},
		{m + "rfc/rfc5804", m + "server/managesieve", true},
		{m + "server/sieve", m + "server/managesieve", true},
		{m + "server/lmtp", m + "server/pop3", true},
		{m + "server/imap", m + "server/internal/connlimit", false},
		{m + "server/pop3", m + "server/internal/connlimit", false},
		{m + "server/lmtp", m + "server/internal/connlimit", false},
		{m + "server/managesieve", m + "server/internal/connlimit", false},
		{m + "server/imap", m + "server/internal/listeners", false},
		{m + "server/pop3", m + "server/internal/listeners", false},
		{m + "server/imap", m + "server/internal/logintimer", false},
		{m + "server/pop3", m + "server/internal/logintimer", false},
		{m + "server/managesieve", m + "server/internal/logintimer", false},
		{m + "server/internal/connlimit", "net/netip", false},
		{m + "server/internal/listeners", "log/slog", false},
		{m + "server/internal/listeners", m + "server/pop3", true},
		{m + "server/internal/listeners", "github.com/emersion/go-imap/v2", true},
		{m + "server/internal/connlimit", m + "server/internal/listeners", true},
		{m + "server/internal/connlimit", m + "store", true},
		{m + "server/internal/connlimit", m + "server/directory", true},
		{m + "server/internal/connlimit", m + "server/imap", true},
		{m + "server/internal/connlimit", m + "rfc/rfc3501", true},
		{m + "server/internal/connlimit", "golang.org/x/sys/unix", true},
		{m + "server", m + "server/pop3", false},
		{m + "server", m + "cmd/loft", true},
		{m + "cmd/loft", m + "server", false},
		{m + "cmd/loft/internal/cli", m + "server", false},
		{m + "conformance", m + "server", false},
		{m + "server/admin", m + "server", true},
		{m + "store", m + "conformance/harness", true},
		{m + "cmd/loft", m + "conformance", true},
		{m + "conformance/harness", m + "cmd/loft", true},
	}
	rules := layeringRules()
	for _, tt := range tests {
		vs := checkImports(rules, tt.pkg, []string{tt.imp}, isStd)
		if tt.bad != (len(vs) > 0) {
			t.Errorf("%s importing %s: violations %v, want bad=%v", tt.pkg, tt.imp, vs, tt.bad)
			continue
		}
		for _, v := range vs {
			msg := v.String()
			if !strings.Contains(msg, tt.pkg+" imports "+tt.imp+": ") {
				t.Errorf("message %q does not name the package and the offending import", msg)
			}
		}
	}
}
