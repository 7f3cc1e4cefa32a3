package rfc3501

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/google/go-cmp/cmp"
)

// readers returns the ways the tests feed input to a Decoder: all at once,
// and one octet per Read.
func readers(s string) map[string]io.Reader {
	return map[string]io.Reader{
		"whole":   strings.NewReader(s),
		"onebyte": iotest.OneByteReader(strings.NewReader(s)),
	}
}

// rest returns what the decoder has not consumed.
func rest(d *Decoder) string {
	b, _ := io.ReadAll(d.r)
	return string(b)
}

type decodeCase struct {
	in   string
	want any
	rest string // input left after a success
	err  string // for a failure: a substring of the error, and ...
	pos  int64  // ... its position
}

// runDecodeCases checks one decoding function on cases, fed whole and one
// octet at a time.
func runDecodeCases(t *testing.T, name string, cases []decodeCase, decode func(*Decoder) (any, bool)) {
	t.Helper()
	for _, tt := range cases {
		for how, r := range readers(tt.in) {
			d := NewDecoder(bufio.NewReader(r))
			got, ok := decode(d)
			if tt.err != "" {
				var se *SyntaxError
				if ok || !errors.As(d.Err(), &se) {
					t.Errorf("%s(%q) [%s] = %v, %v, %v; want syntax error %q", name, tt.in, how, got, ok, d.Err(), tt.err)
					continue
				}
				if !strings.Contains(se.Msg, tt.err) || se.Pos != tt.pos {
					t.Errorf("%s(%q) [%s]: error %v, want %q at %d", name, tt.in, how, se, tt.err, tt.pos)
				}
				continue
			}
			if !ok {
				t.Errorf("%s(%q) [%s]: %v", name, tt.in, how, d.Err())
				continue
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s(%q) [%s] (-want +got):\n%s", name, tt.in, how, diff)
			}
			if r := rest(d); r != tt.rest {
				t.Errorf("%s(%q) [%s] left %q, want %q", name, tt.in, how, r, tt.rest)
			}
		}
	}
}

func TestDecodeAtomAndTag(t *testing.T) {
	runDecodeCases(t, "Atom", []decodeCase{
		{in: "NOOP\r\n", want: "NOOP", rest: "\r\n"},
		{in: "a.b-c[d ", want: "a.b-c[d", rest: " "},
		{in: "FLAGS)", want: "FLAGS", rest: ")"},
		{in: "x]", want: "x", rest: "]"},
		{in: "BODY[ ", want: "BODY[", rest: " "},
		{in: "(a", err: "expected atom, found '('", pos: 0},
		{in: " a", err: "expected atom, found SP", pos: 0},
		{in: "\"a\"", err: "expected atom", pos: 0},
		{in: "%", err: "expected atom", pos: 0},
		{in: "\xc3\xa9", err: "expected atom, found octet 0xc3", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.Atom(&s)
		return s, ok
	})
	runDecodeCases(t, "Tag", []decodeCase{
		// RFC 3501 §2.2.1 and §8 examples.
		{in: "a001 LOGIN", want: "a001", rest: " LOGIN"},
		{in: "A142 SELECT", want: "A142", rest: " SELECT"},
		{in: "a]b ", want: "a]b", rest: " "},
		{in: "a+b ", want: "a", rest: "+b "},
		{in: "+ ", err: "expected tag, found '+'", pos: 0},
		{in: "*", err: "expected tag", pos: 0},
		{in: "\r\n", err: "expected tag, found CR", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.Tag(&s)
		return s, ok
	})
}

func TestDecodeNumbers(t *testing.T) {
	runDecodeCases(t, "Number", []decodeCase{
		{in: "0 ", want: uint32(0), rest: " "},
		{in: "007)", want: uint32(7), rest: ")"},
		{in: "4294967295)", want: uint32(4294967295), rest: ")"},
		{in: "4294967296 ", err: "number out of range", pos: 0},
		{in: "x", err: "expected number, found 'x'", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var n uint32
		ok := d.Number(&n)
		return n, ok
	})
	runDecodeCases(t, "NzNumber", []decodeCase{
		{in: "12 ", want: uint32(12), rest: " "},
		{in: "0", err: "expected non-zero number", pos: 0},
		{in: "01", err: "expected non-zero number", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var n uint32
		ok := d.NzNumber(&n)
		return n, ok
	})
	runDecodeCases(t, "Number64", []decodeCase{
		{in: "9223372036854775807)", want: uint64(9223372036854775807), rest: ")"},
		{in: "9223372036854775808 ", err: "out of range", pos: 0},
		{in: "99999999999999999999999)", err: "out of range", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var n uint64
		ok := d.Number64(&n)
		return n, ok
	})
}

func TestDecodeStrings(t *testing.T) {
	runDecodeCases(t, "Quoted", []decodeCase{
		{in: `"" `, want: "", rest: " "},
		{in: `"a b\"c\\d"x`, want: `a b"c\d`, rest: "x"},
		{in: `"a\b"`, err: `invalid escape in quoted string: \'b'`, pos: 3},
		{in: "\"a\r\n", err: "CR in quoted string", pos: 2},
		{in: "\"a\nb\"", err: "LF in quoted string", pos: 2},
		{in: "\"caf\xc3\xa9\"", err: "octet 0xc3 in quoted string", pos: 4},
		{in: "\"a\x00\"", err: "octet 0x00 in quoted string", pos: 2},
		{in: `a`, err: `expected '"'`, pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.Quoted(&s)
		return s, ok
	})
	runDecodeCases(t, "String", []decodeCase{
		{in: `"hi" `, want: "hi", rest: " "},
		// RFC 3501 §4.3 literal.
		{in: "{5}\r\nhello rest", want: "hello", rest: " rest"},
		{in: "{0}\r\n)", want: "", rest: ")"},
		{in: "{2+}\r\n\r\n)", want: "\r\n", rest: ")"},
		{in: "{3}\r\nc\xc3\xa9", want: "c\xc3\xa9"},
		{in: "{3}\r\na\x00b", err: "NUL octet in literal", pos: 6},
		{in: "{3x}", err: "expected '}', found 'x'", pos: 2},
		{in: "{3}x", err: "expected CR, found 'x'", pos: 3},
		{in: "{3}\n", err: "expected CR, found LF", pos: 3},
		{in: "{x}", err: "expected number", pos: 1},
		{in: "~{1}\r\nx", err: "expected string, found '~'", pos: 0},
		{in: "atom", err: "expected string, found 'a'", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.String(&s)
		return s, ok
	})
	runDecodeCases(t, "AString", []decodeCase{
		{in: "SMITH SESAME", want: "SMITH", rest: " SESAME"},
		{in: "a]b)", want: "a]b", rest: ")"},
		{in: `"x y" `, want: "x y", rest: " "},
		{in: "{1}\r\n*", want: "*"},
		{in: "*", err: "expected astring, found '*'", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.AString(&s)
		return s, ok
	})
	runDecodeCases(t, "NString", []decodeCase{
		{in: "NIL ", want: (*string)(nil), rest: " "},
		{in: "nil)", want: (*string)(nil), rest: ")"},
		{in: `"NIL"`, want: new("NIL")},
		{in: `""`, want: new("")},
		{in: "NILS ", err: "expected string or NIL", pos: 0},
		{in: "x", err: "expected string, found 'x'", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s *string
		ok := d.NString(&s)
		return s, ok
	})
	runDecodeCases(t, "Text", []decodeCase{
		{in: "dGVzdA==\r\n", want: "dGVzdA==", rest: "\r\n"},
		{in: "\r\n", want: "", rest: "\r\n"},
		{in: "a\xffb\r\n", err: "expected TEXT-CHAR or CRLF, found octet 0xff", pos: 1},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.Text(&s)
		return s, ok
	})
}

func TestDecodeListsAndFlags(t *testing.T) {
	runDecodeCases(t, "FlagList", []decodeCase{
		// RFC 3501 §6.4.6 STORE example and §6.3.11 APPEND example.
		{in: `(\Deleted)`, want: []imap.Flag{imap.FlagDeleted}},
		{in: `(\Seen)`, want: []imap.Flag{imap.FlagSeen}},
		{in: `()`, want: []imap.Flag(nil)},
		{in: `(\SEEN \answered $Forwarded Junk \Recent \X-Ext) `, want: []imap.Flag{imap.FlagSeen, imap.FlagAnswered, "$Forwarded", "Junk", FlagRecent, `\X-Ext`}, rest: " "},
		{in: `(\Seen  \Draft)`, err: "expected atom, found SP", pos: 7},
		{in: `(\*)`, err: "expected atom, found '*'", pos: 2},
		{in: `\Seen`, err: `expected '(', found '\\'`, pos: 0},
		{in: `(\Seen )`, err: "expected atom, found ')'", pos: 7},
	}, func(d *Decoder) (any, bool) {
		var f []imap.Flag
		ok := d.FlagList(&f)
		return f, ok
	})
	// Nested lists: a parse tree of astrings.
	var tree func(d *Decoder) (any, bool)
	tree = func(d *Decoder) (any, bool) {
		items := []any{}
		ok := d.List(func() bool {
			if d.Peek('(') {
				sub, ok := tree(d)
				items = append(items, sub)
				return ok
			}
			var s string
			ok := d.AString(&s)
			items = append(items, s)
			return ok
		})
		return items, ok
	}
	runDecodeCases(t, "List", []decodeCase{
		{in: `(a (b "c d") () {1}` + "\r\n" + `e)`, want: []any{"a", []any{"b", "c d"}, []any{}, "e"}},
		{in: "(((a)) b) ", want: []any{[]any{[]any{"a"}}, "b"}, rest: " "},
		{in: strings.Repeat("(", 101), err: "lists nested too deeply", pos: 101},
	}, tree)
	deep := strings.Repeat("(", maxListDepth) + strings.Repeat(")", maxListDepth)
	d := NewDecoder(bufio.NewReader(strings.NewReader(deep + " ")))
	if got, ok := tree(d); !ok || strings.Count(fmt.Sprint(got), "[") != maxListDepth {
		t.Errorf("%d nested lists: %v %v", maxListDepth, ok, d.Err())
	}
}

func TestDecodeMailbox(t *testing.T) {
	runDecodeCases(t, "Mailbox", []decodeCase{
		{in: "inbox ", want: "INBOX", rest: " "},
		{in: `"InBoX"`, want: "INBOX"},
		{in: "INBOX.Sent)", want: "INBOX.Sent", rest: ")"},
		// RFC 3501 §5.1.3 example.
		{in: "~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n", want: "~peter/mail/台北/日本語", rest: "\r\n"},
		{in: `"Tom &- Jerry"`, want: "Tom & Jerry"},
		{in: "{5}\r\n&AOk-", want: "é"},
		{in: "a &AGE-", want: "a", rest: " &AGE-"},
		{in: "x&AGE- ", err: "printable US-ASCII character in modified BASE64", pos: 0},
		{in: "\"a\" ", want: "a", rest: " "},
		{in: "{2}\r\n\xc3\xa9", err: "must be in modified BASE64", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.Mailbox(&s)
		return s, ok
	})
	runDecodeCases(t, "ListMailbox", []decodeCase{
		// RFC 3501 §6.3.8 examples.
		{in: "*\r\n", want: "*", rest: "\r\n"},
		{in: "% ", want: "%", rest: " "},
		{in: "~/Mail/foo\r\n", want: "~/Mail/foo", rest: "\r\n"},
		{in: `""`, want: ""},
		{in: "&AOk-/%]x ", want: "é/%]x", rest: " "},
		{in: "(", err: "expected mailbox pattern", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s string
		ok := d.ListMailbox(&s)
		return s, ok
	})
}

func TestDecodeSeqSet(t *testing.T) {
	runDecodeCases(t, "SeqSet", []decodeCase{
		{in: "2:4 (FLAGS)", want: SeqSet{Ranges: []Range{{2, 4}}}, rest: " (FLAGS)"},
		{in: "1:5,7,*:10,$\r\n", want: SeqSet{Ranges: []Range{{1, 5}, {7, 7}, {0, 10}}, Dollar: true}, rest: "\r\n"},
		{in: "1,0 x", err: "expected non-zero number", pos: 2},
		{in: "x", err: "expected sequence set, found 'x'", pos: 0},
	}, func(d *Decoder) (any, bool) {
		var s SeqSet
		ok := d.SeqSet(&s)
		return s, ok
	})
}

func TestDecodeDates(t *testing.T) {
	utc := time.UTC
	runDecodeCases(t, "Date", []decodeCase{
		// RFC 3501 §6.4.4 SEARCH example: SINCE 1-Feb-1994.
		{in: "1-Feb-1994 ", want: time.Date(1994, 2, 1, 0, 0, 0, 0, utc), rest: " "},
		{in: `"01-feb-1994"`, want: time.Date(1994, 2, 1, 0, 0, 0, 0, utc)},
		{in: "29-Feb-2024", want: time.Date(2024, 2, 29, 0, 0, 0, 0, utc)},
		{in: "29-Feb-2023", err: "no such day", pos: 0},
		{in: "0-Jan-2000", err: "invalid day", pos: 0},
		{in: "123-Jan-2000", err: "day out of range", pos: 0},
		{in: "1-Foo-2000", err: "expected month name", pos: 2},
		{in: "1-Jan-200 ", err: "expected 4 digits", pos: 6},
		{in: `"1-Jan-2000 `, err: "expected '\"', found SP", pos: 11},
	}, func(d *Decoder) (any, bool) {
		var v time.Time
		ok := d.Date(&v)
		return v, ok
	})
	runDecodeCases(t, "DateTime", []decodeCase{
		// RFC 3501 §6.3.11 APPEND example.
		{in: `"05-Jul-1996 02:44:25 -0700" `, want: time.Date(1996, 7, 5, 2, 44, 25, 0, time.FixedZone("", -7*3600)), rest: " "},
		// RFC 3501 §7.4.2 INTERNALDATE example.
		{in: `"17-Jul-1996 02:44:25 -0700"`, want: time.Date(1996, 7, 17, 2, 44, 25, 0, time.FixedZone("", -7*3600))},
		{in: `" 5-Jul-1996 02:44:25 +0530"`, want: time.Date(1996, 7, 5, 2, 44, 25, 0, time.FixedZone("", 5*3600+30*60))},
		{in: `"5-Jul-1996 02:44:25 +0000"`, want: time.Date(1996, 7, 5, 2, 44, 25, 0, time.FixedZone("", 0))},
		{in: `"31-Apr-1996 02:44:25 +0000"`, err: "invalid date-time", pos: 1},
		{in: `"05-Jul-1996 24:00:00 +0000"`, err: "invalid date-time", pos: 1},
		{in: `"05-Jul-1996 02:44:25 0700"`, err: "expected zone sign, found '0'", pos: 22},
		{in: `"05-Jul-1996 02:44 -0700"`, err: "expected ':'", pos: 18},
		{in: `05-Jul-1996 02:44:25 -0700`, err: `expected '"'`, pos: 0},
	}, func(d *Decoder) (any, bool) {
		var v time.Time
		ok := d.DateTime(&v)
		return v, ok
	})
}

func TestDecodeSection(t *testing.T) {
	runDecodeCases(t, "Section", []decodeCase{
		// RFC 3501 §6.4.5 section examples.
		{in: "[]", want: Section{}},
		{in: "[HEADER]", want: Section{Specifier: "HEADER"}},
		{in: "[text]", want: Section{Specifier: "TEXT"}},
		{in: "[1]<", want: Section{Part: []int{1}}, rest: "<"},
		{in: "[4.2.2.1]", want: Section{Part: []int{4, 2, 2, 1}}},
		{in: "[3.HEADER]", want: Section{Part: []int{3}, Specifier: "HEADER"}},
		{in: "[4.1.MIME]", want: Section{Part: []int{4, 1}, Specifier: "MIME"}},
		{in: "[4.2.TEXT]", want: Section{Part: []int{4, 2}, Specifier: "TEXT"}},
		// RFC 3501 §8 example: BODY[HEADER.FIELDS (DATE FROM)].
		{in: "[HEADER.FIELDS (DATE FROM)]", want: Section{Specifier: "HEADER.FIELDS", Fields: []string{"DATE", "FROM"}}},
		{in: `[1.HEADER.FIELDS.NOT ("Subject" {2}` + "\r\nTo)]", want: Section{Part: []int{1}, Specifier: "HEADER.FIELDS.NOT", Fields: []string{"Subject", "To"}}},
		{in: "[MIME]", err: "MIME needs a part number", pos: 1},
		{in: "[HEADER.FIELDS ()]", err: "empty header-list", pos: 1},
		{in: "[HEADER.FIELDS]", err: "expected SP, found ']'", pos: 14},
		{in: "[0]", err: "expected non-zero number", pos: 1},
		{in: "[1.]", err: "expected section specifier, found ']'", pos: 3},
		{in: "[1.FOO]", err: `unknown section specifier "FOO"`, pos: 3},
		{in: "[1 ]", err: "expected ']', found SP", pos: 2},
	}, func(d *Decoder) (any, bool) {
		var s Section
		ok := d.Section(&s)
		return s, ok
	})
	runDecodeCases(t, "Partial", []decodeCase{
		{in: "<0.2048>", want: Partial{0, 2048}},
		{in: "<100.1>)", want: Partial{100, 1}, rest: ")"},
		{in: "<1.0>", err: "expected non-zero number", pos: 3},
		{in: "<1>", err: "expected '.', found '>'", pos: 2},
	}, func(d *Decoder) (any, bool) {
		var p Partial
		ok := d.Partial(&p)
		return p, ok
	})
	runDecodeCases(t, "SectionPart", []decodeCase{
		{in: "1.2.3]", want: []int{1, 2, 3}, rest: "]"},
		{in: "1.x", err: "expected number, found 'x'", pos: 2},
	}, func(d *Decoder) (any, bool) {
		var p []int
		ok := d.SectionPart(&p)
		return p, ok
	})
}

func TestSectionString(t *testing.T) {
	tests := []struct {
		s    Section
		want string
	}{
		{Section{}, ""},
		{Section{Part: []int{1, 2}}, "1.2"},
		{Section{Specifier: "TEXT"}, "TEXT"},
		{Section{Part: []int{4, 1}, Specifier: "MIME"}, "4.1.MIME"},
		{Section{Specifier: "HEADER.FIELDS", Fields: []string{"DATE", "FROM"}}, "HEADER.FIELDS (DATE FROM)"},
		{Section{Part: []int{3}, Specifier: "HEADER.FIELDS.NOT", Fields: []string{"X Y", "nil"}}, `3.HEADER.FIELDS.NOT ("X Y" "nil")`},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.s, got, tt.want)
		}
		d := NewDecoder(bufio.NewReader(strings.NewReader("[" + tt.want + "]")))
		var back Section
		if !d.Section(&back) {
			t.Errorf("Section(%q): %v", tt.want, d.Err())
		} else if diff := cmp.Diff(tt.s, back); diff != "" {
			t.Errorf("Section(%q) (-want +got):\n%s", tt.want, diff)
		}
	}
}

// literalLog records the LiteralFunc calls of a decoder and answers them.
type literalLog struct {
	calls []string
	limit int64
}

var errTooBig = errors.New("literal too big")

func (l *literalLog) fn(size int64, nonSync, binary bool) error {
	l.calls = append(l.calls, fmt.Sprintf("%d nonSync=%v binary=%v", size, nonSync, binary))
	if size > l.limit {
		return errTooBig
	}
	return nil
}

func TestLiteralStreaming(t *testing.T) {
	// RFC 3501 §6.3.11 APPEND with a message literal, then a NOOP.
	msg := "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.COM>\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
	in := "A003 APPEND saved-messages (\\Seen) {" + fmt.Sprint(len(msg)) + "}\r\n" + msg + "\r\nA004 NOOP\r\n"
	for how, r := range readers(in) {
		log := &literalLog{limit: 1000}
		d := NewDecoder(bufio.NewReader(r))
		d.LiteralFunc = log.fn
		var tag, cmd, mbox string
		var flags []imap.Flag
		var lit Literal
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.SP() || !d.Mailbox(&mbox) || !d.SP() ||
			!d.FlagList(&flags) || !d.SP() || !d.Literal(&lit) {
			t.Fatalf("[%s] %v", how, d.Err())
		}
		body, err := io.ReadAll(&lit)
		if err != nil || string(body) != msg {
			t.Fatalf("[%s] literal body %q, %v", how, body, err)
		}
		if !d.CRLF() {
			t.Fatalf("[%s] CRLF: %v", how, d.Err())
		}
		if diff := cmp.Diff([]string{fmt.Sprintf("%d nonSync=false binary=false", len(msg))}, log.calls); diff != "" {
			t.Errorf("[%s] LiteralFunc calls (-want +got):\n%s", how, diff)
		}
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.CRLF() || tag != "A004" || cmd != "NOOP" {
			t.Errorf("[%s] next command: %q %q %v", how, tag, cmd, d.Err())
		}
	}
}

func TestLiteralUnreadBodyIsSkipped(t *testing.T) {
	for how, r := range readers("a APPEND x ~{6+}\r\n\x00bc\x00ef ok\r\n") {
		d := NewDecoder(bufio.NewReader(r))
		var tag, cmd, mbox, word string
		var lit Literal
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.SP() || !d.Mailbox(&mbox) || !d.SP() || !d.Literal(&lit) {
			t.Fatalf("[%s] %v", how, d.Err())
		}
		if !lit.Binary || !lit.NonSync || lit.Size != 6 {
			t.Errorf("[%s] literal %+v", how, lit)
		}
		buf := make([]byte, 2)
		if n, err := io.ReadFull(&lit, buf); n != 2 || err != nil || string(buf) != "\x00b" {
			t.Fatalf("[%s] read %q, %v", how, buf[:n], err)
		}
		if !d.SP() || !d.Atom(&word) || !d.CRLF() || word != "ok" {
			t.Errorf("[%s] after the literal: %q %v", how, word, d.Err())
		}
		if n, err := lit.Read(buf); n != 0 || err != io.EOF {
			t.Errorf("[%s] read after the literal was skipped: %d, %v", how, n, err)
		}
	}
}

func TestLiteralRefused(t *testing.T) {
	tests := []struct {
		name, in string
		calls    []string
	}{
		{
			// A refused synchronising literal ends the command: the client
			// sends no body, and its next command follows.
			name:  "sync",
			in:    "a1 LOGIN {5000}\r\na2 NOOP\r\n",
			calls: []string{"5000 nonSync=false binary=false"},
		},
		{
			// A refused non-synchronising literal (RFC 7888 §4) is sent
			// anyway, with the rest of the command, which here has another one.
			name:  "nonsync",
			in:    "a1 LOGIN {20+}\r\n01234567890123456789 {3+}\r\nabc\r\na2 NOOP\r\n",
			calls: []string{"20 nonSync=true binary=false"},
		},
		{
			name:  "nonsync empty",
			in:    "a1 X {0+}\r\n {999+}\r\n" + strings.Repeat("z", 999) + "\r\na2 NOOP\r\n",
			calls: []string{"0 nonSync=true binary=false"},
		},
		{
			// number64 allows leading zeros, as many as the line holds
			// (more than bufio's buffer here): DiscardLine must see the
			// second announcement as Literal would, or "abc" would be
			// read as a command.
			name:  "nonsync leading zeros",
			in:    "a1 LOGIN {020+}\r\n01234567890123456789 {" + strings.Repeat("0", 5000) + "3+}\r\nabc\r\na2 NOOP\r\n",
			calls: []string{"20 nonSync=true binary=false"},
		},
		{
			// A size over 2^63-1 is no number64, so no literal for Literal
			// (number out of range) nor for DiscardLine.
			name:  "nonsync out of range",
			in:    "a1 LOGIN {20+}\r\n01234567890123456789 {9223372036854775808+}\r\na2 NOOP\r\n",
			calls: []string{"20 nonSync=true binary=false"},
		},
		{
			name:  "binary",
			in:    "a1 APPEND x ~{20}\r\na2 NOOP\r\n",
			calls: []string{"20 nonSync=false binary=true"},
		},
	}
	for _, tt := range tests {
		for how, r := range readers(tt.in) {
			log := &literalLog{limit: 10}
			if tt.name == "nonsync empty" {
				log.limit = -1
			}
			if tt.name == "binary" {
				log.limit = -1
			}
			d := NewDecoder(bufio.NewReader(r))
			d.LiteralFunc = log.fn
			var tag, cmd, arg string
			var lit Literal
			ok := d.Tag(&tag) && d.SP() && d.Atom(&cmd) && d.SP()
			if tt.name == "binary" {
				ok = ok && d.Mailbox(&arg) && d.SP() && d.Literal(&lit)
			} else {
				ok = ok && d.AString(&arg)
			}
			if ok || !errors.Is(d.Err(), errTooBig) {
				t.Fatalf("%s [%s]: %v, %v; want errTooBig", tt.name, how, ok, d.Err())
			}
			if err := d.DiscardLine(); err != nil {
				t.Fatalf("%s [%s] DiscardLine: %v", tt.name, how, err)
			}
			if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.CRLF() || tag != "a2" {
				t.Errorf("%s [%s]: next command %q: %v", tt.name, how, tag, d.Err())
			}
			if diff := cmp.Diff(tt.calls, log.calls); diff != "" {
				t.Errorf("%s [%s] LiteralFunc calls (-want +got):\n%s", tt.name, how, diff)
			}
		}
	}
}

func TestLineTooLong(t *testing.T) {
	long := "a1 LOGIN " + strings.Repeat("x", 100) + " {3+}\r\nabc\r\n"
	for how, r := range readers(long + "a2 NOOP\r\n") {
		d := NewDecoder(bufio.NewReader(r))
		d.MaxLine = 50
		var tag, cmd, arg string
		if d.Tag(&tag) && d.SP() && d.Atom(&cmd) && d.SP() && d.AString(&arg) {
			t.Fatalf("[%s] a 100-octet astring passed a 50-octet limit", how)
		}
		var se *SyntaxError
		if !errors.Is(d.Err(), ErrLineTooLong) || !errors.As(d.Err(), &se) || se.Pos != 50 {
			t.Fatalf("[%s] error %v, want ErrLineTooLong at 50", how, d.Err())
		}
		if err := d.DiscardLine(); err != nil {
			t.Fatal(err)
		}
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.CRLF() || tag != "a2" {
			t.Errorf("[%s] next command %q: %v", how, tag, d.Err())
		}
	}
	// The limit applies to each line segment; literal bodies do not count.
	in := "a1 X {60}\r\n" + strings.Repeat("y", 60) + " " + strings.Repeat("z", 30) + "\r\n"
	for how, r := range readers(in) {
		d := NewDecoder(bufio.NewReader(r))
		d.MaxLine = 40
		var tag, cmd, a, b string
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.SP() || !d.AString(&a) || !d.SP() || !d.AString(&b) || !d.CRLF() {
			t.Errorf("[%s] %v", how, d.Err())
		}
	}
}

func TestDiscardLineAfterSyntaxError(t *testing.T) {
	for how, r := range readers("a1 FETCH x\r\n(bad\r\na3 NOOP\r\n") {
		d := NewDecoder(bufio.NewReader(r))
		var tag, cmd string
		var set SeqSet
		if d.Tag(&tag) && d.SP() && d.Atom(&cmd) && d.SP() && d.SeqSet(&set) {
			t.Fatalf("[%s] x parsed as a sequence set", how)
		}
		var se *SyntaxError
		if !errors.As(d.Err(), &se) || se.Pos != 9 {
			t.Fatalf("[%s] %v", how, d.Err())
		}
		if err := d.DiscardLine(); err != nil {
			t.Fatal(err)
		}
		// A failure on the first octet of a command consumes nothing;
		// DiscardLine must still move past the line.
		if d.Tag(&tag) {
			t.Fatalf("[%s] tag from %q", how, tag)
		}
		if err := d.DiscardLine(); err != nil {
			t.Fatal(err)
		}
		if !d.Tag(&tag) || !d.SP() || !d.Atom(&cmd) || !d.CRLF() || tag != "a3" {
			t.Errorf("[%s] %q %v", how, tag, d.Err())
		}
		if d.Tag(&tag) || d.Err() != io.EOF {
			t.Errorf("[%s] at the end: %v, want io.EOF", how, d.Err())
		}
		if err := d.DiscardLine(); err != io.EOF {
			t.Errorf("[%s] DiscardLine at the end: %v", how, err)
		}
	}
}

func TestUnexpectedEOF(t *testing.T) {
	for _, in := range []string{"a1 NOOP", "a1 LOGIN {5}\r\nab", "a1 X \"abc"} {
		d := NewDecoder(bufio.NewReader(strings.NewReader(in)))
		var tag, cmd, arg string
		if d.Tag(&tag) && d.SP() && d.Atom(&cmd) && d.SP() && d.AString(&arg) && d.CRLF() {
			t.Errorf("%q decoded", in)
		}
		if !errors.Is(d.Err(), io.ErrUnexpectedEOF) {
			t.Errorf("%q: %v, want io.ErrUnexpectedEOF", in, d.Err())
		}
	}
}

// decodeAny reads one argument of a command of unknown shape, choosing the
// grammar element from its first octet, and describes it.
func decodeAny(d *Decoder, out *strings.Builder) bool {
	c, ok := d.peekByte()
	if !ok {
		return false
	}
	switch {
	case c == '(':
		out.WriteString("(")
		ok := d.List(func() bool { return decodeAny(d, out) })
		out.WriteString(")")
		return ok
	case c == '"' || c == '{':
		var s string
		if !d.String(&s) {
			return false
		}
		fmt.Fprintf(out, "s%q ", s)
		return true
	case c == '~':
		var lit Literal
		if !d.Literal(&lit) {
			return false
		}
		b, err := io.ReadAll(&lit)
		fmt.Fprintf(out, "b%q ", b)
		return err == nil
	case c == '[':
		var s Section
		ok := d.Section(&s)
		fmt.Fprintf(out, "[%s]", s.String())
		if ok && d.Peek('<') {
			var p Partial
			ok = d.Partial(&p)
			fmt.Fprintf(out, "<%d.%d>", p.Offset, p.Count)
		}
		return ok
	case c == '\\':
		var f imap.Flag
		ok := d.Flag(&f)
		fmt.Fprintf(out, "f%s ", f)
		return ok
	case isDigit(c) || c == '*' || c == '$':
		var s SeqSet
		ok := d.SeqSet(&s)
		fmt.Fprintf(out, "q%s ", s.String())
		return ok
	case c == '&':
		var m string
		ok := d.ListMailbox(&m)
		fmt.Fprintf(out, "m%q ", m)
		return ok
	}
	if isAtomChar(c) {
		var k string
		if !d.Keyword(&k) {
			return false
		}
		fmt.Fprintf(out, "k%q ", k)
		if d.Peek('[') {
			return decodeAny(d, out)
		}
		return true
	}
	var s string
	ok = d.AString(&s)
	fmt.Fprintf(out, "a%q ", s)
	return ok
}

// decodeSession decodes commands until the input ends, describing each
// command or error.
func decodeSession(r io.Reader) string {
	d := NewDecoder(bufio.NewReader(r))
	d.MaxLine = 200
	d.LiteralFunc = func(size int64, nonSync, binary bool) error {
		if size > 300 {
			return errTooBig
		}
		return nil
	}
	var out strings.Builder
	for i := 0; i < 1000; i++ {
		var tag, cmd string
		ok := d.Tag(&tag) && d.SP() && d.Atom(&cmd)
		if ok {
			fmt.Fprintf(&out, "%s %s: ", tag, cmd)
		}
		for ok && !d.Peek('\r') {
			ok = d.SP() && decodeAny(d, &out)
		}
		if ok && d.CRLF() {
			out.WriteString("OK\n")
			continue
		}
		fmt.Fprintf(&out, "error: %v\n", d.Err())
		if d.DiscardLine() != nil {
			break
		}
	}
	return out.String()
}

func TestDecodeSession(t *testing.T) {
	in := "a001 LOGIN SMITH SESAME\r\n" +
		"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n" +
		"a2 FETCH 1 BODY[]<0.10> (\\Seen x)\r\n" +
		"bad(\r\n" +
		"a3 LIST \"\" &AOk-*\r\n" +
		"a4 APPEND x ~{2}\r\n\x00\x01\r\n" +
		"a5 X {400}\r\n" +
		"a6 X {400+}\r\n" + strings.Repeat("l", 400) + " y\r\n" +
		"a7 UID SEARCH $\r\n"
	want := "a001 LOGIN: k\"SMITH\" k\"SESAME\" OK\n" +
		"A654 FETCH: q2:4 (k\"FLAGS\" k\"BODY\" [HEADER.FIELDS (DATE FROM)])OK\n" +
		"a2 FETCH: q1 k\"BODY\" []<0.10>(f\\Seen k\"x\" )OK\n" +
		"error: syntax error at octet 3: expected SP, found '('\n" +
		"a3 LIST: s\"\" m\"é*\" OK\n" +
		"a4 APPEND: k\"x\" b\"\\x00\\x01\" OK\n" +
		"a5 X: error: literal too big\n" +
		"a6 X: error: literal too big\n" +
		"a7 UID: k\"SEARCH\" q$ OK\n" +
		"error: EOF\n"
	for how, r := range readers(in) {
		if diff := cmp.Diff(want, decodeSession(r)); diff != "" {
			t.Errorf("[%s] (-want +got):\n%s", how, diff)
		}
	}
}

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		"a001 LOGIN SMITH SESAME\r\n",
		"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)]<0.5>)\r\n",
		"a APPEND x (\\Seen) \"05-Jul-1996 02:44:25 -0700\" {5+}\r\nhello\r\n",
		"a X ~{3}\r\nab\x00 {2}\r\nxy\r\n",
		"a X ((((a))))\r\n(\r\n",
		"a X &AOk- \"a\\\"b\" 1:*,$ [1.2.MIME]\r\n",
		"a X {999999999999}\r\nb Y {5+}\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		whole := decodeSession(strings.NewReader(in))
		one := decodeSession(iotest.OneByteReader(strings.NewReader(in)))
		if whole != one {
			t.Fatalf("whole and one-byte reads differ:\n%s\n---\n%s", whole, one)
		}
	})
}

// TestAnnouncementScanner: the announcements DiscardLine skips are those
// Literal takes (RFC 7888 §8 literal, RFC 3516 §4.4 literal8, with RFC 9051
// number64 sizes), whatever the size's digits.
func TestAnnouncementScanner(t *testing.T) {
	tests := []struct {
		line string
		n    int64
		ok   bool
	}{
		{"a1 LOGIN {3+}\r\n", 3, true},
		{"a1 APPEND x ~{0+}\r\n", 0, true},
		{"a1 X {0003+}\r\n", 3, true},
		{"a1 X {1000000000000000000+}\r\n", 1e18, true},
		{"a1 X {9223372036854775807+}\r\n", 1<<63 - 1, true},
		{"a1 X {9223372036854775808+}\r\n", 0, false},
		{"a1 X {99999999999999999999+}\r\n", 0, false},
		{"a1 X {{3+}\r\n", 3, true},
		{"a1 X {3}\r\n", 0, false},
		{"a1 X {+}\r\n", 0, false},
		{"a1 X {-1+}\r\n", 0, false},
		{"a1 X {3+} \r\n", 0, false},
		{"a1 X {3+}\n", 0, false},
		{"a1 X {3+}x{4+}\r\n", 4, true},
	}
	for _, tt := range tests {
		var a announcementScanner
		for i := range len(tt.line) { // byte by byte: state crosses chunks
			a.scan([]byte{tt.line[i]})
		}
		n, ok := a.literal()
		if n != tt.n || ok != tt.ok {
			t.Errorf("%q: %d, %v; want %d, %v", tt.line, n, ok, tt.n, tt.ok)
		}
		var whole announcementScanner
		whole.scan([]byte(tt.line))
		if n2, ok2 := whole.literal(); n2 != n || ok2 != ok {
			t.Errorf("%q in one chunk: %d, %v; byte by byte %d, %v", tt.line, n2, ok2, n, ok)
		}
	}
}
