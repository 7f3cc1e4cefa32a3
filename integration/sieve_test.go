package integration

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/server/sieve/sievetest"
	"github.com/loftmail/loft/store"
)

// sieveScript files mail for alice+lists into Lists by its subaddress
// (RFC 5233), reports into Reports, and answers the rest with a vacation
// reply (RFC 5230).
const sieveScript = `require ["fileinto", "vacation", "envelope", "subaddress", "mailbox"];
if envelope :detail "to" "lists" {
  fileinto :create "Lists";
  stop;
}
if header :contains "subject" "report" {
  fileinto :create "Reports";
}
vacation :days 7 :subject "Away" "I am away until Monday.";
`

// TestSieveDelivery is the story with real programs: the script
// is uploaded and activated with sieve-connect over ManageSieve (RFC 5804)
// to the real loft binary, messages are delivered over LMTP, they land
// where the script says, and two messages from one sender get exactly one
// vacation reply at the SMTP relay.
func TestSieveDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loft binary")
	}
	sieveConnect := needProgram(t, "sieve-connect", "sieve-connect")
	relay := sievetest.Start(t)
	dir := t.TempDir()
	loft := buildLoft(t, dir)
	ports := freePorts(t, 2)
	lmtpAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	sieveAddr := "127.0.0.1:" + strconv.Itoa(ports[1])
	config := filepath.Join(dir, "loft.toml")
	data := filepath.Join(dir, "var")
	err := os.WriteFile(config, fmt.Appendf(nil, `data_dir = %q
hostname = "loft.example.org"

[auth]
failure_delay = 0

[lmtp]
listen = [%q]

[managesieve]
listen = [%q]

[imap]
listen = []

[imaps]
listen = []

[pop3]
listen = []

[pop3s]
listen = []

[sieve]
relay = %q
`, data, lmtpAddr, sieveAddr, relay.Addr), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	startLoft(t, loft, dir, config, lmtpAddr, sieveAddr)
	addUser(t, loft, dir, config, "alice", "secret", "alice@example.org")

	// sieve-connect uploads and activates the script, the password on
	// file descriptor 3, over STARTTLS with the generated certificate.
	scriptFile := filepath.Join(dir, "main.sieve")
	if err := os.WriteFile(scriptFile, []byte(sieveScript), 0o644); err != nil {
		t.Fatal(err)
	}
	managesieve := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		defer cancel()
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, "secret\n")
		pw.Close()
		defer pr.Close()
		cmd := exec.CommandContext(ctx, sieveConnect, append([]string{
			"--server", "127.0.0.1", "--port", strconv.Itoa(ports[1]), "--user", "alice",
			"--passwordfd", "3", "--notlsverify", "--authmech", "PLAIN"}, args...)...)
		cmd.ExtraFiles = []*os.File{pr}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sieve-connect %v: %v\n%s", args, err, out)
		}
	}
	managesieve("--localsieve", scriptFile, "--remotesieve", "main", "--upload")
	managesieve("--remotesieve", "main", "--activate")

	deliver := func(from, to, msg string) {
		t.Helper()
		d, err := harness.Deliver(lmtpAddr, from, []string{to}, harness.CRLF([]byte(msg)))
		if err != nil {
			t.Fatalf("LMTP: %v", err)
		}
		if r := d.DataReplies[to]; r.Code != 250 {
			t.Fatalf("LMTP delivery to %s: %v", to, r)
		}
	}
	// A vacation reply is sent before LMTP answers 250, so after each
	// delivery the relay holds every reply that delivery caused.
	deliver("bob@example.com", "alice+lists@example.org",
		"From: bob@example.com\r\nTo: alice+lists@example.org\r\nSubject: digest\r\n\r\nlist mail\r\n")
	if n := len(relay.Messages()); n != 0 {
		t.Fatalf("the relay got %d messages for a message the script stopped on", n)
	}
	deliver("carol@example.com", "alice@example.org",
		"From: Carol <carol@example.com>\r\nTo: alice@example.org\r\nSubject: weekly report\r\nMessage-ID: <r1@example.com>\r\n\r\nfigures\r\n")
	deliver("carol@example.com", "alice@example.org",
		"From: Carol <carol@example.com>\r\nTo: alice@example.org\r\nSubject: lunch\r\nMessage-ID: <r2@example.com>\r\n\r\nwhen?\r\n")
	msgs := relay.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the relay got %d messages for two messages from one sender, want exactly 1 vacation reply", len(msgs))
	}
	reply := msgs[0]
	if reply.From != "" || !slices.Equal(reply.To, []string{"carol@example.com"}) {
		t.Errorf("vacation envelope: MAIL FROM:<%s> RCPT TO:%v", reply.From, reply.To)
	}
	text := string(reply.Data)
	for _, want := range []string{"Subject: Away\r\n", "Auto-Submitted: auto-replied\r\n", "In-Reply-To: <r1@example.com>\r\n", "I am away until Monday."} {
		if !strings.Contains(text, want) {
			t.Errorf("vacation reply lacks %q:\n%s", want, text)
		}
	}

	// The store, read by a second process as any other server would.
	st, err := store.Open(filepath.Join(data, "store"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acct, err := st.Account("alice")
	if err != nil {
		t.Fatal(err)
	}
	for box, subjects := range map[string][]string{
		"Lists":   {"digest"},
		"Reports": {"weekly report"},
		"INBOX":   {"lunch"},
	} {
		got := subjectsIn(t, acct, box)
		if !slices.Equal(got, subjects) {
			t.Errorf("%s holds %q, want %q", box, got, subjects)
		}
	}
}

// subjectsIn returns the Subject of each message of a mailbox, in UID
// order.
func subjectsIn(t *testing.T, acct *store.Account, name string) []string {
	t.Helper()
	mb, err := acct.Mailbox(name)
	if err != nil {
		t.Fatalf("mailbox %s: %v", name, err)
	}
	snap, err := mb.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range snap.Messages {
		r, err := mb.Open(m.UID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), "\r\nSubject: ")
		subject, _, _ := strings.Cut(rest, "\r\n")
		out = append(out, subject)
	}
	return out
}
