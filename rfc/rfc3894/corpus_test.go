package rfc3894_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: the example of RFC 3894.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
