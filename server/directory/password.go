package directory

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Password hashes are stored in a self-describing format, so that the
// scheme or its parameters can change while old hashes keep working:
//
//   - "$argon2id$v=19$m=M,t=T,p=P$SALT$KEY" (the PHC string format; SALT and
//     KEY in unpadded standard base64), which Loft writes;
//   - "$2a$…", "$2b$…", "$2y$…" (bcrypt), which Loft verifies, for accounts
//     imported from other systems.

// MaxPasswordLen is the longest password accepted, in octets.
const MaxPasswordLen = 1024

// argonParams are the argon2id cost parameters.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
}

// defaultArgon follows the first of OWASP's argon2id recommendations:
// 19 MiB, two passes, one lane.
var defaultArgon = argonParams{memory: 19 * 1024, time: 2, threads: 1}

// Bounds on the parameters of a stored hash, so that a damaged or hostile
// hash cannot make a verification allocate gigabytes or run for minutes.
const (
	argonMaxMemory  = 1 << 20 // KiB: 1 GiB
	argonMaxTime    = 64
	argonSaltLen    = 16
	argonKeyLen     = 32
	argonMinSaltLen = 8
	argonMinKeyLen  = 16
	argonMaxPartLen = 128
)

// checkPassword validates a password to be set: non-empty, at most
// MaxPasswordLen octets.
func checkPassword(password string) error {
	if password == "" {
		return fmt.Errorf("%w: empty password", ErrInvalid)
	}
	if len(password) > MaxPasswordLen {
		return fmt.Errorf("%w: password longer than %d octets", ErrInvalid, MaxPasswordLen)
	}
	return nil
}

// hashPassword returns the argon2id hash of password with a fresh random
// salt, in PHC string format.
func hashPassword(p argonParams, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("directory: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	return formatArgon(p, salt, key), nil
}

func formatArgon(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// argonHash is a parsed argon2id hash.
type argonHash struct {
	params argonParams
	salt   []byte
	key    []byte
}

// parseArgon parses a PHC string of scheme argon2id, version 19, with the
// parameters m, t and p in that order, checking every bound above.
func parseArgon(s string) (argonHash, error) {
	var h argonHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errors.New("not an argon2id hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, fmt.Errorf("argon2 parameters %q are not m=,t=,p=", parts[3])
	}
	m, err := phcUint(params[0], "m=", argonMaxMemory)
	if err != nil {
		return h, err
	}
	t, err := phcUint(params[1], "t=", argonMaxTime)
	if err != nil {
		return h, err
	}
	p, err := phcUint(params[2], "p=", 255)
	if err != nil {
		return h, err
	}
	if t < 1 || p < 1 || m < 8*p {
		return h, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	h.params = argonParams{memory: uint32(m), time: uint32(t), threads: uint8(p)}
	if len(parts[4]) > argonMaxPartLen || len(parts[5]) > argonMaxPartLen {
		return h, errors.New("argon2 salt or key too long")
	}
	// The decoder skips line breaks; a stored hash has none.
	if !isBase64(parts[4]) || !isBase64(parts[5]) {
		return h, errors.New("argon2 salt or key is not unpadded base64")
	}
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.salt) < argonMinSaltLen {
		return h, errors.New("argon2 salt is not base64 of at least 8 octets")
	}
	if h.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.key) < argonMinKeyLen {
		return h, errors.New("argon2 key is not base64 of at least 16 octets")
	}
	return h, nil
}

// isBase64 reports whether s holds only characters of the standard base64
// alphabet, without padding.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// phcUint parses "name=decimal" with a value of at most max.
func phcUint(s, name string, max uint64) (uint64, error) {
	v, ok := strings.CutPrefix(s, name)
	if !ok || v == "" || len(v) > 10 || (len(v) > 1 && v[0] == '0') {
		return 0, fmt.Errorf("argon2 parameter %q is not %sN", s, name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > max {
		return 0, fmt.Errorf("argon2 parameter %q out of range", s)
	}
	return n, nil
}

// verifyPassword reports whether password matches the stored hash. An error
// means that the hash itself is damaged or of an unknown scheme.
func verifyPassword(hash, password string) (bool, error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		h, err := parseArgon(hash)
		if err != nil {
			return false, err
		}
		key := argon2.IDKey([]byte(password), h.salt, h.params.time, h.params.memory, h.params.threads, uint32(len(h.key)))
		return subtle.ConstantTimeCompare(key, h.key) == 1, nil
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword), errors.Is(err, bcrypt.ErrPasswordTooLong):
			return false, nil
		}
		return false, fmt.Errorf("bcrypt hash: %w", err)
	}
	// The stored value is not quoted: were it a password stored by mistake,
	// it must not reach a log.
	return false, errors.New("unknown password hash scheme")
}
