// Package pop3 is Loft's POP3 engine: the connection loop, one command table,
// and the handlers that join the POP3 grammar (rfc/rfc1939, rfc/rfc2449,
// rfc/rfc1734, rfc/rfc2595) to the store and the directory.
//
// A session follows RFC 1939: the AUTHORIZATION state (USER/PASS, AUTH PLAIN
// and LOGIN, STLS, CAPA, QUIT), then the TRANSACTION state on a snapshot of the
// user's INBOX taken at login (STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL,
// CAPA, QUIT), then the UPDATE state at QUIT, which expunges the messages
// marked with DELE in one durable store operation. Message numbers index the
// snapshot; the unique-id of UIDL is "UIDVALIDITY.UID" (see rfc/rfc1939, which
// also documents what happens when several sessions open one maildrop: Loft's
// store takes no locks, so neither does POP3).
//
// Several sessions may therefore have one maildrop open. Each numbers the
// messages of its own snapshot, as RFC 1939 §4 numbers them when the
// maildrop is opened: STAT, LIST and UIDL describe that snapshot and
// nothing else, so messages delivered since login are not listed, and
// messages another session has removed still are. RETR and TOP of such a
// removed message answer "-ERR no such message: it was deleted by another
// session"; DELE of it succeeds. QUIT's "+OK" counts the messages the
// maildrop holds after the UPDATE state, from a snapshot taken then, so it
// counts other sessions' deletions and new deliveries too (§6's "(N messages
// left)").
//
// A client has Config.LoginTimeout from connect to authenticate, the TLS
// handshake of implicit TLS included; after that only the autologout timer
// of RFC 1939 §3 (Config.IdleTimeout) applies. Config.MaxConnections and
// Config.MaxConnectionsPerIP bound the sessions of a Server, whichever of
// its listeners (POP3, POP3S) they came through.
//
// Files: server.go (Config, Server, listeners, limits, shutdown), limits.go
// (sessions by client address), conn.go (the connection loop: line reading,
// pipelining, timeouts, recovery), commands.go (the command table, the single
// source for dispatch and CAPA), auth.go (USER, PASS, APOP, AUTH, STLS),
// sasl.go (the LOGIN mechanism's server side), maildrop.go (the session's
// snapshot), transaction.go (the TRANSACTION commands), errors.go (the one
// function that turns errors into -ERR lines).
package pop3
