package conformance

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/rfc/rfc5804"
)

// This file is the driver's ManageSieve command:
//
//	managesieve CONN [-nowait] [-sync] LINE...
//	    Open connection CONN on first use, printing the greeting (the
//	    capabilities and OK); send the LINEs, each ended by CRLF, in one
//	    write, then read one response per command: the data lines and the
//	    final OK, NO or BYE (RFC 5804 §4), literals printed in place. NO and
//	    BYE are refusals. A LINE that ends with a literal announcement
//	    "{N+}" or "{N}" continues with the next LINEs as the literal's
//	    octets; in a LINE, {file:NAME} is a literal "{N+}" (with -sync "{N}")
//	    holding the file NAME, its bare LFs made CRLF. After AUTHENTICATE,
//	    a server line that is not a final response is a SASL challenge:
//	    it ends the read, and the next LINE is the client's answer.

func cmdManageSieve(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	flags, rest := flagSet(args, "nowait", "sync")
	if len(rest) < 1 {
		ts.Fatalf("usage: managesieve CONN [-nowait] [-sync] LINE...")
	}
	name, lines := rest[0], rest[1:]
	s, greeting := st.open(ts, name, harness.ManageSieve, false, true)
	if len(lines) == 0 {
		st.finish(ts, neg, greeting, false)
		return
	}
	announce := "{%d+}\r\n"
	if _, sync := flags["sync"]; sync {
		announce = "{%d}\r\n"
	}
	var payload []byte
	for _, l := range lines {
		payload = append(payload, fileLiterals(ts, l, announce)...)
		payload = append(payload, '\r', '\n')
	}
	if err := s.c.Write(payload); err != nil {
		st.fatal(ts, "%s: write: %v", name, err)
	}
	if _, nowait := flags["nowait"]; nowait {
		st.finish(ts, neg, greeting, false)
		return
	}
	var out strings.Builder
	failed := false
	for _, cmd := range clientLines(payload) {
		if !s.sasl && hasWord(cmd, "AUTHENTICATE") {
			s.sasl = true
		}
		for {
			l, status, final, err := s.c.ReadManageSieve()
			out.WriteString(strings.ReplaceAll(l, "\r\n", "\n"))
			if err != nil {
				fmt.Fprint(ts.Stdout(), out.String())
				st.fatal(ts, "%s: after %.40q: %v", name, cmd, err)
			}
			if final {
				s.sasl = false
				failed = failed || status != rfc5804.OK
				break
			}
			if s.sasl {
				break // a SASL challenge: the next line answers it
			}
		}
	}
	st.finish(ts, neg, greeting+out.String(), failed)
}

func hasWord(line []byte, word string) bool {
	w, _, _ := bytes.Cut(line, []byte(" "))
	return strings.EqualFold(strings.TrimSuffix(string(w), "\r\n"), word)
}

// clientLines splits a payload into its logical lines (commands and SASL
// answers): a line that ends with a literal announcement goes on after the
// literal's octets.
func clientLines(payload []byte) [][]byte {
	var out [][]byte
	start, pos := 0, 0
	for pos < len(payload) {
		i := bytes.IndexByte(payload[pos:], '\n')
		if i < 0 {
			break // an unfinished line calls for no response
		}
		end := pos + i + 1
		if n, ok := literalEnd(payload[pos:end]); ok {
			pos = min(end+n, len(payload))
			continue
		}
		out = append(out, payload[start:end])
		start, pos = end, end
	}
	return out
}

var literalAnnouncement = regexp.MustCompile(`\{([0-9]+)\+?\}\r?\n$`)

func literalEnd(line []byte) (int, bool) {
	m := literalAnnouncement.FindSubmatch(line)
	if m == nil {
		return 0, false
	}
	var n int
	fmt.Sscan(string(m[1]), &n)
	return n, true
}
