package lmtp

import (
	"errors"
	"fmt"

	"github.com/emersion/go-smtp"
	"github.com/loftmail/loft/rfc/rfc3463"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

// reply builds the reply go-smtp writes for a command or a recipient. The
// reply code and the enhanced status code agree in class (RFC 2034 §4).
func reply(code int, status rfc3463.Code, format string, args ...any) *smtp.SMTPError {
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{status.Class, status.Subject, status.Detail},
		Message:      fmt.Sprintf(format, args...),
	}
}

// delivered is the per-recipient reply for a message the store has made
// durable. go-smtp writes any *SMTPError handed to its StatusCollector as
// the recipient's reply, whatever its code, so a 250 travels that way too;
// nil would give go-smtp's own text, which speaks of queueing.
func delivered(txID string) *smtp.SMTPError {
	return reply(250, rfc3463.OK, "Delivered, id %s", txID)
}

// overQuota is the reply for an account that is full: 452 4.2.2 by
// default, 552 5.2.2 when the configuration makes it permanent (RFC 3463
// §3.3 X.2.2 Mailbox full; RFC 5321 §4.2.2 452 and 552).
func (s *Server) overQuota() *smtp.SMTPError {
	if s.cfg.OverQuotaPermanent {
		return reply(552, rfc3463.MailboxFull, "Mailbox full")
	}
	return reply(452, rfc3463.MailboxFullTemporary, "Mailbox full, try again later")
}

// Replies that do not depend on an error value.
var (
	errUnknownUser = reply(550, rfc3463.BadDestinationMailbox, "No such user here")
	errDisabled    = reply(550, rfc3463.MailboxDisabled, "Mailbox disabled, not accepting messages")
	errBadRcpt     = reply(553, rfc3463.BadDestinationSyntax, "Bad destination mailbox address syntax")
	errBadSender   = reply(553, rfc3463.BadSenderSyntax, "Bad sender mailbox address syntax")
	errBadBody     = reply(501, rfc3463.InvalidArguments, "BODY must be 7BIT or 8BITMIME")
	errNestedMail  = reply(503, rfc3463.InvalidCommand, "Nested MAIL command: a transaction is open")
	errNoMail      = reply(503, rfc3463.InvalidCommand, "No mail transaction: send MAIL first")
	errTooBig      = reply(552, rfc3463.MessageTooBig, "Message too big for system")
	errLongLine    = reply(500, rfc3463.SyntaxError, "Line too long")
	errTemporary   = reply(451, rfc3463.SystemTemporary, "Local error, try again later")
	errDirectory   = reply(451, rfc3463.DirectoryFailure, "Directory unavailable, try again later")
	errMailbox     = reply(450, rfc3463.MailboxTemporary, "Mailbox unavailable, try again later")
)

// shutdownStatus is the reply to a command refused because the server is
// shutting down: 421 (RFC 5321 §3.8), 4.3.2 (RFC 3463 §3.4 X.3.2 System
// not accepting network messages). shutdownLine is the same reply as go-smtp
// would write it, for the connection to write itself.
func (s *Server) shutdownStatus() *smtp.SMTPError {
	return reply(421, rfc3463.SystemNotAccepting, "%s", s.shutdownText())
}

func (s *Server) shutdownLine() string {
	return "421 4.3.2 " + s.shutdownText() + "\r\n"
}

func (s *Server) shutdownText() string {
	return s.cfg.Hostname + " shutting down, try again later"
}

// statusFor maps an error from the directory, the store or the data
// stream to the reply for one recipient. It is the one place where LMTP
// decides which failures are permanent: only those the sender can act on
// (unknown or disabled recipient, message too big, permanent quota); every
// other failure is temporary, so that no message is lost to a passing
// fault (DESIGN, "never losing a message").
func (s *Server) statusFor(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return se
	case errors.Is(err, smtp.ErrDataTooLarge), errors.Is(err, store.ErrTooBig):
		return errTooBig
	case errors.Is(err, smtp.ErrTooLongLine):
		return errLongLine
	case errors.Is(err, store.ErrOverQuota):
		return s.overQuota()
	case errors.Is(err, directory.ErrNotFound):
		return errUnknownUser
	case errors.Is(err, directory.ErrUnavailable):
		return errDirectory
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrPermission):
		return errMailbox
	}
	return errTemporary
}
