package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
)

// lmtpScript delivers the message on standard input with Python's
// smtplib.LMTP, twice: with sendmail() to alice and an unknown address,
// and step by step to alice, the unknown address and a full mailbox,
// reading one DATA reply per accepted recipient (RFC 2033 §4.2) as an
// LMTP client must: data() reads the first, getreply() each further one.
// It prints what it saw as JSON.
const lmtpScript = `
import json, smtplib, sys

host, port = sys.argv[1], int(sys.argv[2])
msg = sys.stdin.buffer.read()
out = {}

with smtplib.LMTP(host, port, local_hostname="client.example.org") as c:
    refused = c.sendmail("bob@example.net", ["alice@example.org", "nobody@example.org"], msg)
    out["sendmail_refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}

with smtplib.LMTP(host, port, local_hostname="client.example.org") as c:
    code, _ = c.ehlo()
    out["lhlo"] = code
    out["lhlo_features"] = sorted(c.esmtp_features)
    code, _ = c.mail("bob@example.net")
    out["mail"] = code
    out["rcpt"] = [c.rcpt(r)[0] for r in ["alice@example.org", "nobody@example.org", "full@example.org"]]
    first = c.data(msg)
    second = c.getreply()
    out["data"] = [[first[0], first[1].decode()], [second[0], second[1].decode()]]

json.dump(out, sys.stdout)
`

// TestPythonLMTP delivers with Python's smtplib.LMTP and checks the status
// of each recipient, then the stored octets.
func TestPythonLMTP(t *testing.T) {
	python := needProgram(t, "python3", "python3")
	srv := startServer(t)
	if err := srv.AddUser(harness.User{Login: "full", Password: "secret", Addresses: []string{"full@example.org"}, QuotaStorage: 100}); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "lmtp.py")
	if err := os.WriteFile(script, []byte(lmtpScript), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Addr[harness.LMTP])
	out := run(t, harness.CRLF([]byte(testMessage)), nil, python, script, host, port)

	var got struct {
		SendmailRefused map[string][]any `json:"sendmail_refused"`
		LHLO            int              `json:"lhlo"`
		LHLOFeatures    []string         `json:"lhlo_features"`
		Mail            int              `json:"mail"`
		Rcpt            []int            `json:"rcpt"`
		Data            [][]any          `json:"data"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	if r, ok := got.SendmailRefused["nobody@example.org"]; !ok || len(got.SendmailRefused) != 1 || r[0] != float64(550) {
		t.Errorf("sendmail refused %v, want only nobody@example.org with 550", got.SendmailRefused)
	}
	if got.LHLO != 250 || got.Mail != 250 {
		t.Errorf("LHLO %d, MAIL %d, want 250 and 250", got.LHLO, got.Mail)
	}
	for _, f := range []string{"pipelining", "enhancedstatuscodes", "8bitmime"} {
		if !contains(got.LHLOFeatures, f) {
			t.Errorf("LHLO features %v lack %s", got.LHLOFeatures, f)
		}
	}
	if fmt.Sprint(got.Rcpt) != "[250 550 250]" {
		t.Errorf("RCPT codes %v, want [250 550 250]", got.Rcpt)
	}
	// One DATA reply per accepted recipient, in RCPT order: alice is
	// delivered to, full is over quota (452 4.2.2).
	if len(got.Data) != 2 || got.Data[0][0] != float64(250) || got.Data[1][0] != float64(452) {
		t.Fatalf("DATA replies %v, want 250 for alice then 452 for full", got.Data)
	}
	if s, _ := got.Data[1][1].(string); !regexp.MustCompile(`^4\.2\.2 `).MatchString(s) {
		t.Errorf("over-quota reply %q, want the enhanced code 4.2.2", s)
	}

	msgs := retrieve(t, srv.Addr[harness.POP3])
	if len(msgs) != 2 {
		t.Fatalf("alice has %d messages, want 2", len(msgs))
	}
	for i, m := range msgs {
		sameMessage(t, fmt.Sprintf("message %d", i+1), m, []byte(testMessage))
	}
	full, err := harness.Retrieve(srv.Addr[harness.POP3], "full", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(full) != 0 {
		t.Errorf("the full mailbox has %d messages, want 0", len(full))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestCurlPOP3 lists and retrieves with curl over POP3 and POP3S (RFC 8314
// implicit TLS, verifying the server's certificate).
func TestCurlPOP3(t *testing.T) {
	curl := needProgram(t, "curl", "curl")
	srv := startServer(t)
	deliver(t, srv, testMessage)
	stored := retrieve(t, srv.Addr[harness.POP3])[0]

	_, port, _ := net.SplitHostPort(srv.Addr[harness.POP3])
	base := "pop3://alice:secret@127.0.0.1:" + port + "/"

	// LIST: one scan listing, the exact size of the stored message.
	list := run(t, nil, nil, curl, "--silent", "--show-error", "--max-time", "60", base)
	if want := "1 " + strconv.Itoa(len(stored)) + "\r\n"; string(list) != want {
		t.Errorf("curl LIST: %q, want %q", list, want)
	}

	// RETR 1: the stored octets exactly, which are what was delivered.
	got := run(t, nil, nil, curl, "--silent", "--show-error", "--max-time", "60", base+"1")
	if !bytes.Equal(got, stored) {
		t.Errorf("curl RETR differs from the stored message\ngot:\n%q\nwant:\n%q", got, stored)
	}
	sameMessage(t, "curl RETR", got, []byte(testMessage))

	// The same over POP3S, the certificate checked against the harness's.
	_, sport, _ := net.SplitHostPort(srv.Addr[harness.POP3S])
	got = run(t, nil, nil, curl, "--silent", "--show-error", "--max-time", "60",
		"--cacert", srv.Config.TLS.CertFile, "--resolve", "localhost:"+sport+":127.0.0.1",
		"pop3s://alice:secret@localhost:"+sport+"/1")
	if !bytes.Equal(got, stored) {
		t.Errorf("curl RETR over POP3S differs from the stored message\ngot:\n%q\nwant:\n%q", got, stored)
	}
}

// deliver delivers msg to alice over LMTP with the harness's client.
func deliver(t *testing.T, srv *harness.Server, msg string) {
	t.Helper()
	d, err := harness.Deliver(srv.Addr[harness.LMTP], "bob@example.net", []string{"alice@example.org"}, []byte(msg))
	if err != nil {
		t.Fatalf("LMTP delivery: %v", err)
	}
	if r := d.DataReplies["alice@example.org"]; r.Code != 250 {
		t.Fatalf("LMTP delivery: %s", r)
	}
}

// TestFetchmail retrieves with fetchmail into an MDA that writes one file
// per message, over STLS with the server's certificate checked, and
// compares each file with the stored message.
func TestFetchmail(t *testing.T) {
	fetchmail := needProgram(t, "fetchmail", "fetchmail")
	srv := startServer(t)
	deliver(t, srv, testMessage)
	deliver(t, srv, "Subject: second\n\nThe second message.\n")
	stored := retrieve(t, srv.Addr[harness.POP3])

	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	mda := filepath.Join(dir, "mda")
	if err := os.WriteFile(mda, []byte("#!/bin/sh\nexec cat > \"$(mktemp \""+out+"/msg.XXXXXX\")\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Addr[harness.POP3])
	rc := filepath.Join(dir, "fetchmailrc")
	rcText := fmt.Sprintf(`set no syslog
set invisible
poll localhost via 127.0.0.1 protocol POP3 port %s
    user "alice" password "secret"
    sslproto tls1.2+ sslcertck sslcertfile "%s" sslcommonname localhost
    keep norewrite
    mda "%s"
`, port, srv.Config.TLS.CertFile, mda)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, nil, []string{"HOME=" + dir, "FETCHMAILHOME=" + dir}, fetchmail,
		"--fetchmailrc", rc, "--nosyslog", "--nodetach", "--verbose")

	files, err := filepath.Glob(filepath.Join(out, "msg.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(stored) {
		t.Fatalf("fetchmail delivered %d messages to the MDA, want %d", len(files), len(stored))
	}
	// The MDA gets LF line ends; each file is one stored message.
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = harness.CRLF(b)
		found := false
		for _, m := range stored {
			found = found || bytes.Equal(b, m)
		}
		if !found {
			t.Errorf("%s matches no stored message:\n%q\nstored:\n%q", filepath.Base(f), b, stored)
		}
	}

	// keep: the maildrop is unchanged.
	if n := len(retrieve(t, srv.Addr[harness.POP3])); n != len(stored) {
		t.Errorf("after fetchmail --keep alice has %d messages, want %d", n, len(stored))
	}
}

// TestSwaks delivers with swaks over LMTP and retrieves over POP3.
func TestSwaks(t *testing.T) {
	swaks := needProgram(t, "swaks", "swaks")
	srv := startServer(t)
	_, port, _ := net.SplitHostPort(srv.Addr[harness.LMTP])
	// swaks ends the data with CRLF "." CRLF itself, so the message goes
	// without its last line end, or it would gain an empty line.
	out := run(t, []byte(strings.TrimSuffix(testMessage, "\n")), nil, swaks,
		"--protocol", "LMTP", "--server", "127.0.0.1", "--port", port,
		"--helo", "client.example.org", "--from", "bob@example.net", "--to", "alice@example.org",
		"--data", "-", "--timeout", "60")
	if !regexp.MustCompile(`(?m)^<-\s+250 2\.[0-9]+\.[0-9]+ <alice@example\.org> `).Match(out) {
		t.Errorf("swaks saw no 250 for the message:\n%s", out)
	}
	msgs := retrieve(t, srv.Addr[harness.POP3])
	if len(msgs) != 1 {
		t.Fatalf("alice has %d messages, want 1", len(msgs))
	}
	sameMessage(t, "swaks", msgs[0], []byte(testMessage))
	if !bytes.Contains(msgs[0], []byte("by "+harness.Hostname+" with LMTP")) {
		t.Errorf("no Received field with LMTP (RFC 3848) in\n%q", msgs[0])
	}
}
