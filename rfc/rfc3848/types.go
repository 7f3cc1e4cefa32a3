package rfc3848

// The transmission types registered by RFC 3848, for the "with" clause
// (Protocol = Attdl-Protocol = Atom, RFC 5321 §4.4).
const (
	ESMTPA  = "ESMTPA"  // ESMTP with SMTP AUTH
	ESMTPS  = "ESMTPS"  // ESMTP with STARTTLS
	ESMTPSA = "ESMTPSA" // ESMTP with both STARTTLS and SMTP AUTH
	LMTP    = "LMTP"    // LMTP
	LMTPA   = "LMTPA"   // LMTP with SMTP AUTH
	LMTPS   = "LMTPS"   // LMTP with STARTTLS
	LMTPSA  = "LMTPSA"  // LMTP with both STARTTLS and SMTP AUTH
)

// WithType returns the registered "with" value for a message received over
// LMTP: LMTP, LMTPS when the connection used TLS, LMTPA when the client
// authenticated, and LMTPSA for both.
func WithType(tls, authenticated bool) string {
	switch {
	case tls && authenticated:
		return LMTPSA
	case tls:
		return LMTPS
	case authenticated:
		return LMTPA
	}
	return LMTP
}
