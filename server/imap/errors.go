package imap

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// Status responses (RFC 3501 §7.1).
const (
	statusOK  = imap.StatusResponseTypeOK
	statusNO  = imap.StatusResponseTypeNo
	statusBAD = imap.StatusResponseTypeBad
)

// Response codes that go-imap does not name: RFC 3501 §7.1 and RFC 5530 §3.
const (
	codeReadOnly       imap.ResponseCode = "READ-ONLY"
	codeReadWrite      imap.ResponseCode = "READ-WRITE"
	codeUnseen         imap.ResponseCode = "UNSEEN"
	codePermanentFlags imap.ResponseCode = "PERMANENTFLAGS"
	codeUIDNext        imap.ResponseCode = "UIDNEXT"
	codeUIDValidity    imap.ResponseCode = "UIDVALIDITY"
	codeCapability     imap.ResponseCode = "CAPABILITY"
	codeExpungeIssued  imap.ResponseCode = "EXPUNGEISSUED" // RFC 5530 §3
)

// response is a tagged status response decided by a handler: the status (OK,
// NO or BAD), an optional response code with its arguments, and text.
// Handlers return one as an error; a nil error is "OK <command> completed".
// cause, if set, is what went wrong underneath, for the log only.
type response struct {
	status imap.StatusResponseType
	code   imap.ResponseCode
	args   func(*rfc3501.Encoder) // the code's arguments, or nil
	text   string
	cause  error
}

func (r *response) Error() string {
	s := string(r.status)
	if r.code != "" {
		s += " [" + string(r.code) + "]"
	}
	s += " " + r.text
	if r.cause != nil {
		s += ": " + r.cause.Error()
	}
	return s
}

func (r *response) Unwrap() error { return r.cause }

// no returns a NO response with an optional code (RFC 3501 §7.1.2).
func no(code imap.ResponseCode, format string, args ...any) *response {
	return &response{status: statusNO, code: code, text: fmt.Sprintf(format, args...)}
}

// bad returns a BAD response (RFC 3501 §7.1.3).
func bad(format string, args ...any) *response {
	return &response{status: statusBAD, text: fmt.Sprintf(format, args...)}
}

// okCode returns a tagged OK with a response code, for handlers whose
// completion carries one (SELECT's READ-WRITE, APPEND's APPENDUID).
func okCode(code imap.ResponseCode, args func(*rfc3501.Encoder), text string) *response {
	return &response{status: statusOK, code: code, args: args, text: text}
}

// Errors with fixed answers.
var (
	// RFC 3501 §6.2.3 and RFC 5530 §3 PRIVACYREQUIRED: LOGIN without TLS
	// where the configuration does not allow it.
	errPrivacyRequired = no(imap.ResponseCodePrivacyRequired, "plaintext authentication requires TLS")
	// RFC 5530 §3 AUTHENTICATIONFAILED.
	errAuthFailed = no(imap.ResponseCodeAuthenticationFailed, "authentication failed")
)

// errorResponse is the one place where an error becomes a tagged response.
// Store and directory errors are mapped to the response codes of RFC 5530;
// the detail of other errors goes to the log, never to the client.
func errorResponse(err error) *response {
	var r *response
	var se *rfc3501.SyntaxError
	switch {
	case errors.As(err, &r):
		return r
	case errors.As(err, &se):
		if errors.Is(err, rfc3501.ErrLineTooLong) {
			return bad("line too long")
		}
		return bad("syntax error at octet %d: %s", se.Pos, se.Msg)
	// The directory (server/directory).
	case errors.Is(err, directory.ErrAuthFailed),
		errors.Is(err, directory.ErrNotFound),
		errors.Is(err, directory.ErrInvalid):
		return errAuthFailed
	case errors.Is(err, directory.ErrUnavailable):
		return no(imap.ResponseCodeUnavailable, "user directory temporarily unavailable")
	// The store's closed set of errors.
	case errors.Is(err, store.ErrNotFound):
		return no(imap.ResponseCodeNonExistent, "no such mailbox")
	case errors.Is(err, store.ErrExists):
		return no(imap.ResponseCodeAlreadyExists, "mailbox already exists")
	case errors.Is(err, store.ErrPermission):
		return no(imap.ResponseCodeNoPerm, "permission denied")
	case errors.Is(err, store.ErrOverQuota):
		return no(imap.ResponseCodeOverQuota, "over quota")
	case errors.Is(err, store.ErrExpunged):
		return no(codeExpungeIssued, "message was expunged")
	case errors.Is(err, store.ErrTooBig):
		return no(imap.ResponseCodeTooBig, "message too big")
	case errors.Is(err, store.ErrInvalid):
		return no(imap.ResponseCodeCannot, "invalid argument")
	// A closed store or a cancelled context: the server is going away.
	case errors.Is(err, context.Canceled), errors.Is(err, os.ErrClosed):
		return no(imap.ResponseCodeUnavailable, "server shutting down")
	}
	// I/O errors and the like: RFC 5530 UNAVAILABLE, "temporary failure
	// because a subsystem is down".
	return no(imap.ResponseCodeUnavailable, "temporary server failure")
}

// isInternal reports whether err is a failure of the server rather than an
// answer a handler chose or a client mistake: those are logged at error
// level.
func isInternal(err error) bool {
	var r *response
	if errors.As(err, &r) && r.cause == nil {
		return false
	}
	var se *rfc3501.SyntaxError
	if errors.As(err, &se) {
		return false
	}
	for _, known := range []error{
		directory.ErrAuthFailed, directory.ErrNotFound, directory.ErrInvalid,
		store.ErrNotFound, store.ErrExists, store.ErrPermission, store.ErrOverQuota,
		store.ErrExpunged, store.ErrTooBig, store.ErrInvalid,
	} {
		if errors.Is(err, known) {
			return false
		}
	}
	return true
}
