package directory

import (
	"testing"
	"unicode/utf8"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

func TestFillFilter(t *testing.T) {
	for _, tc := range []struct{ filter, value, want string }{
		{"(uid=%s)", "alice", `(uid=alice)`},
		{"(uid=%s)", "*)(uid=*", `(uid=\2a\29\28uid=\2a)`},
		{"(uid=%s)", "admin)(|(a=b", `(uid=admin\29\28|\28a=b)`},
		{"(uid=%s)", `a\b`, `(uid=a\5cb)`},
		{"(uid=%s)", "a\x00b", `(uid=a\00b)`},
		{"(|(mail=%s)(alias=%s))", "*@x", `(|(mail=\2a@x)(alias=\2a@x))`},
	} {
		if got := fillFilter(tc.filter, tc.value); got != tc.want {
			t.Errorf("fillFilter(%q, %q) = %q, want %q", tc.filter, tc.value, got, tc.want)
		}
	}
}

// FuzzFillFilter checks, for any value, that the filter built from the
// default user and address filters compiles (RFC 4515) to the structure of
// the template, with the value, unchanged, as the assertion value of each
// equality match that held "%s".
func FuzzFillFilter(f *testing.F) {
	for _, s := range []string{"alice", "*)(uid=*", "admin)(|(a=b", `\2a`, "a\x00b", "(", ")", "*", "é", "\xff"} {
		f.Add(s)
	}
	o := DefaultLDAPOptions()
	f.Fuzz(func(t *testing.T, value string) {
		// (&(objectClass=inetOrgPerson)(uid=%s))
		p, err := ldap.CompileFilter(fillFilter(o.UserFilter, value))
		if err != nil {
			if !utf8.ValidString(value) {
				return // go-ldap refuses filters that are not UTF-8
			}
			t.Fatalf("user filter for %q does not compile: %v", value, err)
		}
		if p.Tag != ldap.FilterAnd || len(p.Children) != 2 {
			t.Fatalf("user filter for %q: not an AND of two: %s", value, ldap.FilterMap[uint64(p.Tag)])
		}
		checkEquality(t, p.Children[1], "uid", value)

		// (&(objectClass=inetOrgPerson)(|(mail=%s)(loftMailAlias=%s)))
		p, err = ldap.CompileFilter(fillFilter(o.AddressFilter, value))
		if err != nil {
			t.Fatalf("address filter for %q does not compile: %v", value, err)
		}
		if p.Tag != ldap.FilterAnd || len(p.Children) != 2 || p.Children[1].Tag != ldap.FilterOr || len(p.Children[1].Children) != 2 {
			t.Fatalf("address filter for %q has another structure", value)
		}
		checkEquality(t, p.Children[1].Children[0], "mail", value)
		checkEquality(t, p.Children[1].Children[1], "loftMailAlias", value)
	})
}

func checkEquality(t *testing.T, p *ber.Packet, attr, value string) {
	t.Helper()
	if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
		t.Fatalf("(%s=…) for %q is %s, not an equality match", attr, value, ldap.FilterMap[uint64(p.Tag)])
	}
	if got := p.Children[0].Data.String(); got != attr {
		t.Fatalf("attribute %q, want %q", got, attr)
	}
	if got := p.Children[1].Data.String(); got != value {
		t.Fatalf("assertion value %q, want %q", got, value)
	}
}
