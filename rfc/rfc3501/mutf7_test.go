package rfc3501

import (
	"testing"
	"unicode/utf8"
)

func TestMailboxNameRoundTrip(t *testing.T) {
	tests := []struct {
		utf8, mutf7 string
	}{
		// RFC 3501 §5.1.3: a name mixing English, Chinese and Japanese.
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
		// RFC 3501 §5.1.3: the corrected forms of its counter-examples.
		{"☺!", "&Jjo-!"},
		{"台北日本語", "&U,BTF2XlZyyKng-"},
		// "&" is "&-" (§5.1.3).
		{"&", "&-"},
		{"Tom & Jerry", "Tom &- Jerry"},
		{"&&", "&-&-"},
		{"", ""},
		{"INBOX", "INBOX"},
		{"Entwürfe", "Entw&APw-rfe"},
		{"é&é", "&AOk-&-&AOk-"},
		{"tab\there", "tab&AAk-here"},
		{"\x7f", "&AH8-"},
		{"😀", "&2D3eAA-"}, // a surrogate pair
		{"a😀b€", "a&2D3eAA-b&IKw-"},
		{"😀€", "&2D3eACCs-"},
	}
	for _, tt := range tests {
		if got := EncodeMailboxName(tt.utf8); got != tt.mutf7 {
			t.Errorf("EncodeMailboxName(%q) = %q, want %q", tt.utf8, got, tt.mutf7)
		}
		got, err := DecodeMailboxName(tt.mutf7)
		if err != nil || got != tt.utf8 {
			t.Errorf("DecodeMailboxName(%q) = %q, %v, want %q", tt.mutf7, got, err, tt.utf8)
		}
	}
}

func TestDecodeMailboxNameInvalid(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{"&Jjo!", errMUTF7Open},                    // RFC 3501 §5.1.3: no shift back before "!"
		{"&U,BTFw-&ZeVnLIqe-", errMUTF7Contiguous}, // RFC 3501 §5.1.3: superfluous shift
		{"&AGE-", errMUTF7ASCII},                   // "a" must represent itself
		{"&ACY-", errMUTF7ASCII},                   // "&" must be "&-"
		{"&AGEAYg-", errMUTF7ASCII},
		{"&", errMUTF7Open},
		{"abc&AOk", errMUTF7Open},
		{"&AA-", errMUTF7UTF16},     // one octet: half a UTF-16 unit
		{"&AOkA-", errMUTF7UTF16},   // three octets
		{"&AOl-", errMUTF7Base64},   // non-zero pad bits
		{"&A-", errMUTF7Base64},     // six bits
		{"&AO/p-", errMUTF7Base64},  // "/" is "," in modified BASE64
		{"&AOk=-", errMUTF7Base64},  // no padding
		{"&2D0-", errMUTF7UTF16},    // a high surrogate alone
		{"&3gA-", errMUTF7UTF16},    // a low surrogate alone
		{"&2D3YPQ-", errMUTF7UTF16}, // two high surrogates
		{"caf\xc3\xa9", errMUTF7Raw},
		{"a\tb", errMUTF7Raw},
		{"a\x7fb", errMUTF7Raw},
		{"&-\x00", errMUTF7Raw},
	}
	for _, tt := range tests {
		got, err := DecodeMailboxName(tt.in)
		if err != tt.err {
			t.Errorf("DecodeMailboxName(%q) = %q, %v, want error %v", tt.in, got, err, tt.err)
		}
	}
}

func FuzzMUTF7(f *testing.F) {
	for _, s := range []string{"~peter/mail/&U,BTFw-/&ZeVnLIqe-", "&-", "&AGE-", "Entw&APw-rfe", "&2D3eAA-", "a&", "台北"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Every UTF-8 name survives a round trip.
		if utf8.ValidString(s) {
			enc := EncodeMailboxName(s)
			dec, err := DecodeMailboxName(enc)
			if err != nil || dec != s {
				t.Fatalf("DecodeMailboxName(EncodeMailboxName(%q)) = %q, %v", s, dec, err)
			}
			for i := 0; i < len(enc); i++ {
				if enc[i] < 0x20 || enc[i] > 0x7e {
					t.Fatalf("EncodeMailboxName(%q) = %q: not printable US-ASCII", s, enc)
				}
			}
		}
		// Only the canonical encoding decodes.
		if dec, err := DecodeMailboxName(s); err == nil {
			if enc := EncodeMailboxName(dec); enc != s {
				t.Fatalf("DecodeMailboxName(%q) = %q, which encodes as %q", s, dec, enc)
			}
		}
	})
}
