package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/loftmail/loft/conformance/harness"
	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory/ldaptest"
)

// The commands a transcript may use besides testscript's own. Each protocol
// command writes the server's lines, without CRLF, to stdout, so that
// `stdout 'regexp'` asserts on them, and fails when the server refuses any
// of them (-ERR, 4xx, 5xx), so that an expected refusal is written `! pop3 …`.
// Lines that break the protocol (a bare LF, a malformed reply, no answer
// within harness.DefaultTimeout) fail the script whatever the `!`.
//
//	serve [imap] [imaps] [pop3] [pop3s] [lmtp] [managesieve] [-config=FILE] [-plaintext=never|loopback|always] [-clock=TIME]
//	    Start the assembled server (every listener when none is named)
//	    with a fresh data directory under $WORK, and stop it when the script
//	    ends. Sets IMAP_ADDR, IMAPS_ADDR, POP3_ADDR, POP3S_ADDR, LMTP_ADDR,
//	    MANAGESIEVE_ADDR
//	    (host:port), the matching *_PORT variables, LOFT_HOSTNAME and
//	    LOFT_DATA. The server logs to $WORK/server.log. -clock=TIME (RFC
//	    3339) stops the clock of the IMAP search keys that depend on the
//	    current time (RFC 5032 OLDER, YOUNGER) at TIME.
//	adduser LOGIN PASSWORD [ADDRESS...] [-quota-storage=N] [-quota-messages=N] [-disabled]
//	    Create an account in the running server's directory: the file
//	    directory, or the LDAP directory when the transcript runs against
//	    LDAP (the conditions [file] and [ldap] say which).
//	pop3 CONN [-tls] [-raw] [-nowait] [-pad=N] [-save=FILE] [-strip-trace] LINE...
//	lmtp CONN [-raw] [-nowait] [-pad=N] LINE...
//	    Open connection CONN on first use (over implicit TLS with -tls),
//	    printing the greeting; send the LINEs, each ended by CRLF, in one
//	    write (so several LINEs are a pipelined group), then read one
//	    response per line in order. A POP3 response is one line, or a
//	    multi-line response up to "." for LIST/UIDL without argument, RETR,
//	    TOP, CAPA and AUTH without argument when the status is +OK. An LMTP
//	    response is one reply ("250-…" lines up to "250 …"); once DATA is
//	    answered 354, lines are message content, and the "." line is
//	    answered by one reply per recipient that RCPT accepted (RFC 2033
//	    §4.2). -raw sends the LINEs as they are after expanding \r \n \t \\
//	    and \xHH, and reads one response per LF sent. -pad=N appends N "x"
//	    to the last LINE. -nowait sends without reading; `expect` reads.
//	    -save=FILE writes the octets of the last multi-line response,
//	    unstuffed and CRLF-ended, to FILE; with -strip-trace, the trace
//	    fields that delivery put in front of the message (Return-Path,
//	    Received, Delivered-To) are left out.
//	imap CONN [-tls] [-raw] [-nowait] [-pad=N] [-tag=TAG] [-until=REGEXP] LINE...
//	    As pop3, for IMAP (-tls: the IMAPS listener). Each LINE is a command
//	    whose tag is its first word (or TAG), or the continuation of a
//	    command in progress (a literal's octets, an AUTHENTICATE response,
//	    DONE): the responses are read up to the tagged response of the
//	    command, or up to a continuation request ("+ …"), which leaves the
//	    command in progress. A LINE that ends with a synchronising literal
//	    "{N}" is answered by a continuation request, after which the next N
//	    octets sent are the literal: the LINEs are written up to each such
//	    announcement and the rest only after the continuation request, and
//	    when the server answers an announcement with the tagged response
//	    instead (a refused literal), the rest is not sent (-raw and -nowait
//	    write everything at once). Responses with literals are printed with
//	    the literal's octets in place. A tagged NO or BAD is a refusal.
//	    In a LINE, {file:NAME} is a synchronising literal with the content
//	    of the file NAME, its bare LFs made CRLF.
//	    -until=REGEXP reads, after the last LINE, until a line matches
//	    REGEXP instead; the command stays in progress if that line is a
//	    continuation request (IDLE's "+ idling"), and otherwise the next
//	    LINE starts a new command (as after an untagged BAD for a line
//	    whose tag the server could not read).
//	send [-raw] [-nowait] CONN FILE
//	    Send FILE's content (bare LFs made CRLF unless -raw) in one write and
//	    read the responses its lines call for, as for pop3/lmtp; for IMAP
//	    without -raw, synchronising literals wait for "+" as for imap.
//	managesieve CONN [-nowait] [-sync] LINE...
//	    As pop3, for ManageSieve: see managesieve_test.go.
//	starttls CONN
//	    Run the TLS handshake after the server accepted STLS or STARTTLS;
//	    for ManageSieve, then read and print the capabilities and OK that
//	    the server sends again (RFC 5804 §2.2).
//	expect CONN REGEXP
//	    Read lines until one matches REGEXP; print them all.
//	eof CONN
//	    Require the server to close CONN without sending anything more.
//	close CONN
//	    Close CONN from the client side, without a goodbye.
//	capture REGEXP
//	    Match REGEXP against the last protocol output (multi-line mode);
//	    each named group (?P<name>…) sets $name, and $name_re to the value
//	    quoted for use in a regexp.
//	transcript [-imap|-imaps|-pop3|-pop3s|-lmtp|-managesieve] CONN FILE
//	    Replay FILE's "C: " and "S: " lines (RFC-style examples): runs of C:
//	    lines are sent in one write; each S: line is a regexp that the next
//	    server line must match whole; an "S= " line is the next server line
//	    exactly, for responses full of the characters regexps treat
//	    specially. ${name} expands to a captured value (quoted in S: lines,
//	    as it is in S= lines); named groups in S: lines capture. "S* REGEXP"
//	    lets any number of lines matching REGEXP come before the line that
//	    matches the next S: line (for a message's varying trace fields). With a
//	    protocol flag, CONN is opened without reading the greeting, so the
//	    first S: line matches it.
//	deliver [-from=ADDRESS] RCPT... FILE
//	    Deliver FILE over a new LMTP connection (LHLO, MAIL, RCPT, DATA,
//	    QUIT); fails unless every recipient gets 250.
//	octets N FILE...
//	    Require the files together to hold exactly N octets.
//	mkfile FILE TEXT
//	    Write TEXT to FILE after expanding \r \n \t \\ and \xHH, for
//	    contents that a txtar section cannot hold (octets that are not
//	    UTF-8, lines without LF).
var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"serve":       cmdServe,
	"adduser":     cmdAddUser,
	"imap":        cmdIMAP,
	"managesieve": cmdManageSieve,
	"pop3":        cmdPOP3,
	"lmtp":        cmdLMTP,
	"send":        cmdSend,
	"starttls":    cmdStartTLS,
	"expect":      cmdExpect,
	"eof":         cmdEOF,
	"close":       cmdClose,
	"capture":     cmdCapture,
	"transcript":  cmdTranscript,
	"deliver":     cmdDeliver,
	"octets":      cmdOctets,
	"mkfile":      cmdMkfile,
}

type stateKey struct{}

// state is one script's server and connections.
type state struct {
	work      string
	directory *server.DirectoryConfig // nil: the file directory
	srv       *harness.Server
	logPath   string
	conns     map[string]*session
	last      string // the output of the last protocol command, for capture
}

// session is one named connection and what the driver knows of its
// protocol state, which decides how many response lines to read.
type session struct {
	name  string
	proto string // harness.IMAP, harness.POP3, harness.LMTP or harness.ManageSieve
	c     *harness.Conn
	// IMAP: the tag of the command in progress (waiting for its tagged
	// response), and, for one imap command, the -tag and -until flags.
	tag     string
	tagFlag string
	untilRE *regexp.Regexp
	sasl    bool // POP3, ManageSieve: the last response was a SASL challenge
	rcpts   int  // LMTP: recipients accepted in the current transaction
	data    bool // LMTP: DATA was answered 354; lines are message content
}

// ldapDirectory is the [directory] section of a server that uses tree on
// ldapServer.
func ldapDirectory(ldapServer *ldaptest.Server, tree *ldaptest.Tree) *server.DirectoryConfig {
	dc := server.DefaultConfig().Directory
	dc.Backend = "ldap"
	l := &dc.LDAP
	l.URLs = []string{ldapServer.URL}
	l.BindDN = ldaptest.ServiceDN
	l.BindPassword = ldaptest.ServicePassword
	l.UserBase, l.GroupBase, l.SettingsDN = tree.UserBase, tree.GroupBase, tree.SettingsDN
	// Generous timeouts: a loaded machine must not make slapd look down.
	l.DialTimeout = server.Duration(time.Minute)
	l.RequestTimeout = server.Duration(time.Minute)
	return &dc
}

// setupFor returns the Setup of testscript for one directory backend:
// with LDAP, each transcript gets a subtree of its own on ldapServer, and
// its server is configured to use it.
func setupFor(backend string, ldapServer *ldaptest.Server) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		st := &state{work: env.WorkDir, conns: map[string]*session{}}
		if backend == backendLDAP {
			tree, err := ldapServer.NewTree()
			if err != nil {
				return err
			}
			st.directory = ldapDirectory(ldapServer, tree)
		}
		env.Values[stateKey{}] = st
		return nil
	}
}

func getState(ts *testscript.TestScript) *state {
	return ts.Value(stateKey{}).(*state)
}

// flagSet splits args into the flags named in known ("-name" or
// "-name=value") and the rest, in order.
func flagSet(args []string, known ...string) (map[string]string, []string) {
	flags := map[string]string{}
	var rest []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			name, value, _ := strings.Cut(a[1:], "=")
			matched := false
			for _, k := range known {
				if k == name {
					flags[name] = value
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		rest = append(rest, a)
	}
	return flags, rest
}

func (st *state) logTail() string {
	if st.logPath == "" {
		return ""
	}
	b, err := os.ReadFile(st.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "\nlast lines of server.log:\n" + strings.Join(lines, "\n")
}

// fatal fails the script, whatever its `!`, with the server's log tail.
func (st *state) fatal(ts *testscript.TestScript, format string, args ...any) {
	ts.Fatalf("%s%s", fmt.Sprintf(format, args...), st.logTail())
}

func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! serve")
	}
	st := getState(ts)
	if st.srv != nil {
		ts.Fatalf("serve: a server is already running")
	}
	flags, protos := flagSet(args, "config", "plaintext", "clock")
	if len(protos) == 0 {
		protos = []string{harness.IMAP, harness.IMAPS, harness.POP3, harness.POP3S, harness.LMTP, harness.ManageSieve}
	}
	for _, p := range protos {
		switch p {
		case harness.IMAP, harness.IMAPS, harness.POP3, harness.POP3S, harness.LMTP, harness.ManageSieve:
		default:
			ts.Fatalf("usage: serve [imap] [imaps] [pop3] [pop3s] [lmtp] [managesieve] [-config=FILE] [-plaintext=MODE] [-clock=TIME]; unknown %q", p)
		}
	}
	dir := filepath.Join(st.work, ".loft")
	ts.Check(os.MkdirAll(dir, 0o700))
	st.logPath = filepath.Join(st.work, "server.log")
	logFile, err := os.Create(st.logPath)
	ts.Check(err)
	opts := harness.Options{Dir: dir, Protocols: protos, Plaintext: flags["plaintext"], Log: logFile, Directory: st.directory}
	if f, ok := flags["config"]; ok {
		opts.ConfigFile = ts.MkAbs(f)
	}
	if c, ok := flags["clock"]; ok {
		now, err := time.Parse(time.RFC3339, c)
		if err != nil {
			ts.Fatalf("serve: -clock: %v", err)
		}
		opts.Now = func() time.Time { return now }
	}
	srv, err := harness.Start(opts)
	if err != nil {
		logFile.Close()
		st.fatal(ts, "serve: %v", err)
	}
	st.srv = srv
	ts.Defer(func() {
		for _, s := range st.conns {
			s.c.Close()
		}
		if err := srv.Stop(); err != nil {
			ts.Logf("server shutdown: %v", err)
		}
		logFile.Close()
	})
	for p, addr := range srv.Addr {
		_, port, _ := net.SplitHostPort(addr)
		v := strings.ToUpper(p)
		ts.Setenv(v+"_ADDR", addr)
		ts.Setenv(v+"_PORT", port)
	}
	ts.Setenv("LOFT_HOSTNAME", harness.Hostname)
	ts.Setenv("LOFT_DATA", srv.Config.DataDir)
}

func (st *state) server(ts *testscript.TestScript) *harness.Server {
	if st.srv == nil {
		ts.Fatalf("no server: run serve first")
	}
	return st.srv
}

func cmdAddUser(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	flags, rest := flagSet(args, "quota-storage", "quota-messages", "disabled")
	if len(rest) < 2 {
		ts.Fatalf("usage: adduser LOGIN PASSWORD [ADDRESS...] [-quota-storage=N] [-quota-messages=N] [-disabled]")
	}
	_, disabled := flags["disabled"]
	u := harness.User{Login: rest[0], Password: rest[1], Addresses: rest[2:], Disabled: disabled}
	for name, dst := range map[string]*int64{"quota-storage": &u.QuotaStorage, "quota-messages": &u.QuotaMessages} {
		if v, ok := flags[name]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				ts.Fatalf("adduser: -%s=%q: %v", name, v, err)
			}
			*dst = n
		}
	}
	err := st.server(ts).AddUser(u)
	if err != nil {
		fmt.Fprintln(ts.Stdout(), err)
	}
	switch {
	case neg && err == nil:
		ts.Fatalf("adduser %s: unexpected success", u.Login)
	case !neg && err != nil:
		ts.Fatalf("adduser: %v", err)
	}
}

// open returns the session named name, opening it on first use.
func (st *state) open(ts *testscript.TestScript, name, proto string, useTLS, readGreeting bool) (*session, string) {
	if s, ok := st.conns[name]; ok {
		if s.proto != proto {
			ts.Fatalf("connection %s is %s, not %s", name, s.proto, proto)
		}
		if useTLS {
			ts.Fatalf("connection %s is already open: -tls applies to its first use", name)
		}
		return s, ""
	}
	srv := st.server(ts)
	listener := proto
	if useTLS {
		switch proto {
		case harness.POP3:
			listener = harness.POP3S
		case harness.IMAP:
			listener = harness.IMAPS
		default:
			ts.Fatalf("-tls: implicit TLS is offered for IMAP and POP3 only")
		}
	}
	c, err := srv.Dial(listener)
	if err != nil {
		st.fatal(ts, "connecting %s to %s: %v", name, listener, err)
	}
	s := &session{name: name, proto: proto, c: c}
	st.conns[name] = s
	if !readGreeting {
		return s, ""
	}
	var out strings.Builder
	switch proto {
	case harness.POP3:
		lines, ok, err := c.ReadPOP3(false)
		writeLines(&out, lines)
		if err != nil || !ok {
			st.fatal(ts, "%s: POP3 greeting %q: %v", name, lines, err)
		}
	case harness.LMTP:
		r, err := c.ReadReply()
		writeLines(&out, r.Lines)
		if err != nil || r.Code != 220 {
			st.fatal(ts, "%s: LMTP greeting %q: %v", name, r.Lines, err)
		}
	case harness.IMAP:
		// RFC 3501 §7.1.1: OK or PREAUTH, or BYE when refused.
		r, err := c.ReadIMAP()
		writeLines(&out, []string{r})
		if err != nil || !strings.HasPrefix(r, "* OK") && !strings.HasPrefix(r, "* PREAUTH") {
			st.fatal(ts, "%s: IMAP greeting %q: %v", name, r, err)
		}
	case harness.ManageSieve:
		// RFC 5804 §1.7: the capabilities, then OK.
		lines, ok, err := c.ReadManageSieveResponse()
		out.WriteString(strings.ReplaceAll(strings.Join(lines, ""), "\r\n", "\n"))
		if err != nil || !ok {
			st.fatal(ts, "%s: ManageSieve greeting %q: %v", name, lines, err)
		}
	}
	return s, out.String()
}

func (st *state) session(ts *testscript.TestScript, name string) *session {
	s, ok := st.conns[name]
	if !ok {
		ts.Fatalf("no connection %s", name)
	}
	return s
}

func writeLines(b *strings.Builder, lines []string) {
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
}

func cmdPOP3(ts *testscript.TestScript, neg bool, args []string) {
	protoCmd(ts, neg, harness.POP3, args)
}

func cmdLMTP(ts *testscript.TestScript, neg bool, args []string) {
	protoCmd(ts, neg, harness.LMTP, args)
}

func cmdIMAP(ts *testscript.TestScript, neg bool, args []string) {
	protoCmd(ts, neg, harness.IMAP, args)
}

func protoCmd(ts *testscript.TestScript, neg bool, proto string, args []string) {
	st := getState(ts)
	known := []string{"raw", "nowait", "pad"}
	switch proto {
	case harness.POP3:
		known = append(known, "tls", "save", "strip-trace")
	case harness.IMAP:
		known = append(known, "tls", "tag", "until")
	}
	flags, rest := flagSet(args, known...)
	if len(rest) < 1 {
		ts.Fatalf("usage: %s CONN [flags] LINE...", proto)
	}
	name, lines := rest[0], rest[1:]
	_, useTLS := flags["tls"]
	s, greeting := st.open(ts, name, proto, useTLS, true)
	if len(lines) == 0 {
		// Opening the connection was the whole command.
		st.finish(ts, neg, greeting, false)
		return
	}
	var payload []byte
	if _, raw := flags["raw"]; raw {
		for _, l := range lines {
			b, err := unescape(l)
			if err != nil {
				ts.Fatalf("-raw %q: %v", l, err)
			}
			payload = append(payload, b...)
		}
	} else {
		for i, l := range lines {
			if proto == harness.IMAP {
				payload = append(payload, fileLiterals(ts, l, "{%d}\r\n")...)
			} else {
				payload = append(payload, l...)
			}
			if i == len(lines)-1 && flags["pad"] != "" {
				n, err := strconv.Atoi(flags["pad"])
				if err != nil || n < 0 {
					ts.Fatalf("bad -pad=%q", flags["pad"])
				}
				payload = append(payload, bytes.Repeat([]byte("x"), n)...)
			}
			payload = append(payload, '\r', '\n')
		}
	}
	_, nowait := flags["nowait"]
	if proto == harness.IMAP {
		s.tagFlag = flags["tag"]
		s.untilRE = nil
		if u, ok := flags["until"]; ok {
			re, err := regexp.Compile(u)
			if err != nil {
				ts.Fatalf("-until: %v", err)
			}
			s.untilRE = re
		}
		defer func() { s.tagFlag, s.untilRE = "", nil }()
	}
	_, raw := flags["raw"]
	out, failed, body := st.exchange(ts, s, payload, nowait, raw)
	if f := flags["save"]; f != "" {
		if body == nil {
			st.fatal(ts, "-save: no multi-line response to save")
		}
		if _, strip := flags["strip-trace"]; strip {
			body = harness.StripTrace(body)
		}
		ts.Check(os.WriteFile(ts.MkAbs(f), body, 0o644))
	}
	st.finish(ts, neg, greeting+out, failed)
}

var fileLiteral = regexp.MustCompile(`\{file:([^}]+)\}`)

// fileLiterals expands each "{file:NAME}" in a command line into a literal
// of the file's content, bare LFs made CRLF: the announcement (announce
// formats the size: "{%d}\r\n", IMAP's synchronising literal), then the
// octets.
func fileLiterals(ts *testscript.TestScript, line, announce string) []byte {
	var out []byte
	for {
		m := fileLiteral.FindStringSubmatchIndex(line)
		if m == nil {
			return append(out, line...)
		}
		content := harness.CRLF([]byte(ts.ReadFile(line[m[2]:m[3]])))
		out = append(out, line[:m[0]]...)
		out = append(out, fmt.Sprintf(announce, len(content))...)
		out = append(out, content...)
		line = line[m[1]:]
	}
}

// finish prints out and checks the outcome against the script's `!`.
func (st *state) finish(ts *testscript.TestScript, neg bool, out string, failed bool) {
	st.last = out
	fmt.Fprint(ts.Stdout(), out)
	switch {
	case neg && !failed:
		ts.Fatalf("unexpected success")
	case !neg && failed:
		ts.Fatalf("the server refused%s", st.logTail())
	}
}

// exchange writes payload in one write and reads, in order, the responses
// that its complete lines call for. It returns the lines read, whether any
// response was a refusal, and the octets of the last multi-line POP3
// response.
//
// An IMAP payload is written up to and including each line that announces a
// synchronising literal, and the rest only after the continuation request, as
// a client must (RFC 3501 §4.3, §7.5): when the server answers the
// announcement with the tagged response instead, the rest is not sent. With
// raw (and with nowait), the payload goes in one write whatever it holds.
func (st *state) exchange(ts *testscript.TestScript, s *session, payload []byte, nowait, raw bool) (string, bool, []byte) {
	if s.proto == harness.IMAP && !nowait && !raw {
		out, failed, err := s.imapExchange(payload, true)
		if err != nil {
			fmt.Fprint(ts.Stdout(), out)
			st.fatal(ts, "%s: %v", s.name, err)
		}
		return out, failed, nil
	}
	if err := s.c.Write(payload); err != nil {
		st.fatal(ts, "%s: write: %v", s.name, err)
	}
	if nowait {
		return "", false, nil
	}
	if s.proto == harness.IMAP {
		out, failed, err := s.imapExchange(payload, false)
		if err != nil {
			fmt.Fprint(ts.Stdout(), out)
			st.fatal(ts, "%s: %v", s.name, err)
		}
		return out, failed, nil
	}
	var out strings.Builder
	failed := false
	var body []byte
	for len(payload) > 0 {
		i := bytes.IndexByte(payload, '\n')
		if i < 0 {
			break // an unfinished line calls for no response
		}
		line := strings.TrimSuffix(string(payload[:i]), "\r")
		payload = payload[i+1:]
		var err error
		switch s.proto {
		case harness.POP3:
			var lines []string
			var ok bool
			multi := !s.sasl && harness.POP3Multiline(line)
			lines, ok, err = s.c.ReadPOP3(multi)
			writeLines(&out, lines)
			if err == nil {
				s.sasl = len(lines) > 0 && (lines[0] == "+" || strings.HasPrefix(lines[0], "+ "))
				if !ok {
					failed = true
				} else if multi {
					body = harness.Unstuff(lines[1:])
				}
			}
		case harness.LMTP:
			var refused bool
			refused, err = st.lmtpResponses(s, line, &out)
			failed = failed || refused
		}
		if err != nil {
			fmt.Fprint(ts.Stdout(), out.String())
			st.fatal(ts, "%s: after %q: %v", s.name, line, err)
		}
	}
	return out.String(), failed, body
}

// imapExchange reads the responses that the IMAP payload calls for: per
// command line, the responses up to its tagged response or to a continuation
// request; after a continuation request for a synchronising literal, the
// literal's octets in the payload call for nothing. With -until, the
// responses after the last line are read up to a line that matches.
//
// With write, imapExchange writes the payload itself, in pieces that each end
// with a literal announcement (or at the end of the payload), each only once
// the responses before it are read; a literal answered with the tagged
// response (refused) ends the exchange, and the rest of the payload is not
// sent. Without write, the payload has been sent already.
func (s *session) imapExchange(payload []byte, write bool) (string, bool, error) {
	var out strings.Builder
	failed := false
	pos, written := 0, 0
	if !write {
		written = len(payload)
	}
	// send writes what the responses about to be read call for: from what
	// was written last up to the end of the first line at or after pos that
	// announces a literal, or to the end of the payload.
	send := func() error {
		if written >= len(payload) || written > pos {
			return nil
		}
		end := len(payload)
		for p := pos; p < len(payload); {
			i := bytes.IndexByte(payload[p:], '\n')
			if i < 0 {
				break
			}
			line := payload[p : p+i+1]
			p += i + 1
			if _, ok := harness.IMAPLiteral(string(line)); ok {
				end = p
				break
			}
		}
		if err := s.c.Write(payload[written:end]); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		written = end
		return nil
	}
	for pos < len(payload) {
		i := bytes.IndexByte(payload[pos:], '\n')
		if i < 0 {
			break // an unfinished line calls for no response
		}
		line := string(payload[pos : pos+i+1])
		if err := send(); err != nil {
			return out.String(), failed, err
		}
		pos += i + 1
		if s.tag == "" {
			s.tag = s.tagFlag
			if s.tag == "" {
				s.tag, _, _ = strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			}
		}
		last := bytes.IndexByte(payload[pos:], '\n') < 0
		n, literal := harness.IMAPLiteral(line)
		for {
			r, err := s.c.ReadIMAP()
			if err != nil {
				return out.String(), failed, fmt.Errorf("after %q: %w", strings.TrimRight(line, "\r\n"), err)
			}
			out.WriteString(r + "\n")
			status := harness.IMAPTagged(r, s.tag)
			if status != "" {
				s.tag = ""
				failed = failed || status != "OK"
				if literal && write && written == pos {
					// The literal was refused: its octets, and
					// what follows, are not sent.
					return out.String(), failed, nil
				}
			}
			if last && s.untilRE != nil {
				if s.untilRE.MatchString(r) {
					if !harness.IMAPContinuation(r) {
						// What comes next is the script's:
						// nothing is in progress.
						s.tag = ""
					}
					break
				}
				continue
			}
			if status != "" {
				break
			}
			if harness.IMAPContinuation(r) {
				if literal {
					// The literal's octets follow in the payload.
					pos = min(len(payload), pos+int(n))
				}
				break
			}
		}
	}
	if write && written < len(payload) {
		// An unfinished last line, or a literal's last octets.
		if err := s.c.Write(payload[written:]); err != nil {
			return out.String(), failed, fmt.Errorf("write: %w", err)
		}
	}
	return out.String(), failed, nil
}

// lmtpResponses reads what one LMTP line calls for and follows the
// transaction: RFC 2033 §4.2 (one reply per accepted recipient after the
// final "."), RFC 5321 §4.1.1 (MAIL and RSET start over).
func (st *state) lmtpResponses(s *session, line string, out *strings.Builder) (refused bool, err error) {
	if s.data {
		if line != "." {
			return false, nil
		}
		s.data = false
		n := s.rcpts
		if n == 0 {
			n = 1 // DATA should not have been accepted; read what comes
		}
		s.rcpts = 0
		for range n {
			r, err := s.c.ReadReply()
			writeLines(out, r.Lines)
			if err != nil {
				return refused, err
			}
			refused = refused || r.Code >= 400
		}
		return refused, nil
	}
	r, err := s.c.ReadReply()
	writeLines(out, r.Lines)
	if err != nil {
		return false, err
	}
	verb := strings.ToUpper(line)
	if i := strings.IndexAny(verb, " :"); i >= 0 {
		verb = verb[:i]
	}
	switch verb {
	case "LHLO", "HELO", "EHLO", "MAIL", "RSET":
		if r.Code/100 == 2 {
			s.rcpts = 0
		}
	case "RCPT":
		if r.Code/100 == 2 {
			s.rcpts++
		}
	case "DATA":
		s.data = r.Code == 354
	}
	return r.Code >= 400, nil
}

// unescape expands \r, \n, \t, \\ and \xHH.
func unescape(s string) ([]byte, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.New("trailing backslash")
		}
		i++
		switch s[i] {
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '\\':
			b = append(b, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New(`short \x escape`)
			}
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, err
			}
			b = append(b, byte(n))
			i += 2
		default:
			return nil, fmt.Errorf(`unknown escape \%c`, s[i])
		}
	}
	return b, nil
}

func cmdSend(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	flags, rest := flagSet(args, "raw", "nowait")
	if len(rest) != 2 {
		ts.Fatalf("usage: send [-raw] [-nowait] CONN FILE")
	}
	s := st.session(ts, rest[0])
	payload := []byte(ts.ReadFile(rest[1]))
	_, raw := flags["raw"]
	if !raw {
		payload = harness.CRLF(payload)
	}
	_, nowait := flags["nowait"]
	out, failed, _ := st.exchange(ts, s, payload, nowait, raw)
	st.finish(ts, neg, out, failed)
}

func cmdStartTLS(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if len(args) != 1 {
		ts.Fatalf("usage: starttls CONN")
	}
	s := st.session(ts, args[0])
	err := s.c.StartTLS(st.server(ts).TLSConfig())
	switch {
	case neg && err == nil:
		ts.Fatalf("starttls %s: unexpected success", s.name)
	case !neg && err != nil:
		st.fatal(ts, "starttls %s: %v", s.name, err)
	}
	if err == nil {
		cs, _ := s.c.ConnectionState()
		ts.Logf("%s: TLS established (%s)", s.name, tlsVersion(cs.Version))
	}
	if err == nil && s.proto == harness.ManageSieve {
		// RFC 5804 §2.2: the capabilities again, then OK.
		lines, ok, err := s.c.ReadManageSieveResponse()
		st.last = strings.ReplaceAll(strings.Join(lines, ""), "\r\n", "\n")
		fmt.Fprint(ts.Stdout(), st.last)
		if err != nil || !ok {
			st.fatal(ts, "%s: capabilities after STARTTLS %q: %v", s.name, lines, err)
		}
	}
}

func tlsVersion(v uint16) string {
	switch v {
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("TLS 0x%04x", v)
}

func cmdExpect(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if neg {
		ts.Fatalf("unsupported: ! expect")
	}
	if len(args) != 2 {
		ts.Fatalf("usage: expect CONN REGEXP")
	}
	s := st.session(ts, args[0])
	re, err := regexp.Compile(args[1])
	if err != nil {
		ts.Fatalf("expect: %v", err)
	}
	var out strings.Builder
	for {
		l, err := s.c.ReadLine()
		if err != nil {
			fmt.Fprint(ts.Stdout(), out.String())
			st.fatal(ts, "%s: waiting for /%s/: %v", s.name, args[1], err)
		}
		out.WriteString(l + "\n")
		if re.MatchString(l) {
			break
		}
	}
	st.last = out.String()
	fmt.Fprint(ts.Stdout(), st.last)
}

func cmdEOF(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if neg || len(args) != 1 {
		ts.Fatalf("usage: eof CONN")
	}
	s := st.session(ts, args[0])
	if err := s.c.ExpectEOF(); err != nil {
		st.fatal(ts, "%s: %v", s.name, err)
	}
	s.c.Close()
	delete(st.conns, s.name)
}

func cmdClose(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if neg || len(args) != 1 {
		ts.Fatalf("usage: close CONN")
	}
	s := st.session(ts, args[0])
	s.c.Close()
	delete(st.conns, s.name)
}

func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if neg || len(args) != 1 {
		ts.Fatalf("usage: capture REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	if err != nil {
		ts.Fatalf("capture: %v", err)
	}
	m := re.FindStringSubmatch(st.last)
	if m == nil {
		ts.Fatalf("capture: /%s/ does not match the last output:\n%s", args[0], st.last)
	}
	setGroups(ts, re, m)
}

func setGroups(ts *testscript.TestScript, re *regexp.Regexp, m []string) {
	for i, name := range re.SubexpNames() {
		if name == "" {
			continue
		}
		ts.Setenv(name, m[i])
		ts.Setenv(name+"_re", regexp.QuoteMeta(m[i]))
		ts.Logf("captured %s=%q", name, m[i])
	}
}

var varRef = regexp.MustCompile(`\$\{(\w+)\}`)

func cmdTranscript(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	if neg {
		ts.Fatalf("unsupported: ! transcript")
	}
	flags, rest := flagSet(args, "imap", "imaps", "pop3", "pop3s", "lmtp", "managesieve")
	if len(rest) != 2 || len(flags) > 1 {
		ts.Fatalf("usage: transcript [-imap|-imaps|-pop3|-pop3s|-lmtp|-managesieve] CONN FILE")
	}
	name, file := rest[0], rest[1]
	var s *session
	switch {
	case len(flags) == 0:
		s = st.session(ts, name)
	default:
		if _, ok := st.conns[name]; ok {
			ts.Fatalf("transcript: connection %s is already open", name)
		}
		_, pop3s := flags["pop3s"]
		_, imaps := flags["imaps"]
		useTLS := pop3s || imaps
		proto := harness.POP3
		if _, ok := flags["lmtp"]; ok {
			proto = harness.LMTP
		}
		if _, ok := flags["imap"]; ok || imaps {
			proto = harness.IMAP
		}
		if _, ok := flags["managesieve"]; ok {
			proto = harness.ManageSieve
		}
		s, _ = st.open(ts, name, proto, useTLS, false)
	}
	var out strings.Builder
	defer func() { st.last = out.String() }()
	var batch []byte
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.c.Write(batch); err != nil {
			fmt.Fprint(ts.Stdout(), out.String())
			st.fatal(ts, "%s: write: %v", name, err)
		}
		batch = nil
	}
	compile := func(n int, pat string) *regexp.Regexp {
		pat = varRef.ReplaceAllStringFunc(pat, func(v string) string {
			return regexp.QuoteMeta(ts.Getenv(varRef.FindStringSubmatch(v)[1]))
		})
		re, err := regexp.Compile("^(?:" + pat + ")$")
		if err != nil {
			ts.Fatalf("%s:%d: %v", file, n+1, err)
		}
		return re
	}
	var skip *regexp.Regexp // an S* line waiting for the next S: line
	for n, l := range strings.Split(ts.ReadFile(file), "\n") {
		l = strings.TrimSuffix(l, "\r")
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "C:" || strings.HasPrefix(l, "C: "):
			c := varRef.ReplaceAllStringFunc(strings.TrimPrefix(strings.TrimPrefix(l, "C:"), " "), func(v string) string {
				return ts.Getenv(varRef.FindStringSubmatch(v)[1])
			})
			out.WriteString("C: " + c + "\n")
			batch = append(batch, c+"\r\n"...)
		case strings.HasPrefix(l, "S* "):
			if skip != nil {
				ts.Fatalf("%s:%d: two S* lines in a row", file, n+1)
			}
			skip = compile(n, l[3:])
		case l == "S:" || strings.HasPrefix(l, "S: ") || l == "S=" || strings.HasPrefix(l, "S= "):
			flush()
			pat := strings.TrimPrefix(l[2:], " ")
			if l[1] == '=' {
				// Quoted, ${name} included; compile expands nothing else.
				pat = regexp.QuoteMeta(varRef.ReplaceAllStringFunc(pat, func(v string) string {
					return ts.Getenv(varRef.FindStringSubmatch(v)[1])
				}))
			}
			re := compile(n, pat)
			for {
				got, err := s.c.ReadLine()
				if err != nil {
					fmt.Fprint(ts.Stdout(), out.String())
					st.fatal(ts, "%s:%d: waiting for /%s/: %v", file, n+1, re, err)
				}
				out.WriteString("S: " + got + "\n")
				if m := re.FindStringSubmatch(got); m != nil {
					setGroups(ts, re, m)
					break
				}
				if skip == nil || !skip.MatchString(got) {
					fmt.Fprint(ts.Stdout(), out.String())
					st.fatal(ts, "%s:%d: server sent %q, want /%s/", file, n+1, got, re)
				}
			}
			skip = nil
		default:
			ts.Fatalf("%s:%d: a transcript line starts with \"C: \", \"S: \", \"S= \" or \"S* \": %q", file, n+1, l)
		}
	}
	if skip != nil {
		ts.Fatalf("%s: an S* line must be followed by an S: line", file)
	}
	flush()
	s.sasl, s.data, s.rcpts, s.tag = false, false, 0, ""
	fmt.Fprint(ts.Stdout(), out.String())
}

func cmdDeliver(ts *testscript.TestScript, neg bool, args []string) {
	st := getState(ts)
	flags, rest := flagSet(args, "from")
	if len(rest) < 2 {
		ts.Fatalf("usage: deliver [-from=ADDRESS] RCPT... FILE")
	}
	from := "sender@example.net"
	if f, ok := flags["from"]; ok {
		from = f
	}
	rcpts, file := rest[:len(rest)-1], rest[len(rest)-1]
	msg := []byte(ts.ReadFile(file))
	srv := st.server(ts)
	c, err := srv.Dial(harness.LMTP)
	if err != nil {
		st.fatal(ts, "deliver: %v", err)
	}
	s := &session{name: "deliver", proto: harness.LMTP, c: c}
	defer c.Close()
	var out strings.Builder
	r, err := c.ReadReply()
	writeLines(&out, r.Lines)
	if err != nil || r.Code != 220 {
		fmt.Fprint(ts.Stdout(), out.String())
		st.fatal(ts, "deliver: LMTP greeting: %v", err)
	}
	failed := false
	step := func(payload []byte) bool {
		o, refused, _ := st.exchange(ts, s, payload, false, false)
		out.WriteString(o)
		failed = failed || refused
		return !refused
	}
	if step([]byte("LHLO client.example.org\r\n")) && step([]byte("MAIL FROM:<"+from+">\r\n")) {
		for _, rcpt := range rcpts {
			step([]byte("RCPT TO:<" + rcpt + ">\r\n"))
		}
		if s.rcpts > 0 && step([]byte("DATA\r\n")) {
			step(harness.DotStuff(msg))
		}
		if !failed {
			step([]byte("QUIT\r\n"))
		}
	}
	st.finish(ts, neg, out.String(), failed)
}

func cmdOctets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: octets N FILE...")
	}
	want, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		ts.Fatalf("octets: %v", err)
	}
	var got int64
	for _, f := range args[1:] {
		fi, err := os.Stat(ts.MkAbs(f))
		ts.Check(err)
		got += fi.Size()
	}
	if got != want {
		ts.Fatalf("octets: %s hold %d octets, want %d", strings.Join(args[1:], " + "), got, want)
	}
}

func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkfile FILE TEXT")
	}
	b, err := unescape(args[1])
	if err != nil {
		ts.Fatalf("mkfile: %v", err)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}
