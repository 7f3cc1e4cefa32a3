package rfc5228

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// The date and currentdate tests (RFC 5260 §4, §5).

var dateParts = map[string]func(t time.Time) string{
	"year":   func(t time.Time) string { return fmt.Sprintf("%04d", t.Year()) },
	"month":  func(t time.Time) string { return fmt.Sprintf("%02d", int(t.Month())) },
	"day":    func(t time.Time) string { return fmt.Sprintf("%02d", t.Day()) },
	"date":   func(t time.Time) string { return t.Format("2006-01-02") },
	"julian": func(t time.Time) string { return strconv.FormatInt(julian(t), 10) },
	"hour":   func(t time.Time) string { return fmt.Sprintf("%02d", t.Hour()) },
	"minute": func(t time.Time) string { return fmt.Sprintf("%02d", t.Minute()) },
	"second": func(t time.Time) string { return fmt.Sprintf("%02d", t.Second()) },
	"time":   func(t time.Time) string { return t.Format("15:04:05") },
	// RFC 3339 §5.6 with "Z" for a zero offset (RFC 5260 §4.2).
	"iso8601": func(t time.Time) string { return t.Format("2006-01-02T15:04:05Z07:00") },
	"std11":   func(t time.Time) string { return t.Format("Mon, 02 Jan 2006 15:04:05 -0700") },
	"zone":    func(t time.Time) string { return t.Format("-0700") },
	"weekday": func(t time.Time) string { return strconv.Itoa(int(t.Weekday())) },
}

// julian is the Modified Julian Day of t's calendar date (RFC 5260 §4.2):
// days since 1858-11-17.
func julian(t time.Time) int64 {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.Unix()/86400 + 40587
}

// parseZone reads a time-zone of RFC 5260 §4.1: ( "+" / "-" ) 4DIGIT.
func parseZone(s string) (*time.Location, bool) {
	if len(s) != 5 || (s[0] != '+' && s[0] != '-') || !isDigits(s[1:]) {
		return nil, false
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	if m > 59 {
		return nil, false
	}
	off := (h*60 + m) * 60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone(s, off), true
}

// dateOf extracts the date-time of a header field (RFC 5260 §4): the whole
// value, or what follows its last ";" (as in Received:).
func dateOf(v string) (time.Time, bool) {
	v = unfold(v)
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		v = v[i+1:]
	}
	t, err := mail.ParseDate(strings.TrimSpace(v))
	return t, err == nil
}

// zoneFor compiles :zone and :originalzone. Without either, the zone of
// Env.Now is the server's local zone (RFC 5260 §4.1).
func (c *checker) zoneFor(k *call) (func(f *frame, t time.Time) time.Time, bool) {
	if a, ok := k.tags["zone"]; ok {
		z := c.str(a.strs[0])
		if z.parts == nil {
			loc, ok := parseZone(z.raw)
			if !ok {
				c.errorf(z.pos, "%q is not a time zone offset \"+hhmm\" or \"-hhmm\" (RFC 5260 §4.1)", z.raw)
				return nil, false
			}
			return func(_ *frame, t time.Time) time.Time { return t.In(loc) }, true
		}
		return func(f *frame, t time.Time) time.Time {
			if loc, ok := parseZone(z.expand(f)); ok {
				return t.In(loc)
			}
			return t.In(f.currentTime().Location())
		}, true
	}
	if k.has("originalzone") {
		return func(_ *frame, t time.Time) time.Time { return t }, true
	}
	return func(f *frame, t time.Time) time.Time { return t.In(f.currentTime().Location()) }, true
}

// datePart compiles a date-part argument (RFC 5260 §4.2).
func (c *checker) datePart(l strLit) (func(f *frame) func(time.Time) string, bool) {
	s := c.str(l)
	if s.parts == nil {
		part, ok := dateParts[strings.ToLower(s.raw)]
		if !ok {
			c.errorf(s.pos, "unknown date part %q (RFC 5260 §4.2)", s.raw)
			return nil, false
		}
		return func(*frame) func(time.Time) string { return part }, true
	}
	return func(f *frame) func(time.Time) string { return dateParts[strings.ToLower(s.expand(f))] }, true
}

// tstDate is the date test (RFC 5260 §4): the first named field, or the
// one :index selects; false when there is none or its date is invalid.
func tstDate(c *checker, k *call) testFunc {
	names := c.headerNames(argument{strs: k.args[0].strs})
	zone, zok := c.zoneFor(k)
	part, pok := c.datePart(k.args[1].strs[0])
	m, ok := c.matcher(k, k.args[2])
	n, last, iok := c.index(k)
	if !zok || !pok || !ok || !iok {
		return nil
	}
	if n == 0 {
		n = 1
	}
	return func(f *frame) (bool, error) {
		var values []string
		if fields := f.fields(names, false, n, last); len(fields) > 0 {
			if t, ok := dateOf(fields[0]); ok {
				if p := part(f); p != nil {
					values = append(values, p(zone(f, t)))
				}
			}
		}
		return m.match(f, values), nil
	}
}

// tstCurrentDate is the currentdate test (RFC 5260 §5) on Env.Now.
func tstCurrentDate(c *checker, k *call) testFunc {
	zone, zok := c.zoneFor(k)
	part, pok := c.datePart(k.args[0].strs[0])
	m, ok := c.matcher(k, k.args[1])
	if !zok || !pok || !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		var values []string
		if p := part(f); p != nil {
			values = append(values, p(zone(f, f.currentTime())))
		}
		return m.match(f, values), nil
	}
}
