package imap

import (
	"github.com/loftmail/loft/rfc/rfc2342"
	"github.com/loftmail/loft/rfc/rfc3501"
)

// namespaces is Loft's only namespace: every mailbox of the account is
// personal, with no prefix and "/" as the delimiter.
var namespaces = rfc2342.Response{Personal: []rfc2342.Namespace{{Prefix: "", Delimiter: '/'}}}

// namespace implements NAMESPACE (RFC 2342 §5).
func (c *conn) namespace(tag string, dec *rfc3501.Decoder) error {
	if !dec.CRLF() {
		return dec.Err()
	}
	namespaces.Encode(c.enc.Untagged()).CRLF()
	return nil
}
