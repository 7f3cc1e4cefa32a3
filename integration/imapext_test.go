package integration

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
)

// pythonIMAPExtScript drives ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
// WITHIN (RFC 5032) and BINARY (RFC 3516) through Python's imaplib, which
// knows none of them: the commands go through xatom and the UID forms, the
// untagged ESEARCH response is collected by name, and imaplib reads a
// literal8 as it reads a literal. It prints what it got as JSON.
const pythonIMAPExtScript = pythonIMAPPrelude + `
M = imaplib.IMAP4(host, port)
ok(M.login("alice", "secret"), "LOGIN")
out["capabilities"] = sorted(M.capabilities)
for flags, date in [(r"(\Flagged)", None), ("()", None), (r"(\Flagged)", '"31-Jan-1994 07:06:40 +0000"')]:
    ok(M.append("INBOX", flags, date, msg), "APPEND")
ok(M.select("INBOX"), "SELECT")

ok(M.xatom("SEARCH", "RETURN (MIN MAX COUNT) FLAGGED"), "SEARCH RETURN")
out["esearch"] = [d.decode() for d in M.response("ESEARCH")[1]]
ok(M.uid("SEARCH", "RETURN () ALL"), "UID SEARCH RETURN")
out["uid_esearch"] = [d.decode() for d in M.response("ESEARCH")[1]]

ok(M.xatom("SEARCH", "RETURN (SAVE) UNFLAGGED"), "SEARCH RETURN (SAVE)")
data = ok(M.uid("FETCH", "$", "(FLAGS)"), "UID FETCH $")
out["fetch_saved"] = [d.decode() for d in data if d]

data = ok(M.search(None, "YOUNGER", "31536000"), "SEARCH YOUNGER")
out["younger"] = data[0].decode()
data = ok(M.search(None, "OLDER", "31536000"), "SEARCH OLDER")
out["older"] = data[0].decode()

data = ok(M.fetch("1", "(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1])"), "FETCH BINARY")
out["binary_meta"] = data[0][0].decode()
out["binary_2"] = base64.b64encode(data[0][1]).decode()
out["binary_mid"] = data[1][0].decode()
out["binary_1"] = data[1][1].decode()
M.logout()
print(json.dumps(out))
`

// binaryTestMessage has a base64 part whose octets hold NUL.
const binaryTestMessage = "From: Bob <bob@example.org>\n" +
	"Subject: extensions\n" +
	"MIME-Version: 1.0\n" +
	"Content-Type: multipart/mixed; boundary=x\n" +
	"\n" +
	"--x\n" +
	"Content-Type: text/plain; charset=utf-8\n" +
	"Content-Transfer-Encoding: quoted-printable\n" +
	"\n" +
	"caf=C3=A9\n" +
	"--x\n" +
	"Content-Type: application/octet-stream\n" +
	"Content-Transfer-Encoding: base64\n" +
	"\n" +
	"AAEC/w==\n" +
	"--x--\n"

// TestPythonIMAPExtensions runs pythonIMAPExtScript against the assembled
// server.
func TestPythonIMAPExtensions(t *testing.T) {
	python := needProgram(t, "python3", "python3")
	srv := startServer(t)
	out := runPython(t, python, srv, pythonIMAPExtScript, harness.CRLF([]byte(binaryTestMessage)))
	var got struct {
		Caps       []string `json:"capabilities"`
		ESearch    []string `json:"esearch"`
		UIDESearch []string `json:"uid_esearch"`
		Saved      []string `json:"fetch_saved"`
		Younger    string   `json:"younger"`
		Older      string   `json:"older"`
		BinaryMeta string   `json:"binary_meta"`
		Binary2    string   `json:"binary_2"`
		BinaryMid  string   `json:"binary_mid"`
		Binary1    string   `json:"binary_1"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	for _, c := range []string{"BINARY", "ESEARCH", "SEARCHRES", "WITHIN"} {
		if !contains(got.Caps, c) {
			t.Errorf("capabilities %v lack %s", got.Caps, c)
		}
	}
	check := func(what string, got, want any) {
		t.Helper()
		if b1, b2 := mustJSON(got), mustJSON(want); b1 != b2 {
			t.Errorf("%s: %s, want %s", what, b1, b2)
		}
	}
	// The tags are imaplib's.
	if len(got.ESearch) != 1 || !regexp.MustCompile(`^\(TAG "[A-Z]+[0-9]+"\) MIN 1 MAX 3 COUNT 2$`).MatchString(got.ESearch[0]) {
		t.Errorf("ESEARCH: %q", got.ESearch)
	}
	if len(got.UIDESearch) != 1 || !regexp.MustCompile(`^\(TAG "[A-Z]+[0-9]+"\) UID ALL 1:3$`).MatchString(got.UIDESearch[0]) {
		t.Errorf("UID ESEARCH: %q", got.UIDESearch)
	}
	check("UID FETCH $", got.Saved, []string{`2 (FLAGS (\Recent) UID 2)`})
	// Messages 1 and 2 were appended now, message 3 with a date in 1994:
	// a year either way.
	check("YOUNGER", got.Younger, "1 2")
	check("OLDER", got.Older, "3")
	check("BINARY meta", got.BinaryMeta, "1 (BINARY[2] ~{4}")
	check("BINARY[2]", got.Binary2, "AAEC/w==")
	check("BINARY.SIZE", got.BinaryMid, " BINARY.SIZE[2] 4 BINARY[1] {5}")
	check("BINARY[1]", got.Binary1, "café")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
