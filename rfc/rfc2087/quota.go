package rfc2087

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// Capabilities (RFC 9208 §1, §5): QUOTA, the resources supported, and
// QUOTASET for a server that implements SETQUOTA.
const (
	Capability         = "QUOTA"
	CapabilitySet      = "QUOTASET"
	CapabilityStorage  = "QUOTA=RES-STORAGE"
	CapabilityMessages = "QUOTA=RES-MESSAGE"
)

// The resources Loft supports (RFC 9208 §5.1, §5.2).
const (
	Storage = "STORAGE" // units of 1024 octets
	Message = "MESSAGE" // messages
)

// StorageUnit is the unit of STORAGE, in octets (RFC 9208 §5.1).
const StorageUnit = 1024

// StorageUnits converts octets to STORAGE units, rounding up, so that any
// usage above zero shows and a limit is never overstated.
func StorageUnits(octets int64) uint64 {
	if octets <= 0 {
		return 0
	}
	return uint64((octets + StorageUnit - 1) / StorageUnit)
}

// Resource is one triplet of a QUOTA response (RFC 9208 §4.2.1): a
// resource's name, its usage and its limit, in the resource's units.
type Resource struct {
	Name         string
	Usage, Limit uint64
}

// EncodeQuota writes "QUOTA" SP quota-root-name SP quota-list (RFC 9208
// §7 quota-response) after "* ", without the CRLF; the root is written as
// a quoted string, as in the RFC's examples. An empty list means no
// limits (§4.2.1).
func EncodeQuota(enc *rfc3501.Encoder, root string, res []Resource) *rfc3501.Encoder {
	enc.Atom("QUOTA").SP().String(root).SP()
	return enc.List(len(res), func(i int) {
		enc.Atom(res[i].Name).SP().Number64(res[i].Usage).SP().Number64(res[i].Limit)
	})
}

// EncodeQuotaRoot writes "QUOTAROOT" SP mailbox *(SP quota-root-name)
// (RFC 9208 §7 quotaroot-response), the mailbox given in UTF-8. Root
// names are written as quoted strings, as in the RFC's examples.
func EncodeQuotaRoot(enc *rfc3501.Encoder, mailbox string, roots []string) *rfc3501.Encoder {
	enc.Atom("QUOTAROOT").SP().AString(rfc3501.EncodeMailboxName(mailbox))
	for _, r := range roots {
		enc.SP().String(r)
	}
	return enc
}

// Limit is one setquota-resource (RFC 9208 §7): a resource name (upper
// case) and its limit.
type Limit struct {
	Name  string
	Limit uint64
}

// DecodeSetQuotaList reads a setquota-list (RFC 9208 §7): "(" [name SP
// number64 *(SP name SP number64)] ")". Resource names are atoms, returned
// upper case (CheckLimits judges them). Errors are the decoder's.
func DecodeSetQuotaList(dec *rfc3501.Decoder, out *[]Limit) bool {
	var limits []Limit
	ok := dec.List(func() bool {
		var l Limit
		if !dec.Atom(&l.Name) || !dec.SP() || !dec.Number64(&l.Limit) {
			return false
		}
		l.Name = strings.ToUpper(l.Name)
		limits = append(limits, l)
		return true
	})
	if !ok {
		return false
	}
	*out = limits
	return true
}

// CheckLimits refuses a list that names a resource twice or one Loft does
// not support (RFC 9208 §4.1.3: "NO - setquota error: can't set that
// data").
func CheckLimits(limits []Limit) error {
	seen := map[string]bool{}
	for _, l := range limits {
		if seen[l.Name] {
			return fmt.Errorf("resource %s given twice", l.Name)
		}
		seen[l.Name] = true
		if l.Name != Storage && l.Name != Message {
			return fmt.Errorf("resource %s is not supported", l.Name)
		}
	}
	return nil
}
