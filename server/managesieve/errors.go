package managesieve

import (
	"context"
	"errors"
	"os"

	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// refusal is a NO decided by a handler: a response code and a text.
type refusal struct{ resp rfc5804.Response }

func (r *refusal) Error() string {
	if r.resp.Code != nil {
		return "(" + r.resp.Code.Name + ") " + r.resp.Text
	}
	return r.resp.Text
}

// noText is a NO without a response code.
func noText(text string) *refusal {
	return &refusal{rfc5804.Response{Status: rfc5804.NO, Text: text}}
}

// noCode is a NO with the response code code (§1.3).
func noCode(code, text string) *refusal {
	return &refusal{rfc5804.Response{Status: rfc5804.NO, Code: &rfc5804.Code{Name: code}, Text: text}}
}

var errAuthFailed = noText("Authentication failed")

// errorResponse is the one place where an error becomes a NO response with
// its code (§1.3). Store and directory errors are mapped here; the detail
// of other errors goes to the log, never to the client.
func errorResponse(err error) rfc5804.Response {
	var r *refusal
	switch {
	case errors.As(err, &r):
		return r.resp
	case errors.Is(err, directory.ErrAuthFailed), errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrInvalid):
		return errAuthFailed.resp
	case errors.Is(err, directory.ErrUnavailable):
		return noCode(rfc5804.CodeTryLater, "user directory temporarily unavailable").resp
	case errors.Is(err, store.ErrNotFound):
		return noCode(rfc5804.CodeNonexistent, "There is no script by that name").resp
	case errors.Is(err, store.ErrExists):
		return noCode(rfc5804.CodeAlreadyExists, "A script by that name already exists").resp
	case errors.Is(err, store.ErrActive):
		return noCode(rfc5804.CodeActive, "You may not delete an active script").resp
	case errors.Is(err, store.ErrInvalid):
		// §1.6: a name the store refuses is never truncated or changed.
		return noText("invalid script name: " + unwrapText(err)).resp
	case errors.Is(err, store.ErrOverQuota):
		return noCode(rfc5804.CodeQuota, "over quota").resp
	case errors.Is(err, context.Canceled), errors.Is(err, os.ErrClosed):
		return noCode(rfc5804.CodeTryLater, "server shutting down").resp
	}
	return noCode(rfc5804.CodeTryLater, "temporary server failure").resp
}

// unwrapText is the store's explanation without its "store: invalid
// argument: " prefix.
func unwrapText(err error) string {
	s := err.Error()
	const prefix = "store: invalid argument: "
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

// isInternal reports whether err is a failure of the server rather than an
// answer: those are logged at error level.
func isInternal(err error) bool {
	var r *refusal
	if errors.As(err, &r) {
		return false
	}
	for _, known := range []error{directory.ErrAuthFailed, directory.ErrNotFound, directory.ErrInvalid,
		store.ErrNotFound, store.ErrExists, store.ErrActive, store.ErrInvalid} {
		if errors.Is(err, known) {
			return false
		}
	}
	return true
}
