package lmtp

import (
	"context"
	"io"
	"strings"

	"github.com/emersion/go-smtp"
	"github.com/loftmail/loft/rfc/rfc3463"
	"github.com/loftmail/loft/server/sieve"
)

// Filter decides, for one account, where a message goes, and stores it
// there: *sieve.Engine satisfies it (server/sieve). The server calls
// Deliver once per account after the whole message has been received,
// and answers that account's RCPTs from what it returns.
//
// Deliver returns only once every copy it stored is durable (DESIGN rule
// 6). A nil error with Outcome.Reject set refuses the message for the
// account, 550 5.7.1 (RFC 5429 §2.1.1, §2.5); a nil error otherwise means
// delivered, 250. An error means nothing was stored, and is mapped to a
// reply like a failed append (statusFor: store.ErrOverQuota gives 452
// 4.2.2 or 552 5.2.2, anything else a temporary failure), so the client
// keeps the message and tries again.
//
// The Delivery's Message is the account's copy: the Return-Path and
// Received fields, then the octets the client sent, CRLF line ends; its
// To is the forward-path of the first RCPT that reached the account.
type Filter interface {
	Deliver(ctx context.Context, d *sieve.Delivery) (sieve.Outcome, error)
}

// maxReason bounds the reject reason in the reply, so that the reply
// line stays well inside RFC 5321 §4.5.3.1.5's 512 octets.
const maxReason = 400

// rejected is the reply for a message a Sieve script refused (RFC 5429
// §2.1.1, §2.5): 550 5.7.1 and the reason. The reply is one line: the
// reason's lines are joined with spaces and the whole is cut to
// maxReason octets. (RFC 5429 §2.5 asks for a multi-line reply for a
// reason of several lines; go-smtp writes the recipient before the
// first line of a per-recipient reply and the enhanced code before the
// last only, which would put a line without its code first.) An empty
// reason reads "Message refused".
func rejected(reason string) *smtp.SMTPError {
	reason = strings.Join(strings.Fields(reason), " ")
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	if reason == "" {
		reason = "Message refused"
	}
	return reply(550, rfc3463.DeliveryNotAuthorized, "%s", reason)
}

// concatReaderAt reads the string head followed by the first size octets
// of tail.
type concatReaderAt struct {
	head string
	tail io.ReaderAt
	size int64 // of the whole
}

func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= c.size {
		return 0, io.EOF
	}
	n := 0
	if off < int64(len(c.head)) {
		n = copy(p, c.head[off:])
		off += int64(n)
	}
	if n == len(p) {
		return n, nil
	}
	rest := p[n:]
	if max := c.size - off; int64(len(rest)) > max {
		rest = rest[:max]
	}
	m, err := c.tail.ReadAt(rest, off-int64(len(c.head)))
	n += m
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}
