package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The files of the generated certificate, in Config.TLSDir.
const (
	certFileName = "cert.pem"
	keyFileName  = "key.pem"
)

// selfSignedValidity is how long a generated certificate is valid.
const selfSignedValidity = 5 * 365 * 24 * time.Hour

// loadTLSConfig returns the TLS configuration every protocol shares: the
// configured certificate, or the generated one.
func loadTLSConfig(cfg *Config, logger *slog.Logger) (*tls.Config, error) {
	var cert tls.Certificate
	if cfg.TLS.CertFile != "" {
		var err error
		cert, err = tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file, tls.key_file: %w", err)
		}
	} else {
		var err error
		cert, err = selfSignedCertificate(cfg.TLSDir(), cfg.Hostname, logger)
		if err != nil {
			return nil, err
		}
	}
	if cert.Leaf != nil && time.Now().After(cert.Leaf.NotAfter) {
		logger.Warn("TLS certificate has expired", "not_after", cert.Leaf.NotAfter,
			"subject", cert.Leaf.Subject.String())
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}, nil
}

// selfSignedCertificate loads the certificate in dir, generating it first
// if dir holds none.
//
// Generation writes both files into a fresh directory beside dir and then
// renames that directory to dir. The rename is atomic and fails when dir
// already holds files, so a crash leaves either no certificate or a complete
// one, and two servers starting at once on one data directory end up with
// the same certificate.
func selfSignedCertificate(dir, hostname string, logger *slog.Logger) (tls.Certificate, error) {
	certPath := filepath.Join(dir, certFileName)
	keyPath := filepath.Join(dir, keyFileName)
	if _, err := os.Stat(certPath); errors.Is(err, fs.ErrNotExist) {
		created, err := generateCertificateDir(dir, hostname)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("generate self-signed certificate in %s: %w", dir, err)
		}
		if created {
			logger.Info("generated self-signed TLS certificate", "dir", dir, "hostname", hostname)
		}
	} else if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed certificate in %s (remove the directory to generate a new one): %w", dir, err)
	}
	return cert, nil
}

// generateCertificateDir creates dir holding a new certificate and key. It
// reports false when another process created dir first.
func generateCertificateDir(dir, hostname string) (created bool, err error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return false, err
	}
	certPEM, keyPEM, err := newSelfSigned(hostname, time.Now())
	if err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp) // nothing left to remove once renamed
	if err := writeFileSync(filepath.Join(tmp, keyFileName), keyPEM, 0o600); err != nil {
		return false, err
	}
	if err := writeFileSync(filepath.Join(tmp, certFileName), certPEM, 0o644); err != nil {
		return false, err
	}
	if err := syncDir(tmp); err != nil {
		return false, err
	}
	if err := os.Chmod(tmp, 0o750); err != nil {
		return false, err
	}
	// rename(2) itself, not os.Rename, which refuses any existing
	// directory: rename(2) replaces an empty directory but fails with
	// EEXIST or ENOTEMPTY when dir holds files, someone else's
	// certificate, which the caller loads.
	if err := syscall.Rename(tmp, dir); err != nil {
		err = &os.LinkError{Op: "rename", Old: tmp, New: dir, Err: err}
		if _, statErr := os.Stat(filepath.Join(dir, certFileName)); statErr == nil {
			return false, nil
		}
		return false, err
	}
	return true, syncDir(parent)
}

// newSelfSigned returns a PEM certificate and PEM PKCS #8 key for an ECDSA
// P-256 self-signed certificate naming localhost, 127.0.0.1, ::1 and
// hostname.
func newSelfSigned(hostname string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	dnsNames := []string{"localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if ip := net.ParseIP(hostname); ip != nil {
		if !ip.IsLoopback() {
			ips = append(ips, ip)
		}
	} else if hostname != "localhost" {
		dnsNames = append(dnsNames, hostname)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hostname, Organization: []string{"Loft self-signed"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfSignedValidity),
		// A self-signed certificate is its own issuer: OpenSSL accepts
		// it as a trust anchor only if it may sign certificates.
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

// writeFileSync creates path exclusively with data and makes it durable.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
