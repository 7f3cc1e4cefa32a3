package imap

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// binMessage has a part of each kind BINARY decodes: quoted-printable text,
// base64 octets with NUL, base64 text with bare LFs, an encoding Loft does
// not know, and an encapsulated message.
const binMessage = "From: a@example.org\r\n" +
	"Subject: binary\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n" +
	"\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"caf=C3=A9 =\r\n" +
	"au lait\r\n" +
	"--b\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"AAEC/w==\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"b25lCnR3bwo=\r\n" +
	"--b\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: x-uuencode\r\n" +
	"\r\n" +
	"begin 644 x\r\n" +
	"--b\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"Subject: inner\r\n" +
	"\r\n" +
	"inner body\r\n" +
	"--b--\r\n"

// TestFetchBinary checks BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516
// §4.2, §4.3) on every kind of part, and \Seen.
func TestFetchBinary(t *testing.T) {
	env := newEnv(t, insecureAuth)
	fxAppend(t, env, "alice", "INBOX", binMessage, fxDate)
	c := env.login("alice", alicePassword)
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")

	fxExpect(c, "a1 FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])",
		"* 1 FETCH (BINARY[1] "+fxLit("café au lait")+" BINARY.SIZE[1] 13)", "a1 OK FETCH completed")
	// NUL: a literal8 (§4.3); the size counts the decoded octets.
	fxExpect(c, "a2 FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2])",
		"* 1 FETCH (BINARY.SIZE[2] 4 BINARY[2] ~{4}\r\n\x00\x01\x02\xff)", "a2 OK FETCH completed")
	// A partial range is of the decoded octets; NUL outside it makes no
	// literal8.
	fxExpect(c, "a3 FETCH 1 (BINARY.PEEK[2]<1.2> BINARY.PEEK[1]<6.100> BINARY.PEEK[2]<9.1>)",
		"* 1 FETCH (BINARY[2]<1> {2}\r\n\x01\x02 BINARY[1]<6> "+fxLit("au lait")+` BINARY[2]<9> "")`, "a3 OK FETCH completed")
	// Text gets CRLF line ends (§6).
	fxExpect(c, "a4 FETCH 1 (BINARY.PEEK[3] BINARY.SIZE[3])",
		"* 1 FETCH (BINARY[3] "+fxLit("one\r\ntwo\r\n")+" BINARY.SIZE[3] 10)", "a4 OK FETCH completed")
	// An encoding Loft cannot decode (§4.3).
	for _, item := range []string{"BINARY.PEEK[4]", "BINARY.SIZE[4]", "BINARY[4]"} {
		got := fxCmd(c, "a5 FETCH 1 "+item)
		if len(got) != 1 || !strings.HasPrefix(got[0], "a5 NO [UNKNOWN-CTE] ") {
			t.Errorf("%s: %q", item, got)
		}
	}
	// The whole message and composite parts as stored; a missing part is
	// empty.
	fxExpect(c, "a6 FETCH 1 (BINARY.SIZE[] BINARY.PEEK[5] BINARY.SIZE[9] BINARY.PEEK[5.1] BINARY.PEEK[9.1])",
		"* 1 FETCH (BINARY.SIZE[] "+strconv.Itoa(len(binMessage))+" BINARY[5] "+fxLit("Subject: inner\r\n\r\ninner body")+
			" BINARY.SIZE[9] 0 BINARY[5.1] "+fxLit("inner body")+` BINARY[9.1] "")`, "a6 OK FETCH completed")
	whole := fxCmd(c, "a7 FETCH 1 BINARY.PEEK[]")
	if len(whole) != 2 || whole[0] != "* 1 FETCH (BINARY[] "+fxLit(binMessage)+")" {
		t.Errorf("BINARY[]: %q", whole)
	}
	// PEEK and SIZE leave \Seen alone; BINARY sets it (§4.2) and reports it.
	fxExpect(c, "a8 FETCH 1 FLAGS", `* 1 FETCH (FLAGS (\Recent))`, "a8 OK FETCH completed")
	fxExpect(c, "a9 FETCH 1 BINARY[1]<0.4>", "* 1 FETCH (BINARY[1]<0> "+fxLit("caf\xc3")+` FLAGS (\Seen \Recent))`, "a9 OK FETCH completed")
	fxExpect(c, "a10 UID FETCH 1 (BINARY.SIZE[1])", "* 1 FETCH (BINARY.SIZE[1] 13 UID 1)", "a10 OK UID FETCH completed")
	// Syntax (§7): a section-binary has part numbers only, SIZE no partial.
	for _, line := range []string{"FETCH 1 BINARY[1.MIME]", "FETCH 1 BINARY[TEXT]", "FETCH 1 BINARY.SIZE[1]<0.1>", "FETCH 1 BINARY", "FETCH 1 BINARY[0]"} {
		got := c.cmd("e " + line)
		if len(got) != 1 || !strings.HasPrefix(got[0], "e BAD ") {
			t.Errorf("%s: %q", line, got)
		}
	}
}

// TestAppendLiteral8 appends a message with NUL octets in a literal8 (RFC
// 3516 §4.4): it is stored exactly, and BINARY gives it back.
func TestAppendLiteral8(t *testing.T) {
	env := newEnv(t, insecureAuth)
	c := env.login("alice", alicePassword)
	msg := "Subject: nul\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\na\x00b\r\n"
	c.expect(fmt.Sprintf("a1 APPEND INBOX ~{%d}", len(msg)), "+ Ready for literal data")
	got := c.cmd(msg)
	if len(got) != 1 || !strings.HasPrefix(got[0], "a1 OK [APPENDUID ") {
		t.Fatalf("APPEND: %q", got)
	}
	r, err := env.mailbox("alice", "INBOX").Open(1)
	if err != nil {
		t.Fatal(err)
	}
	stored := make([]byte, r.Size())
	r.ReadAt(stored, 0)
	r.Close()
	if string(stored) != msg {
		t.Fatalf("stored %q, want %q", stored, msg)
	}
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")
	fxExpect(c, "a2 FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])", "* 1 FETCH (BINARY[1] ~{5}\r\na\x00b\r\n BINARY.SIZE[1] 5)", "a2 OK FETCH completed")
	// RFC 7888 §6: with LITERAL-, a literal8 may be non-synchronizing.
	c.write(fmt.Sprintf("a2b APPEND INBOX ~{%d+}\r\n%s\r\n", len(msg), msg))
	if got := c.until("a2b "); !strings.HasPrefix(got[len(got)-1], "a2b OK [APPENDUID ") {
		t.Fatalf("APPEND ~{n+}: %q", got)
	}
	fxExpect(c, "a2c FETCH 2 BINARY.PEEK[]", "* 2 FETCH (BINARY[] ~{"+strconv.Itoa(len(msg))+"}\r\n"+msg+")", "a2c OK FETCH completed")
	// NUL in a plain literal stays refused (RFC 3501 §4.3).
	c.expect("a3 APPEND INBOX {3}", "+ Ready for literal data")
	if got := c.cmd("a\x00b"); len(got) != 1 || !strings.HasPrefix(got[0], "a3 BAD syntax error") {
		t.Fatalf("NUL in a literal: %q", got)
	}
}

// binSections returns every part number of a message's structure, depth
// first, and the empty one for the whole message.
func binSections(m *rfc3501.Message) [][]int {
	out := [][]int{nil}
	var walk func(b *rfc3501.BodyStructure, prefix []int, top bool)
	walk = func(b *rfc3501.BodyStructure, prefix []int, top bool) {
		switch {
		case b.IsMultipart():
			for i, p := range b.Parts {
				n := append(append([]int{}, prefix...), i+1)
				out = append(out, n)
				walk(p, n, false)
			}
		case b.IsMessage():
			if b.Message.IsMultipart() {
				walk(b.Message, prefix, false)
			} else {
				n := append(append([]int{}, prefix...), 1)
				out = append(out, n)
			}
		case top:
			out = append(out, []int{1})
		}
	}
	walk(m.Body, nil, true)
	return out
}

// TestFetchBinaryCorpus fetches BINARY, BINARY.PEEK and BINARY.SIZE of every
// section of every message of the corpus of malformed messages, and of a part
// that does not exist: each answer is a well-formed FETCH response whose
// size agrees with BINARY.SIZE, whose partial data is the slice of the whole
// and whose BINARY is BINARY.PEEK's, or NO [UNKNOWN-CTE]; and the session
// goes on.
func TestFetchBinaryCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	env := newEnv(t, insecureAuth)
	var sections [][][]int
	var raws []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := rfc3501.ParseMessage(strings.NewReader(string(raw)), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		sections = append(sections, binSections(m))
		raws = append(raws, string(raw))
		fxAppend(t, env, "alice", "INBOX", string(raw), fxDate)
	}
	c := env.login("alice", alicePassword)
	c.expectTagged("s SELECT INBOX", "s OK [READ-WRITE] SELECT completed")
	checked := 0
	for i := range files {
		name, seq := filepath.Base(files[i]), i+1
		for _, part := range append(sections[i], []int{99}) {
			sec := strings.Trim(strings.ReplaceAll(fmt.Sprint(part), " ", "."), "[]")
			line := fmt.Sprintf("b FETCH %d (BINARY.PEEK[%s] BINARY.SIZE[%s] BINARY.PEEK[%s]<3.50> BINARY[%s]<0.4294967295>)", seq, sec, sec, sec, sec)
			got := fxCmd(c, line)
			if len(got) == 1 && strings.HasPrefix(got[0], "b NO [UNKNOWN-CTE] ") {
				continue
			}
			if len(got) != 2 || got[1] != "b OK FETCH completed" {
				t.Errorf("%s: %s: %q", name, line, got)
				continue
			}
			att, err := fxParseFetch(got[0], uint32(seq))
			if err != nil {
				t.Errorf("%s: %s: %v\n%q", name, line, err, got[0])
				continue
			}
			data, size := att["BINARY["+sec+"]"], att["BINARY.SIZE["+sec+"]"].atom
			if data.str == nil || strconv.Itoa(len(*data.str)) != size {
				t.Errorf("%s [%s]: BINARY of %v octets, BINARY.SIZE %s", name, sec, data.str != nil, size)
				continue
			}
			if p := att["BINARY["+sec+"]<3>"]; p.str == nil || *p.str != (*data.str)[min(3, len(*data.str)):min(53, len(*data.str))] {
				t.Errorf("%s [%s]: partial BINARY is not the slice of the whole", name, sec)
			}
			if p := att["BINARY["+sec+"]<0>"]; p.str == nil || *p.str != *data.str {
				t.Errorf("%s [%s]: BINARY differs from BINARY.PEEK", name, sec)
			}
			if sec == "" && *data.str != raws[i] {
				t.Errorf("%s: BINARY[] is not the message", name)
			}
			checked++
		}
	}
	c.expect("n NOOP", "n OK NOOP completed")
	t.Logf("%d sections of %d messages", checked, len(files))
}

// goIMAPLogin connects go-imap's client to env and logs in as alice; the
// client is closed when the test ends.
func goIMAPLogin(t testing.TB, env *testEnv) *imapclient.Client {
	t.Helper()
	cl, err := imapclient.DialInsecure(env.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if err := cl.Login("alice", alicePassword).Wait(); err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestGoIMAPClientSearchBinary has go-imap's client use ESEARCH, SEARCHRES and BINARY as
// a client library would: it must parse every answer.
func TestGoIMAPClientSearchBinary(t *testing.T) {
	env, c := esSetup(t)
	c.expect("z LOGOUT", "* BYE Loft IMAP4rev1 server logging out", "z OK LOGOUT completed")
	fxAppend(t, env, "alice", "INBOX", binMessage, fxDate)
	cl := goIMAPLogin(t, env)
	for _, cp := range []imap.Cap{imap.CapESearch, imap.CapSearchRes, imap.CapBinary, "WITHIN"} {
		if !cl.Caps().Has(cp) {
			t.Errorf("capability %s not announced", cp)
		}
	}
	if _, err := cl.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	flagged := &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}}
	data, err := cl.Search(flagged, &imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnAll: true, ReturnCount: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if data.Min != 2 || data.Max != 6 || data.Count != 3 || fmt.Sprint(data.AllSeqNums()) != "[2 4 6]" {
		t.Errorf("ESEARCH: %+v", data)
	}
	udata, err := cl.UIDSearch(flagged, &imap.SearchOptions{ReturnAll: true, ReturnSave: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(udata.AllUIDs()) != "[4 6 8]" {
		t.Errorf("UID ESEARCH: %+v", udata)
	}
	// go-imap v2.0.0-beta.8 leaves SAVE out of the RETURN options it sends,
	// so "$" is still the empty result of the SELECT: a valid set that names
	// nothing (RFC 5182 §2.1).
	msgs, err := cl.Fetch(imap.SearchRes(), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 0 {
		t.Fatalf("FETCH $: %v %v", msgs, err)
	}
	sections := []*imap.FetchItemBinarySection{{Part: []int{1}, Peek: true}, {Part: []int{2}, Peek: true}, {Part: []int{3}, Peek: true}}
	bin, err := cl.Fetch(imap.SeqSetNum(7), &imap.FetchOptions{
		BinarySection:     sections,
		BinarySectionSize: []*imap.FetchItemBinarySectionSize{{Part: []int{2}}},
	}).Collect()
	if err != nil || len(bin) != 1 {
		t.Fatalf("FETCH BINARY: %v %v", bin, err)
	}
	for i, want := range []string{"café au lait", "\x00\x01\x02\xff", "one\r\ntwo\r\n"} {
		if got := string(bin[0].FindBinarySection(sections[i])); got != want {
			t.Errorf("BINARY[%d] = %q, want %q", i+1, got, want)
		}
	}
	if n, ok := bin[0].FindBinarySectionSize([]int{2}); !ok || n != 4 {
		t.Errorf("BINARY.SIZE[2] = %d, %v", n, ok)
	}
}

// BenchmarkFetchBinary measures FETCH BINARY.PEEK of a 1 MiB base64
// attachment, decoded twice (measured, then sent), against BODY.PEEK of the
// same part as stored; SetBytes is the decoded size.
func BenchmarkFetchBinary(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var enc strings.Builder
	b64 := base64.StdEncoding.EncodeToString(data)
	for len(b64) > 76 {
		enc.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	enc.WriteString(b64 + "\r\n")
	msg := "Subject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc.String() + "--b--\r\n"
	env := newEnv(b, insecureAuth)
	fxAppend(b, env, "alice", "INBOX", msg, fxDate)
	c := env.login("alice", alicePassword)
	c.cmd("s EXAMINE INBOX")
	for _, bc := range []struct{ name, line string }{
		{"binary", "f FETCH 1 BINARY.PEEK[2]"},
		{"size", "f FETCH 1 BINARY.SIZE[2]"},
		{"body", "f FETCH 1 BODY.PEEK[2]"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if got := fxDrain(b, c, bc.line); got != 1 {
					b.Fatalf("%d responses", got)
				}
			}
		})
	}
}
