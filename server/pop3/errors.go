package pop3

import (
	"context"
	"errors"
	"os"

	"github.com/loftmail/loft/rfc/rfc2449"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

const (
	codeNone    = rfc2449.CodeNone
	codeSysTemp = rfc2449.CodeSysTemp // RFC 3206 §4
	codeSysPerm = rfc2449.CodeSysPerm // RFC 3206 §4
	codeAuth    = rfc2449.CodeAuth    // RFC 3206 §5
)

// response is an -ERR answer decided by a handler: an optional response code
// (RFC 2449 §8) and text.
type response struct {
	code rfc2449.Code
	text string
}

func (r *response) Error() string {
	if r.code == "" {
		return r.text
	}
	return "[" + string(r.code) + "] " + r.text
}

// Errors with fixed answers.
var (
	// RFC 2595 §2.3; RFC 3206 §5 lists "an attempt to authenticate in
	// violation of policy" under AUTH.
	errPlaintextNeedsSTLS = &response{code: codeAuth, text: "plaintext authentication requires TLS (use STLS)"}
	errPlaintextNeedsTLS  = &response{code: codeAuth, text: "plaintext authentication requires TLS"}
	errAuthFailed         = &response{code: codeAuth, text: "authentication failed"}
)

// errorResponse is the one place where an error becomes a response code and a
// text. Store and directory errors are mapped here; the detail of other errors
// goes to the log, never to the client.
func errorResponse(err error) *response {
	var r *response
	switch {
	case errors.As(err, &r):
		return r
	// The directory (server/directory): RFC 3206 §5 AUTH for anything about
	// the credentials, §4 SYS/TEMP when it cannot answer.
	case errors.Is(err, directory.ErrAuthFailed),
		errors.Is(err, directory.ErrNotFound),
		errors.Is(err, directory.ErrInvalid):
		return errAuthFailed
	case errors.Is(err, directory.ErrUnavailable):
		return &response{code: codeSysTemp, text: "user directory temporarily unavailable"}
	// The store.
	case errors.Is(err, store.ErrExpunged):
		// RFC 1939 §5's "no such message": another session removed it
		// after this session's snapshot (see rfc/rfc1939, "Two sessions
		// on one maildrop"). Not a system error, so no code.
		return &response{text: "no such message: it was deleted by another session"}
	case errors.Is(err, store.ErrNotFound):
		return &response{code: codeSysPerm, text: "maildrop not found"}
	case errors.Is(err, store.ErrPermission):
		return &response{code: codeSysPerm, text: "permission denied"}
	case errors.Is(err, store.ErrInvalid):
		return &response{code: codeSysPerm, text: "maildrop cannot be opened"}
	case errors.Is(err, store.ErrOverQuota):
		return &response{code: codeSysTemp, text: "over quota"}
	case errors.Is(err, store.ErrTooBig):
		return &response{code: codeSysPerm, text: "message too big"}
	case errors.Is(err, store.ErrExists):
		return &response{code: codeSysTemp, text: "maildrop is being created; try again"}
	// Everything else (I/O errors, a closed store, a cancelled context) is
	// a temporary system error.
	case errors.Is(err, context.Canceled), errors.Is(err, os.ErrClosed):
		return &response{code: codeSysTemp, text: "server shutting down"}
	}
	return &response{code: codeSysTemp, text: "temporary system error"}
}

// isInternal reports whether err is a failure of the server rather than an
// answer a handler chose: those are logged at error level.
func isInternal(err error) bool {
	var r *response
	if errors.As(err, &r) {
		return false
	}
	for _, known := range []error{directory.ErrAuthFailed, directory.ErrNotFound, directory.ErrInvalid, store.ErrExpunged} {
		if errors.Is(err, known) {
			return false
		}
	}
	return true
}

// errLine renders the -ERR line for err.
func errLine(err error) []byte {
	r := errorResponse(err)
	return rfc2449.AppendERR(nil, r.code, r.text)
}
