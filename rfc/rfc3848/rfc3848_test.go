package rfc3848

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestWithType(t *testing.T) {
	tests := []struct {
		tls, auth bool
		want      string
	}{
		{false, false, "LMTP"},
		{true, false, "LMTPS"},
		{false, true, "LMTPA"},
		{true, true, "LMTPSA"},
	}
	for _, tt := range tests {
		if got := WithType(tt.tls, tt.auth); got != tt.want {
			t.Errorf("WithType(%v, %v) = %q, want %q", tt.tls, tt.auth, got, tt.want)
		}
		if !IsAtom(tt.want) {
			t.Errorf("%q is not an Atom", tt.want)
		}
	}
}

func TestIsDomain(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := map[string]bool{
		"example.org":                    true,
		"mail-1.example":                 true,
		"localhost":                      true,
		"x":                              true,
		"1.2.3.4":                        true, // syntactically a Domain
		long + ".org":                    true,
		long + "a.org":                   false,
		"":                               false,
		".example.org":                   false,
		"example..org":                   false,
		"example.org.":                   false,
		"-a.org":                         false,
		"a-.org":                         false,
		"a_b.org":                        false,
		"[192.0.2.1]":                    false,
		"exa mple.org":                   false,
		"caf\xc3\xa9.org":                false,
		strings.Repeat("a.", 127) + "aa": false, // 256 octets
	}
	for in, want := range tests {
		if got := IsDomain(in); got != want {
			t.Errorf("IsDomain(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsAddressLiteral(t *testing.T) {
	tests := map[string]bool{
		"[192.0.2.1]":             true,
		"[IPv6:2001:db8::1]":      true,
		"[IPv6:::ffff:192.0.2.1]": true,
		"[x-tag:some-content]":    true,
		"[192.0.2.256]":           false,
		"[IPv6:192.0.2.1]":        false,
		"[IPv6:zz::1]":            false,
		"[ipv6:nonsense]":         false,
		"[2001:db8::1]":           false,
		"192.0.2.1":               false,
		"[]":                      false,
		"[tag:]":                  false,
		"[-tag:x]":                true,
		"[tag-:x]":                false,
		"[tag:a]b]":               false,
		"[tag:a b]":               false,
	}
	// Standardized-tag = Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig, so a
	// tag may begin with "-" but not end with it.
	for in, want := range tests {
		if got := IsAddressLiteral(in); got != want {
			t.Errorf("IsAddressLiteral(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestAddressLiteral(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1":        "[192.0.2.1]",
		"::ffff:192.0.2.1": "[192.0.2.1]",
		"2001:db8::1":      "[IPv6:2001:db8::1]",
		"fe80::1%eth0":     "[IPv6:fe80::1]",
		"::1":              "[IPv6:::1]",
	}
	for in, want := range tests {
		got := AddressLiteral(netip.MustParseAddr(in))
		if got != want {
			t.Errorf("AddressLiteral(%s) = %q, want %q", in, got, want)
		}
		if !IsAddressLiteral(got) {
			t.Errorf("AddressLiteral(%s) = %q is not an address literal", in, got)
		}
	}
}

func TestFormatPath(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "alice@example.org", want: "<alice@example.org>"},
		{in: "alice+detail@example.org", want: "<alice+detail@example.org>"},
		{in: "first.last@example.org", want: "<first.last@example.org>"},
		{in: "o'hara@example.org", want: "<o'hara@example.org>"},
		{in: "user@[192.0.2.1]", want: "<user@[192.0.2.1]>"},
		{in: "user@[IPv6:2001:db8::1]", want: "<user@[IPv6:2001:db8::1]>"},
		// Local parts that are not Dot-strings are quoted (§4.1.2).
		{in: "john doe@example.org", want: `<"john doe"@example.org>`},
		{in: "a..b@example.org", want: `<"a..b"@example.org>`},
		{in: ".a@example.org", want: `<".a"@example.org>`},
		{in: `say"hi"@example.org`, want: `<"say\"hi\""@example.org>`},
		{in: `back\slash@example.org`, want: `<"back\\slash"@example.org>`},
		{in: "at@sign@example.org", want: `<"at@sign"@example.org>`},
		{in: "(comment)@example.org", want: `<"(comment)"@example.org>`},
		{in: "noat", wantErr: true},
		{in: "@example.org", wantErr: true},
		{in: "user@", wantErr: true},
		{in: "user@exa mple.org", wantErr: true},
		{in: "user@example.org>", wantErr: true},
		{in: "caf\xc3\xa9@example.org", wantErr: true},
		{in: "tab\there@example.org", wantErr: true},
		{in: "cr\r\nlf@example.org", wantErr: true},
		{in: strings.Repeat("a", 65) + "@example.org", wantErr: true},
	}
	for _, tt := range tests {
		got, err := FormatPath(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("FormatPath(%q) = %q; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FormatPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestReturnPath(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "", want: "Return-Path: <>\r\n"},
		{in: "bob@example.com", want: "Return-Path: <bob@example.com>\r\n"},
		{in: "bob smith@example.com", want: "Return-Path: <\"bob smith\"@example.com>\r\n"},
		{in: "bob@bad_domain", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ReturnPath(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ReturnPath(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReceivedField(t *testing.T) {
	date := time.Date(2024, 1, 2, 15, 4, 5, 0, time.FixedZone("", 3600))
	tests := []struct {
		name string
		r    Received
		want string
	}{
		{
			name: "tcp, valid helo, one recipient",
			r: Received{Helo: "client.example", Peer: netip.MustParseAddr("192.0.2.1"), By: "mail.example.org",
				With: LMTP, ID: "ABC123", For: "alice@example.org", Date: date},
			want: "Received: from client.example ([192.0.2.1]) by mail.example.org with LMTP\r\n" +
				"\tid ABC123 for <alice@example.org>; Tue, 02 Jan 2024 15:04:05 +0100\r\n",
		},
		{
			name: "unix socket, no for",
			r:    Received{Helo: "mta.example", By: "mx.example", With: LMTPS, ID: "x1", Date: date},
			want: "Received: from mta.example by mx.example with LMTPS id x1;\r\n" +
				"\tTue, 02 Jan 2024 15:04:05 +0100\r\n",
		},
		{
			name: "invalid helo over tcp: the address literal names the client",
			r:    Received{Helo: "[bad", Peer: netip.MustParseAddr("2001:db8::7"), By: "h", Date: date},
			want: "Received: from [IPv6:2001:db8::7] ([IPv6:2001:db8::7]) by h;\r\n" +
				"\tTue, 02 Jan 2024 15:04:05 +0100\r\n",
		},
		{
			name: "address-literal helo over a unix socket",
			r:    Received{Helo: "[192.0.2.9]", By: "h", With: LMTP, Date: date},
			want: "Received: from localhost by h with LMTP; Tue, 02 Jan 2024 15:04:05 +0100\r\n",
		},
		{
			name: "long recipient breaks inside its clause",
			r: Received{Helo: "c.example", By: "h.example", With: LMTP, ID: "I",
				For: strings.Repeat("x", 60) + "@" + strings.Repeat("d", 20) + ".example", Date: date},
			want: "Received: from c.example by h.example with LMTP id I for\r\n" +
				"\t<" + strings.Repeat("x", 60) + "@" + strings.Repeat("d", 20) + ".example>;\r\n" +
				"\tTue, 02 Jan 2024 15:04:05 +0100\r\n",
		},
	}
	for _, tt := range tests {
		got, err := tt.r.Field()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, got, tt.want)
		}
		checkFolded(t, got)
	}
}

// checkFolded checks that a field ends in CRLF, has no bare CR or LF, and
// keeps every line within MaxLine unless one word alone is longer.
func checkFolded(t *testing.T, field string) {
	t.Helper()
	if !strings.HasSuffix(field, "\r\n") {
		t.Errorf("%q does not end in CRLF", field)
	}
	for i, line := range strings.Split(strings.TrimSuffix(field, "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d %q holds a bare CR or LF", i, line)
		}
		if i > 0 && !strings.HasPrefix(line, "\t") {
			t.Errorf("continuation line %d %q does not start with WSP", i, line)
		}
		if len(line) > MaxLine && strings.Contains(strings.TrimPrefix(line, "\t"), " ") {
			t.Errorf("line %d is %d long: %q", i, len(line), line)
		}
	}
}

func TestReceivedFieldErrors(t *testing.T) {
	date := time.Now()
	bad := []Received{
		{By: "", Date: date},
		{By: "bad host", Date: date},
		{By: "h"},
		{By: "h", With: "L MTP", Date: date},
		{By: "h", ID: "a;b", Date: date},
		{By: "h", For: "nodomain", Date: date},
	}
	for _, r := range bad {
		if f, err := r.Field(); err == nil {
			t.Errorf("%+v: Field() = %q; want an error", r, f)
		}
	}
}

func FuzzFormatPath(f *testing.F) {
	for _, s := range []string{"a@b.c", "john doe@x.org", `q"@x`, "a@[1.2.3.4]", "@", "a@@b", "\x00@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := FormatPath(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "<") || !strings.HasSuffix(p, ">") {
			t.Fatalf("FormatPath(%q) = %q", s, p)
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 32 || p[i] > 126 {
				t.Fatalf("FormatPath(%q) = %q holds octet %#x", s, p, p[i])
			}
		}
		// Undo the quoting and get the mailbox back.
		m := p[1 : len(p)-1]
		at := strings.LastIndexByte(m, '@')
		local, domain := m[:at], m[at+1:]
		if strings.HasPrefix(local, `"`) {
			var b strings.Builder
			q := local[1 : len(local)-1]
			for i := 0; i < len(q); i++ {
				if q[i] == '\\' {
					i++
				}
				b.WriteByte(q[i])
			}
			local = b.String()
		}
		if local+"@"+domain != s {
			t.Fatalf("FormatPath(%q) = %q, which reads back as %q", s, p, local+"@"+domain)
		}
		// The Received field built from it stays well formed.
		r := Received{Helo: "h", By: "b", With: LMTP, ID: "i", For: s, Date: time.Unix(0, 0)}
		field, err := r.Field()
		if err != nil {
			t.Fatalf("Received with For %q: %v", s, err)
		}
		checkFolded(t, field)
	})
}
