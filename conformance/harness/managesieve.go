package harness

import (
	"time"

	"github.com/loftmail/loft/rfc/rfc5804"
)

// maxManageSieveLiteral bounds a literal the server sends (a script from
// GETSCRIPT, an error text).
const maxManageSieveLiteral = 64 << 20

// ReadManageSieve reads one logical ManageSieve server line (RFC 5804 §4):
// up to a CRLF outside any literal, the literals' octets in place. It
// returns the line with its CRLF and whether it is a final response (OK,
// NO or BYE) and which.
func (c *Conn) ReadManageSieve() (line string, status rfc5804.Status, final bool, err error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(c.timeout())); err != nil {
		return "", "", false, err
	}
	b, err := rfc5804.ReadLine(c.r, maxManageSieveLiteral)
	if err != nil {
		return string(b), "", false, err
	}
	status, final = rfc5804.FinalStatus(b)
	return string(b), status, final, nil
}

// ReadManageSieveResponse reads logical lines up to and including a final
// response and returns them, with whether that response was OK.
func (c *Conn) ReadManageSieveResponse() (lines []string, ok bool, err error) {
	for {
		l, status, final, err := c.ReadManageSieve()
		if err != nil {
			return lines, false, err
		}
		lines = append(lines, l)
		if final {
			return lines, status == rfc5804.OK, nil
		}
	}
}
