package rfc5231_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: every example of RFC 5231.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
