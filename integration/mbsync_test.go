package integration

import (
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loftmail/loft/conformance/harness"
)

// TestMbsync synchronises a three-level mailbox tree (a, a/b, a/b/c, each
// with messages) and INBOX with a local Maildir with mbsync (isync) over
// IMAPS, both ways: mailboxes and messages that exist on one side only are
// created on the other, and then changes on each side (new messages, flags,
// a deletion) reach the other. After each synchronisation a second run
// changes nothing, in the Maildir or on the server.
func TestMbsync(t *testing.T) {
	mbsync := needProgram(t, "mbsync", "isync")
	srv := startServer(t)
	deliver(t, srv, testMessage)
	cl := imapLogin(t, srv)
	for _, box := range []string{"a", "a/b", "a/b/c"} {
		cl.do("CREATE %s", box)
	}
	cl.appendMsg("a", `\Seen`, "From: Far <far@example.org>\nSubject: in a\n\nThe message in a.\n")
	cl.appendMsg("a/b", "", "From: Far <far@example.org>\nSubject: in a/b\n\nThe message in a/b.\n")
	cl.appendMsg("a/b/c", `\Flagged`, "From: Far <far@example.org>\nSubject: in a/b/c\n\nThe message in a/b/c.\n")

	dir := t.TempDir()
	mail := filepath.Join(dir, "mail")
	// A folder that exists only in the Maildir.
	makeMaildirFolder(t, filepath.Join(mail, "local"))

	sync := mbsyncRunner(t, mbsync, srv, dir)

	// The first run copies everything both ways.
	sync("first")
	// The new account's Archive, Drafts, Junk, Sent and Trash are
	// synchronised like any other mailbox.
	if got := cl.mailboxes(); !sameSet(slices.Collect(maps.Keys(got)), []string{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash", "a", "a/b", "a/b/c", "local"}) {
		t.Fatalf("server mailboxes after the first run: %v", got)
	}
	if st := cl.do("STATUS local (MESSAGES)"); len(st) != 1 || st[0] != "* STATUS local (MESSAGES 0)" {
		t.Errorf("server local after the first run: %q, want an empty mailbox", st)
	}
	for box, subject := range map[string]string{
		"INBOX": "integration", "a": "in a", "a/b": "in a/b", "a/b/c": "in a/b/c",
	} {
		near := maildirMessages(t, filepath.Join(mail, box))
		if len(near) != 1 || !strings.Contains(near[0].content, "Subject: "+subject+"\n") {
			t.Errorf("Maildir %s after the first run: %v, want the message %q", box, near, subject)
		}
		far := cl.do("STATUS %s (MESSAGES)", box)
		if len(far) != 1 || far[0] != "* STATUS "+box+" (MESSAGES 1)" {
			t.Errorf("server %s after the first run: %q, want 1 message", box, far)
		}
	}
	// Flags went with the messages.
	if m := maildirMessages(t, filepath.Join(mail, "a/b/c")); len(m) != 1 || m[0].flags != "F" {
		t.Errorf("Maildir a/b/c: %v, want the flag F", m)
	}
	if m := maildirMessages(t, filepath.Join(mail, "a")); len(m) != 1 || m[0].flags != "S" {
		t.Errorf("Maildir a: %v, want the flag S", m)
	}
	noChange(t, "after the first run", cl, mail, func() { sync("second") })

	// Changes on the server: a new message in a/b, \Flagged on a's.
	cl.appendMsg("a/b", "", "From: Far <far@example.org>\nSubject: far change\n\nAdded on the server.\n")
	cl.do("SELECT a")
	cl.do("STORE 1 +FLAGS (\\Flagged)")
	cl.do("CLOSE")
	// Changes in the Maildir: a/b/c's message deleted, INBOX's seen, a new
	// folder (TestMbsyncNewMessages has new messages).
	makeMaildirFolder(t, filepath.Join(mail, "a/b/c/d"))
	old := maildirMessages(t, filepath.Join(mail, "a/b/c"))
	for _, m := range old {
		if strings.Contains(m.content, "Subject: in a/b/c\n") {
			if err := os.Remove(m.path); err != nil {
				t.Fatal(err)
			}
		}
	}
	inbox := maildirMessages(t, filepath.Join(mail, "INBOX"))
	if len(inbox) != 1 {
		t.Fatalf("Maildir INBOX: %v", inbox)
	}
	seen := filepath.Join(filepath.Dir(filepath.Dir(inbox[0].path)), "cur", strings.SplitN(filepath.Base(inbox[0].path), ":2,", 2)[0]+":2,S")
	if err := os.Rename(inbox[0].path, seen); err != nil {
		t.Fatal(err)
	}

	sync("third")
	// The server has the Maildir's changes …
	if st := cl.do("STATUS a/b/c (MESSAGES)"); len(st) != 1 || st[0] != "* STATUS a/b/c (MESSAGES 0)" {
		t.Errorf("server a/b/c after the third run: %q, want its message gone", st)
	}
	if st := cl.do("STATUS a/b/c/d (MESSAGES)"); len(st) != 1 || st[0] != "* STATUS a/b/c/d (MESSAGES 0)" {
		t.Errorf("server a/b/c/d after the third run: %q, want a new empty mailbox", st)
	}
	cl.do("SELECT INBOX")
	if resps := cl.do("FETCH 1 FLAGS"); len(resps) != 1 || !strings.Contains(resps[0], `\Seen`) {
		t.Errorf("server INBOX after the third run: %q, want \\Seen", resps)
	}
	cl.do("CLOSE")
	// … and the Maildir the server's.
	ab := maildirMessages(t, filepath.Join(mail, "a/b"))
	if len(ab) != 2 || !slices.ContainsFunc(ab, func(m maildirMessage) bool { return strings.Contains(m.content, "Subject: far change\n") }) {
		t.Errorf("Maildir a/b after the third run: %v, want the far change too", ab)
	}
	if m := maildirMessages(t, filepath.Join(mail, "a")); len(m) != 1 || m[0].flags != "FS" {
		t.Errorf("Maildir a after the third run: %v, want the flags FS", m)
	}
	noChange(t, "after the third run", cl, mail, func() { sync("fourth") })
}

// mbsyncRunner writes an mbsync configuration that synchronises every
// mailbox of alice's over IMAPS (the server's certificate trusted) with a
// Maildir under dir/mail, both ways, and returns a function that runs mbsync
// once.
func mbsyncRunner(t *testing.T, mbsync string, srv *harness.Server, dir string) func(what string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(srv.Addr[harness.IMAPS])
	// The certificate names localhost (and 127.0.0.1, but isync 1.4 checks
	// host names only).
	account := fmt.Sprintf(`Host localhost
Port %s
User alice
Pass secret
SSLType IMAPS
CertificateFile %s
AuthMechs LOGIN
`, port, srv.Config.TLS.CertFile)
	return mbsyncWith(t, mbsync, dir, account, "*")
}

// mbsyncWith writes an mbsync configuration that synchronises the folders
// matching patterns of the IMAP account (the lines of its IMAPAccount
// section) with a Maildir in dir/mail, both ways, and returns a function
// that runs mbsync once with it.
func mbsyncWith(t *testing.T, mbsync, dir, account, patterns string) func(what string) {
	t.Helper()
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mail, 0o700); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "mbsyncrc")
	err := os.WriteFile(rc, fmt.Appendf(nil, `IMAPAccount loft
%s
IMAPStore far
Account loft

MaildirStore near
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel loft
Far :far:
Near :near:
Patterns %s
Create Both
Expunge Both
SyncState *
`, account, mail, mail, patterns), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return func(what string) {
		t.Helper()
		out := run(t, nil, []string{"HOME=" + dir}, mbsync, "--config", rc, "--all", "--verbose")
		t.Logf("mbsync (%s):\n%s", what, out)
	}
}

// TestMbsyncNewMessages has mbsync upload messages written in the Maildir,
// into INBOX and into a new folder two levels down, and checks that a second
// run changes nothing.
//
// mbsync learns the UID of an uploaded message from APPENDUID (RFC 4315
// UIDPLUS) or, without it, by fetching the X-TUID field it added. isync 1.4's
// fallback is broken (it parses that FETCH response as unexpected, "received
// extraneous data in FETCH response", and gives up), so the server must
// announce UIDPLUS, and the uploads exercise APPENDUID.
func TestMbsyncNewMessages(t *testing.T) {
	mbsync := needProgram(t, "mbsync", "isync")
	srv := startServer(t)
	cl := imapLogin(t, srv)
	if caps := strings.Join(cl.do("CAPABILITY"), " "); !strings.Contains(caps, " UIDPLUS") {
		t.Fatalf("CAPABILITY: %s, want CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN UIDPLUS (RFC 4315)", caps)
	}
	cl.do("CREATE a")
	cl.appendMsg("a", "", "From: Far <far@example.org>\nSubject: in a\n\nThe message in a.\n")

	dir := t.TempDir()
	mail := filepath.Join(dir, "mail")
	sync := mbsyncRunner(t, mbsync, srv, dir)
	sync("first")
	writeMaildirMessage(t, filepath.Join(mail, "INBOX"), "new", "1.near.example:2,",
		"From: Near <near@example.org>\nSubject: near INBOX\n\nWritten locally.\n")
	writeMaildirMessage(t, filepath.Join(mail, "a/b"), "cur", "2.near.example:2,FS",
		"From: Near <near@example.org>\nSubject: near a/b\n\nWritten locally too.\n")
	sync("second")
	for box, want := range map[string]string{"INBOX": "Subject: near INBOX", "a/b": "Subject: near a/b"} {
		cl.do("EXAMINE %s", box)
		resps := cl.do("FETCH 1:* (FLAGS BODY.PEEK[])")
		if len(resps) != 1 || !strings.Contains(resps[0], want) {
			t.Errorf("server %s after the upload: %q, want the message %q", box, resps, want)
		}
		if box == "a/b" && !strings.Contains(resps[0], `FLAGS (\Flagged \Seen`) {
			t.Errorf("server a/b: %q, want \\Flagged \\Seen", resps)
		}
	}
	cl.do("CLOSE")
	noChange(t, "after the upload", cl, mail, func() { sync("third") })
}

// noChange runs sync and fails the test if it changed the Maildir under
// mail or anything on the server.
func noChange(t *testing.T, when string, cl *imapClient, mail string, sync func()) {
	t.Helper()
	nearBefore := maildirTree(t, mail)
	farBefore := serverState(cl)
	sync()
	nearAfter := maildirTree(t, mail)
	farAfter := serverState(cl)
	for _, p := range slices.Sorted(maps.Keys(nearBefore)) {
		if a, ok := nearAfter[p]; !ok {
			t.Errorf("%s: a run without changes removed %s from the Maildir", when, p)
		} else if a != nearBefore[p] {
			t.Errorf("%s: a run without changes changed %s in the Maildir:\n%q\n%q", when, p, nearBefore[p], a)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(nearAfter)) {
		if _, ok := nearBefore[p]; !ok {
			t.Errorf("%s: a run without changes added %s to the Maildir", when, p)
		}
	}
	if farBefore != farAfter {
		t.Errorf("%s: a run without changes changed the server:\nbefore:\n%s\nafter:\n%s", when, farBefore, farAfter)
	}
}

// serverState describes every mailbox of alice's as mailboxState does, in
// name order.
func serverState(cl *imapClient) string {
	var b strings.Builder
	boxes := cl.mailboxes()
	for _, name := range slices.Sorted(maps.Keys(boxes)) {
		fmt.Fprintf(&b, "%s (%s)\n", name, boxes[name])
		if !strings.Contains(boxes[name], `\Noselect`) {
			b.WriteString(cl.mailboxState(name))
		}
	}
	cl.do("CLOSE")
	return b.String()
}

// maildirTree returns every file under root, by relative path, with its
// content: the messages (whose names carry their flags) and mbsync's
// synchronisation state.
func maildirTree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// maildirMessage is one message file of a Maildir folder.
type maildirMessage struct {
	path    string
	flags   string // the Maildir flags after ":2,"
	content string
}

func (m maildirMessage) String() string {
	return fmt.Sprintf("%s (flags %q)", filepath.Base(m.path), m.flags)
}

// maildirMessages returns the messages in folder's new and cur.
func maildirMessages(t *testing.T, folder string) []maildirMessage {
	t.Helper()
	var out []maildirMessage
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(folder, sub))
		if err != nil {
			t.Fatalf("Maildir folder %s: %v", folder, err)
		}
		for _, e := range entries {
			path := filepath.Join(folder, sub, e.Name())
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			flags := ""
			if _, f, ok := strings.Cut(e.Name(), ":2,"); ok {
				flags = f
			}
			out = append(out, maildirMessage{path: path, flags: flags, content: string(b)})
		}
	}
	return out
}

// makeMaildirFolder makes a Maildir folder (cur, new and tmp).
func makeMaildirFolder(t *testing.T, folder string) {
	t.Helper()
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(folder, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

// writeMaildirMessage writes a message file into a Maildir folder, making
// the folder when it does not exist.
func writeMaildirMessage(t *testing.T, folder, sub, name, content string) {
	t.Helper()
	makeMaildirFolder(t, folder)
	if err := os.WriteFile(filepath.Join(folder, sub, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

var recentFlag = regexp.MustCompile(` ?\\Recent`)
