package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time in the configuration, written as an integer
// number of seconds (idle_timeout = 600) or as a Go duration string
// (idle_timeout = "10m", "1m30s", "500ms").
type Duration time.Duration

// Duration returns d as a time.Duration.
func (d Duration) Duration() time.Duration { return time.Duration(d) }

// String formats d as a Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as a Go duration string, which UnmarshalTOML reads.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalTOML reads integer seconds or a duration string.
func (d *Duration) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		return d.setSeconds(v)
	case string:
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return d.setSeconds(n)
		}
		parsed, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration: want seconds or a string such as \"90s\", \"10m\" or \"1h\"", v)
		}
		*d = Duration(parsed)
		return nil
	}
	return fmt.Errorf("%v (%T) is not a duration: want seconds or a string such as \"90s\", \"10m\" or \"1h\"", v, v)
}

func (d *Duration) setSeconds(n int64) error {
	if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
		return fmt.Errorf("%d seconds is too long", n)
	}
	*d = Duration(time.Duration(n) * time.Second)
	return nil
}

// ByteSize is a number of octets in the configuration, written as an integer
// (52428800) or as a string that ParseByteSize reads ("50MiB").
type ByteSize int64

var byteUnits = []struct {
	name string
	size int64
}{
	// Longest names first, so that "kib" is not read as "b".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"b", 1},
}

// String writes b with the largest binary unit that divides it exactly.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// FormatByteSize writes n octets for people: in the largest unit, binary or
// decimal, that divides it exactly ("1GiB", "512MB", "3KiB"), or as a plain
// number when none does or n is 0. ParseByteSize reads it back to n.
func FormatByteSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// MarshalText writes b as String does, which UnmarshalTOML reads.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalTOML reads an integer number of octets or a size with a unit.
func (b *ByteSize) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		*b = ByteSize(v)
		return nil
	case string:
		n, err := ParseByteSize(v)
		if err != nil {
			return err
		}
		*b = ByteSize(n)
		return nil
	}
	return fmt.Errorf("%v (%T) is not a size: want octets or a string such as \"50MiB\"", v, v)
}

// ParseByteSize reads a number of octets: a decimal integer, optionally
// followed by a unit, B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB
// (powers of 1024), in any case, with or without a space between ("50MiB",
// "50 MiB", "1gb", "20MB"). K, M and G alone are refused: they mean 1000 to
// some and 1024 to others. It is the one reader of sizes, for the
// configuration file and for `loft adm`.
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(t, u.name); ok {
			t, mult = strings.TrimSpace(num), u.size
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if u := t[max(len(t)-1, 0):]; mult == 1 && (u == "k" || u == "m" || u == "g") {
			return 0, fmt.Errorf("%q is not a size: %s alone is ambiguous, write %sB (powers of 1000) or %siB (powers of 1024)", s, strings.ToUpper(u), strings.ToUpper(u), strings.ToUpper(u))
		}
		return 0, fmt.Errorf("%q is not a size: want octets or a number with a unit B, KB, MB, GB, KiB, MiB or GiB", s)
	}
	if n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}
