package rfc5429_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: the examples of RFC 5429.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
