package rfc5819

import (
	"bufio"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc5258"
)

func returnOption(t *testing.T, args string) rfc5258.Option {
	t.Helper()
	dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(args + "\r\n")))
	var cmd rfc5258.Command
	if !rfc5258.Decode(dec, &cmd) || !dec.CRLF() {
		t.Fatalf("LIST%s: %v", args, dec.Err())
	}
	if err := cmd.Check(rfc5258.SelectOptions(), append(rfc5258.ReturnOptions(), ReturnOption)); err != nil {
		t.Fatalf("LIST%s: %v", args, err)
	}
	o, ok := cmd.Returns(Option, nil)
	if !ok {
		t.Fatalf("LIST%s: no STATUS option", args)
	}
	return o
}

// TestItems: the two commands of §3, an item given twice, and values that
// are not a list of atoms.
func TestItems(t *testing.T) {
	for _, tc := range []struct {
		args string
		want []string
	}{
		{` "" % RETURN (STATUS (MESSAGES UNSEEN))`, []string{"MESSAGES", "UNSEEN"}},
		{` (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (STATUS (MESSAGES))`, []string{"MESSAGES"}},
		{` "" % RETURN (STATUS (uidnext Messages UIDNEXT))`, []string{"UIDNEXT", "MESSAGES"}},
	} {
		got, err := Items(returnOption(t, tc.args))
		if err != nil {
			t.Errorf("LIST%s: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("LIST%s (-want +got):\n%s", tc.args, diff)
		}
	}
	for _, args := range []string{
		` "" % RETURN (STATUS ((MESSAGES)))`,
		` "" % RETURN (STATUS ("MESS AGES"))`,
		` "" % RETURN (STATUS (""))`,
	} {
		if got, err := Items(returnOption(t, args)); err == nil {
			t.Errorf("LIST%s: %q, want an error", args, got)
		}
	}
}
