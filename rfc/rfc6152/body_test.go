package rfc6152

import "testing"

func TestParseBody(t *testing.T) {
	tests := []struct {
		in      string
		want    Body
		wantErr bool
	}{
		{in: "7BIT", want: Body7Bit},
		{in: "8BITMIME", want: Body8BitMIME},
		{in: "8bitmime", want: Body8BitMIME},
		{in: "7bit", want: Body7Bit},
		{in: "", want: Body7Bit},
		{in: "BINARYMIME", wantErr: true},
		{in: "8BIT", wantErr: true},
		{in: "8BITMIME ", wantErr: true},
		{in: "=8BITMIME", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseBody(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBody(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestContains8Bit(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"Subject: hi\r\n\r\nplain\r\n", false},
		{"\x00\x7f", false},
		{"caf\xc3\xa9", true},
		{"\x80", true},
		{"\xff", true},
	}
	for _, tt := range tests {
		if got := Contains8Bit([]byte(tt.in)); got != tt.want {
			t.Errorf("Contains8Bit(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
