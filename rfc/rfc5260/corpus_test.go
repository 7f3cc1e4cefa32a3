package rfc5260_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: every example of RFC 5260.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
