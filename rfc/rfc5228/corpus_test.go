package rfc5228_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: every example of RFC 5228, and the
// checker's errors with their positions.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
