package rfc4315

import (
	"errors"
	"slices"
	"testing"
)

func TestFormatUIDSet(t *testing.T) {
	for _, tc := range []struct {
		uids []uint32
		want string
	}{
		{nil, ""},
		{[]uint32{3955}, "3955"},
		{[]uint32{3, 4, 5, 9}, "3:5,9"},
		{[]uint32{304, 319, 320}, "304,319:320"},  // §3's COPY example, source
		{[]uint32{3956, 3957, 3958}, "3956:3958"}, // and destination
		{[]uint32{1, 3, 5}, "1,3,5"},
		{[]uint32{7, 6, 5}, "7,6,5"}, // the order is kept
		{[]uint32{1, 2, 10, 11, 12, 4}, "1:2,10:12,4"},
		{[]uint32{4294967294, 4294967295}, "4294967294:4294967295"},
	} {
		if got := FormatUIDSet(tc.uids); got != tc.want {
			t.Errorf("FormatUIDSet(%v) = %q, want %q", tc.uids, got, tc.want)
		}
	}
}

func TestParseUIDSet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint32
	}{
		{"3955", []uint32{3955}},
		{"304,319:320", []uint32{304, 319, 320}},
		{"3956:3958", []uint32{3956, 3957, 3958}},
		{"3000:3002", []uint32{3000, 3001, 3002}}, // §2.1's UID EXPUNGE example
		{"2:4", []uint32{2, 3, 4}},                // §4: 2:4 and 4:2 are equivalent
		{"4:2", []uint32{2, 3, 4}},
		{"3:5,9", []uint32{3, 4, 5, 9}},
	} {
		got, err := ParseUIDSet(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseUIDSet(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if err == nil {
			// Formatting what was read gives the compact form back.
			if again, err := ParseUIDSet(FormatUIDSet(got)); err != nil || !slices.Equal(again, got) {
				t.Errorf("ParseUIDSet(FormatUIDSet(%v)) = %v, %v", got, again, err)
			}
		}
	}
	for _, in := range []string{"", "0", "1:0", "*", "1:*", "1,", ",1", "1::2", "01", "a", "4294967296", "1 2"} {
		if got, err := ParseUIDSet(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseUIDSet(%q) = %v, %v; want ErrSyntax", in, got, err)
		}
	}
}

// TestExamples reads and writes the response codes of the example of §3.
func TestExamples(t *testing.T) {
	a, err := ParseAppendUID("APPENDUID 38505 3955")
	if err != nil || a != (AppendUID{UIDValidity: 38505, UID: 3955}) {
		t.Fatalf("ParseAppendUID: %+v, %v", a, err)
	}
	if got := a.String(); got != "APPENDUID 38505 3955" {
		t.Errorf("AppendUID.String() = %q", got)
	}
	c, err := ParseCopyUID("COPYUID 38505 304,319:320 3956:3958")
	if err != nil || c.UIDValidity != 38505 || !slices.Equal(c.Src, []uint32{304, 319, 320}) || !slices.Equal(c.Dst, []uint32{3956, 3957, 3958}) {
		t.Fatalf("ParseCopyUID: %+v, %v", c, err)
	}
	if got := c.String(); got != "COPYUID 38505 304,319:320 3956:3958" {
		t.Errorf("CopyUID.String() = %q", got)
	}
	if got := c.Args(); got != "38505 304,319:320 3956:3958" {
		t.Errorf("CopyUID.Args() = %q", got)
	}
	for _, bad := range []string{"APPENDUID 38505", "APPENDUID 0 1", "APPENDUID 1 1:2 x", "COPYUID 1 2", "COPYUID 38505 1:2 3", "UIDNOTSTICKY"} {
		if _, err := ParseAppendUID(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseAppendUID(%q): %v, want ErrSyntax", bad, err)
		}
		if _, err := ParseCopyUID(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseCopyUID(%q): %v, want ErrSyntax", bad, err)
		}
	}
}
