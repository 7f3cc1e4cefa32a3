package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestSelfSignedGeneratedOnceAndReused(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Hostname = "mail.example.org"

	first, err := loadTLSConfig(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(cfg.TLSDir(), certFileName)
	keyPath := filepath.Join(cfg.TLSDir(), keyFileName)
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatalf("certificate not written: %v", err)
	}
	keyInfo, err := os.Stat(keyPath)
	if err != nil {
		t.Fatalf("key not written: %v", err)
	}
	if perm := keyInfo.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "tls" {
			t.Errorf("generation left %s in the data directory", e.Name())
		}
	}

	leaf := first.Certificates[0].Leaf
	if leaf == nil {
		t.Fatal("certificate has no parsed leaf")
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "mail.example.org"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example.org", Roots: roots}); err == nil {
		t.Error("certificate verifies for a name it does not hold")
	}
	if first.MinVersion < tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want at least TLS 1.2", first.MinVersion)
	}

	// A second start, even with another hostname, reuses the files.
	cfg.Hostname = "renamed.example.org"
	second, err := loadTLSConfig(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(certPEM, again) {
		t.Error("certificate file rewritten on the second start")
	}
	if !bytes.Equal(second.Certificates[0].Certificate[0], first.Certificates[0].Certificate[0]) {
		t.Error("second start serves another certificate")
	}
}

func TestSelfSignedConcurrentStarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	const n = 8
	certs := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := selfSignedCertificate(dir, "localhost", discardLogger())
			errs[i] = err
			if err == nil {
				certs[i] = c.Certificate[0]
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if !bytes.Equal(certs[i], certs[0]) {
			t.Errorf("start %d got a different certificate from start 0", i)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("parent holds %v, want only tls", names)
	}
}

func TestSelfSignedIncompleteDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A key without its certificate is not ours to replace.
	if err := os.WriteFile(filepath.Join(dir, keyFileName), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := selfSignedCertificate(dir, "localhost", discardLogger())
	if err == nil {
		t.Fatal("loaded a certificate from a directory that holds only a key")
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name %s", err, dir)
	}

	// An empty directory, say made by an administrator, is filled.
	empty := filepath.Join(t.TempDir(), "tls")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := selfSignedCertificate(empty, "localhost", discardLogger()); err != nil {
		t.Errorf("empty directory: %v", err)
	}
}

func TestConfiguredCertificate(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, err := newSelfSigned("configured.example.org", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "c.pem")
	keyFile := filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.TLS = TLSConfig{CertFile: certFile, KeyFile: keyFile}
	tc, err := loadTLSConfig(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	if cn := tc.Certificates[0].Leaf.Subject.CommonName; cn != "configured.example.org" {
		t.Errorf("serving certificate for %q, want the configured one", cn)
	}
	if _, err := os.Stat(cfg.TLSDir()); !os.IsNotExist(err) {
		t.Errorf("generated a certificate although one is configured (stat: %v)", err)
	}

	cfg.TLS.KeyFile = filepath.Join(dir, "absent.pem")
	if _, err := loadTLSConfig(cfg, discardLogger()); err == nil || !strings.Contains(err.Error(), "tls.key_file") {
		t.Errorf("missing key: err = %v, want one naming tls.key_file", err)
	}
}

// TestSelfSignedHandshake checks that a TLS client that trusts the generated
// certificate completes a handshake with the configuration built from it.
func TestSelfSignedHandshake(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	serverConf, err := loadTLSConfig(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverConf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- c.(*tls.Conn).Handshake()
	}()

	roots := x509.NewCertPool()
	roots.AddCert(serverConf.Certificates[0].Leaf)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Errorf("server handshake: %v", err)
	}
}

func TestListenUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lmtp.sock")
	spec := "unix:" + path

	ln, err := listen(spec)
	if err != nil {
		t.Fatal(err)
	}
	// A live socket is not taken over.
	if _, err := listen(spec); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second listen on a live socket: err = %v", err)
	}
	// A socket nobody listens on any more is replaced. Keep the file
	// that Close would remove, as a crashed server does.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket file missing: %v", err)
	}
	ln, err = listen(spec)
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	ln.Close()

	// A regular file is never removed.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := listen("unix:" + file); err == nil {
		t.Error("listen replaced a regular file")
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "data" {
		t.Errorf("regular file changed: %q, %v", data, err)
	}
}

func TestListenTCPPortInUse(t *testing.T) {
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := listen(ln.Addr().String()); err == nil {
		t.Errorf("second listen on %s succeeded", ln.Addr())
	}
}
