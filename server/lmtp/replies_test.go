package lmtp

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"

	"github.com/loftmail/loft/rfc/rfc2034"
)

// captureConn is a net.Conn that records what is written to it.
type captureConn struct {
	net.Conn
	out bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// replyConn returns a conn with no network: its replies go to the
// returned buffer.
func replyConn(t *testing.T, tlsConfig *tls.Config) (*conn, *bytes.Buffer) {
	t.Helper()
	s := New(Config{Hostname: "mx.example.org", TLSConfig: tlsConfig})
	cc := &captureConn{}
	c := &conn{srv: s, nc: cc, eol: true}
	return c, &cc.out
}

// goSMTPReplies are the reply lines go-smtp v0.26 writes that replyRules
// rewrite, and what Loft sends instead (no TLS configured).
var goSMTPReplies = []struct{ in, want string }{
	{"502 5.5.1 Please introduce yourself first.\r\n", "503 5.5.1 Send LHLO first\r\n"},
	{"502 5.5.1 Missing MAIL FROM command.\r\n", "503 5.5.1 Send MAIL first\r\n"},
	{"502 5.5.1 Missing RCPT TO command.\r\n", "503 5.5.1 No recipient has been accepted\r\n"},
	{"502 5.5.1 MAIL not allowed during message transfer\r\n", "503 5.5.1 MAIL not allowed during message transfer\r\n"},
	{"502 5.5.1 RCPT not allowed during message transfer\r\n", "503 5.5.1 RCPT not allowed during message transfer\r\n"},
	{"502 5.5.1 DATA not allowed during message transfer\r\n", "503 5.5.1 DATA not allowed during message transfer\r\n"},
	{"250 2.0.0 Roger, accepting mail from <a@example.com>\r\n", "250 2.1.0 Roger, accepting mail from <a@example.com>\r\n"},
	{"250 2.0.0 Roger, accepting mail from <>\r\n", "250 2.1.0 Roger, accepting mail from <>\r\n"},
	{"250 2.0.0 I'll make sure <alice@example.org> gets this\r\n", "250 2.1.5 I'll make sure <alice@example.org> gets this\r\n"},
	{"250-Hello client.example\r\n", "250-mx.example.org Hello client.example\r\n"},
	{"250-CHUNKING\r\n", "250-CHUNKING\r\n"},
	{"501 5.5.2 Bad command\r\n", "500 5.5.2 Command not recognized\r\n"},
	{"500 5.4.0 Too long line, closing connection\r\n", "500 5.5.2 Line too long, closing connection\r\n"},
	{"500 5.5.1 Too many errors. Quiting now\r\n", "421 4.5.0 mx.example.org Too many errors, closing connection\r\n"},
	{"421 4.4.2 Idle timeout, bye bye\r\n", "421 4.4.2 mx.example.org Idle timeout, closing connection\r\n"},
	{"502 5.5.1 TLS not supported\r\n", "502 5.5.1 TLS not supported\r\n"},
	{"523 5.7.10 TLS is required\r\n", "502 5.5.1 AUTH not available\r\n"},
	{"354 Go ahead. End your data with <CR><LF>.<CR><LF>\r\n", "354 Go ahead. End your data with <CR><LF>.<CR><LF>\r\n"},
}

// passedReplies are lines no rule may touch, some of them close to one.
var passedReplies = []string{
	"220 mx.example.org LMTP Service Ready\r\n",
	"250-PIPELINING\r\n",
	"250 LIMITS RCPTMAX=1000\r\n",
	"250 2.0.0 Session reset\r\n",
	"250 2.0.0 <alice@example.org> Delivered, id ABC\r\n",
	"502 5.5.1 TURN command not implemented\r\n",
	"502 5.5.1 Please introduce yourself first. \r\n",
	"502 5.5.1 Missing MAIL FROM command\r\n",
	"250-Hello\r\n",
	"250 Hello client\r\n",
	"250-CHUNKING \r\n",
	"35\r\n",
	"500 5.5.2 Syntax errors, XYZW command unrecognized\r\n",
	"421 4.4.0 Connection error, sorry\r\n",
	"503 5.5.1 Nested MAIL command: a transaction is open\r\n",
	"a line with a bare LF\n",
	"\r\n",
	"\n",
	"x",
}

func TestReplyRules(t *testing.T) {
	for _, tt := range goSMTPReplies {
		c, out := replyConn(t, nil)
		if n, err := c.write([]byte(tt.in)); n != len(tt.in) || err != nil {
			t.Fatalf("write(%q) = %d, %v", tt.in, n, err)
		}
		if out.String() != tt.want {
			t.Errorf("%q became %q, want %q", tt.in, out, tt.want)
		}
	}
	for _, in := range passedReplies {
		c, out := replyConn(t, nil)
		c.write([]byte(in))
		if out.String() != in {
			t.Errorf("%q became %q", in, out)
		}
	}
}

// TestReplyRuleTable checks the table: no rule hides another, and every
// reply a rule writes is well formed with a status code of its class
// (RFC 5321 §4.2, RFC 2034 §4).
func TestReplyRuleTable(t *testing.T) {
	for i, a := range replyRules {
		if strings.Contains(strings.TrimSuffix(a.from, "\r\n"), "\n") {
			t.Errorf("rule %q: LF inside", a.from)
		}
		for j, b := range replyRules {
			if i != j && strings.HasPrefix(b.from, a.from) {
				t.Errorf("rule %q hides %q", a.from, b.from)
			}
		}
	}
	for _, tt := range goSMTPReplies {
		for _, line := range strings.SplitAfter(tt.want, "\r\n") {
			if line == "" || strings.HasPrefix(line, "250-") || strings.HasPrefix(line, "354 ") {
				continue
			}
			l, err := rfc2034.ParseReplyLine(strings.TrimSuffix(line, "\r\n"))
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if err := rfc2034.CheckReplyLine(l); err != nil {
				t.Errorf("%q: %v", line, err)
			}
		}
	}
}

// replyStream is a reply stream as go-smtp writes it: every rule and
// every passed line, in one sequence.
func replyStream() (in, want string) {
	var i, w strings.Builder
	for _, tt := range goSMTPReplies {
		if strings.HasPrefix(tt.in, "354 ") {
			continue // would start a DATA
		}
		i.WriteString(tt.in)
		w.WriteString(tt.want)
		for _, p := range passedReplies[:len(passedReplies)-1] {
			i.WriteString(p)
			w.WriteString(p)
		}
	}
	return i.String(), w.String()
}

// TestReplySplitWrites writes the stream in pieces of every size and at
// random places: the output is the same, and every line whose end has been
// written is on the network when write returns; only the start of an
// unfinished line that could still match a rule is held back.
func TestReplySplitWrites(t *testing.T) {
	in, want := replyStream()
	// The output due once the input up to a line's end has been written:
	// the rules work line by line, so it is that of each line alone.
	due := map[int]string{0: ""}
	var acc strings.Builder
	off := 0
	for _, line := range strings.SplitAfter(in, "\n") {
		off += len(line)
		acc.WriteString(rewrite(line))
		due[off] = acc.String()
	}
	if due[len(in)] != want {
		t.Fatalf("line by line %q, want %q", due[len(in)], want)
	}
	longest := 0
	for _, r := range replyRules {
		longest = max(longest, len(r.from))
	}
	check := func(name string, cuts []int) {
		c, out := replyConn(t, nil)
		prev := 0
		for _, cut := range append(cuts, len(in)) {
			c.write([]byte(in[prev:cut]))
			prev = cut
			done := strings.LastIndexByte(in[:cut], '\n') + 1
			if wantDone := due[done]; !strings.HasPrefix(out.String(), wantDone) {
				t.Fatalf("%s: after %d octets the output lacks complete lines:\n%q\nwant prefix\n%q", name, cut, out, wantDone)
			}
			if held := len(c.rw.head); held > longest || held > cut-done {
				t.Fatalf("%s: %d octets held back", name, held)
			}
		}
		if out.String() != want {
			t.Fatalf("%s: output differs:\n%q\nwant\n%q", name, out, want)
		}
	}
	for size := 1; size <= 8; size++ {
		var cuts []int
		for i := size; i < len(in); i += size {
			cuts = append(cuts, i)
		}
		check(fmt.Sprintf("size %d", size), cuts)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		var cuts []int
		for i := rnd.IntN(40); i < len(in); i += 1 + rnd.IntN(60) {
			cuts = append(cuts, i)
		}
		check("random", cuts)
	}
}

// rewrite returns what a fresh writer makes of in, written at once.
func rewrite(in string) string {
	cc := &captureConn{}
	c := &conn{srv: New(Config{Hostname: "mx.example.org"}), nc: cc}
	c.write([]byte(in))
	return cc.out.String()
}

func TestReplyStartTLS(t *testing.T) {
	srvTLS, _ := selfSigned(t, "mx.example.org")
	const startTLS = "502 5.5.1 TLS not supported\r\n"

	c, out := replyConn(t, srvTLS)
	c.write([]byte("250-CHUNKING\r\n"))
	if out.String() != "250-CHUNKING\r\n250-STARTTLS\r\n" {
		t.Errorf("LHLO with TLS configured: %q", out)
	}
	out.Reset()
	c.noteLine([]byte("STARTTLS\r\n"))
	c.write([]byte(startTLS))
	if out.String() != "220 2.0.0 Ready to start TLS\r\n" || !c.tlsPending {
		t.Errorf("STARTTLS: %q, pending %v", out, c.tlsPending)
	}

	c, out = replyConn(t, srvTLS)
	c.noteLine([]byte("xyz")) // the end of a BDAT chunk
	c.noteLine([]byte("starttls\n"))
	c.write([]byte(startTLS))
	if out.String() != "220 2.0.0 Ready to start TLS\r\n" {
		t.Errorf("STARTTLS after chunk data: %q", out)
	}

	c, out = replyConn(t, srvTLS)
	c.noteLine([]byte("STARTTLS now\r\n"))
	c.write([]byte(startTLS))
	if out.String() != "501 5.5.4 STARTTLS takes no parameters\r\n" || c.tlsPending {
		t.Errorf("STARTTLS with a parameter: %q, pending %v", out, c.tlsPending)
	}

	c, out = replyConn(t, srvTLS)
	c.tls.Store(true)
	c.write([]byte("250-CHUNKING\r\n" + startTLS))
	if out.String() != "250-CHUNKING\r\n503 5.5.1 TLS already active\r\n" || c.tlsPending {
		t.Errorf("over TLS: %q, pending %v", out, c.tlsPending)
	}
}

// TestReplyDropGreeting: after STARTTLS, the greeting of the new go-smtp
// connection is dropped, however it is written, and nothing else.
func TestReplyDropGreeting(t *testing.T) {
	greeting := "220 mx.example.org LMTP Service Ready\r\n"
	for _, cut := range []int{0, 1, 4, len(greeting) - 1, len(greeting)} {
		c, out := replyConn(t, nil)
		c.rw.dropGreeting = true
		s := greeting + "250-Hello c\r\n"
		c.write([]byte(s[:cut]))
		c.write([]byte(s[cut:]))
		if out.String() != "250-mx.example.org Hello c\r\n" {
			t.Errorf("cut %d: %q", cut, out)
		}
	}
}

func TestReplyStartsData(t *testing.T) {
	c, _ := replyConn(t, nil)
	if c.message() != nil {
		t.Fatal("message before 354")
	}
	c.write([]byte("354 Go ahead\r\n"))
	if c.mode != modeData || c.message() == nil {
		t.Fatal("no DATA after 354")
	}
	if c.message() != nil {
		t.Error("the message handed out twice")
	}
}

func FuzzReplyWriter(f *testing.F) {
	in, _ := replyStream()
	f.Add(in, uint16(17))
	f.Add("250-Hello x\r\n250 2.0.0 I'll make sure <a> gets this\r\n", uint16(3))
	f.Fuzz(func(t *testing.T, in string, cut uint16) {
		if strings.Contains(in, "354 ") || strings.Contains(in, "502 5.5.1 TLS not supported\r\n") {
			return // these act on the connection
		}
		at := int(cut) % (len(in) + 1)
		whole := rewrite(in)
		cc := &captureConn{}
		c := &conn{srv: New(Config{Hostname: "mx.example.org"}), nc: cc}
		c.write([]byte(in[:at]))
		c.write([]byte(in[at:]))
		if cc.out.String() != whole {
			t.Fatalf("%q cut at %d: %q, whole %q", in, at, cc.out.String(), whole)
		}
		// A line that no rule begins passes as it is.
		touched := false
		for _, line := range strings.SplitAfter(in, "\n") {
			if line == "" {
				continue
			}
			for _, r := range replyRules {
				if strings.HasPrefix(line, r.from) || strings.HasPrefix(r.from, line) && !strings.HasSuffix(line, "\n") {
					touched = true
				}
			}
		}
		if !touched && whole != in {
			t.Fatalf("%q became %q", in, whole)
		}
	})
}
