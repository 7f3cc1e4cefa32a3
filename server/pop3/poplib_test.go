package pop3

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// poplibResult is what testdata/poplib_client.py prints.
type poplibResult struct {
	Greeting string
	TLS      bool
	Capa     []string
	Stat     []int
	UIDL     []string
	Retr     []struct {
		Body   string
		Octets int
	}
	Top  string
	Dele string
	Quit string
}

// TestPoplib runs Python's poplib against the server, in the clear and with
// STLS: CAPA, USER/PASS, STAT, UIDL, RETR of every message, TOP, DELE and QUIT.
func TestPoplib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI for the poplib interoperability test")
		}
		t.Skip("SKIPPING the poplib interoperability test: python3 not found in PATH")
	}
	msgs := []string{msgPlain, msgDots, msgLong}
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			var env *testEnv
			args := []string{filepath.Join("testdata", "poplib_client.py")}
			if useTLS {
				env = newEnv(t, withTLS)
				caFile := filepath.Join(t.TempDir(), "ca.pem")
				pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: env.cert.Raw})
				if err := os.WriteFile(caFile, pemData, 0o600); err != nil {
					t.Fatal(err)
				}
				host, port, _ := net.SplitHostPort(env.addr)
				args = append(args, host, port, "alice", alicePassword, caFile)
			} else {
				env = newEnv(t, insecureAuth)
				host, port, _ := net.SplitHostPort(env.addr)
				args = append(args, host, port, "alice", alicePassword)
			}
			uids := env.deliver("alice", msgs...)
			validity := env.snapshotValidity("alice")

			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("poplib client: %v\n%s", err, stderr.String())
			}
			var res poplibResult
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("poplib output %q: %v", out, err)
			}

			if res.Greeting != "+OK pop.example.org POP3 server ready" || res.TLS != useTLS {
				t.Errorf("greeting %q, tls %v", res.Greeting, res.TLS)
			}
			wantCapa := []string{"AUTH-RESP-CODE", "IMPLEMENTATION", "PIPELINING", "RESP-CODES", "SASL", "TOP", "UIDL", "USER"}
			if diff := cmp.Diff(wantCapa, res.Capa); diff != "" {
				t.Errorf("capabilities (-want +got):\n%s", diff)
			}
			total := 0
			var wantUIDL []string
			for i, m := range msgs {
				total += len(m)
				wantUIDL = append(wantUIDL, fmt.Sprintf("%d %d.%d", i+1, validity, uids[i]))
			}
			if diff := cmp.Diff([]int{len(msgs), total}, res.Stat); diff != "" {
				t.Errorf("STAT (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantUIDL, res.UIDL); diff != "" {
				t.Errorf("UIDL (-want +got):\n%s", diff)
			}
			if len(res.Retr) != len(msgs) {
				t.Fatalf("RETR returned %d messages", len(res.Retr))
			}
			for i, m := range msgs {
				body, err := base64.StdEncoding.DecodeString(res.Retr[i].Body)
				if err != nil {
					t.Fatal(err)
				}
				if string(body) != m || res.Retr[i].Octets != len(m) {
					t.Errorf("RETR %d: %q (%d octets), want %q (%d)", i+1, body, res.Retr[i].Octets, m, len(m))
				}
			}
			top, _ := base64.StdEncoding.DecodeString(res.Top)
			if want := "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: hello\r\n\r\n"; string(top) != want {
				t.Errorf("TOP 1 0 = %q, want %q", top, want)
			}
			if res.Dele != "+OK message 1 deleted" || res.Quit != "+OK pop.example.org POP3 server signing off (2 messages left)" {
				t.Errorf("DELE %q, QUIT %q", res.Dele, res.Quit)
			}
			if diff := cmp.Diff(uids[1:], env.uids("alice")); diff != "" {
				t.Errorf("store after poplib's QUIT (-want +got):\n%s", diff)
			}
		})
	}
}
