package rfc3501_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/loftmail/loft/rfc/rfc3501"
)

// A server decodes an APPEND command: the literal's size is checked before
// any of its octets are read, and the continuation request is sent only for
// a synchronising literal that is accepted.
func ExampleDecoder() {
	in := "A003 APPEND saved-messages (\\Seen) {13}\r\nSubject: hi\r\n\r\n"
	var out bytes.Buffer
	enc := rfc3501.NewEncoder(bufio.NewWriter(&out))
	dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(in)))
	dec.LiteralFunc = func(size int64, nonSync, binary bool) error {
		if size > 1<<20 {
			return errors.New("message too big")
		}
		if !nonSync {
			enc.Continuation("Ready for literal data").CRLF()
			return enc.Flush()
		}
		return nil
	}

	var tag, cmd, mailbox string
	var flags []imap.Flag
	var lit rfc3501.Literal
	if !dec.Tag(&tag) || !dec.SP() || !dec.Atom(&cmd) || !dec.SP() || !dec.Mailbox(&mailbox) ||
		!dec.SP() || !dec.FlagList(&flags) || !dec.SP() || !dec.Literal(&lit) {
		fmt.Println(dec.Err())
		return
	}
	msg, _ := io.ReadAll(&lit)
	if !dec.CRLF() {
		fmt.Println(dec.Err())
		return
	}
	enc.Tagged(tag, imap.StatusResponseTypeOK).Text(fmt.Sprintf("%s to %s with %v: %q", cmd, mailbox, flags, msg)).CRLF()
	enc.Flush()
	printLines(out.String())
	// Output:
	// + Ready for literal data
	// A003 OK APPEND to saved-messages with [\Seen]: "Subject: hi\r\n"
}

// A server answers FETCH BODYSTRUCTURE and BODY[1.MIME] from the structure of
// a stored message.
func ExampleParseMessage() {
	raw := strings.ReplaceAll(`From: Fred Foobar <foobar@Blurdybloop.example>
Subject: afternoon meeting
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain; charset=utf-8

Hello Joe, do you think we can meet at 3:30 tomorrow?
--x--
`, "\n", "\r\n")
	r := strings.NewReader(raw)
	m, err := rfc3501.ParseMessage(r, r.Size())
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	enc := rfc3501.NewEncoder(bufio.NewWriter(&out))
	enc.Untagged().Number(1).SP().Atom("FETCH").SP().Atom("(BODYSTRUCTURE").SP().BodyStructure(m.Body, true).Atom(")").CRLF()

	spans, _ := m.Section(r, rfc3501.Section{Part: []int{1}, Specifier: rfc3501.SectionMIME})
	enc.Untagged().Number(1).SP().Atom("FETCH").SP().Atom("(BODY[1.MIME]").SP().
		Literal(rfc3501.SpansReader(r, spans), rfc3501.SpansLen(spans), false).Atom(")").CRLF()
	enc.Flush()
	printLines(out.String())
	// Output:
	// * 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 53 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "x") NIL NIL NIL))
	// * 1 FETCH (BODY[1.MIME] {43}
	// Content-Type: text/plain; charset=utf-8
	//
	// )
}

// printLines prints protocol output with its CRLF line ends shown as LF.
func printLines(s string) {
	fmt.Print(strings.ReplaceAll(s, "\r\n", "\n"))
}
