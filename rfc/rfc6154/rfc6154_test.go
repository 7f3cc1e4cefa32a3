package rfc6154

import (
	"bufio"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-imap/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func decodeCreate(line string) (string, []string, error) {
	dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(line)))
	var name string
	var uses []string
	if !dec.Mailbox(&name) || !DecodeCreateParams(dec, &uses) || !dec.CRLF() {
		return "", nil, dec.Err()
	}
	return name, uses, nil
}

// TestDecodeCreateParams: §5.3's two commands, case, and malformed or
// unknown parameters.
func TestDecodeCreateParams(t *testing.T) {
	for _, tc := range []struct {
		line, name string
		uses       []string
	}{
		{`MySpecial (USE (\Drafts \Sent))`, "MySpecial", []string{`\Drafts`, `\Sent`}},
		{`Everything (USE (\All))`, "Everything", []string{`\All`}},
		{`x (use (\junk))`, "x", []string{`\junk`}},
		{`x (USE ())`, "x", nil},
		{`x (USE (\Sent) USE (\Trash))`, "x", []string{`\Sent`, `\Trash`}},
	} {
		name, uses, err := decodeCreate(tc.line + "\r\n")
		if err != nil {
			t.Errorf("CREATE %s: %v", tc.line, err)
			continue
		}
		if name != tc.name || !cmp.Equal(uses, tc.uses) {
			t.Errorf("CREATE %s: %q %q, want %q %q", tc.line, name, uses, tc.name, tc.uses)
		}
	}
	for _, line := range []string{
		`x ()`, `x (USE)`, `x (USE \Sent)`, `x (USE (Sent))`, `x (FOO (\Sent))`, `x (USE (\Sent)`, `x  (USE (\Sent))`,
	} {
		if _, _, err := decodeCreate(line + "\r\n"); err == nil {
			t.Errorf("CREATE %s: no error", line)
		}
	}
}

// TestCanonical: the attributes of §2 in any case, and others.
func TestCanonical(t *testing.T) {
	for in, want := range map[string]imap.MailboxAttr{
		`\sent`: imap.MailboxAttrSent, `\ALL`: imap.MailboxAttrAll, `\Trash`: imap.MailboxAttrTrash,
	} {
		if got, ok := Canonical(in); !ok || got != want {
			t.Errorf("Canonical(%s) = %s, %v", in, got, ok)
		}
	}
	for _, in := range []string{`\Important`, `Sent`, `\Noselect`, ``} {
		if got, ok := Canonical(in); ok {
			t.Errorf("Canonical(%s) = %s, want none", in, got)
		}
	}
}

// FuzzDecodeCreateParams: the decoder never panics; what it accepts has
// only "\" atoms, and decodes the same when the input arrives one octet at
// a time.
func FuzzDecodeCreateParams(f *testing.F) {
	for _, s := range []string{
		`MySpecial (USE (\Drafts \Sent))`, `x (USE ())`, `x (USE (\Sent) USE (\Trash))`, `x (FOO (\Sent))`, "{1}\r\nx (USE (\\All))",
	} {
		f.Add(s + "\r\n")
	}
	f.Fuzz(func(t *testing.T, line string) {
		name, uses, err := decodeCreate(line)
		if err != nil {
			return
		}
		for _, u := range uses {
			if len(u) < 2 || u[0] != '\\' || strings.ContainsAny(u[1:], " ()\\\"{%*\r\n") {
				t.Fatalf("%q: bad use-attr %q", line, u)
			}
		}
		dec := rfc3501.NewDecoder(bufio.NewReader(iotest.OneByteReader(strings.NewReader(line))))
		var name2 string
		var uses2 []string
		if !dec.Mailbox(&name2) || !DecodeCreateParams(dec, &uses2) || !dec.CRLF() {
			t.Fatalf("%q: octet by octet: %v", line, dec.Err())
		}
		if name != name2 || !cmp.Equal(uses, uses2) {
			t.Fatalf("%q: octet by octet %q %q, at once %q %q", line, name2, uses2, name, uses)
		}
	})
}
