package rfc6152

import (
	"fmt"
	"strings"
)

// Keyword is the LHLO/EHLO keyword of the extension (RFC 6152 §2 item 2).
const Keyword = "8BITMIME"

// Param is the MAIL parameter keyword (RFC 6152 §2 item 4).
const Param = "BODY"

// Body is the value of the BODY parameter:
// body-value = "7BIT" / "8BITMIME" (RFC 6152 §2 item 4).
type Body string

// The two values of RFC 6152 §2 item 4.
const (
	// Body7Bit: the content is 7-bit, in strict compliance with RFC 5321.
	Body7Bit Body = "7BIT"
	// Body8BitMIME: a MIME message that may hold arbitrary octets.
	Body8BitMIME Body = "8BITMIME"
)

// ParseBody parses a BODY parameter value. Keywords and values of MAIL
// parameters are case-insensitive (RFC 5321 §2.4), so "8bitmime" is
// Body8BitMIME. An empty value (no BODY parameter) is Body7Bit, the RFC 5321
// default.
func ParseBody(value string) (Body, error) {
	switch {
	case value == "":
		return Body7Bit, nil
	case strings.EqualFold(value, string(Body7Bit)):
		return Body7Bit, nil
	case strings.EqualFold(value, string(Body8BitMIME)):
		return Body8BitMIME, nil
	}
	return "", fmt.Errorf("rfc6152: BODY=%q: want 7BIT or 8BITMIME", value)
}

// Contains8Bit reports whether p holds an octet with the high-order bit
// set, which RFC 6152 §3 allows only in a body sent as 8BITMIME.
func Contains8Bit(p []byte) bool {
	for _, b := range p {
		if b >= 0x80 {
			return true
		}
	}
	return false
}
