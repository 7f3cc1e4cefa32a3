// Package conformance runs the transcripts under testdata/rfcNNNN/ against
// the assembled Loft server. Each transcript is a testscript file
// (github.com/rogpeppe/go-internal/testscript) that starts a server with
// `serve`, speaks to it with the commands in driver_test.go and asserts on
// the exact lines the server sends.
package conformance

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/loftmail/loft/server/directory/ldaptest"
)

const testdata = "testdata"

// slapd is the one LDAP server of the run: the LDAP half of the corpus
// starts it, each transcript has a subtree of its own in it, and TestMain
// stops it.
var slapd ldaptest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := slapd.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if line := coverage(); line != "" {
		fmt.Println(line)
	}
	os.Exit(code)
}

// The directory backends the corpus runs against, in the subtest names.
const (
	backendFile = "file"
	backendLDAP = "ldap"
)

// TestConformance runs every transcript twice, once with the file
// directory and once with an LDAP directory on a real slapd: subtests
// file/rfcNNNN and ldap/rfcNNNN. A transcript that only makes sense for
// one of them says so with the condition [file] or [ldap].
func TestConformance(t *testing.T) {
	dirs, err := rfcDirs()
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no transcripts under testdata/rfc*/")
	}
	for _, backend := range []string{backendFile, backendLDAP} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var ldapServer *ldaptest.Server
			if backend == backendLDAP {
				ldapServer = slapd.Get(t)
			}
			for _, d := range dirs {
				t.Run(d.name, func(t *testing.T) {
					t.Parallel()
					testscript.Run(t, testscript.Params{
						Files:              d.files,
						Setup:              setupFor(backend, ldapServer),
						Condition:          condition(backend),
						Cmds:               commands,
						RequireUniqueNames: true,
					})
				})
			}
		})
	}
}

// condition answers [file] and [ldap]: which directory backend the
// transcript runs against.
func condition(backend string) func(string) (bool, error) {
	return func(cond string) (bool, error) {
		switch cond {
		case backendFile, backendLDAP:
			return cond == backend, nil
		}
		return false, fmt.Errorf("unknown condition %q", cond)
	}
}

type rfcDir struct {
	name  string // "rfc1939"
	files []string
}

// rfcDirs lists testdata/rfc*/ and the transcripts (*.txtar, at any depth)
// in each, sorted by RFC number.
func rfcDirs() ([]rfcDir, error) {
	entries, err := os.ReadDir(testdata)
	if err != nil {
		return nil, err
	}
	var dirs []rfcDir
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "rfc") {
			continue
		}
		d := rfcDir{name: e.Name()}
		err := filepath.WalkDir(filepath.Join(testdata, e.Name()), func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !de.IsDir() && strings.HasSuffix(path, ".txtar") {
				d.files = append(d.files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(d.files) > 0 {
			sort.Strings(d.files)
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return rfcNumber(dirs[i].name) < rfcNumber(dirs[j].name) })
	return dirs, nil
}

func rfcNumber(dir string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(dir, "rfc"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// coverage says which RFCs the transcripts cover, e.g.
// "conformance: covered RFC 1734 (2 transcripts), RFC 1939 (9 transcripts)".
func coverage() string {
	dirs, err := rfcDirs()
	if err != nil || len(dirs) == 0 {
		return ""
	}
	var parts []string
	total := 0
	for _, d := range dirs {
		label := strings.ToUpper(d.name[:3]) + " " + d.name[3:]
		noun := "transcripts"
		if len(d.files) == 1 {
			noun = "transcript"
		}
		parts = append(parts, fmt.Sprintf("%s (%d %s)", label, len(d.files), noun))
		total += len(d.files)
	}
	return fmt.Sprintf("conformance: covered %s; %d transcripts in all", strings.Join(parts, ", "), total)
}
