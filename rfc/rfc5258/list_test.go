package rfc5258

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// decode decodes LIST's arguments in line (what follows "LIST", with its
// CRLF).
func decode(line string) (Command, error) {
	return decodeFrom(strings.NewReader(line))
}

func decodeFrom(r io.Reader) (Command, error) {
	dec := rfc3501.NewDecoder(bufio.NewReader(r))
	var cmd Command
	if !Decode(dec, &cmd) || !dec.CRLF() {
		return cmd, dec.Err()
	}
	return cmd, nil
}

// TestDecode: the commands of §5 and the forms of §1 and §6.
func TestDecode(t *testing.T) {
	sub := Option{Name: Subscribed}
	for _, tc := range []struct {
		line string
		want Command
	}{
		// The base syntax (§1: none of the three conditions).
		{` "" "*"`, Command{Patterns: []string{"*"}}},
		{` ~/Mail/ %`, Command{Reference: "~/Mail/", Patterns: []string{"%"}}},
		{` "" ""`, Command{Patterns: []string{""}}},
		// §5 example 2, 3, 5, 6.
		{` (SUBSCRIBED) "" "*"`, Command{Extended: true, Select: []Option{sub}, Patterns: []string{"*"}}},
		{` () "" "%" RETURN (CHILDREN)`, Command{Extended: true, Patterns: []string{"%"}, Return: []Option{{Name: Children}}}},
		{` (REMOTE SUBSCRIBED) "" "*"`, Command{Extended: true, Select: []Option{{Name: Remote}, sub}, Patterns: []string{"*"}}},
		{` (REMOTE) "" "*" RETURN (SUBSCRIBED)`, Command{Extended: true, Select: []Option{{Name: Remote}}, Patterns: []string{"*"}, Return: []Option{sub}}},
		// §5 example 7: several patterns.
		{` "" ("INBOX" "Drafts" "Sent/%")`, Command{Extended: true, Patterns: []string{"INBOX", "Drafts", "Sent/%"}}},
		// §5 example 11 a3.1: an atom pattern in the list.
		{` "" (% music/rock)`, Command{Extended: true, Patterns: []string{"%", "music/rock"}}},
		// §5 example 8: lower case, RECURSIVEMATCH.
		{` (subscribed recursivematch) "" "%" return (children)`, Command{Extended: true, Select: []Option{sub, {Name: RecursiveMatch}}, Patterns: []string{"%"}, Return: []Option{{Name: Children}}}},
		// An empty return list is extended (§1, third condition).
		{` "" % RETURN ()`, Command{Extended: true, Patterns: []string{"%"}}},
		// An option given twice counts once (§3).
		{` (SUBSCRIBED SUBSCRIBED) "" % RETURN (CHILDREN CHILDREN)`, Command{Extended: true, Select: []Option{sub}, Patterns: []string{"%"}, Return: []Option{{Name: Children}}}},
		// RFC 5819 §3: option values; SPECIAL-USE (RFC 6154).
		{` "" % RETURN (STATUS (MESSAGES UNSEEN))`, Command{Extended: true, Patterns: []string{"%"}, Return: []Option{{Name: "STATUS", HasValue: true, Value: []Value{{String: "MESSAGES"}, {String: "UNSEEN"}}}}}},
		{` "" % RETURN (STATUS (MESSAGES) CHILDREN)`, Command{Extended: true, Patterns: []string{"%"}, Return: []Option{{Name: "STATUS", HasValue: true, Value: []Value{{String: "MESSAGES"}}}, {Name: Children}}}},
		{` (X-OPT (a (b "c d"))) "" %`, Command{Extended: true, Select: []Option{{Name: "X-OPT", HasValue: true, Value: []Value{{String: "a"}, {IsList: true, List: []Value{{String: "b"}, {String: "c d"}}}}}}, Patterns: []string{"%"}}},
		// Modified UTF-7 patterns are decoded.
		{` "" (&ZeVnLIqe- "a*")`, Command{Extended: true, Patterns: []string{"日本語", "a*"}}},
		{" \"\" {3}\r\nab*", Command{Patterns: []string{"ab*"}}},
	} {
		got, err := decode(tc.line + "\r\n")
		if err != nil {
			t.Errorf("LIST%s: %v", tc.line, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("LIST%s (-want +got):\n%s", tc.line, diff)
		}
	}
}

// TestDecodeErrors: syntax errors, each a *SyntaxError (a BAD response).
func TestDecodeErrors(t *testing.T) {
	for _, line := range []string{
		``,
		` ""`,
		` "" ()`,
		` "" (%`,
		` ( "" %`,
		` (SUBSCRIBED "" %`,
		` (SUBSCRIBED) "" % RETURNS (CHILDREN)`,
		` "" % RETURN`,
		` "" % RETURN CHILDREN`,
		` "" % RETURN (STATUS (MESSAGES)`,
		` "" % RETURN (STATUS ())) `,
		` "" % RETURN (CHILDREN) x`,
		` "" % RETURN (CHILDREN )`,
		`  "" %`,
		` (SUBSCRIBED  REMOTE) "" %`,
	} {
		_, err := decode(line + "\r\n")
		if err == nil {
			t.Errorf("LIST%s: no error", line)
			continue
		}
		if _, ok := err.(*rfc3501.SyntaxError); !ok {
			t.Errorf("LIST%s: %T %v, want *rfc3501.SyntaxError", line, err, err)
		}
	}
}

// TestCheck: the combinations of selection options that §6's
// list-select-opts allows and the ones it does not (its comment lists
// both), unknown options, and values.
func TestCheck(t *testing.T) {
	sel := append(SelectOptions(), SelectOption{Name: "SPECIAL-USE", Kind: Independent, Implies: "SPECIAL-USE"})
	ret := append(ReturnOptions(), ReturnOption{Name: "STATUS", Value: true}, ReturnOption{Name: "SPECIAL-USE"})
	for _, tc := range []struct {
		args string
		ok   bool
	}{
		{`() "" %`, true},
		{`(REMOTE) "" %`, true},
		{`(SUBSCRIBED) "" %`, true},
		{`(SUBSCRIBED REMOTE) "" %`, true},
		{`(SUBSCRIBED RECURSIVEMATCH) "" %`, true},
		{`(SUBSCRIBED REMOTE RECURSIVEMATCH) "" %`, true},
		{`(RECURSIVEMATCH SUBSCRIBED) "" %`, true},
		{`(RECURSIVEMATCH) "" %`, false},
		{`(REMOTE RECURSIVEMATCH) "" %`, false},
		{`(SPECIAL-USE RECURSIVEMATCH) "" %`, false}, // RFC 6154 §6: an independent option
		{`(SPECIAL-USE SUBSCRIBED RECURSIVEMATCH) "" %`, true},
		{`(FOO) "" %`, false},
		{`(SUBSCRIBED (x)) "" %`, false},
		{`"" % RETURN (CHILDREN SUBSCRIBED SPECIAL-USE)`, true},
		{`"" % RETURN (FOO)`, false},
		{`"" % RETURN (STATUS (MESSAGES))`, true},
		{`"" % RETURN (STATUS)`, false},
		{`"" % RETURN (CHILDREN (x))`, false},
		{`(REMOTE) "" % RETURN (STATUS)`, false},
	} {
		cmd, err := decode(" " + tc.args + "\r\n")
		if err != nil {
			t.Fatalf("LIST %s: %v", tc.args, err)
		}
		err = cmd.Check(sel, ret)
		if (err == nil) != tc.ok {
			t.Errorf("Check(LIST %s) = %v, want ok %v", tc.args, err, tc.ok)
		}
	}
}

// TestReturns: SUBSCRIBED as a selection option implies it as a return
// option (§3.1); REMOTE implies nothing.
func TestReturns(t *testing.T) {
	sel := SelectOptions()
	cmd, _ := decode(" (SUBSCRIBED) \"\" %\r\n")
	if _, ok := cmd.Returns(Subscribed, sel); !ok {
		t.Error("(SUBSCRIBED) does not imply RETURN (SUBSCRIBED)")
	}
	cmd, _ = decode(" (REMOTE) \"\" %\r\n")
	if _, ok := cmd.Returns(Subscribed, sel); ok {
		t.Error("(REMOTE) implies RETURN (SUBSCRIBED)")
	}
	cmd, _ = decode(" (REMOTE SUBSCRIBED RECURSIVEMATCH) \"\" %\r\n")
	if diff := cmp.Diff([]string{Subscribed}, cmd.BaseOptions(sel)); diff != "" {
		t.Errorf("BaseOptions (-want +got):\n%s", diff)
	}
}

// TestEncodeChildInfo: §5 example 8's extended data item.
func TestEncodeChildInfo(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := rfc3501.NewEncoder(w)
	EncodeChildInfo(enc, []string{Subscribed})
	enc.Flush()
	if got, want := buf.String(), `("CHILDINFO" ("SUBSCRIBED"))`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzDecode: Decode never panics; what it accepts has a pattern, is
// Extended exactly when §1 says, and decodes the same when the input
// arrives one octet at a time.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		` "" "*"`,
		` (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)`,
		` "" ("INBOX" "Drafts" "Sent/%")`,
		` "" % RETURN (STATUS (MESSAGES UNSEEN))`,
		` (X-OPT (a (b "c d"))) "" %`,
		` "" {3}` + "\r\nab*",
		` (SPECIAL-USE) "" * RETURN (SPECIAL-USE SUBSCRIBED)`,
	} {
		f.Add(s + "\r\n")
	}
	sel := append(SelectOptions(), SelectOption{Name: "SPECIAL-USE", Kind: Independent})
	ret := append(ReturnOptions(), ReturnOption{Name: "STATUS", Value: true})
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := decode(line)
		if err != nil {
			return
		}
		again, err := decodeFrom(iotest.OneByteReader(strings.NewReader(line)))
		if err != nil || !cmp.Equal(cmd, again) {
			t.Fatalf("decoding %q octet by octet differs: %v", line, err)
		}
		if len(cmd.Patterns) == 0 {
			t.Fatalf("accepted %q with no pattern", line)
		}
		if !cmd.Extended && (len(cmd.Select) > 0 || len(cmd.Return) > 0 || len(cmd.Patterns) > 1) {
			t.Fatalf("%q has extended parts but is not Extended", line)
		}
		cmd.Check(sel, ret)
		cmd.BaseOptions(sel)
	})
}
