// Package rfc3501 implements the grammar of IMAP4rev1 (RFC 3501, Internet
// Message Access Protocol — Version 4rev1) for a server, and the algorithms
// that turn a raw message into what FETCH returns.
//
// Status: partial. The package holds the grammar and message structure; the
// commands, their states and their responses live in server/imap (one file per
// command family), and the transcripts that prove them belong in
// conformance/testdata/rfc3501/.
//
//   - Decoder reads client commands with a sticky error (§9): atoms, tags,
//     keywords (atoms that stop at "[", for FETCH data items), numbers,
//     quoted strings, literals, astrings, nstrings, lists, mailbox names and
//     LIST patterns, flags, sequence sets, dates, date-times, FETCH sections
//     and partial ranges. A literal's body is never read before LiteralFunc has
//     accepted its announcement, so the engine enforces its size limits and
//     sends the "+" continuation request itself; a line-length limit guards
//     the rest (ErrLineTooLong), and DiscardLine resynchronises after an
//     error. Errors are *SyntaxError values with the octet position, for
//     "BAD" responses.
//   - Encoder writes responses: status responses with codes, atoms, numbers,
//     strings (quoted when possible, else literals), nstrings, mailbox names,
//     lists, flags, date-times, ENVELOPE and BODY/BODYSTRUCTURE.
//   - SeqSet is a sequence set (§9) with "*" and RFC 5182's "$".
//   - EncodeMailboxName and DecodeMailboxName implement modified UTF-7
//     (§5.1.3); only the canonical encoding decodes.
//   - ParseMessage reads a message's MIME structure (RFC 2045, RFC 2046) from
//     an io.ReaderAt, recording where each entity's header and body lie, and
//     builds its ENVELOPE and BODYSTRUCTURE (§7.4.2); Message.Section returns
//     the octets of FETCH BODY[section] (§6.4.5) as spans of the message.
//
// Literals: synchronising literals ("{n}"), the non-synchronising literals of
// RFC 7888 ("{n+}", LITERAL+ and LITERAL-) and RFC 3516's literal8 ("~{n}")
// are all recognised; which of them a client may use, and up to what size,
// is the engine's decision through LiteralFunc.
//
// Deviations and choices:
//   - Command lines end in CRLF; a bare LF is a syntax error.
//   - date-time accepts a one-digit day without the leading space of
//     date-day-fixed, as several clients send it.
//   - Number64, Partial and literal sizes accept the 63-bit numbers of RFC 9051
//     and RFC 7888 where RFC 3501 has 32-bit ones.
//   - Mailbox names must be canonical modified UTF-7: two adjacent shifted runs,
//     which no conforming encoder produces, are refused. UTF8=ACCEPT (RFC 6855)
//     is not offered.
//   - In BODYSTRUCTURE, types, subtypes, encodings, disposition types and
//     parameter names are upper case; RFC 2231 continuations are joined.
//     Header text is sent raw, but NUL, which no IMAP string can hold,
//     becomes U+FFFD.
//     Addresses without a domain or local part carry MissingHost or
//     MissingMailbox, so that NIL hosts mark groups only.
//   - Malformed MIME never fails: the rules are those of ParseMessage. A
//     multipart without parts is reported with one empty TEXT/PLAIN part;
//     nesting beyond MaxDepth, and parts beyond MaxParts, are not parsed.
//   - HEADER, TEXT and HEADER.FIELDS of a part that is not MESSAGE/RFC822, and
//     parts that do not exist, give ErrNoSuchPart; the engine chooses what to
//     send.
package rfc3501
