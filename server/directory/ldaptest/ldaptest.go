// Package ldaptest runs the throwaway OpenLDAP slapd of
// scripts/ldap-test-server for Loft's tests, and gives each test a subtree
// of its own in it, so that one slapd serves many tests at once.
//
// slapd and ldapsearch come from the Debian packages slapd and ldap-utils.
// When they are missing, Start skips the test with a message saying so, or
// fails it when the environment has CI=true.
package ldaptest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/loftmail/loft/server/directory"
)

// The test instance's suffix and service account (testdata/ldap/base.ldif).
const (
	Suffix          = "dc=loft,dc=test"
	ServiceDN       = "cn=loft,ou=services,dc=loft,dc=test"
	ServicePassword = "loft-service-secret"
)

// Slapd is the program the script runs.
const Slapd = "/usr/sbin/slapd"

// Server is one running test slapd.
type Server struct {
	// URL is "ldap://127.0.0.1:PORT".
	URL string
	// TLSURL is "ldaps://127.0.0.1:PORT" for a server started with
	// StartTLSIn, "" otherwise.
	TLSURL string
	tls    []string // LDAP_TLS_CERT=…, LDAP_TLS_KEY=… for the script
	dir    string
	script string
	cmd    *exec.Cmd     // nil when stopped
	done   chan struct{} // closed when cmd has exited
}

// Missing says which of the programs the test instance needs are not
// installed, or "" when all are.
func Missing() string {
	var missing []string
	if _, err := os.Stat(Slapd); err != nil {
		missing = append(missing, Slapd+" (Debian package slapd)")
	}
	if _, err := exec.LookPath("ldapsearch"); err != nil {
		missing = append(missing, "ldapsearch (Debian package ldap-utils)")
	}
	return strings.Join(missing, ", ")
}

// script finds scripts/ldap-test-server above the working directory.
func script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "ldap-test-server")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ldaptest: scripts/ldap-test-server not found above the working directory")
		}
		dir = parent
	}
}

// StartIn starts a test slapd whose files live in dir (which must not hold
// one yet). The caller must call Stop.
func StartIn(dir string) (*Server, error) {
	sc, err := script()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, script: sc}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// StartTLSIn is StartIn for a slapd that also offers StartTLS, and
// ldaps:// at TLSURL, with the certificate and key in the PEM files
// certFile and keyFile.
func StartTLSIn(dir, certFile, keyFile string) (*Server, error) {
	sc, err := script()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, script: sc, tls: []string{"LDAP_TLS_CERT=" + certFile, "LDAP_TLS_KEY=" + keyFile}}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts a test slapd for t in a temporary directory and stops it
// when t ends. Without slapd it skips t, or fails it under CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	SkipIfMissing(t)
	s, err := StartIn(filepath.Join(t.TempDir(), "slapd"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("ldaptest: %v", err)
		}
	})
	return s
}

// Start starts the server again after Stop, with its data and its port.
// It returns once slapd accepts connections. slapd runs in the foreground
// as a child of the test process (scripts/ldap-test-server run), and on
// Linux is killed if the test process dies before it could call Stop.
func (s *Server) Start() error {
	if s.cmd != nil {
		return errors.New("ldaptest: slapd is running already")
	}
	cmd := exec.Command(s.script, "run", s.dir)
	cmd.Env = append(os.Environ(), s.tls...)
	setParentDeathSignal(cmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ldaptest: %s run: %w", s.script, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	fail := func(format string, args ...any) error {
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("ldaptest: "+format+"; stderr: %s", append(args, stderr.String())...)
	}
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		return fail("%s run printed no URL: %v", s.script, err)
	}
	url := strings.TrimSpace(line)
	tlsURL := ""
	if s.tls != nil {
		line, err := out.ReadString('\n')
		if err != nil {
			return fail("%s run printed no ldaps URL: %v", s.script, err)
		}
		tlsURL = strings.TrimSpace(line)
	}
	// Wait until slapd accepts connections: a condition, with a deadline
	// that no loaded machine reaches.
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := ldap.DialURL(url)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			return fail("slapd exited before answering (%s)", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fail("slapd on %s did not answer within %s: %v", url, startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.URL, s.TLSURL, s.cmd, s.done = url, tlsURL, cmd, done
	return nil
}

// startTimeout bounds how long slapd may take to start or stop.
const startTimeout = 60 * time.Second

// Stop stops slapd (SIGTERM; SIGKILL if it has not exited after
// startTimeout) and waits until it has exited.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Process.Signal(syscall.SIGCONT) // a paused slapd acts on SIGTERM
	select {
	case <-done:
		return nil
	case <-time.After(startTimeout):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("ldaptest: slapd did not exit within %s of SIGTERM; killed", startTimeout)
	}
}

// Pause stops slapd with SIGSTOP without ending it: the kernel still
// accepts connections to its port, and nothing answers them, as with a
// server that is overloaded or hung. Resume continues it.
func (s *Server) Pause() error {
	if s.cmd == nil {
		return fmt.Errorf("ldaptest: Pause: slapd is not running")
	}
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	// kill(2) returns before every thread of slapd has stopped: until
	// then it may still answer. Where /proc says, wait until they have.
	deadline := time.Now().Add(startTimeout)
	for !stopped(s.cmd.Process.Pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("ldaptest: slapd not stopped %s after SIGSTOP", startTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// stopped reports whether every thread of process pid is stopped, or
// true if /proc does not say.
func stopped(pid int) bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return true
	}
	for _, stat := range tasks {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // the thread has ended
		}
		// pid (comm) state …: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || !bytes.HasPrefix(b[i+1:], []byte(" T")) {
			return false
		}
	}
	return true
}

// Resume continues slapd after Pause.
func (s *Server) Resume() error {
	if s.cmd == nil {
		return fmt.Errorf("ldaptest: Resume: slapd is not running")
	}
	return s.cmd.Process.Signal(syscall.SIGCONT)
}

// Kill ends slapd with SIGKILL, as a crash would (its connections are
// reset in the middle of whatever they were doing), and waits until it
// has exited. Start starts it again with its data.
func (s *Server) Kill() error {
	if s.cmd == nil {
		return nil
	}
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	cmd.Process.Kill()
	<-done
	return nil
}

// Tree is a subtree of the test instance that belongs to one test: its own
// people, groups and settings entry.
type Tree struct {
	Base       string // "ou=t…,dc=loft,dc=test"
	UserBase   string // "ou=people,"+Base
	GroupBase  string // "ou=groups,"+Base
	SettingsDN string // "cn=settings,"+Base, object class loftSettings
}

// NewTree creates a subtree with a unique name.
func (s *Server) NewTree() (*Tree, error) {
	b := make([]byte, 8)
	rand.Read(b)
	base := "ou=t" + hex.EncodeToString(b) + "," + Suffix
	t := &Tree{Base: base, UserBase: "ou=people," + base, GroupBase: "ou=groups," + base, SettingsDN: "cn=settings," + base}
	c, err := s.Conn()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for _, dn := range []string{base, t.UserBase, t.GroupBase} {
		req := ldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"organizationalUnit"})
		req.Attribute("ou", []string{strings.TrimPrefix(strings.SplitN(dn, ",", 2)[0], "ou=")})
		if err := c.Add(req); err != nil {
			return nil, fmt.Errorf("ldaptest: add %s: %w", dn, err)
		}
	}
	req := ldap.NewAddRequest(t.SettingsDN, nil)
	req.Attribute("objectClass", []string{"loftSettings"})
	req.Attribute("cn", []string{"settings"})
	if err := c.Add(req); err != nil {
		return nil, fmt.Errorf("ldaptest: add %s: %w", t.SettingsDN, err)
	}
	return t, nil
}

// NewTree is Server.NewTree that fails t on error.
func NewTree(t testing.TB, s *Server) *Tree {
	t.Helper()
	tr, err := s.NewTree()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Conn opens a connection bound as the service account.
func (s *Server) Conn() (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		return nil, fmt.Errorf("ldaptest: dial %s: %w", s.URL, err)
	}
	c.SetTimeout(time.Minute)
	if err := c.Bind(ServiceDN, ServicePassword); err != nil {
		c.Close()
		return nil, fmt.Errorf("ldaptest: bind: %w", err)
	}
	return c, nil
}

// Options returns the directory options for tree on this server, with
// generous timeouts for a loaded machine.
func (s *Server) Options(tree *Tree) directory.LDAPOptions {
	o := directory.DefaultLDAPOptions()
	o.URLs = []string{s.URL}
	o.BindDN = ServiceDN
	o.BindPassword = ServicePassword
	o.UserBase = tree.UserBase
	o.GroupBase = tree.GroupBase
	o.SettingsDN = tree.SettingsDN
	o.DialTimeout = 30 * time.Second
	o.RequestTimeout = 30 * time.Second
	return o
}

// Shared is one slapd for a whole test binary, started by the first test
// that asks for it; TestMain calls Close after the tests have run. The
// zero Shared is ready to use.
type Shared struct {
	once sync.Once
	dir  string
	s    *Server
	err  error
}

// Get returns the shared server, starting it on first use. Without slapd
// it skips t, or fails it under CI=true.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	SkipIfMissing(t)
	sh.once.Do(func() {
		sh.dir, sh.err = os.MkdirTemp("", "loft-slapd-")
		if sh.err == nil {
			sh.s, sh.err = StartIn(filepath.Join(sh.dir, "slapd"))
		}
	})
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	return sh.s
}

// Close stops the shared server, if it was started, and removes its files.
func (sh *Shared) Close() error {
	var err error
	if sh.s != nil {
		err = sh.s.Stop()
	}
	if sh.dir != "" {
		err = errors.Join(err, os.RemoveAll(sh.dir))
	}
	return err
}

// SkipIfMissing skips t when slapd or ldapsearch is missing, or fails it
// under CI=true.
func SkipIfMissing(t testing.TB) {
	t.Helper()
	if m := Missing(); m != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ldaptest: missing %s (CI=true: the LDAP tests must run)", m)
		}
		t.Skipf("ldaptest: missing %s: install the Debian packages slapd and ldap-utils (make test-deps)", m)
	}
}
