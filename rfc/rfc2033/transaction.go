package rfc2033

import "strings"

// Greeting is the command an LMTP client opens with (RFC 2033 §4.1).
const Greeting = "LHLO"

// IsGreeting reports whether a command line is the LMTP greeting: its verb
// is LHLO, matched case-insensitively (RFC 5321 §2.4). HELO and EHLO are not
// LMTP greetings (RFC 2033 §4.1).
func IsGreeting(command string) bool {
	verb, _, _ := strings.Cut(command, " ")
	return strings.EqualFold(verb, Greeting)
}

// Transaction is a client's view of one LMTP mail transaction: it records
// the reply to each RCPT and tells which replies DATA will produce (RFC 2033
// §4.2). The zero Transaction is empty and ready for use.
type Transaction struct {
	accepted []string
}

// Rcpt records the reply code given to RCPT TO for forwardPath. Only a
// positive completion reply (2yz, RFC 5321 §4.2.1) makes the recipient
// count.
func (t *Transaction) Rcpt(forwardPath string, replyCode int) {
	if replyCode/100 == 2 {
		t.accepted = append(t.accepted, forwardPath)
	}
}

// Accepted returns the recipients whose RCPT succeeded, in RCPT order. After
// the data, the server sends exactly one reply for each of them in this
// order, also when a recipient appears more than once (RFC 2033 §4.2: one
// reply for each successful RCPT command).
func (t *Transaction) Accepted() []string {
	return append([]string(nil), t.accepted...)
}

// DataReplies is the number of replies that follow the end of the data:
// len(Accepted()).
func (t *Transaction) DataReplies() int { return len(t.accepted) }

// DataAllowed reports whether DATA can succeed: with no accepted recipient
// the server must refuse it (RFC 2033 §4.2).
func (t *Transaction) DataAllowed() bool { return len(t.accepted) > 0 }

// Reset forgets the recipients, as RSET or the end of a transaction does.
func (t *Transaction) Reset() { t.accepted = t.accepted[:0] }
