// Package sieve runs Sieve scripts (RFC 5228) at delivery and carries out
// their actions: it is the only place in Loft that executes Sieve
// actions. The language itself, compiler and interpreter without I/O, is
// rfc/rfc5228; this package gives it the message, the envelope, the
// store and the relay.
//
// # Scripts
//
// A delivery runs up to two scripts: the global script (Config.GlobalScript),
// then the user's active script (the one ManageSieve made active, from the
// store). With DirectorySource, which server.New uses, the directory is
// asked first: the LDAP directory keeps a global script in its shared
// settings entry and a personal script in each account's entry, and those
// take the place of the file and of the store's script. Any other origin
// is a ScriptSource in Config.Scripts. Scripts are compiled with the
// configured extensions and limits and kept compiled by the SHA-256 of
// their source, up to Config.CacheSize scripts, the least recently used
// going first; a change of a script is a new key, so nothing is ever
// stale. `include` (RFC 6609 §3.2) loads :personal scripts from the
// account's stored scripts and :global scripts from Config.GlobalDir
// ("name.sieve"); `mailboxexists` (RFC 5490 §3.1) asks the store.
//
// The two scripts combine so that the administrator's script is never
// overridden and the user's script decides what the administrator left
// open:
//
//   - the global script's explicit actions are always carried out;
//   - if it cancelled its implicit keep (fileinto, discard, redirect,
//     reject), processing ends there and the personal script does not run;
//   - if it ran `stop` (RFC 5228 §3.3), processing ends there too, and its
//     implicit keep, if in effect, files the message into INBOX;
//   - otherwise, if its implicit keep is in effect, the
//     implicit keep passes control to the personal script, whose actions
//     and implicit keep decide the rest; with no personal script, the
//     global script's implicit keep (with its imap4flags flags) files the
//     message into INBOX.
//
// Actions of both scripts that deliver to the same place are merged
// (RFC 5228 §2.10.3): one copy per mailbox, its flags the union; one
// redirect per address.
//
// # Actions
//
//   - keep (§4.3) files into INBOX, with the imap4flags flags (RFC 5232).
//   - fileinto (§4.1) files into the named mailbox; with :create (RFC 5490
//     §3.2) a missing mailbox is created, without it the copy goes to INBOX
//     and the user is told. :copy (RFC 3894) leaves the implicit keep.
//     A name under another IMAP namespace (Config.NamespacePrefixes,
//     "Other Users/" or "Shared/") is never a mailbox of the account:
//     it is neither filed into nor created, and the copy goes to INBOX.
//   - discard (§4.4) stores nothing.
//   - redirect (§4.2) sends the octets the account received (less the
//     Return-Path field final delivery adds) to the new address through
//     the relay, with the original envelope sender. It adds an
//     "X-Loft-Loop: <the account's address>" field; a message that already
//     carries one naming the account is not redirected again (a loop), and
//     is kept.
//     The redirects of one message, both scripts together, are bounded by
//     MaxRedirects; those beyond are not sent, and the message is kept.
//   - reject and ereject (RFC 5429) refuse the message at the LMTP level,
//     550 5.7.1 for that recipient only (§2.1.1, §2.5), when nothing else
//     delivers it. A reject whose reason is not US-ASCII, or a rejection
//     together with an action that delivers (possible only across the two
//     scripts), is sent to the envelope sender as a message instead: a
//     failure MDN for reject (§2.2.1), a DSN for ereject (§2.1.2); never
//     to the null sender. A rejection message the relay does not take
//     leaves the message in INBOX, and when a failing script forced the
//     message into INBOX the rejection is not carried out at all.
//   - vacation (RFC 5230, RFC 3834) is described below.
//
// Copies are stored first and are durable before anything is sent, so
// that LMTP's 250 is never given for a message the store does not hold
// (DESIGN rule 6); then redirects, rejection messages and the vacation
// reply go to the relay (Config.Relay, with go-smtp's client). All the
// sends of one delivery share one RelayConfig.Timeout, enforced by
// closing the connection, so that a relay that hangs holds the LMTP
// session for one timeout at most, whatever the number of redirects.
//
// # Never losing a message
//
// A script that cannot be read, does not compile or fails at run time; a
// fileinto the store refuses; a redirect or rejection message the relay
// does not accept: each
// leaves the message in INBOX (the failed script's decision is unknown,
// so its implicit keep is forced), is logged, and, with ErrorReport
// "inbox", is reported to the user by a short notice appended to INBOX.
// Flags the store refuses are dropped, not the message. Deliver returns an
// error only when no copy at all could be stored (over quota, a store
// failure), and LMTP then answers the recipient 452/552 or 451, so the
// client keeps the message.
//
// # Vacation
//
// A vacation action answers at most once per sender per handle per
// period (RFC 5230 §4.2): the period is :days or :seconds, bounded by
// Config.VacationMinimum and VacationMaximum, and the store remembers the
// responses (store.Account.ClaimVacation, FORMAT.md "Vacation responses"),
// so that this holds across processes and servers; a reply the relay
// refuses is forgotten again. It never answers a null, MAILER-DAEMON,
// LISTSERV, majordomo, owner-* or *-request sender (§4.6), the user's own
// addresses or :addresses, a message with a List-* field (§4.6), with
// Precedence bulk, list or junk, or with Auto-Submitted other than "no"
// (RFC 3834 §2), nor one that names none of the user's addresses (the
// directory's, the envelope recipient, :addresses; an address with a
// detail counts as without it, RFC 5233) in To, Cc, Bcc, Resent-To,
// Resent-Cc or Resent-Bcc (§4.5). The reply (§5) goes from the
// null reverse-path with NOTIFY=NEVER where the relay offers DSN. Its
// From is :from only when every address there is the user's (the
// directory's or the envelope recipient, with or without a detail); any
// other :from is ignored (§4.3), so that a script cannot send as someone
// else. The header of a :mime reason (§4.4) adds only Content-* and
// MIME-Version fields: a From, Bcc or Auto-Submitted there is dropped.
package sieve
