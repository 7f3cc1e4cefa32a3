package directory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
)

// The SCRAM mechanisms (RFC 5802, RFC 7677) whose credentials a directory
// may keep, by their SASL names.
const (
	SCRAMSHA1   = "SCRAM-SHA-1"
	SCRAMSHA256 = "SCRAM-SHA-256"
)

// SCRAMMechanisms are the SCRAM mechanisms the file directory keeps
// credentials for, in the order a server should announce them.
var SCRAMMechanisms = []string{SCRAMSHA1, SCRAMSHA256}

// SCRAMCredentials are what a server stores to authenticate a user with one
// SCRAM mechanism (RFC 5802 §3): the salt and iteration count that the
// client needs to derive SaltedPassword, and StoredKey and ServerKey. They
// let a server check a client's proof and prove itself, but are neither the
// password nor SaltedPassword, so they do not let anyone log in.
type SCRAMCredentials struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// SCRAMDirectory is an optional capability of a Directory: one that keeps
// SCRAM credentials, so that servers can offer SCRAM-SHA-1 and
// SCRAM-SHA-256. A server tests for it with a type assertion. File
// implements it; LDAP does not, because the LDAP server hashes passwords
// itself and Loft never sees what it stores.
type SCRAMDirectory interface {
	Directory
	// SCRAMCredentials returns the credentials of login for mechanism
	// (SCRAMSHA1 or SCRAMSHA256; any other is ErrInvalid). For an unknown
	// login name, a disabled account, or an account that has no
	// credentials for the mechanism it returns made-up credentials that
	// no password matches, with a salt that stays the same from one call
	// to the next, as RFC 5802 §5 suggests, so that a client cannot tell
	// these cases from a wrong password. Errors: ErrUnavailable, a
	// cancelled ctx's ctx.Err().
	SCRAMCredentials(ctx context.Context, login, mechanism string) (SCRAMCredentials, error)
}

var _ SCRAMDirectory = (*File)(nil)

// SCRAM parameters of the credentials the file directory writes, and the
// bounds on those it reads.
const (
	// scramIterations is the iteration count written: RFC 5802 §5 and
	// RFC 7677 §4 ask for at least 4096.
	scramIterations    = 4096
	scramMinIterations = 4096
	scramMaxIterations = 10_000_000
	scramSaltLen       = 16
	scramMinSaltLen    = 8
	scramMaxSaltLen    = 64
)

// scramHash returns the hash function of a SCRAM mechanism and its output
// size, or ok=false for a mechanism the directory does not know.
func scramHash(mechanism string) (h scram.HashGeneratorFcn, size int, ok bool) {
	switch mechanism {
	case SCRAMSHA1:
		return scram.SHA1, 20, true
	case SCRAMSHA256:
		return scram.SHA256, 32, true
	}
	return nil, 0, false
}

// makeSCRAM computes the stored form of the SCRAM credentials of password
// for mechanism, with a fresh random salt (see formatSCRAM). It returns ""
// when the password cannot be prepared with SASLprep (RFC 4013), as RFC
// 5802 §2.2 requires of SCRAM passwords: such an account cannot use SCRAM.
func makeSCRAM(mechanism, password string) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("directory: reading random salt: %w", err)
	}
	c, ok, err := deriveSCRAM(mechanism, password, salt, scramIterations)
	if err != nil || !ok {
		return "", err
	}
	return formatSCRAM(mechanism, c), nil
}

// deriveSCRAM computes the SCRAM credentials of password for mechanism
// under salt and iterations (RFC 5802 §3), with ok=false when the password
// is not valid under SASLprep.
func deriveSCRAM(mechanism, password string, salt []byte, iterations int) (c SCRAMCredentials, ok bool, err error) {
	h, _, known := scramHash(mechanism)
	if !known {
		return c, false, fmt.Errorf("%w: SCRAM mechanism %q", ErrInvalid, mechanism)
	}
	// The library's error quotes the password: it is dropped unread.
	client, err := h.NewClient("", password, "")
	if err != nil {
		return c, false, nil
	}
	sc := client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: iterations})
	return SCRAMCredentials{Salt: salt, Iterations: iterations, StoredKey: sc.StoredKey, ServerKey: sc.ServerKey}, true, nil
}

// formatSCRAM returns the stored form of SCRAM credentials:
//
//	MECHANISM$ITERATIONS:SALT$STOREDKEY:SERVERKEY
//
// with SALT, STOREDKEY and SERVERKEY in padded standard base64, the layout
// PostgreSQL and Dovecot use.
func formatSCRAM(mechanism string, c SCRAMCredentials) string {
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", mechanism, c.Iterations, enc(c.Salt), enc(c.StoredKey), enc(c.ServerKey))
}

// parseSCRAM parses the stored form of SCRAM credentials for mechanism,
// checking every bound above.
func parseSCRAM(mechanism, s string) (SCRAMCredentials, error) {
	var c SCRAMCredentials
	_, size, ok := scramHash(mechanism)
	if !ok {
		return c, fmt.Errorf("unknown SCRAM mechanism %q", mechanism)
	}
	rest, ok := strings.CutPrefix(s, mechanism+"$")
	if !ok {
		return c, fmt.Errorf("SCRAM credentials do not begin with %q", mechanism+"$")
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return c, errors.New("SCRAM credentials are not MECHANISM$ITERATIONS:SALT$STOREDKEY:SERVERKEY")
	}
	iter, salt, ok1 := strings.Cut(params, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return c, errors.New("SCRAM credentials are not MECHANISM$ITERATIONS:SALT$STOREDKEY:SERVERKEY")
	}
	if iter == "" || len(iter) > 10 || iter[0] == '0' || strings.Trim(iter, "0123456789") != "" {
		return c, errors.New("SCRAM iteration count is not a decimal number")
	}
	n, err := strconv.Atoi(iter)
	if err != nil || n < scramMinIterations || n > scramMaxIterations {
		return c, fmt.Errorf("SCRAM iteration count out of range %d to %d", scramMinIterations, scramMaxIterations)
	}
	c.Iterations = n
	dec := base64.StdEncoding.Strict()
	if len(salt) > base64.StdEncoding.EncodedLen(scramMaxSaltLen) {
		return c, errors.New("SCRAM salt too long")
	}
	if c.Salt, err = dec.DecodeString(salt); err != nil || !isPaddedBase64(salt) ||
		len(c.Salt) < scramMinSaltLen || len(c.Salt) > scramMaxSaltLen {
		return c, fmt.Errorf("SCRAM salt is not base64 of %d to %d octets", scramMinSaltLen, scramMaxSaltLen)
	}
	if c.StoredKey, err = dec.DecodeString(stored); err != nil || !isPaddedBase64(stored) || len(c.StoredKey) != size {
		return c, fmt.Errorf("SCRAM StoredKey is not base64 of %d octets", size)
	}
	if c.ServerKey, err = dec.DecodeString(server); err != nil || !isPaddedBase64(server) || len(c.ServerKey) != size {
		return c, fmt.Errorf("SCRAM ServerKey is not base64 of %d octets", size)
	}
	return c, nil
}

// isPaddedBase64 reports whether s holds only characters of the standard
// base64 alphabet and "=" (the decoder would skip line breaks).
func isPaddedBase64(s string) bool {
	return isBase64(strings.TrimRight(s, "="))
}

// SCRAMCredentials implements SCRAMDirectory.
func (f *File) SCRAMCredentials(ctx context.Context, login, mechanism string) (SCRAMCredentials, error) {
	if err := ctx.Err(); err != nil {
		return SCRAMCredentials{}, err
	}
	if _, _, ok := scramHash(mechanism); !ok {
		return SCRAMCredentials{}, fmt.Errorf("%w: SCRAM mechanism %q", ErrInvalid, mechanism)
	}
	var rec *userRecord
	if CheckLogin(login) == nil {
		r, err := f.readUser(login)
		switch {
		case err == nil:
			rec = r
		case !errors.Is(err, ErrNotFound):
			return SCRAMCredentials{}, err
		}
	}
	if rec != nil && rec.Password != "" {
		if stored := rec.scram(mechanism); stored != "" {
			c, err := parseSCRAM(mechanism, stored)
			if err != nil {
				// parseUser checked it: not reached.
				return SCRAMCredentials{}, fmt.Errorf("%w: SCRAM credentials of %q: %v", ErrUnavailable, login, err)
			}
			if !rec.Disabled {
				return c, nil
			}
			// A disabled account: its own salt, keys no proof matches.
			return fakeKeys(mechanism, c.Salt, c.Iterations)
		}
	}
	salt, err := f.fakeSalt(mechanism, login)
	if err != nil {
		return SCRAMCredentials{}, err
	}
	return fakeKeys(mechanism, salt, scramIterations)
}

// fakeKeys returns credentials with salt and random keys, which no proof
// matches.
func fakeKeys(mechanism string, salt []byte, iterations int) (SCRAMCredentials, error) {
	_, size, _ := scramHash(mechanism)
	b := make([]byte, 2*size)
	if _, err := rand.Read(b); err != nil {
		return SCRAMCredentials{}, fmt.Errorf("%w: reading random bytes: %v", ErrUnavailable, err)
	}
	return SCRAMCredentials{Salt: salt, Iterations: iterations, StoredKey: b[:size], ServerKey: b[size:]}, nil
}

// fakeSalt returns the salt shown for a login name that has no SCRAM
// credentials: an HMAC of the mechanism and login name under the
// directory's secret (see scramSecret), so that it is the same on every
// attempt and on every server sharing the directory, and tells nothing.
func (f *File) fakeSalt(mechanism, login string) ([]byte, error) {
	secret, err := f.scramSecret()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(mechanism + "\x00" + login))
	return m.Sum(nil)[:scramSaltLen], nil
}

// scramSecretName is the file in DIR holding the secret behind made-up
// SCRAM salts: 64 hexadecimal digits and a line feed. The first process
// that needs it creates it.
const scramSecretName = "scram-secret"

// scramSecret returns the directory's secret for made-up SCRAM salts,
// creating it if there is none yet. Once read it is kept in memory.
func (f *File) scramSecret() ([]byte, error) {
	f.mu.Lock()
	secret := f.secret
	f.mu.Unlock()
	if secret != nil {
		return secret, nil
	}
	path := filepath.Join(f.dir, scramSecretName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("%w: reading random bytes: %v", ErrUnavailable, err)
		}
		// Another process may win the race; then its secret is read.
		if _, err := f.createExclusive(path, []byte(hex.EncodeToString(b)+"\n")); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, f.ioError(err)
	}
	text, ok := strings.CutSuffix(string(data), "\n")
	secret, err = hex.DecodeString(text)
	if !ok || err != nil || len(secret) != 32 {
		return nil, fmt.Errorf("%w: %s is not 64 hexadecimal digits", ErrUnavailable, path)
	}
	f.mu.Lock()
	f.secret = secret
	f.mu.Unlock()
	return secret, nil
}

// SCRAMStatus returns the SCRAM mechanisms the account of login has
// credentials for, for `loft adm user show`: none for an account whose
// password was set before Loft kept them, or that has no password.
// Errors: ErrNotFound, ErrUnavailable.
func (f *File) SCRAMStatus(login string) ([]string, error) {
	rec, err := f.readAdmin(login)
	if err != nil {
		return nil, err
	}
	mechs := []string{}
	if rec.Password == "" {
		return mechs, nil
	}
	for _, m := range SCRAMMechanisms {
		if rec.scram(m) != "" {
			mechs = append(mechs, m)
		}
	}
	return mechs, nil
}

// setPassword sets the password hash and SCRAM credentials of rec from
// password; SCRAM credentials it cannot make (see makeSCRAM) are removed,
// so that an old password never outlives a new one.
func (f *File) setPassword(rec *userRecord, password string) error {
	hash, err := f.hash(password)
	if err != nil {
		return err
	}
	sha1, err := makeSCRAM(SCRAMSHA1, password)
	if err != nil {
		return err
	}
	sha256, err := makeSCRAM(SCRAMSHA256, password)
	if err != nil {
		return err
	}
	rec.Password, rec.SCRAMSHA1, rec.SCRAMSHA256 = hash, sha1, sha256
	return nil
}
