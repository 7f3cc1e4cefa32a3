package directory

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// recordFormat is the value of the format key of user and group files.
const recordFormat = 1

// maxRecordSize bounds the user, group and claim files read, in octets.
const maxRecordSize = 1 << 20

// userRecord is the content of users/<login>.toml.
type userRecord struct {
	Format   int    `toml:"format"`
	Login    string `toml:"login"`
	Password string `toml:"password"` // hash, see password.go; "" = cannot log in
	// SCRAM credentials (see formatSCRAM in scram.go), set with the
	// password; "" = none: SCRAM cannot be used for that mechanism.
	SCRAMSHA1     string   `toml:"scram_sha_1,omitempty"`
	SCRAMSHA256   string   `toml:"scram_sha_256,omitempty"`
	Addresses     []string `toml:"addresses"`
	QuotaStorage  int64    `toml:"quota_storage"`
	QuotaMessages int64    `toml:"quota_messages"`
	Disabled      bool     `toml:"disabled"`
	Nonce         string   `toml:"nonce"` // new on every write
}

// groupRecord is the content of groups/<name>.toml.
type groupRecord struct {
	Format  int      `toml:"format"`
	Name    string   `toml:"name"`
	Members []string `toml:"members"`
	Nonce   string   `toml:"nonce"`
}

// lists reports whether the record lists the canonical address.
func (r *userRecord) lists(address string) bool {
	return slices.Contains(r.Addresses, address)
}

// scram returns the stored SCRAM credentials of rec for mechanism, "" if
// none.
func (r *userRecord) scram(mechanism string) string {
	switch mechanism {
	case SCRAMSHA1:
		return r.SCRAMSHA1
	case SCRAMSHA256:
		return r.SCRAMSHA256
	}
	return ""
}

// clone returns a deep copy, which the caller may change.
func (r *userRecord) clone() *userRecord {
	c := *r
	c.Addresses = slices.Clone(r.Addresses)
	return &c
}

// validate checks what a well-formed record holds.
func (r *userRecord) validate() error {
	if r.Format != recordFormat {
		return fmt.Errorf("format %d, want %d", r.Format, recordFormat)
	}
	if err := CheckLogin(r.Login); err != nil {
		return err
	}
	if r.QuotaStorage < 0 || r.QuotaMessages < 0 {
		return errors.New("negative quota")
	}
	for _, a := range r.Addresses {
		if c, err := CanonicalAddress(a); err != nil || c != a {
			return fmt.Errorf("address %q is not canonical", a)
		}
	}
	if hasDuplicates(r.Addresses) {
		return errors.New("duplicate address")
	}
	for _, m := range SCRAMMechanisms {
		if s := r.scram(m); s != "" {
			if _, err := parseSCRAM(m, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *groupRecord) validate() error {
	if r.Format != recordFormat {
		return fmt.Errorf("format %d, want %d", r.Format, recordFormat)
	}
	if err := CheckLogin(r.Name); err != nil {
		return err
	}
	for _, m := range r.Members {
		if err := CheckLogin(m); err != nil {
			return fmt.Errorf("member: %w", err)
		}
	}
	if hasDuplicates(r.Members) {
		return errors.New("duplicate member")
	}
	return nil
}

func hasDuplicates(list []string) bool {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

// parseUser parses and validates a user file.
func parseUser(data []byte) (*userRecord, error) {
	var r userRecord
	if err := decodeRecord(data, &r); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// parseGroup parses and validates a group file.
func parseGroup(data []byte) (*groupRecord, error) {
	var r groupRecord
	if err := decodeRecord(data, &r); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// decodeRecord decodes TOML into v, refusing keys that v does not have, so
// that a file written by a newer format is not silently half understood.
func decodeRecord(data []byte, v any) error {
	if len(data) > maxRecordSize {
		return errors.New("file too large")
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v)
	if err != nil {
		return err
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return fmt.Errorf("unknown key %q", undecoded[0].String())
	}
	return nil
}

// encodeRecord writes v as TOML after a comment line.
func encodeRecord(comment string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# " + comment + "\n")
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encodeUser(r *userRecord) ([]byte, error) {
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	r.Format, r.Nonce = recordFormat, nonce
	if r.Addresses == nil {
		r.Addresses = []string{}
	}
	return encodeRecord("Loft directory account. Change it with `loft adm user`: addresses must also be claimed in addresses/.", r)
}

func encodeGroup(r *groupRecord) ([]byte, error) {
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	r.Format, r.Nonce = recordFormat, nonce
	if r.Members == nil {
		r.Members = []string{}
	}
	return encodeRecord("Loft directory group. Change it with `loft adm group`.", r)
}

// A claim file (addresses/<address>/<N>) holds two lines: the owner's login
// name (empty when the claim releases the address) and a nonce.
func formatClaim(owner, nonce string) []byte {
	return []byte(owner + "\n" + nonce + "\n")
}

// parseClaim parses a claim file.
func parseClaim(data []byte) (owner, nonce string, err error) {
	if len(data) > maxRecordSize {
		return "", "", errors.New("claim too large")
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) != 3 || lines[2] != "" {
		return "", "", errors.New("claim is not two lines")
	}
	owner, nonce = lines[0], lines[1]
	if owner != "" {
		if err := CheckLogin(owner); err != nil {
			return "", "", fmt.Errorf("claim owner: %w", err)
		}
	}
	if len(nonce) != 32 || strings.Trim(nonce, "0123456789abcdef") != "" {
		return "", "", errors.New("claim nonce is not 32 hexadecimal digits")
	}
	return owner, nonce, nil
}
