package integration

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/server/sieve/sievetest"
	"github.com/loftmail/loft/store"
)

// deliveryScript files mail for alice+lists into Lists by its subaddress
// (RFC 5233), reports into Reports, and answers the rest with a vacation
// reply (RFC 5230).
const deliveryScript = `require ["fileinto", "vacation", "envelope", "subaddress", "mailbox"];
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
	sc := needProgram(t, "sieve-connect", "sieve-connect")
	relay := sievetest.Start(t)
	p := startLoftConfig(t, fmt.Sprintf("[sieve]\nrelay = %q\n", relay.Addr), "lmtp", "managesieve")
	p.addUser(t, "alice", "secret", "alice@example.org")

	local := filepath.Join(t.TempDir(), "main.sieve")
	if err := os.WriteFile(local, []byte(deliveryScript), 0o644); err != nil {
		t.Fatal(err)
	}
	p.sieveConnect(t, sc, "alice", "secret", "--upload", "--localsieve", local, "--remotesieve", "main")
	p.sieveConnect(t, sc, "alice", "secret", "--activate", "--remotesieve", "main")

	deliver := func(from, to, msg string) {
		t.Helper()
		d, err := harness.Deliver(p.Addr["lmtp"], from, []string{to}, harness.CRLF([]byte(msg)))
		if err != nil {
			t.Fatalf("LMTP: %v", err)
		}
		if r := d.DataReplies[to]; r.Code != 250 {
			t.Fatalf("LMTP delivery to %s: %v", to, r)
		}
	}
	// A vacation reply is sent before LMTP answers 250, so after each
	// delivery the relay holds every reply that delivery caused: the
	// counts below need no waiting.
	deliver("bob@example.com", "alice+lists@example.org",
		"From: bob@example.com\nTo: alice+lists@example.org\nSubject: digest\n\nlist mail\n")
	if n := len(relay.Messages()); n != 0 {
		t.Fatalf("the relay got %d messages for a message the script stopped on", n)
	}
	deliver("carol@example.com", "alice@example.org",
		"From: Carol <carol@example.com>\nTo: alice@example.org\nSubject: weekly report\nMessage-ID: <r1@example.com>\n\nfigures\n")
	deliver("carol@example.com", "alice@example.org",
		"From: Carol <carol@example.com>\nTo: alice@example.org\nSubject: lunch\nMessage-ID: <r2@example.com>\n\nwhen?\n")
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
	st, err := store.Open(filepath.Join(p.Dir, "var", "store"), store.Options{})
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
		if got := subjectsIn(t, acct, box); !slices.Equal(got, subjects) {
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
