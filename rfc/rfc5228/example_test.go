package rfc5228_test

import (
	"fmt"
	"time"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/rfc/rfc5229"
	"github.com/loftmail/loft/rfc/rfc5232"
)

// A script is compiled once, with the extensions it may use, and run for
// each message; Run returns the actions, the implicit keep last when it
// applies.
func Example() {
	script, err := rfc5228.Compile([]byte(`require ["fileinto", "variables", "imap4flags"];
if header :matches "List-Id" "*<*.example.org>" {
    fileinto :flags "\\Seen" "Lists/${2}";
    stop;
}
addflag "$Unsorted";
`), rfc5228.Options{Extensions: []rfc5228.Extension{rfc5228.FileIntoExtension, rfc5229.Extension, rfc5232.Extension}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, msg := range []string{
		"List-Id: Sieve <sieve.example.org>\r\nSubject: hello\r\n\r\nbody\r\n",
		"Subject: hello\r\n\r\nbody\r\n",
	} {
		res, err := script.Run(&rfc5228.MessageEnv{Raw: []byte(msg), Time: time.Date(2008, 6, 13, 10, 0, 0, 0, time.UTC)})
		fmt.Printf("%+v %v\n", res.Actions, err)
	}
	// Output:
	// [{Mailbox:Lists/sieve Flags:[\Seen] Copy:false Create:false}] <nil>
	// [{Flags:[$Unsorted] Implicit:true}] <nil>
}

// Compile lists every error it finds, with its position.
func ExampleCompile() {
	_, err := rfc5228.Compile([]byte(`require "fileinto";
fileinto :copy "Archive";
if header :contains "Subject" { discard; }
`), rfc5228.Options{Extensions: []rfc5228.Extension{rfc5228.FileIntoExtension}})
	for _, e := range err.(rfc5228.Errors) {
		fmt.Printf("%d:%d %s\n", e.Line, e.Column, e.Msg)
	}
	// Output:
	// 2:10 tag ":copy" needs require "copy"
	// 3:4 test "header" takes 2 positional arguments, not 1
}
