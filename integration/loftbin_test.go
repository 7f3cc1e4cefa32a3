package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loftProcess is the real loft binary serving in a temporary working
// directory: the embedded default configuration (self-signed certificate
// generated on first start in DIR/var/tls, the file directory, the store)
// with the listed protocols on free loopback ports and the others off.
type loftProcess struct {
	Loft   string            // the binary
	Dir    string            // the working directory; data in Dir/var
	Config string            // the configuration file
	Addr   map[string]string // protocol ("lmtp", "imap", "managesieve" …) -> "127.0.0.1:port"
	// CertFile is the generated certificate (PEM), for clients to trust.
	CertFile string
	logs     *syncBuffer
}

// loftProtocols are the configuration tables of every listener.
var loftProtocols = []string{"lmtp", "imap", "imaps", "pop3", "pop3s", "managesieve"}

// serveLoft builds loft, starts `loft serve` with protos listening, waits
// until each accepts connections, and stops it (SIGTERM, which must exit 0)
// when the test ends; the server's output is logged if the test failed.
func serveLoft(t *testing.T, protos ...string) *loftProcess {
	t.Helper()
	return startLoftConfig(t, "", protos...)
}

// startLoftConfig is startLoft with more configuration: extra is TOML
// appended to the configuration file (tables other than the listeners').
func startLoftConfig(t *testing.T, extra string, protos ...string) *loftProcess {
	t.Helper()
	dir := t.TempDir()
	p := &loftProcess{Loft: buildLoft(t), Dir: dir, Config: filepath.Join(dir, "loft.toml"),
		Addr: map[string]string{}, CertFile: filepath.Join(dir, "var", "tls", "cert.pem"), logs: &syncBuffer{}}
	ports := freePorts(t, len(protos))
	var conf strings.Builder
	conf.WriteString("hostname = \"loft.example.org\"\n\n[auth]\nfailure_delay = 0\n")
	for _, proto := range loftProtocols {
		listen := ""
		for i, want := range protos {
			if want == proto {
				p.Addr[proto] = "127.0.0.1:" + strconv.Itoa(ports[i])
				listen = strconv.Quote(p.Addr[proto])
			}
		}
		fmt.Fprintf(&conf, "\n[%s]\nlisten = [%s]\n", proto, listen)
	}
	conf.WriteString("\n" + extra)
	if len(p.Addr) != len(protos) {
		t.Fatalf("serveLoft: unknown protocol among %q", protos)
	}
	if err := os.WriteFile(p.Config, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	serve := exec.Command(p.Loft, "serve", "--config", p.Config)
	serve.Dir = dir
	serve.Stdout, serve.Stderr = p.logs, p.logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error // set before done is closed
	done := make(chan struct{})
	go func() {
		waitErr = serve.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		serve.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			if waitErr != nil {
				t.Errorf("loft serve after SIGTERM: %v, want exit status 0", waitErr)
			}
		case <-time.After(2 * time.Minute):
			serve.Process.Kill()
			<-done
			t.Errorf("loft serve did not exit within two minutes of SIGTERM")
		}
		if t.Failed() {
			t.Logf("loft serve output:\n%s", p.logs.String())
		}
	})
	for _, addr := range p.Addr {
		if err := waitListening(addr, done); err != nil {
			t.Fatalf("loft serve: %s: %v\n%s", addr, err, p.logs.String())
		}
	}
	return p
}

// adm runs `loft adm --config … args…` in the working directory with
// stdin, and fails the test unless it exits 0; it returns the output.
func (p *loftProcess) adm(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(p.Loft, append([]string{"adm", "--config", p.Config}, args...)...)
	cmd.Dir = p.Dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("loft adm %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// addUser creates an account with `loft adm user add`.
func (p *loftProcess) addUser(t *testing.T, login, password string, addresses ...string) {
	t.Helper()
	args := []string{"user", "add", login, "--password-stdin"}
	for _, a := range addresses {
		args = append(args, "--address", a)
	}
	p.adm(t, password+"\n", args...)
}
