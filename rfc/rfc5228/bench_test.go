package rfc5228_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// script200 is a script of 200 rules of the kinds users write: header
// :contains and :matches, address :domain and :detail, size and exists,
// fileinto with flags; none matches the benchmark message but the last,
// so that every rule is evaluated.
func script200() string {
	var b strings.Builder
	b.WriteString(`require ["fileinto", "imap4flags", "subaddress", "variables", "envelope", "copy"];` + "\n")
	for i := 0; i < 200; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "if header :contains \"subject\" [\"offer %d\", \"deal %d\"] { fileinto \"Spam/%d\"; stop; }\n", i, i, i)
		case 1:
			fmt.Fprintf(&b, "if address :domain :is [\"from\", \"sender\"] \"list%d.example.org\" { fileinto :flags \"\\\\Seen\" \"Lists/%d\"; }\n", i, i)
		case 2:
			fmt.Fprintf(&b, "if header :matches \"list-id\" \"*<list%d.*>*\" { fileinto \"Lists/${2}\"; }\n", i)
		case 3:
			fmt.Fprintf(&b, "if allof (address :detail \"to\" \"tag%d\", size :over 10M) { fileinto :copy \"Tags/%d\"; }\n", i, i)
		case 4:
			fmt.Fprintf(&b, "if anyof (exists \"x-rule-%d\", envelope :localpart :is \"from\" \"bot%d\") { discard; }\n", i, i)
		}
	}
	b.WriteString("if header :contains \"subject\" \"benchmark\" { fileinto \"Done\"; }\n")
	return b.String()
}

const benchMessage = "Date: Tue, 1 Apr 1997 09:06:31 -0800\r\n" +
	"From: Coyote <coyote@desert.example.org>\r\n" +
	"To: roadrunner+birds@acme.example.com\r\n" +
	"Subject: =?UTF-8?Q?a_benchmark_message?=\r\n" +
	"List-Id: Desert news <news.desert.example.org>\r\n" +
	"Message-Id: <1@desert.example.org>\r\n\r\n" +
	"Beep beep.\r\n"

// BenchmarkCompile200 compiles a 200-rule script.
func BenchmarkCompile200(b *testing.B) {
	src := []byte(script200())
	opts := rfc5228.Options{Extensions: sievetest.All}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := rfc5228.Compile(src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun200 runs a compiled 200-rule script against one message,
// the message's header parsed anew each time as a delivery would.
func BenchmarkRun200(b *testing.B) {
	s, err := rfc5228.Compile([]byte(script200()), rfc5228.Options{Extensions: sievetest.All})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2008, 6, 13, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		env := &rfc5228.MessageEnv{Raw: []byte(benchMessage), From: "coyote@desert.example.org", To: "roadrunner+birds@acme.example.com", Time: now}
		res, err := s.Run(env)
		if err != nil || len(res.Actions) != 1 {
			b.Fatalf("%v %v", res, err)
		}
	}
}
