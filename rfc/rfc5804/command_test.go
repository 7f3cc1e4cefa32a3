package rfc5804

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func str(s string) Arg { return Arg{Kind: String, Str: s} }
func lit(s string) Arg { return Arg{Kind: String, Str: s, Literal: true} }
func num(n uint32) Arg { return Arg{Kind: Number, Str: uitoa(n), Num: n} }

func uitoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// TestReadCommandExamples decodes the client lines of RFC 5804's examples.
func TestReadCommandExamples(t *testing.T) {
	script110 := "require [\"fileinto\"];\r\n\r\nif envelope :contains \"to\" \"tmartin+sent\" {\r\n  fileinto \"INBOX.sent\";\r\n}"
	tests := []struct {
		section, in string
		want        Command
	}{
		{"2.1", "Authenticate \"DIGEST-MD5\"\r\n", Command{"AUTHENTICATE", []Arg{str("DIGEST-MD5")}}},
		{"2.1", "Authenticate \"PLAIN\" \"QJIrweAPyo6Q1T9xu\"\r\n", Command{"AUTHENTICATE", []Arg{str("PLAIN"), str("QJIrweAPyo6Q1T9xu")}}},
		{"2.1", "AUTHENTICATE \"GSSAPI\" {4+}\r\nYIIE\r\n", Command{"AUTHENTICATE", []Arg{str("GSSAPI"), lit("YIIE")}}},
		{"2.2", "StartTls\r\n", Command{"STARTTLS", nil}},
		{"2.3", "Logout\r\n", Command{"LOGOUT", nil}},
		{"2.4", "CAPABILITY\r\n", Command{"CAPABILITY", nil}},
		{"2.5", "HAVESPACE \"myscript\" 999999\r\n", Command{"HAVESPACE", []Arg{str("myscript"), num(999999)}}},
		{"2.5", "HAVESPACE \"foobar\" 435\r\n", Command{"HAVESPACE", []Arg{str("foobar"), num(435)}}},
		{"2.6", "Putscript \"foo\" {31+}\r\n#comment\r\nInvalidSieveCommand\r\n\r\n", Command{"PUTSCRIPT", []Arg{str("foo"), lit("#comment\r\nInvalidSieveCommand\r\n")}}},
		{"2.6", "Putscript \"mysievescript\" {" + uitoa(uint32(len(script110))) + "+}\r\n" + script110 + "\r\n", Command{"PUTSCRIPT", []Arg{str("mysievescript"), lit(script110)}}},
		{"2.7", "Listscripts\r\n", Command{"LISTSCRIPTS", nil}},
		{"2.8", "Setactive \"vacationscript\"\r\n", Command{"SETACTIVE", []Arg{str("vacationscript")}}},
		{"2.8", "Setactive \"\"\r\n", Command{"SETACTIVE", []Arg{str("")}}},
		{"2.9", "Getscript \"myscript\"\r\n", Command{"GETSCRIPT", []Arg{str("myscript")}}},
		{"2.10", "Deletescript \"foo\"\r\n", Command{"DELETESCRIPT", []Arg{str("foo")}}},
		{"2.11", "Renamescript \"foo\" \"bar\"\r\n", Command{"RENAMESCRIPT", []Arg{str("foo"), str("bar")}}},
		{"2.12", "CheckScript {31+}\r\n#comment\r\nInvalidSieveCommand\r\n\r\n", Command{"CHECKSCRIPT", []Arg{lit("#comment\r\nInvalidSieveCommand\r\n")}}},
		{"2.13", "NOOP\r\n", Command{"NOOP", nil}},
		{"2.13", "NOOP \"STARTTLS-SYNC-42\"\r\n", Command{"NOOP", []Arg{str("STARTTLS-SYNC-42")}}},
		{"2.14.1", "UNAUTHENTICATE\r\n", Command{"UNAUTHENTICATE", nil}},
		{"4 quoted", "NOOP \"a\\\"b\\\\c ä\"\r\n", Command{"NOOP", []Arg{str("a\"b\\c ä")}}},
		{"4 literal {n}", "PUTSCRIPT \"x\" {3}\r\nabc\r\n", Command{"PUTSCRIPT", []Arg{str("x"), lit("abc")}}},
		{"4 number", "HAVESPACE \"x\" 0\r\n", Command{"HAVESPACE", []Arg{str("x"), num(0)}}},
		{"4 number max", "HAVESPACE \"x\" 4294967295\r\n", Command{"HAVESPACE", []Arg{str("x"), num(4294967295)}}},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			d := NewReader(bufio.NewReader(r))
			got, err := d.ReadCommand()
			if err != nil {
				t.Errorf("§%s %q: %v", tt.section, tt.in, err)
				continue
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("§%s %q (-want +got):\n%s", tt.section, tt.in, diff)
			}
			if _, err := d.ReadCommand(); err != io.EOF {
				t.Errorf("§%s %q: after the command: %v, want EOF", tt.section, tt.in, err)
			}
		}
	}
}

// TestReadCommandErrors checks that bad commands are SyntaxErrors after
// which the next command is read correctly.
func TestReadCommandErrors(t *testing.T) {
	for _, in := range []string{
		"\r\n",
		" NOOP\r\n",
		"NOOP  \"x\"\r\n",
		"NOOP \"x\r\n",
		"NOOP \"x\" \r\n",
		"NOOP x\r\n",
		"NOOP \"\\x\"\r\n",
		"NOOP \"\xff\"\r\n",
		"NOOP \"a\x00b\"\r\n",
		"NOOP\n",
		"NOOP\rx\r\n",
		"HAVESPACE \"x\" 4294967296\r\n",
		"HAVESPACE \"x\" 01\r\n",
		"NOOP {3x}\r\n",
		"NOOP {03}\r\n",
		"PUTSCRIPT \"x\" {3+}\r\nabc \"trailing\" x\r\n",
		"PUTSCRIPT \"x\" {3+}\r\nabcx {2+}\r\nyz\r\n",
		"NOOP \"" + strings.Repeat("a", MaxQuoted+1) + "\"\r\n",
		strings.Repeat("A", MaxAtom+1) + "\r\n",
		"NOOP (x)\r\n",
	} {
		d := NewReader(bufio.NewReader(strings.NewReader(in + "LOGOUT\r\n")))
		_, err := d.ReadCommand()
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a SyntaxError", in, err)
			continue
		}
		if next, err := d.ReadCommand(); err != nil || next.Name != "LOGOUT" {
			t.Errorf("%q: next command %+v, %v; want LOGOUT", in, next, err)
		}
	}
}

func TestLiteralLimits(t *testing.T) {
	d := NewReader(bufio.NewReader(strings.NewReader("PUTSCRIPT \"x\" {11+}\r\nhello world\r\nPUTSCRIPT \"x\" {10+}\r\nhelloworld\r\nPUTSCRIPT \"x\" {1000+}\r\n")))
	d.MaxLiteral, d.MaxDiscard = 10, 100
	_, err := d.ReadCommand()
	var lt *LiteralTooBigError
	if !errors.As(err, &lt) || !lt.Discarded || lt.Size != 11 {
		t.Fatalf("11 octets over a limit of 10: %v", err)
	}
	if c, err := d.ReadCommand(); err != nil || c.Args[1].Str != "helloworld" {
		t.Fatalf("after a discarded literal: %+v, %v", c, err)
	}
	_, err = d.ReadCommand()
	if !errors.As(err, &lt) || lt.Discarded {
		t.Fatalf("1000 octets over a discard limit of 100: %v", err)
	}
}

func TestLineLimit(t *testing.T) {
	long := "NOOP \"" + strings.Repeat("a", 100) + "\"\r\n"
	d := NewReader(bufio.NewReader(strings.NewReader(long + "PUTSCRIPT \"x\" {200+}\r\n" + strings.Repeat("b", 200) + "\r\n" + "LOGOUT\r\n")))
	d.MaxLine = 50
	_, err := d.ReadCommand()
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("long line: %v, want ErrLineTooLong", err)
	}
	// A literal's body does not count towards the line.
	if c, err := d.ReadCommand(); err != nil || len(c.Args[1].Str) != 200 {
		t.Fatalf("long literal on a short line: %+v, %v", c, err)
	}
	if c, err := d.ReadCommand(); err != nil || c.Name != "LOGOUT" {
		t.Fatalf("next: %+v, %v", c, err)
	}
}

func TestReadResponse(t *testing.T) {
	d := NewReader(bufio.NewReader(strings.NewReader("\"dGVzdA==\"\r\n{0+}\r\n\r\n\"*\"\r\nbad\r\n\"ok\"\r\n")))
	for _, want := range []string{"dGVzdA==", "", "*"} {
		if got, err := d.ReadResponse(); err != nil || got != want {
			t.Fatalf("ReadResponse = %q, %v; want %q", got, err, want)
		}
	}
	var se *SyntaxError
	if _, err := d.ReadResponse(); !errors.As(err, &se) {
		t.Fatalf("atom as a SASL response: %v", err)
	}
	if got, err := d.ReadResponse(); err != nil || got != "ok" {
		t.Fatalf("after the error: %q, %v", got, err)
	}
}

func FuzzReadCommand(f *testing.F) {
	for _, s := range []string{
		"PUTSCRIPT \"foo\" {31+}\r\n#comment\r\nInvalidSieveCommand\r\n\r\n",
		"HAVESPACE \"myscript\" 999999\r\n",
		"NOOP \"STARTTLS-SYNC-42\"\r\nLOGOUT\r\n",
		"NOOP {3}\r\nabc\r\n\"x\"\r\n",
		"AUTHENTICATE \"PLAIN\" {5+}\r\nabcde\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewReader(bufio.NewReaderSize(strings.NewReader(string(data)), 16))
		d.MaxLine, d.MaxLiteral, d.MaxDiscard = 64, 32, 128
		for range 100 {
			c, err := d.ReadCommand()
			if err == nil {
				// A decoded command encodes back to a command that
				// decodes to the same value.
				line := []byte(c.Name)
				for _, a := range c.Args {
					line = append(line, ' ')
					if a.Kind == Number {
						line = append(line, a.Str...)
					} else {
						line = AppendLiteral(line, a.Str)
					}
				}
				line = append(line, "\r\n"...)
				again, err := NewReader(bufio.NewReader(strings.NewReader(string(line)))).ReadCommand()
				if err != nil || again.Name != c.Name || len(again.Args) != len(c.Args) {
					t.Fatalf("%q decoded to %+v; re-encoded %q gives %+v, %v", data, c, line, again, err)
				}
				continue
			}
			var se *SyntaxError
			var lt *LiteralTooBigError
			if errors.As(err, &se) || (errors.As(err, &lt) && lt.Discarded) {
				continue
			}
			return // EOF or an unrecoverable error
		}
	})
}
