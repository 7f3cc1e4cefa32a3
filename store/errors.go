package store

import "errors"

// The closed set of errors the store returns. Every error from this package is
// one of these (possibly wrapped with context, so use errors.Is), or an I/O
// error from the operating system.
var (
	// ErrNotFound: the account, mailbox, message or subscription does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: the account or mailbox name is already taken.
	ErrExists = errors.New("store: already exists")
	// ErrPermission: the operation is not allowed on this object (deleting or
	// renaming INBOX).
	ErrPermission = errors.New("store: permission denied")
	// ErrOverQuota is for callers that enforce quotas: the store keeps no quota
	// itself and never returns it; Account.Usage gives the exact figures.
	ErrOverQuota = errors.New("store: over quota")
	// ErrExpunged: the message existed but has been expunged.
	ErrExpunged = errors.New("store: message expunged")
	// ErrTooBig: the message is longer than Options.MaxMessageSize.
	ErrTooBig = errors.New("store: message too big")
	// ErrActive: the Sieve script is the active one, which cannot be
	// deleted (RFC 5804 §2.10).
	ErrActive = errors.New("store: Sieve script is active")
	// ErrInvalid: a bad account, mailbox or Sieve script name, an empty message, a bad flag,
	// or an unknown StoreOp.
	ErrInvalid = errors.New("store: invalid argument")
)
