package imap

import (
	"encoding/base64"

	"github.com/loftmail/loft/rfc/rfc3501"
)

// capSASLIR is the capability of RFC 4959, announced with the AUTH=
// mechanisms (capAuth).
const capSASLIR = "SASL-IR"

// initialResponse reads the optional initial response of AUTHENTICATE (RFC
// 4959 §3: SP, then base64 outside a quoted string or literal, "=" for an
// empty one). It returns nil when there is none, an empty non-nil slice for
// "=", and BAD for data that is not strict base64 (§3: a pad character
// anywhere but at the end, or a character outside the alphabet); the
// decoder is then after the response, and the caller reads the CRLF before
// it answers. A decoder error is in dec.Err().
func initialResponse(dec *rfc3501.Decoder) ([]byte, error) {
	if !dec.Peek(' ') {
		return nil, nil
	}
	var s string
	if !dec.SP() || !dec.Atom(&s) {
		return nil, dec.Err()
	}
	if s == "=" {
		return []byte{}, nil
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, bad("initial response is not base64")
	}
	return b, nil
}
