package lmtp

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    address
		wantErr bool
	}{
		{in: "alice@example.org", want: address{"alice", "example.org"}},
		{in: "Alice@Example.ORG", want: address{"Alice", "example.org"}},
		{in: "alice+box@example.org", want: address{"alice+box", "example.org"}},
		{in: "john doe@example.org", want: address{"john doe", "example.org"}},
		{in: "a@b@example.org", want: address{"a@b", "example.org"}},
		{in: "user@[192.0.2.1]", want: address{"user", "[192.0.2.1]"}},
		{in: "Postmaster", want: address{local: "Postmaster"}},
		{in: "", wantErr: true},
		{in: "@example.org", wantErr: true},
		{in: "alice@", wantErr: true},
		{in: "alice@exa_mple.org", wantErr: true},
		{in: "alice@example.org.", wantErr: true},
		{in: "alice@[300.1.1.1]", wantErr: true},
		{in: "al\x00ice@example.org", wantErr: true},
		{in: "al\rice@example.org", wantErr: true},
		{in: "caf\xc3\xa9@example.org", wantErr: true},
		{in: strings.Repeat("a", 65) + "@example.org", wantErr: true},
		{in: "a@" + strings.Repeat("b", 250) + ".org", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseAddress(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseAddress(%q) = %+v; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitDetail(t *testing.T) {
	tests := []struct {
		local, sep   string
		user, detail string
		ok           bool
	}{
		{"alice+box", "+", "alice", "box", true},
		{"alice+a+b", "+", "alice", "a+b", true},
		{"alice+", "+", "alice", "", true},
		{"alice", "+", "alice", "", false},
		{"+box", "+", "+box", "", false},
		{"alice-box", "-", "alice", "box", true},
		{"alice--box", "--", "alice", "box", true},
		{"alice+box", "", "alice+box", "", false},
	}
	for _, tt := range tests {
		user, detail, ok := splitDetail(tt.local, tt.sep)
		if user != tt.user || detail != tt.detail || ok != tt.ok {
			t.Errorf("splitDetail(%q, %q) = %q, %q, %v; want %q, %q, %v",
				tt.local, tt.sep, user, detail, ok, tt.user, tt.detail, tt.ok)
		}
	}
	a := address{"bob+lists", "example.org"}
	if b, ok := a.withoutDetail("+"); !ok || b.String() != "bob@example.org" {
		t.Errorf("withoutDetail = %v, %v", b, ok)
	}
	if b, ok := a.withoutDetail(""); ok || b != a {
		t.Errorf("withoutDetail with no separator = %v, %v", b, ok)
	}
}

func FuzzAddress(f *testing.F) {
	for _, s := range []string{"alice@example.org", "a+b@x.y", "Postmaster", "q\"x@[1.2.3.4]", "@", "a@b@c", "+x@y"} {
		f.Add(s, "+")
	}
	f.Add("a--b@x", "--")
	f.Fuzz(func(t *testing.T, s, sep string) {
		a, err := parseAddress(s)
		if err != nil {
			return
		}
		// The lookup key reads back to the same address.
		b, err := parseAddress(a.String())
		if err != nil || b != a {
			t.Fatalf("parseAddress(%q) = %+v; its String %q parses as %+v, %v", s, a, a.String(), b, err)
		}
		if strings.ToLower(s) != strings.ToLower(a.String()) {
			t.Fatalf("parseAddress(%q).String() = %q, not the same address", s, a.String())
		}
		user, detail, ok := splitDetail(a.local, sep)
		if !ok {
			if user != a.local || detail != "" {
				t.Fatalf("splitDetail(%q, %q) = %q, %q, false", a.local, sep, user, detail)
			}
			return
		}
		if user == "" || user+sep+detail != a.local || strings.Contains(user, sep) {
			t.Fatalf("splitDetail(%q, %q) = %q, %q", a.local, sep, user, detail)
		}
		c, ok := a.withoutDetail(sep)
		if !ok || c.domain != a.domain || c.local != user {
			t.Fatalf("withoutDetail(%+v, %q) = %+v, %v", a, sep, c, ok)
		}
	})
}
