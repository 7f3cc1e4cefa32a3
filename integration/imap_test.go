package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
)

// imapClient is a raw IMAP session of alice's, for the tests' own setup and
// checks around a real client.
type imapClient struct {
	t *testing.T
	c *harness.Conn
	n int
}

// imapLogin opens an IMAP session and logs in as alice.
func imapLogin(t *testing.T, srv *harness.Server) *imapClient {
	t.Helper()
	c, err := srv.Dial(harness.IMAP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if g, err := c.ReadIMAP(); err != nil || !strings.HasPrefix(g, "* OK") {
		t.Fatalf("IMAP greeting %q: %v", g, err)
	}
	cl := &imapClient{t: t, c: c}
	cl.do("LOGIN alice secret")
	return cl
}

func (cl *imapClient) nextTag() string {
	cl.n++
	return fmt.Sprintf("t%d", cl.n)
}

// do runs one command and returns its untagged responses; anything but a
// tagged OK fails the test.
func (cl *imapClient) do(format string, args ...any) []string {
	cl.t.Helper()
	tag := cl.nextTag()
	line := tag + " " + fmt.Sprintf(format, args...)
	resps, status, err := cl.c.IMAPCommand(line)
	if err != nil || status != "OK" {
		cl.t.Fatalf("IMAP %q: %s %v\n%s", line, status, err, strings.Join(resps, "\n"))
	}
	return resps[:len(resps)-1]
}

// appendMsg appends msg, its line ends made CRLF, to mailbox with flags (a
// space-separated list, possibly empty).
func (cl *imapClient) appendMsg(mailbox, flags, msg string) {
	cl.t.Helper()
	lit := harness.CRLF([]byte(msg))
	tag := cl.nextTag()
	resps, _, err := cl.c.IMAPCommand(fmt.Sprintf("%s APPEND %s (%s) {%d}", tag, mailbox, flags, len(lit)))
	if err != nil || len(resps) == 0 || !harness.IMAPContinuation(resps[len(resps)-1]) {
		cl.t.Fatalf("APPEND to %s: no continuation request: %q %v", mailbox, resps, err)
	}
	if err := cl.c.Write(append(lit, '\r', '\n')); err != nil {
		cl.t.Fatal(err)
	}
	resps, status, err := cl.c.ReadIMAPUntil(tag)
	if err != nil || status != "OK" {
		cl.t.Fatalf("APPEND to %s: %s %v\n%s", mailbox, status, err, strings.Join(resps, "\n"))
	}
}

var listLine = regexp.MustCompile(`^\* LIST \(([^)]*)\) "/" (.+)$`)

// mailboxes returns the names LIST "" * reports, in order, with their
// attributes.
func (cl *imapClient) mailboxes() map[string]string {
	cl.t.Helper()
	out := map[string]string{}
	for _, r := range cl.do(`LIST "" *`) {
		m := listLine.FindStringSubmatch(r)
		if m == nil {
			cl.t.Fatalf("LIST response %q", r)
		}
		out[strings.Trim(m[2], `"`)] = m[1]
	}
	return out
}

// mailboxState is what a mailbox holds, as a client sees it without
// changing it (EXAMINE): its EXISTS, UIDVALIDITY and UIDNEXT, and per message
// its UID, flags (without \Recent, which depends on the session), size and
// octets.
func (cl *imapClient) mailboxState(mailbox string) string {
	cl.t.Helper()
	var b strings.Builder
	for _, r := range cl.do("EXAMINE %s", mailbox) {
		if strings.Contains(r, "[UIDVALIDITY ") || strings.Contains(r, "[UIDNEXT ") || strings.HasSuffix(r, " EXISTS") {
			b.WriteString(r + "\n")
		}
	}
	for _, r := range cl.do("UID FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])") {
		b.WriteString(recentFlag.ReplaceAllString(r, "") + "\n")
	}
	return b.String()
}

// pythonIMAPPrelude begins the imaplib scripts: the server's host and port
// are the arguments, standard input is a message, out collects the results
// to print as JSON, and ok asserts an OK response and returns its data.
const pythonIMAPPrelude = `
import base64, imaplib, json, ssl, sys

host, port = sys.argv[1], int(sys.argv[2])
msg = sys.stdin.buffer.read()
out = {}

def ok(res, what):
    typ, data = res
    assert typ == "OK", (what, typ, data)
    return data
`

// runPython writes script to a file and runs it with python against the
// server's IMAP listener, stdin on its standard input; it returns the
// standard output.
func runPython(t *testing.T, python string, srv *harness.Server, script string, stdin []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "script.py")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Addr[harness.IMAP])
	return run(t, stdin, nil, python, file, host, port)
}

// pythonIMAPScript uses every IMAP4rev1 command through Python's imaplib,
// and NAMESPACE, asserting each result; it prints what the Go test checks
// further as JSON. Standard input is a message to APPEND.
const pythonIMAPScript = pythonIMAPPrelude + `
M = imaplib.IMAP4(host, port)
caps = ok(M.capability(), "CAPABILITY")[0].split()
assert caps[0] == b"IMAP4rev1", caps
out["capabilities_before_tls"] = [c.decode() for c in caps]
ok(M.noop(), "NOOP")

# STARTTLS, the certificate not checked (the test server's is self-signed).
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ok(M.starttls(ssl_context=ctx), "STARTTLS")
out["capabilities_after_tls"] = sorted(M.capabilities)
ok(M.login("alice", "secret"), "LOGIN")
out["namespace"] = ok(M.namespace(), "NAMESPACE")[0].decode()

for box in ["Work", "a", "a/b", "a/b/c"]:
    ok(M.create(box), "CREATE " + box)
typ, data = M.create("Work")
assert typ == "NO", ("CREATE of an existing mailbox", typ, data)
out["list"] = [d.decode() for d in ok(M.list(), "LIST")]
out["list_percent"] = [d.decode() for d in ok(M.list('""', "%"), "LIST %")]
# LIST-EXTENDED with the SPECIAL-USE selection option (RFC 5258, RFC 6154),
# as a client looking for its Sent and Drafts mailboxes sends it.
typ, dat = M._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"')
out["list_special"] = [d.decode() for d in ok(M._untagged_response(typ, dat, "LIST"), "LIST (SPECIAL-USE)")]

ok(M.subscribe("Work"), "SUBSCRIBE")
out["lsub"] = [d.decode() for d in ok(M.lsub(), "LSUB")]
ok(M.unsubscribe("Work"), "UNSUBSCRIBE")
assert ok(M.lsub(), "LSUB") == [None]

out["status_before"] = ok(M.status("INBOX", "(MESSAGES UNSEEN UIDNEXT)"), "STATUS")[0].decode()
ok(M.append("INBOX", r"(\Seen $Python)", '"31-Jan-1994 07:06:40 +0000"', msg), "APPEND")

# EXAMINE (imaplib's select with readonly), then SELECT.
typ, data = M.select("INBOX", readonly=True)
assert typ == "OK" and data == [b"2"], (typ, data)
assert M.untagged_responses.get("READ-ONLY") is not None, M.untagged_responses
typ, data = M.select("INBOX")
assert typ == "OK" and data == [b"2"], (typ, data)

out["search_subject"] = ok(M.search(None, "SUBJECT", "integration"), "SEARCH")[0].decode()
out["search_seen"] = ok(M.search(None, "SEEN"), "SEARCH SEEN")[0].decode()
out["search_keyword"] = ok(M.search(None, "KEYWORD", "$Python"), "SEARCH KEYWORD")[0].decode()
data = ok(M.fetch("1", "(RFC822.SIZE BODY.PEEK[])"), "FETCH")
out["fetch1_size"] = int(data[0][0].split(b"RFC822.SIZE ")[1].split()[0])
out["fetch1"] = base64.b64encode(data[0][1]).decode()
data = ok(M.fetch("2", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH 2")
out["fetch2_meta"] = data[0][0].decode()
out["fetch2_subject"] = data[0][1].decode()
out["store"] = ok(M.store("1", "+FLAGS", r"(\Flagged)"), "STORE")[0].decode()
ok(M.copy("1", "Work"), "COPY")
typ, data = M.copy("1", "nosuch")
assert typ == "NO" and b"TRYCREATE" in data[0], (typ, data)

uids = ok(M.uid("SEARCH", None, "ALL"), "UID SEARCH")[0].split()
assert len(uids) == 2, uids
out["uids"] = [int(u) for u in uids]
out["uid_fetch"] = ok(M.uid("FETCH", uids[1], "(FLAGS)"), "UID FETCH")[0].decode()
ok(M.uid("COPY", uids[1], "a/b/c"), "UID COPY")
out["uid_store"] = ok(M.uid("STORE", uids[1], "+FLAGS", r"(\Deleted)"), "UID STORE")[0].decode()
ok(M.check(), "CHECK")
out["expunge"] = [d.decode() for d in ok(M.expunge(), "EXPUNGE") if d]
ok(M.close(), "CLOSE")
typ, data = M.noop()
assert typ == "OK", (typ, data)

ok(M.rename("Work", "Saved"), "RENAME")
typ, data = M.rename("Saved", "Archive")
assert typ == "NO" and b"ALREADYEXISTS" in data[0], ("RENAME onto the new account's Archive", typ, data)
out["status_archive"] = ok(M.status("Saved", "(MESSAGES)"), "STATUS Saved")[0].decode()
ok(M.delete("Saved"), "DELETE")
out["list_after"] = [d.decode() for d in ok(M.list(), "LIST")]

typ, data = M.logout()
assert typ == "BYE", (typ, data)
json.dump(out, sys.stdout)
`

// TestPythonIMAP runs every IMAP4rev1 command through Python's imaplib
// (STARTTLS, LOGIN, the mailbox commands, APPEND, SEARCH, FETCH, STORE,
// COPY, the UID forms, EXPUNGE, CHECK, CLOSE, NAMESPACE, LOGOUT) and checks
// what it got against what was delivered and what the server keeps.
func TestPythonIMAP(t *testing.T) {
	python := needProgram(t, "python3", "python3")
	srv := startServer(t)
	deliver(t, srv, testMessage)
	stored := retrieve(t, srv.Addr[harness.POP3])[0]

	appended := "From: Carol <carol@example.org>\nSubject: appended by imaplib\n\nAppended.\n"
	out := runPython(t, python, srv, pythonIMAPScript, harness.CRLF([]byte(appended)))

	var got struct {
		CapsBefore    []string `json:"capabilities_before_tls"`
		CapsAfter     []string `json:"capabilities_after_tls"`
		Namespace     string   `json:"namespace"`
		List          []string `json:"list"`
		ListPercent   []string `json:"list_percent"`
		LSUB          []string `json:"lsub"`
		ListSpecial   []string `json:"list_special"`
		StatusBefore  string   `json:"status_before"`
		SearchSubject string   `json:"search_subject"`
		SearchSeen    string   `json:"search_seen"`
		SearchKeyword string   `json:"search_keyword"`
		Fetch1Size    int      `json:"fetch1_size"`
		Fetch1        string   `json:"fetch1"`
		Fetch2Meta    string   `json:"fetch2_meta"`
		Fetch2Subject string   `json:"fetch2_subject"`
		Store         string   `json:"store"`
		UIDs          []int    `json:"uids"`
		UIDFetch      string   `json:"uid_fetch"`
		UIDStore      string   `json:"uid_store"`
		Expunge       []string `json:"expunge"`
		StatusArchive string   `json:"status_archive"`
		ListAfter     []string `json:"list_after"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}

	if !slices.Contains(got.CapsBefore, "STARTTLS") {
		t.Errorf("capabilities before TLS %v lack STARTTLS", got.CapsBefore)
	}
	if slices.Contains(got.CapsAfter, "STARTTLS") || !slices.Contains(got.CapsAfter, "AUTH=PLAIN") {
		t.Errorf("capabilities after TLS %v: want AUTH=PLAIN and no STARTTLS", got.CapsAfter)
	}
	// The personal namespace, and other users' mailboxes that their ACLs
	// share (RFC 4314); no shared folders are configured.
	if got.Namespace != `(("" "/")) (("Other Users/" "/")) NIL` {
		t.Errorf("NAMESPACE %q", got.Namespace)
	}
	// A new account has the mailboxes of the default [mailboxes]
	// configuration, with their special use (RFC 6154).
	newAccount := []string{
		`(\HasNoChildren \Archive) "/" Archive`,
		`(\HasNoChildren \Drafts) "/" Drafts`,
		`(\HasNoChildren \Junk) "/" Junk`,
		`(\HasNoChildren \Sent) "/" Sent`,
		`(\HasNoChildren \Trash) "/" Trash`,
	}
	wantList := []string{
		`(\HasNoChildren) "/" INBOX`,
		`(\HasNoChildren) "/" Work`,
		`(\HasChildren) "/" a`,
		`(\HasChildren) "/" a/b`,
		`(\HasNoChildren) "/" a/b/c`,
	}
	wantList = append(wantList, newAccount...)
	if !sameSet(got.List, wantList) {
		t.Errorf("LIST %q, want %q", got.List, wantList)
	}
	if want := append([]string{`(\HasNoChildren) "/" INBOX`, `(\HasNoChildren) "/" Work`, `(\HasChildren) "/" a`}, newAccount...); !sameSet(got.ListPercent, want) {
		t.Errorf("LIST %% %q, want %q", got.ListPercent, want)
	}
	if !sameSet(got.ListSpecial, newAccount) {
		t.Errorf("LIST (SPECIAL-USE) %q, want %q", got.ListSpecial, newAccount)
	}
	if want := []string{`() "/" Work`}; !slices.Equal(got.LSUB, want) {
		t.Errorf("LSUB %q, want %q", got.LSUB, want)
	}
	if got.StatusBefore != `INBOX (MESSAGES 1 UNSEEN 1 UIDNEXT 2)` {
		t.Errorf("STATUS %q", got.StatusBefore)
	}
	if got.SearchSubject != "1" || got.SearchSeen != "2" || got.SearchKeyword != "2" {
		t.Errorf("SEARCH SUBJECT %q, SEEN %q, KEYWORD %q; want 1, 2, 2", got.SearchSubject, got.SearchSeen, got.SearchKeyword)
	}
	body, err := base64.StdEncoding.DecodeString(got.Fetch1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, stored) || got.Fetch1Size != len(stored) {
		t.Errorf("FETCH 1: %d octets (RFC822.SIZE %d), POP3 RETR %d octets; differ:\n%q\n%q", len(body), got.Fetch1Size, len(stored), body, stored)
	}
	if !regexp.MustCompile(`^2 \(FLAGS \(\$Python \\Seen( \\Recent)?\) INTERNALDATE "31-Jan-1994 07:06:40 \+0000" BODY\[HEADER.FIELDS \(SUBJECT\)\] \{[0-9]+\}$`).MatchString(got.Fetch2Meta) {
		t.Errorf("FETCH 2: %q", got.Fetch2Meta)
	}
	if got.Fetch2Subject != "Subject: appended by imaplib\r\n\r\n" {
		t.Errorf("FETCH 2 subject %q", got.Fetch2Subject)
	}
	if !regexp.MustCompile(`^1 \(FLAGS \(\\Flagged( \\Recent)?\)\)$`).MatchString(got.Store) {
		t.Errorf("STORE: %q", got.Store)
	}
	if len(got.UIDs) != 2 || got.UIDs[0] != 1 || got.UIDs[1] != 2 {
		t.Errorf("UID SEARCH: %v, want [1 2]", got.UIDs)
	}
	if !regexp.MustCompile(`^2 \(UID 2 FLAGS \(\$Python \\Seen( \\Recent)?\)\)$|^2 \(FLAGS \(\$Python \\Seen( \\Recent)?\) UID 2\)$`).MatchString(got.UIDFetch) {
		t.Errorf("UID FETCH: %q", got.UIDFetch)
	}
	if !strings.Contains(got.UIDStore, "UID 2") || !strings.Contains(got.UIDStore, `\Deleted`) {
		t.Errorf("UID STORE: %q, want the UID and \\Deleted", got.UIDStore)
	}
	if !slices.Equal(got.Expunge, []string{"2"}) {
		t.Errorf("EXPUNGE: %q, want [2]", got.Expunge)
	}
	if got.StatusArchive != "Saved (MESSAGES 1)" {
		t.Errorf("STATUS Saved: %q", got.StatusArchive)
	}
	if want := append([]string{`(\HasNoChildren) "/" INBOX`, `(\HasChildren) "/" a`, `(\HasChildren) "/" a/b`, `(\HasNoChildren) "/" a/b/c`}, newAccount...); !sameSet(got.ListAfter, want) {
		t.Errorf("LIST after RENAME and DELETE %q, want %q", got.ListAfter, want)
	}

	// What the server keeps: INBOX has the delivered message, flagged; a/b/c
	// the appended one, copied before it was expunged from INBOX.
	cl := imapLogin(t, srv)
	cl.do("SELECT INBOX")
	resps := cl.do("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
	if len(resps) != 1 || !strings.Contains(resps[0], `FLAGS (\Flagged)`) || !strings.Contains(resps[0], "Subject: integration") {
		t.Errorf("INBOX after the script: %q", resps)
	}
	cl.do("SELECT a/b/c")
	resps = cl.do("FETCH 1:* (FLAGS BODY.PEEK[])")
	if len(resps) != 1 || !strings.Contains(resps[0], "Subject: appended by imaplib\r\n\r\nAppended.\r\n") {
		t.Errorf("a/b/c after the script: %q", resps)
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestCurlIMAP lists mailboxes, fetches a message by UID and searches with
// curl over IMAP, over IMAP with STARTTLS, and over IMAPS, the server's
// certificate checked.
func TestCurlIMAP(t *testing.T) {
	curl := needProgram(t, "curl", "curl")
	srv := startServer(t)
	deliver(t, srv, testMessage)
	deliver(t, srv, "From: Bob <bob@example.net>\nSubject: x marks the spot\n\nSecond.\n")
	stored := retrieve(t, srv.Addr[harness.POP3])
	cl := imapLogin(t, srv)
	cl.do("CREATE Work/Projects")

	_, port, _ := net.SplitHostPort(srv.Addr[harness.IMAP])
	base := "imap://alice:secret@127.0.0.1:" + port + "/"
	curlArgs := []string{"--silent", "--show-error", "--max-time", "60"}

	// LIST "" *: the untagged responses as they came.
	list := run(t, nil, nil, curl, append(curlArgs, base)...)
	var names []string
	for _, l := range strings.Split(strings.TrimRight(string(list), "\r\n"), "\r\n") {
		m := listLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("curl LIST: line %q in\n%s", l, list)
		}
		names = append(names, m[2])
	}
	if want := []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash", "Work", "Work/Projects"}; !sameSet(names, want) {
		t.Errorf("curl LIST: %q, want %q", names, want)
	}

	// UID=1: the message octet for octet.
	got := run(t, nil, nil, curl, append(curlArgs, base+"INBOX;UID=1")...)
	if !bytes.Equal(got, stored[0]) {
		t.Errorf("curl INBOX;UID=1 differs from the stored message\ngot:\n%q\nwant:\n%q", got, stored[0])
	}
	sameMessage(t, "curl INBOX;UID=1", got, []byte(testMessage))

	// A custom command: SEARCH.
	got = run(t, nil, nil, curl, append(curlArgs, "-X", "SEARCH SUBJECT x", base+"INBOX")...)
	if string(got) != "* SEARCH 2\r\n" {
		t.Errorf("curl SEARCH SUBJECT x: %q, want \"* SEARCH 2\\r\\n\"", got)
	}
	got = run(t, nil, nil, curl, append(curlArgs, "-X", "SEARCH ALL", base+"INBOX")...)
	if string(got) != "* SEARCH 1 2\r\n" {
		t.Errorf("curl SEARCH ALL: %q", got)
	}

	// STARTTLS required, and implicit TLS, with the certificate checked.
	tlsArgs := append(slices.Clone(curlArgs), "--cacert", srv.Config.TLS.CertFile)
	got = run(t, nil, nil, curl, append(tlsArgs, "--ssl-reqd", base+"INBOX;UID=2")...)
	if !bytes.Equal(got, stored[1]) {
		t.Errorf("curl with STARTTLS, UID=2 differs from the stored message\ngot:\n%q\nwant:\n%q", got, stored[1])
	}
	_, sport, _ := net.SplitHostPort(srv.Addr[harness.IMAPS])
	got = run(t, nil, nil, curl, append(tlsArgs, "imaps://alice:secret@127.0.0.1:"+sport+"/INBOX;UID=1")...)
	if !bytes.Equal(got, stored[0]) {
		t.Errorf("curl over IMAPS, UID=1 differs from the stored message\ngot:\n%q\nwant:\n%q", got, stored[0])
	}

	// curl fetched with BODY[] or BODY.PEEK[]; either way nothing else
	// changed: both messages are there.
	if st := cl.do("STATUS INBOX (MESSAGES)"); len(st) != 1 || st[0] != "* STATUS INBOX (MESSAGES 2)" {
		t.Errorf("after curl: %q", st)
	}
}
