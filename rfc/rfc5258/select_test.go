package rfc5258

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// globMatch matches name against a LIST pattern (RFC 3501 §6.3.8) by
// recursion: "*" matches anything, "%" anything without "/".
func globMatch(pattern, name string) bool {
	if pattern == "" {
		return name == ""
	}
	switch pattern[0] {
	case '*', '%':
		for i := 0; i <= len(name); i++ {
			if globMatch(pattern[1:], name[i:]) {
				return true
			}
			if i < len(name) && pattern[0] == '%' && name[i] == '/' {
				return false
			}
		}
		return false
	}
	return name != "" && name[0] == pattern[0] && globMatch(pattern[1:], name[1:])
}

// subscribedCandidates: existing mailboxes (exist) and subscribed names
// (subs), meeting the criteria of (SUBSCRIBED).
func subscribedCandidates(exist, subs string) []Candidate {
	var out []Candidate
	sub := map[string]bool{}
	for _, s := range strings.Fields(subs) {
		sub[s] = true
		out = append(out, Candidate{Name: s, Meets: true})
	}
	for _, e := range strings.Fields(exist) {
		if !sub[e] {
			out = append(out, Candidate{Name: e})
		}
	}
	return out
}

// TestSelectExamples: §5 examples 8, 9 and 10 under (SUBSCRIBED
// RECURSIVEMATCH), and 2 under (SUBSCRIBED).
func TestSelectExamples(t *testing.T) {
	const ex8 = "INBOX Foo Foo/Bar Foo/Baz Moo"
	const ex9 = "INBOX foo2 foo2/bar1 foo2/bar2 baz2 baz2/bar2 baz2/bar22 baz2/bar222 eps2 eps2/mamba qux2/bar2"
	const ex9subs = "foo2/bar1 foo2/bar2 baz2/bar2 baz2/bar22 baz2/bar222 eps2 eps2/mamba qux2/bar2"
	for _, tc := range []struct {
		name      string
		cands     []Candidate
		pattern   string
		recursive bool
		want      []Result
	}{
		{"2 A02", subscribedCandidates("INBOX Fruit Fruit/Apple Fruit/Banana Tofu Vegetable Vegetable/Broccoli Vegetable/Corn",
			"INBOX Fruit/Banana Fruit/Peach Vegetable Vegetable/Broccoli"), "*", false,
			[]Result{{Name: "Fruit/Banana", Meets: true}, {Name: "Fruit/Peach", Meets: true}, {Name: "INBOX", Meets: true},
				{Name: "Vegetable", Meets: true}, {Name: "Vegetable/Broccoli", Meets: true}}},
		{"8A C02", subscribedCandidates(ex8, "Foo/Baz"), "*", true,
			[]Result{{Name: "Foo/Baz", Meets: true}}},
		{"8A LIST (SUBSCRIBED) % without RECURSIVEMATCH", subscribedCandidates(ex8, "Foo/Baz"), "%", false, nil},
		{"8A C04", subscribedCandidates(ex8, "Foo/Baz"), "%", true,
			[]Result{{Name: "Foo", ChildInfo: true}}},
		{"8A1 C04", subscribedCandidates(ex8, "Foo Foo/Baz"), "%", true,
			[]Result{{Name: "Foo", Meets: true, ChildInfo: true}}},
		{"8A2 C04 (Foo is not a candidate)", subscribedCandidates("INBOX Foo/Bar Foo/Baz Moo", "Foo/Baz"), "%", true,
			[]Result{{Name: "Foo", ChildInfo: true}}},
		{"8B", subscribedCandidates(ex8, ""), "%", true, nil},
		{"8C", subscribedCandidates(ex8, "Foo Moo"), "%", true,
			[]Result{{Name: "Foo", Meets: true}, {Name: "Moo", Meets: true}}},
		{"9 D03 *2", subscribedCandidates(ex9, ex9subs), "*2", true,
			[]Result{{Name: "baz2/bar2", Meets: true}, {Name: "baz2/bar22", Meets: true}, {Name: "baz2/bar222", Meets: true},
				{Name: "eps2", Meets: true, ChildInfo: true}, {Name: "foo2", ChildInfo: true},
				{Name: "foo2/bar2", Meets: true}, {Name: "qux2/bar2", Meets: true}}},
		// The second D03: the redundant CHILDINFO of foo2 and baz2 is
		// left out (§3.5's SHOULD); eps2 meets the criteria itself.
		{"9 D03 *", subscribedCandidates(ex9, ex9subs), "*", true,
			[]Result{{Name: "baz2/bar2", Meets: true}, {Name: "baz2/bar22", Meets: true}, {Name: "baz2/bar222", Meets: true},
				{Name: "eps2", Meets: true, ChildInfo: true}, {Name: "eps2/mamba", Meets: true},
				{Name: "foo2/bar1", Meets: true}, {Name: "foo2/bar2", Meets: true}, {Name: "qux2/bar2", Meets: true}}},
		{"10 a2", subscribedCandidates("foo", "foo/bar"), "foo/*", false,
			[]Result{{Name: "foo/bar", Meets: true}}},
		{"10 a3", subscribedCandidates("foo", "foo/bar"), "foo", true,
			[]Result{{Name: "foo", ChildInfo: true}}},
		// Without RECURSIVEMATCH no CHILDINFO and no parents.
		{"no recursion", subscribedCandidates(ex8, "Foo Foo/Baz"), "%", false,
			[]Result{{Name: "Foo", Meets: true}}},
		// A candidate given twice is one name; meeting wins.
		{"duplicates", []Candidate{{Name: "a"}, {Name: "a", Meets: true}, {Name: "a"}}, "*", false,
			[]Result{{Name: "a", Meets: true}}},
	} {
		got := Select(tc.cands, func(n string) bool { return globMatch(tc.pattern, n) }, tc.recursive, "/")
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("example %s (-want +got):\n%s", tc.name, diff)
		}
	}
}
