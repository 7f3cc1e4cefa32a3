package harness

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ReadIMAP reads one IMAP server response (RFC 3501 §7): a line, and when the
// line ends with a literal announcement "{N}", the N octets of the literal and
// the rest of the response after it, as often as literals come. The result
// holds the literals' octets in place, CRLFs included, and no final CRLF.
func (c *Conn) ReadIMAP() (string, error) {
	var b strings.Builder
	for {
		line, err := c.ReadLine()
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		n, ok := literalSize(line)
		if !ok {
			return b.String(), nil
		}
		b.WriteString("\r\n")
		if err := c.nc.SetReadDeadline(time.Now().Add(c.timeout())); err != nil {
			return b.String(), err
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(c.r, lit); err != nil {
			return b.String(), fmt.Errorf("reading a literal of %d octets: %w", n, err)
		}
		b.Write(lit)
	}
}

// literalSize reports whether line ends with a literal announcement "{N}"
// (RFC 3501 §4.3), and returns N.
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(line[i+1:len(line)-1], 10, 64)
	if err != nil || n < 0 || line[i+1] == '+' || line[i+1] == '-' {
		return 0, false
	}
	return n, true
}

// IMAPLiteral reports whether a client command line, with or without its
// CRLF, ends with a synchronising literal announcement "{N}", after which the
// client waits for a continuation request (RFC 3501 §7.5) before it sends
// the N octets; it returns N.
func IMAPLiteral(line string) (int64, bool) {
	return literalSize(strings.TrimRight(line, "\r\n"))
}

// IMAPContinuation reports whether a server response is a continuation
// request (RFC 3501 §7.5): "+" followed by SP and text, or "+" alone.
func IMAPContinuation(resp string) bool {
	return resp == "+" || strings.HasPrefix(resp, "+ ")
}

// IMAPTagged returns the status (OK, NO, BAD) of resp if it is the tagged
// response of tag, and "" otherwise.
func IMAPTagged(resp, tag string) string {
	rest, ok := strings.CutPrefix(resp, tag+" ")
	if !ok || tag == "" {
		return ""
	}
	status, _, _ := strings.Cut(rest, " ")
	return strings.ToUpper(status)
}

// IMAPCommand sends one command line (CRLF added) and reads the responses up
// to and including the tagged one, whose tag is the line's first word. It
// returns every response and the tagged status. A continuation request also
// ends the reading (the caller then sends what it asks for).
func (c *Conn) IMAPCommand(line string) (resps []string, status string, err error) {
	tag, _, _ := strings.Cut(line, " ")
	if err := c.WriteLine(line); err != nil {
		return nil, "", err
	}
	return c.ReadIMAPUntil(tag)
}

// ReadIMAPUntil reads responses until the tagged response of tag or a
// continuation request, and returns them all with the tagged status ("" after
// a continuation request).
func (c *Conn) ReadIMAPUntil(tag string) (resps []string, status string, err error) {
	for {
		r, err := c.ReadIMAP()
		if err != nil {
			return resps, "", err
		}
		resps = append(resps, r)
		if IMAPContinuation(r) {
			return resps, "", nil
		}
		if st := IMAPTagged(r, tag); st != "" {
			return resps, st, nil
		}
	}
}
