package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestSieveCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "var")
	ok(t, "pw\n", adm(data, "user", "add", "alice")...)
	if out := ok(t, "", adm(data, "sieve", "list", "alice")...); out != "" {
		t.Errorf("a new account lists %q", out)
	}
	vacation := "require \"vacation\";\r\nvacation :days 7 \"away\";\r\n"
	file := filepath.Join(t.TempDir(), "vacation.sieve")
	if err := os.WriteFile(file, []byte(vacation), 0o600); err != nil {
		t.Fatal(err)
	}
	ok(t, "", adm(data, "sieve", "put", "alice", "vacation", file)...)
	ok(t, "keep;\n", adm(data, "sieve", "put", "alice", "plain", "--activate")...)
	// A script that does not compile is not stored; the errors say where.
	fails(t, 1, `(?s)line 1, column \d+: .*not stored`, "fileinto \"x\";\n", adm(data, "sieve", "put", "alice", "bad")...)
	fails(t, 1, `script name`, "keep;", adm(data, "sieve", "put", "alice", "tab\there")...)
	fails(t, 1, `no account "nobody"`, "keep;", adm(data, "sieve", "put", "nobody", "x")...)
	if out, want := ok(t, "", adm(data, "sieve", "list", "alice")...), "plain\t6\tactive\nvacation\t"+itoa(len(vacation))+"\tinactive\n"; out != want {
		t.Errorf("list = %q, want %q", out, want)
	}
	if out := ok(t, "", adm(data, "sieve", "get", "alice", "vacation")...); out != vacation {
		t.Errorf("get = %q, want the octets put", out)
	}
	fails(t, 1, `no script "bad"`, "", adm(data, "sieve", "get", "alice", "bad")...)
	fails(t, 1, `"plain" is active`, "", adm(data, "sieve", "delete", "alice", "plain")...)
	ok(t, "", adm(data, "sieve", "activate", "alice", "vacation")...)
	ok(t, "", adm(data, "sieve", "delete", "alice", "plain")...)
	fails(t, 1, `no script "plain"`, "", adm(data, "sieve", "activate", "alice", "plain")...)
	ok(t, "", adm(data, "sieve", "deactivate", "alice")...)
	if out, want := ok(t, "", adm(data, "sieve", "list", "alice")...), "vacation\t"+itoa(len(vacation))+"\tinactive\n"; out != want {
		t.Errorf("list = %q, want %q", out, want)
	}
	ok(t, "", adm(data, "check", "alice")...)
}

func itoa(n int) string { return strconv.Itoa(n) }
