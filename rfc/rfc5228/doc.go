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
// Compile reports every error with its line and column (Errors). Run
// returns the actions in the order they were taken, with
// identical deliveries merged (§2.10.3) and the implicit keep last (§2.10.2);
// on a run-time error it returns only the implicit keep and the error
// (§2.10.6). Limits: Options.MaxScriptSize, MaxNesting (blocks and test
// nesting), MaxRedirects and MaxActions per run, MaxIncludeDepth.
//
// Deviations and choices:
//   - Lines may end in LF as well as CRLF; multi-line strings hold CRLF
//     line ends whatever the script used. A bare CR, and NUL anywhere, are
//     errors (§2.2).
//   - Strings may hold octets that are not UTF-8, as §2.4.2 requires; a
//     fileinto mailbox name must be UTF-8 and not empty (§4.1 allows the
//     restriction).
//   - Syntax errors: each command's first is reported (the parser skips
//     to the command's end and goes on); a lexical error (an unclosed
//     string or comment) ends the parse. The checker runs only on a script
//     without syntax errors, and reports all of its errors.
//   - The address test is refused at compile time on a constant header
//     name that holds no addresses (§5.1 "MUST restrict"): the fields of RFC
//     5322 §3.6.2, §3.6.3 and §3.6.6 and common delivery fields.
//   - envelope knows the parts "from" and "to" (§5.4); any other constant
//     part is a compile-time error, as §5.4 recommends.
//   - "?" in :matches is one UTF-8 character, with every comparator.
//   - Duplicate keep, and duplicate fileinto of one mailbox, merge into
//     the first, with the last one's flags (RFC 5232 §3); identical
//     redirects merge likewise. keep and fileinto "INBOX" stay two
//     actions: the delivery, which knows where keep files, delivers once.
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
