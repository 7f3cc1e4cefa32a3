package rfc4314

import "testing"

// TestGroupIdentifierNamesNoUser: "$staff" names the group staff (§2), never
// a user whose login is "$staff"; ReservedLogin names the logins that would
// be read as another kind of identifier.
func TestGroupIdentifierNamesNoUser(t *testing.T) {
	p := Policy{Owner: "alice"}
	acl := ACL{{"alice", All}, {"$staff", Lookup | Read}}
	if got := p.Rights(acl, Subject{User: "$staff"}); got != 0 {
		t.Errorf("user $staff has %q, want none", got.Letters())
	}
	if got := p.Rights(acl, Subject{User: "bob", Groups: []string{"staff"}}); got != Lookup|Read {
		t.Errorf("member of staff has %q, want lr", got.Letters())
	}
	for login, want := range map[string]bool{
		"anyone": true, "authenticated": true, "-bob": true, "$staff": true,
		"bob": false, "Anyone": false, "bob-": false, "b$": false,
	} {
		if got := p.ReservedLogin(login); got != want {
			t.Errorf("ReservedLogin(%q) = %v, want %v", login, got, want)
		}
	}
	if !(Policy{GroupPrefix: "group:"}).ReservedLogin("group:staff") || (Policy{GroupPrefix: "group:"}).ReservedLogin("$staff") {
		t.Errorf("ReservedLogin ignores GroupPrefix")
	}
}
