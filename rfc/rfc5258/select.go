package rfc5258

import (
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Candidate is a mailbox name the server knows of for a LIST: an existing
// mailbox, a level of the hierarchy, or a subscribed name.
type Candidate struct {
	Name string
	// Meets reports whether the name satisfies the selection criteria:
	// every selection option given (with none, every known name does).
	Meets bool
}

// Result is one name that a LIST returns (§3.3 rule 2).
type Result struct {
	Name string
	// Meets reports whether the name satisfies the selection criteria
	// (rule 2.A); when false, it is returned only for CHILDINFO (rule 2.B).
	Meets bool
	// ChildInfo reports that the CHILDINFO extended data item is due
	// (§3.5): RECURSIVEMATCH was given and a descendant meets the criteria.
	ChildInfo bool
}

// Select decides which names a LIST returns (§3.3) and which carry
// CHILDINFO (§3.5), given every name the server knows of, whether a name
// matches the canonical LIST pattern, and whether RECURSIVEMATCH was given.
// Names are split into levels at delim.
//
//   - A name that matches the pattern and meets the criteria is returned.
//     With RECURSIVEMATCH it carries CHILDINFO when a descendant meets the
//     criteria, whether or not that descendant matches the pattern (§3.1
//     Note 2, §5 example 9's "eps2").
//   - With RECURSIVEMATCH, a name that matches the pattern but does not meet
//     the criteria (existing or not: an ancestor of a name that meets them
//     need not be a candidate) is returned with CHILDINFO only when a
//     descendant meets the criteria and is not returned itself, that is,
//     does not match the pattern: §3.5 says servers SHOULD suppress the
//     redundant CHILDINFO of a name all of whose matching children are
//     returned anyway.
//
// The results are sorted by name (octet order), each name once.
func Select(cands []Candidate, match func(name string) bool, recursive bool, delim string) []Result {
	meets := make(map[string]bool, len(cands))
	for _, c := range cands {
		meets[c.Name] = meets[c.Name] || c.Meets
	}
	// For each ancestor of a name that meets the criteria: whether some
	// descendant meets them, and whether one of those is not returned.
	hasMeeting := map[string]bool{}
	hasHidden := map[string]bool{}
	if recursive {
		for name, ok := range meets {
			if !ok {
				continue
			}
			hidden := !match(name)
			for i := strings.LastIndex(name, delim); i > 0; i = strings.LastIndex(name[:i], delim) {
				parent := name[:i]
				hasMeeting[parent] = true
				if hidden {
					hasHidden[parent] = true
				}
			}
		}
	}
	names := make([]string, 0, len(meets)+len(hasMeeting))
	for name := range meets {
		names = append(names, name)
	}
	for name := range hasMeeting {
		if _, ok := meets[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []Result
	for _, name := range names {
		if !match(name) {
			continue
		}
		switch {
		case meets[name]:
			out = append(out, Result{Name: name, Meets: true, ChildInfo: hasMeeting[name]})
		case hasHidden[name]:
			out = append(out, Result{Name: name, ChildInfo: true})
		}
	}
	return out
}

// EncodeChildInfo writes the mbox-list-extended of a LIST response that
// carries CHILDINFO (§3.5, §6 childinfo-extended-item) for the base
// selection options base, each quoted as §6 requires:
// ("CHILDINFO" ("SUBSCRIBED")).
func EncodeChildInfo(enc *rfc3501.Encoder, base []string) *rfc3501.Encoder {
	enc.List(1, func(int) {
		enc.String("CHILDINFO").SP().List(len(base), func(i int) { enc.String(base[i]) })
	})
	return enc
}
