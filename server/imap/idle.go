package imap

import (
	"context"
	"errors"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// capIdle announces IDLE (RFC 2177 §3).
func capIdle(*conn) []string { return []string{"IDLE"} }

// errMailboxGone ends a session whose selected mailbox was deleted while it
// idled: the BYE has been sent.
var errMailboxGone = errors.New("the selected mailbox was deleted")

// idleEnd is what the client sent to end IDLE: DONE, another line (the
// decoder is then within it, err holding a syntax error or nil), or the
// read error.
type idleEnd struct {
	done bool
	err  error
}

// idle implements IDLE (RFC 2177 §3). After the continuation request
// ("+ idling") the session reports the changes of the selected mailbox as
// they happen, EXPUNGE included, until the client sends "DONE" (in any case:
// RFC 2177 §4 is ABNF, whose strings are case-insensitive); then the engine
// sends what is left and the tagged OK. Changes are found through
// store.Mailbox.Watch, which sees every session, process and server that
// shares the store (DESIGN.md rule 8). In the authenticated state nothing is
// reported, but the command still waits for DONE.
//
// A line other than DONE ends IDLE with a tagged BAD; the session goes on.
// The autologout timer (RFC 3501 §5.4, Config.IdleTimeout) keeps running
// while the client idles, as RFC 2177 §3 allows: it is the client's silence
// that counts, so a client that re-issues IDLE within the timer (every 29
// minutes, as §3 advises) is never logged out. The shutdown ends IDLE with
// "* BYE" at once; a mailbox deleted meanwhile ends the session with "* BYE".
//
// While idling, the connection's goroutine waits on the store's signal and
// on a second goroutine that reads the client's line, so that nothing is
// held beyond the two stacks, the watch and the session's own buffers.
func (c *conn) idle(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	var watch <-chan struct{}
	if c.sel != nil {
		// Watch before the first refresh, so that no change falls between.
		watch = c.sel.mbox.Watch(ctx)
	}
	// What changed since the last command comes first, as in RFC 2177
	// §3's example ("* 2 EXPUNGE" before "+ idling").
	if c.sel != nil && c.announce(true) {
		return c.idleGone()
	}
	c.enc.Continuation("idling").CRLF()
	if err := c.flush(); err != nil {
		return &abortError{err}
	}

	end := make(chan idleEnd, 1) // buffered: the reader never blocks on it
	go func() {
		c.waiting.Store(true)
		var word string
		done := dec.Atom(&word) && strings.EqualFold(word, "DONE") && dec.CRLF()
		c.waiting.Store(false)
		end <- idleEnd{done: done, err: dec.Err()}
	}()
	for {
		select {
		case _, ok := <-watch:
			if !ok {
				// The store is closing (shutdown): wait for the reader,
				// which the shutdown ends.
				watch = nil
				continue
			}
			if c.announce(true) {
				return c.idleGone()
			}
			if err := c.flush(); err != nil {
				// The reader ends when serve closes the connection.
				return &abortError{err}
			}
		case e := <-end:
			return c.idleDone(e)
		}
	}
}

// idleDone turns the line that ended IDLE into its completion.
//
// RFC 2177 §3: the only continuation IDLE takes is DONE. Another line (the
// client must not send a command while idling, nor anything else) is
// answered BAD and skipped as a refused command is (DiscardLine), with the
// non-synchronizing literals it announces (RFC 7888 §4): their octets are
// never read as commands. The session goes on.
func (c *conn) idleDone(e idleEnd) error {
	var se *rfc3501.SyntaxError
	switch {
	case e.done:
		return nil
	case errors.Is(e.err, errShutdown), isTimeout(e.err):
		return &abortError{e.err}
	case e.err != nil && !errors.As(e.err, &se):
		return e.err
	}
	if err := c.dec.DiscardLine(); err != nil {
		return &abortError{err}
	}
	return bad("expected DONE to end IDLE")
}

// idleGone ends the session whose selected mailbox was deleted while it
// idled (see endCommand for the same outside IDLE).
func (c *conn) idleGone() error {
	c.bye("the selected mailbox was deleted")
	return &abortError{errMailboxGone}
}
