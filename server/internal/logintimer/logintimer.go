// Package logintimer keeps the login timeout of a protocol session: the
// time a client has, from the moment its connection was accepted, to
// authenticate. IMAP, POP3 and ManageSieve share it; after
// authentication only their idle timeouts apply (RFC 3501 §5.4's
// autologout and its POP3 and ManageSieve counterparts).
package logintimer

import "time"

// Timer is the end of a session's login timeout; the zero Timer has none.
type Timer struct {
	end time.Time
}

// Start returns the Timer of a login timeout that runs from from (the
// connection's acceptance, or an UNAUTHENTICATE) for timeout; a timeout of
// 0 or less gives a Timer with no end.
func Start(from time.Time, timeout time.Duration) Timer {
	if timeout <= 0 {
		return Timer{}
	}
	return Timer{end: from.Add(timeout)}
}

// Deadline returns when the session's next read or write must be done:
// idle after now, or, while the client has not authenticated (pending),
// the end of the login timeout if that comes first.
func (t Timer) Deadline(now time.Time, idle time.Duration, pending bool) time.Time {
	d := now.Add(idle)
	if pending && !t.end.IsZero() && t.end.Before(d) {
		return t.end
	}
	return d
}

// Expired reports whether a client that has not authenticated (pending)
// has used up its login timeout at now.
func (t Timer) Expired(now time.Time, pending bool) bool {
	return pending && !t.end.IsZero() && !now.Before(t.end)
}
