package directory

import (
	"context"
	"errors"
)

// The closed set of errors a Directory returns. Callers test them with
// errors.Is; the returned error may wrap one of them with detail for logs.
var (
	// ErrNotFound: no account has that login name or address.
	ErrNotFound = errors.New("directory: no such account")
	// ErrAuthFailed: wrong login name or password, or the account is
	// disabled. A server tells its client no more than that.
	ErrAuthFailed = errors.New("directory: authentication failed")
	// ErrUnavailable: the backend cannot answer now (a file it cannot read,
	// an LDAP server that is down). IMAP answers NO [UNAVAILABLE], POP3
	// -ERR [SYS/TEMP], LMTP 451 4.4.3.
	ErrUnavailable = errors.New("directory: temporarily unavailable")
	// ErrExists: the login name, group name or address is already taken.
	ErrExists = errors.New("directory: already exists")
	// ErrInvalid: a login name, group name, address, password or quota
	// that the directory does not accept.
	ErrInvalid = errors.New("directory: invalid argument")
)

// Account is what the directory knows of one user.
type Account struct {
	// Login is the name the user authenticates with. Login names are
	// case-sensitive: "Alice" and "alice" are two accounts.
	Login string
	// Addresses are the account's mail addresses in canonical form (see
	// CanonicalAddress), the primary one first, then aliases. Only
	// addresses that resolve to this account are listed.
	Addresses []string
	// QuotaStorage is the most octets the account's messages may occupy;
	// 0 means no limit.
	QuotaStorage int64
	// QuotaMessages is the most messages the account may hold; 0 means no
	// limit.
	QuotaMessages int64
	// Enabled is false for an account that may not log in. Mail is still
	// delivered to it; whether it is accepted is the delivering server's
	// decision.
	Enabled bool
	// Groups are the names of the groups the account belongs to, sorted.
	Groups []string
	// SieveScript is the account's personal Sieve script (RFC 5228
	// source, UTF-8) when the directory keeps it (the LDAP directory's
	// sieve_script_attribute); "" when it keeps none, and then the
	// script, if any, is the one managed over ManageSieve.
	SieveScript string
}

// Group is a named set of accounts, used by access control lists.
type Group struct {
	// Name is the group's name; the same syntax as a login name.
	Name string
	// Members are the login names of the group's members, sorted.
	Members []string
}

// Directory is where the servers look up users. Implementations are safe
// for concurrent use by many goroutines.
type Directory interface {
	// Authenticate checks a login name and password and returns the
	// account. A wrong login name or password, an empty password and a
	// disabled account all give ErrAuthFailed, and take about as long as a
	// right one, so that a client cannot tell which login names exist. A
	// backend that cannot answer gives ErrUnavailable; a cancelled ctx
	// gives ctx.Err().
	Authenticate(ctx context.Context, login, password string) (*Account, error)
	// LookupLogin returns the account with that login name (exact,
	// case-sensitive), whether enabled or not: ErrNotFound,
	// ErrUnavailable.
	LookupLogin(ctx context.Context, login string) (*Account, error)
	// LookupAddress returns the account that owns the address. The whole
	// address is compared case-insensitively and exactly: a "+detail"
	// suffix is the caller's to strip. An address that is not well formed
	// is ErrNotFound, as is one that no account owns; ErrUnavailable.
	LookupAddress(ctx context.Context, address string) (*Account, error)
	// Groups returns every group, sorted by name: ErrUnavailable.
	Groups(ctx context.Context) ([]Group, error)
	// Settings returns the configuration that every server sharing the
	// directory shares (the global Sieve script, default quotas), as last
	// read: ErrUnavailable when it has never been read and cannot be now.
	Settings(ctx context.Context) (Settings, error)
	// Close releases the directory's resources. It must not be used
	// afterwards.
	Close() error
}
