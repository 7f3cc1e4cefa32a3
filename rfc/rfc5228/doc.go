// Package rfc5228 implements the Sieve mail filtering language (RFC 5228,
// Sieve: An Email Filtering Language): a compiler that checks a script
// completely before accepting it, and an interpreter that runs it against
// a message and returns the actions to take, doing no I/O of its own.
//
// Status: full. The grammar of §8 (hash and bracket comments, quoted and
// multi-line strings with dot-stuffing, numbers with K, M and G, string
// lists, tagged arguments in any order before the positional ones, tests
// and test lists); the control commands require, if, elsif, else and stop
// (§3); the actions keep, fileinto, redirect and discard (§4); the tests
// address, allof, anyof, envelope, exists, false, header, not, size and
// true (§5); the comparators i;octet and i;ascii-casemap and, as
// "comparator-i;ascii-numeric", RFC 4790's i;ascii-numeric (§2.7.3); the
// match types :is, :contains and :matches with "*", "?" and "\" (§2.7.1);
// the address parts :all, :localpart and :domain (§2.7.4); encoded-character
// (§2.4.2.4). Header values are unfolded and their RFC 2047 encoded words
// decoded (any charset go-message knows) before they are compared;
// addresses are read with net/mail and, where a header is malformed, one
// element at a time.
//
// The extensions fileinto and envelope are this package's
// (FileIntoExtension, EnvelopeExtension). The others are implemented here
// too, since most change the base commands, and each is named by its own
// package, whose doc says what it covers and whose testdata holds its
// RFC's examples: rfc3894 (copy), rfc5173 (body), rfc5183 (environment),
// rfc5229 (variables), rfc5230 (vacation, vacation-seconds), rfc5231
// (relational), rfc5232 (imap4flags), rfc5233 (subaddress), rfc5260 (date,
// index), rfc5429 (reject, ereject), rfc5490 (mailbox), rfc6609 (include).
//
// Compile reports every error with its line and column (Errors); a syntax
// error stops the check where it is, since what follows cannot be read
// reliably. Run returns the actions in the order they were taken, with
// identical deliveries merged (§2.10.3) and the implicit keep last (§2.10.2);
// on a run-time error it returns only the implicit keep and the error
// (§2.10.6). Limits: Options.MaxScriptSize, MaxNesting (blocks and test
// nesting), MaxRedirects and MaxActions per run, MaxIncludeDepth.
//
// Deviations and choices:
//   - Lines may end in LF as well as CRLF; multi-line strings hold CRLF
//     line ends whatever the script used.
//   - The address test is refused at compile time on a constant header
//     name that holds no addresses (§5.1 "MUST restrict"): the fields of RFC
//     5322 §3.6.2, §3.6.3 and §3.6.6 and common delivery fields.
//   - envelope knows the parts "from", "to" and "auth" (§5.4); any other
//     constant part is a compile-time error.
//   - "?" in :matches is one UTF-8 character, with every comparator.
//   - Duplicate keep and fileinto of one mailbox merge into the first,
//     their flags joined; identical redirects merge likewise.
//   - reject and ereject are incompatible with keep, fileinto and redirect
//     (RFC 5429 §2.4 does not recommend allowing them): a run-time error,
//     hence an implicit keep.
//
// Delivery: server/sieve runs the scripts at LMTP delivery and executes
// the actions; server/managesieve checks scripts with Compile and lists
// Supported extensions. Tests: testdata/*.txt (script, message, envelope
// and the exact actions, one case per RFC example named after its
// section), checker errors with their positions, fuzz targets for the
// parser and for Run.
package rfc5228
