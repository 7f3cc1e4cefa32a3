package sievetest

import (
	"fmt"
	"strings"
)

// RulesScript returns a script of n rules, each a header and an address
// test and a fileinto with a flag, that a message matching none of them
// ("topic-N" subjects, "list-N@example.com" senders) runs through to its
// implicit keep: the worst case for a script of that size, for benchmarks.
func RulesScript(n int) string {
	var b strings.Builder
	b.WriteString(`require ["fileinto", "imap4flags"];` + "\n")
	for i := range n {
		fmt.Fprintf(&b, "if anyof (header :contains \"subject\" \"topic-%d\", address :is \"from\" \"list-%d@example.com\") { fileinto :flags \"$T%d\" \"Folder%d\"; stop; }\n", i, i, i, i)
	}
	return b.String()
}
