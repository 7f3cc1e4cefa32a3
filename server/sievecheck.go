package server

import (
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

// SieveChecker checks Sieve scripts for ManageSieve's PUTSCRIPT and
// CHECKSCRIPT and for `loft adm sieve put` by compiling them (RFC 5228 §8,
// RFC 5804 §2.6: the validation "SHOULD be the same as performed when
// compiling the script for execution") with every extension Loft
// implements. It satisfies managesieve.Checker.
type SieveChecker struct {
	opts rfc5228.Options
}

// sieveExtensions is every extension the compiler implements; the base
// capabilities "comparator-i;octet" and "comparator-i;ascii-casemap" are
// always available (RFC 5228 §2.7.3) and not listed.
var sieveExtensions = []rfc5228.Extension{
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

// NewSieveChecker returns the checker for the configuration: scripts of at
// most limits.max_script_size octets.
func NewSieveChecker(cfg *Config) *SieveChecker {
	return &SieveChecker{opts: rfc5228.Options{Extensions: sieveExtensions, MaxScriptSize: int(cfg.Limits.MaxScriptSize)}}
}

// Check compiles script (RFC 5228); the error is an rfc5228.Errors listing
// every error with its line and column, one a line.
func (c *SieveChecker) Check(script []byte) error {
	_, err := rfc5228.Compile(script, c.opts)
	return err
}

// Extensions returns the capability names of the SIEVE capability.
func (c *SieveChecker) Extensions() []string {
	names := make([]string, len(c.opts.Extensions))
	for i, e := range c.opts.Extensions {
		names[i] = e.Name()
	}
	return names
}

// maxRedirects is announced as MAXREDIRECTS: what one run may do.
func (c *SieveChecker) maxRedirects() int {
	if c.opts.MaxRedirects > 0 {
		return c.opts.MaxRedirects
	}
	return rfc5228.DefaultMaxRedirects
}
