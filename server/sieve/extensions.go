package sieve

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3894"
	"github.com/loftmail/loft/rfc/rfc5173"
	"github.com/loftmail/loft/rfc/rfc5183"
	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/rfc/rfc5229"
	"github.com/loftmail/loft/rfc/rfc5230"
	"github.com/loftmail/loft/rfc/rfc5231"
	"github.com/loftmail/loft/rfc/rfc5232"
	"github.com/loftmail/loft/rfc/rfc5233"
	"github.com/loftmail/loft/rfc/rfc5260"
	"github.com/loftmail/loft/rfc/rfc5429"
	"github.com/loftmail/loft/rfc/rfc5490"
	"github.com/loftmail/loft/rfc/rfc6609"
)

// available is every extension Loft can offer, in the order ManageSieve
// lists them by default: the one list from which the configuration picks.
// "comparator-i;octet" and "comparator-i;ascii-casemap" are not in it:
// every script may require them (RFC 5228 §2.7.3).
var available = []rfc5228.Extension{
	rfc5228.FileIntoExtension,
	rfc5228.EnvelopeExtension,
	rfc5228.EncodedCharacterExtension,
	rfc5228.NumericComparatorExtension,
	rfc3894.Extension,
	rfc5173.Extension,
	rfc5183.Extension,
	rfc5229.Extension,
	rfc5230.Extension,
	rfc5230.Seconds,
	rfc5231.Extension,
	rfc5232.Extension,
	rfc5233.Extension,
	rfc5260.Date,
	rfc5260.Index,
	rfc5429.Reject,
	rfc5429.Ereject,
	rfc5490.Extension,
	rfc6609.Extension,
}

// DefaultExtensions returns the capability names scripts may require when
// Config.Extensions is nil: all that Loft implements.
func DefaultExtensions() []string {
	var names []string
	for _, x := range available {
		names = append(names, x.Name())
	}
	return names
}

// extensions returns the compiler's extensions for names (compared
// without regard to case), refusing a name Loft does not offer or one
// given twice.
func extensions(names []string) ([]rfc5228.Extension, error) {
	seen := make(map[string]bool)
	var out []rfc5228.Extension
	for _, n := range names {
		l := strings.ToLower(n)
		if seen[l] {
			return nil, fmt.Errorf("sieve: extension %q is listed twice", n)
		}
		seen[l] = true
		found := false
		for _, x := range available {
			if x.Name() == l {
				out = append(out, x)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("sieve: extension %q is not one Loft implements (%s)", n, strings.Join(DefaultExtensions(), " "))
		}
	}
	return out, nil
}
