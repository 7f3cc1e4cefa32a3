package rfc2087

import (
	"bufio"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/loftmail/loft/rfc/rfc3501"
)

func TestStorageUnits(t *testing.T) {
	for octets, want := range map[int64]uint64{0: 0, -5: 0, 1: 1, 1024: 1, 1025: 2, 10 * 1024: 10} {
		if got := StorageUnits(octets); got != want {
			t.Errorf("StorageUnits(%d) = %d, want %d", octets, got, want)
		}
	}
}

func encode(f func(*rfc3501.Encoder)) string {
	var b strings.Builder
	w := bufio.NewWriter(&b)
	enc := rfc3501.NewEncoder(w)
	f(enc)
	enc.Flush()
	return b.String()
}

// TestResponses writes the responses of RFC 9208's examples (§4.1.1,
// §4.1.2, §4.2.1, §4.2.2).
func TestResponses(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{encode(func(e *rfc3501.Encoder) {
			EncodeQuota(e, "!partition/sda4", []Resource{{Storage, 104, 10923847}})
		}), `QUOTA "!partition/sda4" (STORAGE 104 10923847)`},
		{encode(func(e *rfc3501.Encoder) { EncodeQuota(e, "", []Resource{{Storage, 10, 512}}) }), `QUOTA "" (STORAGE 10 512)`},
		{encode(func(e *rfc3501.Encoder) {
			EncodeQuota(e, "#user/alice", []Resource{{Storage, 54, 111}, {Message, 42, 1000}})
		}), `QUOTA "#user/alice" (STORAGE 54 111 MESSAGE 42 1000)`},
		{encode(func(e *rfc3501.Encoder) { EncodeQuota(e, "", nil) }), `QUOTA "" ()`},
		{encode(func(e *rfc3501.Encoder) { EncodeQuotaRoot(e, "INBOX", []string{"#user/alice", "!partition/sda4"}) }),
			`QUOTAROOT INBOX "#user/alice" "!partition/sda4"`},
		{encode(func(e *rfc3501.Encoder) { EncodeQuotaRoot(e, "comp.mail.mime", nil) }), `QUOTAROOT comp.mail.mime`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func decode(s string) ([]Limit, error) {
	dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(s + "\r\n")))
	var out []Limit
	if !DecodeSetQuotaList(dec, &out) || !dec.CRLF() {
		return nil, dec.Err()
	}
	return out, nil
}

func TestDecodeSetQuotaList(t *testing.T) {
	got, err := decode("(STORAGE 510)")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Limit{{Storage, 510}}, got); diff != "" {
		t.Error(diff)
	}
	got, err = decode("(storage 1 Message 9223372036854775807)")
	if err != nil || len(got) != 2 || got[1].Name != Message || got[1].Limit != 1<<63-1 {
		t.Errorf("%v %v", got, err)
	}
	if got, err := decode("()"); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	for _, bad := range []string{"(STORAGE)", "STORAGE 1", "(STORAGE -1)", "(STORAGE 1 MESSAGE)", "(1 STORAGE)"} {
		if _, err := decode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if CheckLimits([]Limit{{Storage, 1}, {Storage, 2}}) == nil || CheckLimits([]Limit{{"MAILBOX", 1}}) == nil {
		t.Error("CheckLimits accepts a duplicate or an unsupported resource")
	}
	if err := CheckLimits([]Limit{{Storage, 1}, {Message, 2}}); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeSetQuotaList(f *testing.F) {
	for _, s := range []string{"(STORAGE 510)", "()", "(MESSAGE 1 STORAGE 2)", "(STORAGE {1}\r\n1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec := rfc3501.NewDecoder(bufio.NewReader(strings.NewReader(s)))
		var out []Limit
		if DecodeSetQuotaList(dec, &out) {
			for _, l := range out {
				if l.Name != strings.ToUpper(l.Name) || l.Name == "" {
					t.Fatalf("%q: name %q", s, l.Name)
				}
			}
		} else if dec.Err() == nil {
			t.Fatalf("%q: failed without an error", s)
		}
	})
}
