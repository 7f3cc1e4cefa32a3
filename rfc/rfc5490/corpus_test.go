package rfc5490_test

import (
	"testing"

	"github.com/loftmail/loft/rfc/rfc5228/sievetest"
)

// TestCorpus runs testdata/*.txt: the example of RFC 5490 §3.1.
func TestCorpus(t *testing.T) { sievetest.Run(t, "testdata") }
