package rfc5032

import "time"

// Capability is the name CAPABILITY announces (§2).
const Capability = "WITHIN"

// The search keys of §3, in upper case.
const (
	KeyOlder   = "OLDER"
	KeyYounger = "YOUNGER"
)

// Target is §2's target time for an interval in seconds at the time now: now
// less the interval, to the second.
func Target(now time.Time, interval uint32) time.Time {
	return now.Truncate(time.Second).Add(-time.Duration(interval) * time.Second)
}

// Older reports whether a message with the internal date date matches OLDER
// with target time target (§2): "messages match if the INTERNALDATE is less
// recent than or equal to the target time".
func Older(date, target time.Time) bool { return !date.Truncate(time.Second).After(target) }

// Younger reports whether a message with the internal date date matches
// YOUNGER with target time target (§2): "messages match if the INTERNALDATE
// is more recent than or equal to the target time".
func Younger(date, target time.Time) bool { return !date.Truncate(time.Second).Before(target) }
