package rfc3501

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// encode runs f on a fresh Encoder and returns what it wrote.
func encode(t *testing.T, f func(e *Encoder)) string {
	t.Helper()
	var b bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&b))
	f(e)
	if err := e.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return b.String()
}

func TestEncoder(t *testing.T) {
	pdt := time.FixedZone("", -7*3600)
	tests := []struct {
		name string
		f    func(e *Encoder)
		want string
	}{
		// RFC 3501 §8 sample responses.
		{"untagged", func(e *Encoder) { e.Untagged().Number(172).SP().Atom("EXISTS").CRLF() }, "* 172 EXISTS\r\n"},
		{"tagged with code", func(e *Encoder) {
			e.Tagged("A142", imap.StatusResponseTypeOK).ResponseCode("READ-WRITE", nil).Text("SELECT completed").CRLF()
		}, "A142 OK [READ-WRITE] SELECT completed\r\n"},
		{"code with arguments", func(e *Encoder) {
			e.Untagged().Atom("OK").SP().ResponseCode("PERMANENTFLAGS", func(e *Encoder) {
				e.Flags([]imap.Flag{imap.FlagDeleted, imap.FlagSeen, imap.FlagWildcard})
			}).Text("Limited").CRLF()
		}, "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"},
		{"uidnext", func(e *Encoder) {
			e.Untagged().Atom("OK").SP().ResponseCode("UIDNEXT", func(e *Encoder) { e.Number(4392) }).Text("Predicted next UID").CRLF()
		}, "* OK [UIDNEXT 4392] Predicted next UID\r\n"},
		{"continuation", func(e *Encoder) { e.Continuation("Ready for additional command text").CRLF() }, "+ Ready for additional command text\r\n"},
		{"empty continuation", func(e *Encoder) { e.Continuation("").CRLF() }, "+ \r\n"},
		{"text is one line of TEXT-CHAR", func(e *Encoder) { e.Tagged("a", imap.StatusResponseTypeBad).Text("x\r\ny\x00z\xc3\xa9").CRLF() }, "a BAD x  y z??\r\n"},
		{"quoted", func(e *Encoder) { e.String("IMAP4rev1 WG mtg") }, `"IMAP4rev1 WG mtg"`},
		{"escapes", func(e *Encoder) { e.String(`a"b\c`) }, `"a\"b\\c"`},
		{"empty", func(e *Encoder) { e.String("") }, `""`},
		{"literal for CRLF", func(e *Encoder) { e.String("a\r\nb") }, "{4}\r\na\r\nb"},
		{"literal for 8-bit", func(e *Encoder) { e.String("café") }, "{5}\r\ncafé"},
		{"no NUL in a string", func(e *Encoder) { e.String("a\x00b") }, "{5}\r\na\uFFFDb"},
		{"astring atom", func(e *Encoder) { e.AString("FROM") }, "FROM"},
		{"astring with ]", func(e *Encoder) { e.AString("a]b") }, "a]b"},
		{"astring NIL", func(e *Encoder) { e.AString("nil") }, `"nil"`},
		{"astring empty", func(e *Encoder) { e.AString("") }, `""`},
		{"astring wildcard", func(e *Encoder) { e.AString("a*") }, `"a*"`},
		{"nstring", func(e *Encoder) { e.NString("").SP().NString("x") }, `NIL "x"`},
		{"mailbox", func(e *Encoder) { e.Mailbox("~peter/mail/台北/日本語") }, `"~peter/mail/&U,BTFw-/&ZeVnLIqe-"`},
		{"mailbox &", func(e *Encoder) { e.Mailbox("a&b") }, `"a&-b"`},
		{"list", func(e *Encoder) {
			e.List(3, func(i int) { e.Number(uint32(i)) })
		}, "(0 1 2)"},
		{"empty list", func(e *Encoder) { e.List(0, func(int) {}) }, "()"},
		{"flags", func(e *Encoder) { e.Flags([]imap.Flag{imap.FlagSeen, "$Forwarded"}) }, `(\Seen $Forwarded)`},
		{"no flags", func(e *Encoder) { e.Flags(nil) }, "()"},
		// RFC 3501 §7.4.2 INTERNALDATE example, and date-day-fixed.
		{"date-time", func(e *Encoder) { e.DateTime(time.Date(1996, 7, 17, 2, 44, 25, 0, pdt)) }, `"17-Jul-1996 02:44:25 -0700"`},
		{"date-time padded", func(e *Encoder) { e.DateTime(time.Date(1996, 7, 5, 2, 44, 25, 0, time.UTC)) }, `" 5-Jul-1996 02:44:25 +0000"`},
		{"numbers", func(e *Encoder) { e.Number(4294967295).SP().Number64(18446744073709551615) }, "4294967295 18446744073709551615"},
		{"seq set", func(e *Encoder) { e.SeqSet(SeqSetOf(3, 1, 2, 7)) }, "1:3,7"},
		{"literal", func(e *Encoder) { e.Literal(strings.NewReader("hello world"), 5, false) }, "{5}\r\nhello"},
		{"literal8", func(e *Encoder) { e.Literal(strings.NewReader("\x00\x01"), 2, true) }, "~{2}\r\n\x00\x01"},
	}
	for _, tt := range tests {
		if got := encode(t, tt.f); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestEncoderErrors(t *testing.T) {
	tests := []struct {
		name string
		f    func(e *Encoder)
		err  error
	}{
		{"atom with CRLF", func(e *Encoder) { e.Atom("a\r\nb") }, errBadToken},
		{"empty atom", func(e *Encoder) { e.Atom("") }, errBadToken},
		{"tag with LF", func(e *Encoder) { e.Tagged("a\n", imap.StatusResponseTypeOK) }, errBadToken},
		{"empty seq set", func(e *Encoder) { e.SeqSet(SeqSet{}) }, errBadToken},
		{"short literal", func(e *Encoder) { e.Literal(strings.NewReader("abc"), 5, false) }, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		e := NewEncoder(bufio.NewWriter(&b))
		tt.f(e)
		e.CRLF() // skipped after the error
		if err := e.Flush(); !errors.Is(err, tt.err) {
			t.Errorf("%s: Flush() = %v, want %v", tt.name, err, tt.err)
		}
		if bytes.Contains(b.Bytes(), []byte("\r\n")) && tt.name != "short literal" {
			t.Errorf("%s: wrote %q", tt.name, b.String())
		}
	}
}
