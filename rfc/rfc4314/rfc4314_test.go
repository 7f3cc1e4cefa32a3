package rfc4314

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRights(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the result, or "" with err
		err  bool
	}{
		{in: "", want: ""},
		{in: "lrswipkxtea", want: "lrswipkxteacd"},
		// §2.1.1: "d" expands to "et", and "c" to "kx".
		{in: "lrswida", want: "lrswitead"},
		{in: "lrswikda", want: "lrswikteacd"},
		{in: "c", want: "kxc"},
		{in: "ll", want: "l"},
		// §3.1: uppercase rights and unknown rights are refused.
		{in: "lrQswicda", err: true},
		{in: "lrqswicda", err: true},
		{in: "0", err: true},
	}
	for _, tt := range tests {
		r, err := ParseRights(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseRights(%q) = %v, want an error", tt.in, r)
			}
			continue
		}
		if err != nil || r.String() != tt.want {
			t.Errorf("ParseRights(%q) = %q, %v; want %q", tt.in, r.String(), err, tt.want)
		}
	}
}

// TestRightsErrors checks the two errors of §3.1's example.
func TestRightsErrors(t *testing.T) {
	_, err := ParseModification("lrQswicda")
	var re *RightsError
	if !errors.As(err, &re) || !re.Upper || re.Pos != 2 {
		t.Errorf("lrQswicda: %#v", err)
	}
	_, err = ParseModification("+lrqswicda")
	if !errors.As(err, &re) || re.Upper || re.Pos != 3 || re.Rights != "+lrqswicda" {
		t.Errorf("+lrqswicda: %#v", err)
	}
}

// TestSection311 follows the examples of §2.1.1 and §3.1: the rights a
// GETACL reports after each SETACL.
func TestSection311(t *testing.T) {
	mod := func(s string) Modification {
		m, err := ParseModification(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var a ACL
	a = a.Modify("Fred", mod("rwipslxetad"))
	a = a.Modify("Chris", mod("lrswi"))
	a = a.Modify("Chris", mod("+cda"))
	r, _ := a.Lookup("Chris")
	// §3.1: "Chris lrswicdakxet", as a set.
	if want, _ := ParseRights("lrswicdakxet"); r != want {
		t.Errorf("Chris has %q, want %q", r, want)
	}
	a = a.Modify("David", mod("lrswida"))
	if r, _ := a.Lookup("David"); r.String() != "lrswitead" {
		t.Errorf("David has %q, want lrswitead (lrswideta as a set)", r)
	}
	a = a.Modify("Byron", mod("lrswikda"))
	if r, _ := a.Lookup("Byron"); r.String() != "lrswikteacd" {
		t.Errorf("Byron has %q (lrswikcdeta as a set)", r)
	}
	a = a.Modify("Byron", mod("-lrswikteacd"))
	if _, ok := a.Lookup("Byron"); ok {
		t.Errorf("an entry without rights stays: %v", a)
	}
}

// TestDeleteKeepsNegative follows §3.2's example: DELETEACL of "Fred" leaves
// "-Fred".
func TestDeleteKeepsNegative(t *testing.T) {
	w, _ := ParseRights("w")
	wetd, _ := ParseRights("wetd")
	all, _ := ParseRights("rwipslxetad")
	a := ACL{{"Fred", all}, {"-Fred", wetd}, {"$team", w}}
	got := a.Delete("Fred")
	want := ACL{{"-Fred", wetd}, {"$team", w}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if len(a) != 3 {
		t.Error("Delete changed its receiver")
	}
}

func TestEvaluate(t *testing.T) {
	rights := func(s string) Rights { r, _ := ParseRights(s); return r }
	a := ACL{
		{"alice", All},
		{"anyone", rights("l")},
		{"$team", rights("rsw")},
		{"-$interns", rights("w")},
		{"bob", rights("i")},
		{"-carol", rights("l")},
	}
	p := Policy{Owner: "alice"}
	tests := []struct {
		s    Subject
		want string
	}{
		{Subject{User: "alice"}, All.Letters()},
		{Subject{User: "bob"}, "li"},
		{Subject{User: "bob", Groups: []string{"team"}}, "lrswi"},
		{Subject{User: "dan", Groups: []string{"team", "interns"}}, "lrs"},
		{Subject{User: "carol", Groups: []string{"team"}}, "rsw"},
		{Subject{User: "eve"}, "l"},
		{Subject{User: "bob", Groups: []string{"team"}, Anonymous: true}, "l"},
	}
	for _, tt := range tests {
		if got := p.Rights(a, tt.s).Letters(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.s, got, tt.want)
		}
	}
	// The owner keeps "la" whatever the list says.
	if got := p.Rights(ACL{{"-alice", All}}, Subject{User: "alice"}).Letters(); got != "la" {
		t.Errorf("owner with -alice: %q, want la", got)
	}
}

// TestListRights follows §3.4's examples: the owner's required "la", and
// every other right on its own with the virtual "c" and "d".
func TestListRights(t *testing.T) {
	p := Policy{Owner: "smith"}
	req, opt := p.ListRights("smith")
	if req.String() != "la" {
		t.Errorf("required %q", req)
	}
	if diff := cmp.Diff([]string{"r", "s", "w", "i", "p", "k", "x", "t", "e", "c", "d"}, opt); diff != "" {
		t.Error(diff)
	}
	req, opt = p.ListRights("anyone")
	if req != 0 || len(opt) != 13 {
		t.Errorf("anyone: %q %v", req, opt)
	}
}

func TestCheckIdentifier(t *testing.T) {
	for _, id := range []string{"fred", "-fred", "$team", "anyone", "Fred@example.org"} {
		if err := CheckIdentifier(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "-", "a b", "a\x00", "\xff"} {
		if CheckIdentifier(id) == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

func TestFlagRights(t *testing.T) {
	got := FilterFlags([]string{`\Draft`, `\Deleted`, `\Answered`, `$Forwarded`, `\SEEN`}, Read|Write|Insert|Seen)
	// §4's COPY example with "rwis": \Deleted is lost.
	if diff := cmp.Diff([]string{`\Draft`, `\Answered`, `$Forwarded`, `\SEEN`}, got); diff != "" {
		t.Error(diff)
	}
	got = FilterFlags([]string{`\Draft`, `\Deleted`, `\Answered`, `$Forwarded`, `\Seen`}, Read|Seen|DeleteMsgs|Insert)
	if diff := cmp.Diff([]string{`\Deleted`, `\Seen`}, got); diff != "" {
		t.Error(diff)
	}
	// §5.2's examples.
	for s, want := range map[string]bool{"lrs": true, "rit": true, "rset": true, "lr": false, "lra": false} {
		r, _ := ParseRights(s)
		if ReadWrite(r) != want {
			t.Errorf("ReadWrite(%s) = %v", s, !want)
		}
	}
	// Where \Seen is the user's own, "s" is no shared flag right.
	for s, want := range map[string]bool{"lrs": false, "rit": true, "rset": true, "lrsw": true, "lr": false} {
		r, _ := ParseRights(s)
		if ReadWritePrivateSeen(r) != want {
			t.Errorf("ReadWritePrivateSeen(%s) = %v", s, !want)
		}
	}
}

func TestNeeds(t *testing.T) {
	if n := Needs("UID COPY"); n.Target != Insert || n.Selected != Read {
		t.Errorf("UID COPY: %+v", n)
	}
	if n := Needs("UNSUBSCRIBE"); n != (Need{}) {
		t.Errorf("UNSUBSCRIBE: %+v", n)
	}
	if n := Needs("RENAME"); n.Named != DeleteBox || n.Parent != CreateChild {
		t.Errorf("RENAME: %+v", n)
	}
}

func FuzzParseModification(f *testing.F) {
	for _, s := range []string{"", "+cda", "-w", "lrQswicda", "lrswipkxtea", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseModification(s)
		if err != nil {
			var re *RightsError
			if !errors.As(err, &re) || re.Pos < 0 || re.Pos >= len(s) {
				t.Fatalf("%q: bad error %#v", s, err)
			}
			_ = err.Error()
			return
		}
		// The canonical form parses back to the same modification.
		back, err := ParseModification(m.String())
		if err != nil || back != m {
			t.Fatalf("%q: %v does not round-trip: %v %v", s, m, back, err)
		}
		if m.Rights&^All != 0 {
			t.Fatalf("%q: bits outside All", s)
		}
	})
}
