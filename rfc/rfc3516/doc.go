// Package rfc3516 implements the IMAP4 Binary Content Extension (RFC 3516,
// BINARY): the section-binary grammar of §7, the content-transfer decoding
// that FETCH BINARY[…] and BINARY.SIZE[…] perform (§3, §4.2), the CRLF
// line ends that textual sections are sent with (§6), and the measures a
// server needs before it answers (the decoded size, and whether the data
// holds NUL and so must be sent as a literal8, §4.3).
//
// Status: full. BINARY[section]<partial>, BINARY.PEEK and BINARY.SIZE
// decode base64 (RFC 2045 §6.8, characters outside the alphabet ignored,
// "=" ending the data) and quoted-printable (RFC 2045 §6.7, with Go's
// mime/quotedprintable); 7bit, 8bit and binary are sent as they are; any
// other encoding is answered with NO [UNKNOWN-CTE] (§4.3). Data holding a
// NUL is sent as a literal8 ("~{n}"); other data as a literal, or "" when
// empty. APPEND accepts a literal8 message (§4.4), stored exactly as sent:
// Loft's store keeps any octets, so NO [UNKNOWN-CTE] is never the answer to
// APPEND.
//
// Choices where the RFC is silent:
//
//   - BINARY of the whole message ("[]") sends its octets as they are. A
//     MULTIPART or MESSAGE/RFC822 part is decoded as any part is: RFC 2045
//     §6.4 allows only the identity encodings 7bit, 8bit and binary on
//     composite types, so there is usually nothing to decode (RFC 9051
//     §6.4.5 notes that BINARY is meant for leaf parts), but a malformed
//     message that gives one base64 or quoted-printable has it decoded, and
//     one that gives an unknown encoding is NO [UNKNOWN-CTE] (§4.2, §4.3):
//     encoded octets are never sent as decoded ones.
//   - A part that the message does not have is the empty string, as
//     BODY[…] answers it (server/imap/fetch.go), and its BINARY.SIZE is 0.
//   - Data that is damaged within its encoding (a quoted-printable escape
//     that decoding cannot read) is decoded up to the damage: decoding never
//     fails a FETCH, and BODY[…] still has every stored octet.
//   - Bare LFs in TEXT/* parts become CRLF (§6); other parts are sent as
//     decoded.
//
// Deviation: a message appended with NUL octets keeps them as sent (§4.4
// allows a new CTE, Loft changes nothing), and its BODYSTRUCTURE says what
// its header says (BINARY, which RFC 3501's body-fld-enc has). BODY[…] of
// such a part still sends each NUL as 0x80, as it does for any stored NUL
// (server/imap/fetch.go): that view alone differs from the stored octets,
// and BINARY[…] gives them exactly.
//
// Server side: server/imap/binary.go (the table of the BINARY data items,
// their measuring and writing), joined to FETCH in server/imap/fetch.go,
// whose "FETCH" command row announces BINARY; literal8 in APPEND is admitted
// by the literal policy (server/imap/conn.go). SEARCH's BODY and TEXT keys
// decode with the same Decode (server/imap/searchtext.go). Transcripts:
// conformance/testdata/rfc3516/.
package rfc3516
