package lmtp

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// needProgram returns the path of a client program, or skips the test
// loudly when it is missing; under CI=true a missing program fails it.
func needProgram(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := "*** " + name + " is not installed (Debian package " + pkg + "; scripts/test-deps installs it): real-client test NOT RUN ***"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestPythonSmtplib delivers with Python's smtplib.LMTP over TCP and over
// the Unix socket, one recipient unknown.
func TestPythonSmtplib(t *testing.T) {
	py := needProgram(t, "python3", "python3")
	e := newEnv(t, withUnix())
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(py, "testdata/lmtp_client.py", host, port, e.sock)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("lmtp_client.py: %v\n%s", err, b)
	}
	var out struct {
		Refused map[string][2]any
		LHLO    map[string]string `json:"lhlo"`
		Mail    [2]any
		Rcpt    [][2]any
		Data    [][2]any
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	code := func(v [2]any) int { f, _ := v[0].(float64); return int(f) }
	text := func(v [2]any) string { s, _ := v[1].(string); return s }

	r, ok := out.Refused["nobody@example.org"]
	if len(out.Refused) != 1 || !ok || code(r) != 550 || !strings.HasPrefix(text(r), "5.1.1 ") {
		t.Errorf("sendmail refused %v, want nobody@example.org with 550 5.1.1", out.Refused)
	}
	for _, k := range []string{"pipelining", "enhancedstatuscodes", "8bitmime"} {
		if _, ok := out.LHLO[k]; !ok {
			t.Errorf("smtplib saw no %s in %v", k, out.LHLO)
		}
	}
	if len(out.Rcpt) != 3 || code(out.Rcpt[0]) != 250 || code(out.Rcpt[1]) != 550 || code(out.Rcpt[2]) != 250 {
		t.Errorf("RCPT replies %v", out.Rcpt)
	}
	if len(out.Data) != 2 {
		t.Fatalf("data replies %v", out.Data)
	}
	for i, who := range []string{"alice@example.org", "bob@example.org"} {
		if code(out.Data[i]) != 250 || !strings.HasPrefix(text(out.Data[i]), "2.0.0 <"+who+">") {
			t.Errorf("data reply %d = %v, want 250 2.0.0 for <%s>", i, out.Data[i], who)
		}
	}
	body := "From: Py <py@example.com>\r\nSubject: from python\r\n\r\nhello from smtplib\r\n"
	if msgs := e.messages("alice"); len(msgs) != 2 {
		t.Errorf("alice has %d messages, want 2", len(msgs))
	} else {
		if tr := splitTrace(t, msgs[0]); !strings.HasSuffix(tr.from, " ([127.0.0.1])") || tr.rest != body {
			t.Errorf("alice over TCP: %+v", tr)
		}
		if tr := splitTrace(t, msgs[1]); tr.rest != body || strings.Contains(tr.from, "[") {
			t.Errorf("alice over the socket: %+v", tr)
		}
	}
	if msgs := e.messages("bob"); len(msgs) != 1 || splitTrace(t, msgs[0]).rest != body {
		t.Errorf("bob: %q", msgs)
	}
}

// TestSwaks delivers with swaks in LMTP mode to two recipients, one
// unknown.
func TestSwaks(t *testing.T) {
	swaks := needProgram(t, "swaks", "swaks")
	e := newEnv(t)
	host, port, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(swaks, "--protocol", "LMTP", "--server", host, "--port", port,
		"--helo", "swaks.example", "--from", "sw@example.com",
		"--to", "carol@example.org,nobody@example.org",
		"--header", "Subject: from swaks", "--body", "hello from swaks")
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		// swaks exits non-zero when a recipient is refused; the transcript
		// decides.
		t.Logf("swaks: %v", err)
	}
	for _, want := range []string{
		" -> RCPT TO:<carol@example.org>\n<-  250 2.1.5 ",
		" -> RCPT TO:<nobody@example.org>\n<** 550 5.1.1 ",
		" -> .\n<-  250 2.0.0 <carol@example.org> ",
		" -> QUIT\n<-  221 2.0.0 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("swaks transcript lacks %q:\n%s", want, out)
		}
	}
	msgs := e.messages("carol")
	if len(msgs) != 1 {
		t.Fatalf("carol has %d messages:\n%s", len(msgs), out)
	}
	tr := splitTrace(t, msgs[0])
	if tr.from != "swaks.example ([127.0.0.1])" || tr.rcpt != "carol@example.org" || !strings.Contains(tr.rest, "\r\nSubject: from swaks\r\n") || !strings.Contains(tr.rest, "\r\n\r\nhello from swaks\r\n") {
		t.Errorf("trace %+v", tr)
	}
}
