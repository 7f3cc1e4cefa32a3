package lmtp

import "bytes"

// replyRule rewrites a reply line that go-smtp v0.26 writes itself. from
// is the start of the line exactly as go-smtp writes it (its conn.go and
// server.go); when it ends in CRLF it is the whole line. The writer puts
// to(c) in its place and passes the rest of the line through as it is.
// The tests in conn_test.go make go-smtp write each of them, so that a
// go-smtp whose replies have changed fails them.
type replyRule struct {
	from string
	to   func(c *conn) string
}

// as is a rule's replacement that does not depend on the connection.
func as(s string) func(*conn) string { return func(*conn) string { return s } }

// replyRules are all the rewrites; no from is a prefix of another. Every
// other line passes through unchanged.
var replyRules = []replyRule{
	// A command out of sequence is 503 (RFC 5321 §4.3.2; RFC 2033 §4.2 for
	// DATA with no accepted recipient), 5.5.1 (RFC 3463 §3.6 X.5.1 Invalid
	// command). go-smtp writes 502, which says the command is unknown to the
	// server (§4.2.4). In turn: MAIL (or AUTH) before LHLO; RCPT before MAIL; DATA
	// or BDAT with no accepted recipient; MAIL, RCPT, DATA during BDAT.
	{"502 5.5.1 Please introduce yourself first.\r\n", as("503 5.5.1 Send LHLO first\r\n")},
	{"502 5.5.1 Missing MAIL FROM command.\r\n", as("503 5.5.1 Send MAIL first\r\n")},
	{"502 5.5.1 Missing RCPT TO command.\r\n", as("503 5.5.1 No recipient has been accepted\r\n")},
	{"502 5.5.1 MAIL not allowed during message transfer\r\n", as("503 5.5.1 MAIL not allowed during message transfer\r\n")},
	{"502 5.5.1 RCPT not allowed during message transfer\r\n", as("503 5.5.1 RCPT not allowed during message transfer\r\n")},
	{"502 5.5.1 DATA not allowed during message transfer\r\n", as("503 5.5.1 DATA not allowed during message transfer\r\n")},

	// MAIL and RCPT succeed with the codes of RFC 3463 §3.2: X.1.0 Other
	// address status for the sender, X.1.5 Destination address valid for
	// a recipient, as in RFC 2034 §6's example. go-smtp writes 2.0.0.
	{"250 2.0.0 Roger, accepting mail from <", as("250 2.1.0 Roger, accepting mail from <")},
	{"250 2.0.0 I'll make sure <", as("250 2.1.5 I'll make sure <")},

	// The LHLO reply (RFC 2033 §4.1) takes EHLO's form, RFC 5321 §4.1.1.1
	// ehlo-ok-rsp: the server's Domain first, then an optional greeting.
	// go-smtp writes "Hello" and the client's name; they become the
	// greeting.
	{"250-Hello ", func(c *conn) string { return "250-" + c.srv.cfg.Hostname + " Hello " }},
	// STARTTLS (RFC 3207 §2) is offered by conn, which does TLS; go-smtp
	// knows nothing of it. It goes after CHUNKING, where go-smtp would put
	// it.
	{"250-CHUNKING\r\n", (*conn).chunkingLine},

	// RFC 5321 §4.2.4 and §4.2.2: a command that is not recognised, or a
	// command line that is too long (§4.5.3.1.4), is 500; RFC 3463 §3.6
	// X.5.2 Syntax error. go-smtp writes 501 (the code for an error in
	// the arguments) for a line it cannot split into a four-letter verb
	// and arguments, and 5.4.0 (a network status) for a long line.
	{"501 5.5.2 Bad command\r\n", as("500 5.5.2 Command not recognized\r\n")},
	// go-smtp closes the connection after it, while the client may still
	// be sending the line: conn lingers (conn.go).
	{"500 5.4.0 Too long line, closing connection\r\n", func(c *conn) string {
		c.linger.Store(true)
		return "500 5.5.2 Line too long, closing connection\r\n"
	}},
	// go-smtp closes the connection after its reply to a fourth command it
	// does not recognise, and writes this line before it does. RFC 5321
	// §3.8 lets a server close on its own only after a 421 reply, which a
	// client reads as the reply to its next command; RFC 3463 §3.6 X.5.0
	// Other protocol status. (§3.8 also asks a server to put up with
	// unknown commands; rfc/rfc2033's doc lists this as a deviation.)
	{"500 5.5.1 Too many errors. Quiting now\r\n", func(c *conn) string {
		c.linger.Store(true)
		return "421 4.5.0 " + c.srv.cfg.Hostname + " Too many errors, closing connection\r\n"
	}},

	// go-smtp writes this when a read times out, then closes the
	// connection (RFC 5321 §3.8). A read times out at the idle timeout
	// (RFC 5321 §4.5.3.2.7), and also when Shutdown drains an idle
	// connection (conn.drain): that one must say that the server is
	// shutting down, 4.3.2 (RFC 3463 §3.4 X.3.2 System not accepting
	// network messages), not that the client was idle.
	{"421 4.4.2 Idle timeout, bye bye\r\n", (*conn).timeoutReply},

	// go-smtp has no TLS configuration (conn does STARTTLS), so it answers
	// every STARTTLS this way; conn answers in its place.
	{"502 5.5.1 TLS not supported\r\n", (*conn).starttlsReply},
	// Loft offers no AUTH (the LHLO reply lists none), so after LHLO it is a
	// command the server lacks: 502 (RFC 5321 §4.2.4). go-smtp writes RFC
	// 4954's 523 Encryption needed, as if TLS would make it work.
	{"523 5.7.10 TLS is required\r\n", as("502 5.5.1 AUTH not available\r\n")},

	// 354: the message of the DATA follows, which conn reads itself.
	{"354 ", func(c *conn) string { c.startData(); return "354 " }},
}

// chunkingLine is the CHUNKING line of the LHLO reply, followed by
// STARTTLS when TLS is configured and not yet on (RFC 3207 §4.2: not
// offered again after it).
func (c *conn) chunkingLine() string {
	if c.srv.cfg.TLSConfig != nil && !c.tls.Load() {
		return "250-CHUNKING\r\n250-STARTTLS\r\n"
	}
	return "250-CHUNKING\r\n"
}

// timeoutReply is the 421 for a read that timed out: the shutdown's, or
// the idle timeout's, 4.4.2 (RFC 3463 §3.5 X.4.2 Bad connection, "because
// of time-out"). Both name the server first, as 421 does in RFC 5321
// §4.2.3.
func (c *conn) timeoutReply() string {
	if c.draining.Load() || c.srv.shuttingDown.Load() {
		return c.srv.shutdownLine()
	}
	return "421 4.4.2 " + c.srv.cfg.Hostname + " Idle timeout, closing connection\r\n"
}

// starttlsReply answers STARTTLS (RFC 3207 §4): 220, after which the next
// read runs the handshake; 501 when the command has parameters; 503 5.5.1
// once TLS is on (the command is out of sequence, RFC 5321 §4.3.2); and,
// with no TLS configured, go-smtp's own 502 (the command is unavailable).
func (c *conn) starttlsReply() string {
	switch {
	case c.srv.cfg.TLSConfig == nil:
		return "502 5.5.1 TLS not supported\r\n"
	case c.tls.Load():
		return "503 5.5.1 TLS already active\r\n"
	case !c.bareSTARTTLS():
		return "501 5.5.4 STARTTLS takes no parameters\r\n"
	}
	c.mu.Lock()
	c.tlsPending = true
	c.mu.Unlock()
	return "220 2.0.0 Ready to start TLS\r\n"
}

// replyWriter is the state of the reply stream between writes.
type replyWriter struct {
	state lineState
	head  []byte // the start of the current line, not yet written
	out   []byte // reused output buffer
	// dropGreeting drops the next line: the greeting go-smtp writes on a
	// leg after STARTTLS, where the protocol goes on without one (RFC
	// 3207 §4.2).
	dropGreeting bool
}

// lineState is where the writer is in the current line.
type lineState uint8

const (
	lineStart lineState = iota // at the start of a line
	lineHead                   // collecting the start: a rule may match
	linePass                   // decided: the rest of the line passes
	lineDrop                   // the rest of the line is dropped
)

// write rewrites p, go-smtp's reply octets, and writes the result to the
// network. A line is held back only while its start could still match a
// rule, never past its CRLF, so every complete reply in p is on the
// network when write returns: pipelined and per-recipient replies flow as
// go-smtp writes them. Lines that match no rule pass octet for octet.
func (c *conn) write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	w := &c.rw
	out := w.out[:0]
	for rest := p; len(rest) > 0; {
		switch w.state {
		case linePass, lineDrop:
			n := len(rest)
			i := bytes.IndexByte(rest, '\n')
			if i >= 0 {
				n = i + 1
			}
			if w.state == linePass {
				out = append(out, rest[:n]...)
			}
			if i >= 0 {
				w.state = lineStart
			}
			rest = rest[n:]
		case lineStart:
			if w.dropGreeting {
				w.dropGreeting = false
				w.state = lineDrop
				continue
			}
			w.state = lineHead
		case lineHead:
			w.head = append(w.head, rest[0])
			rest = rest[1:]
			out = w.match(c, out)
		}
	}
	w.out = out[:0]
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := c.netConn().Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// match decides the current line once its start matches a rule or can
// match none, appending what is to be written to out.
func (w *replyWriter) match(c *conn, out []byte) []byte {
	h := w.head
	undecided := false
	for i := range replyRules {
		r := &replyRules[i]
		switch {
		case len(h) == len(r.from) && string(h) == r.from:
			out = append(out, r.to(c)...)
			return w.decided(out, h)
		case len(h) < len(r.from) && r.from[:len(h)] == string(h):
			undecided = true
		}
	}
	if undecided && h[len(h)-1] != '\n' {
		return out
	}
	out = append(out, h...)
	return w.decided(out, h)
}

// decided ends the collection of the line's start h.
func (w *replyWriter) decided(out, h []byte) []byte {
	if h[len(h)-1] == '\n' {
		w.state = lineStart
	} else {
		w.state = linePass
	}
	w.head = h[:0]
	return out
}
