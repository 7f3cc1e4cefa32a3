// Package imap is Loft's IMAP4rev1 engine (RFC 3501): the connection loop,
// one command table, and the handlers that join the IMAP grammar
// (rfc/rfc3501, rfc/rfc2342) to the store and the directory.
//
// # Files
//
// server.go (Config, Server, listeners, limits, shutdown), conn.go (the
// connection loop: tags, literals, timeouts, recovery, the tagged completion),
// commands.go (the command table, the single source for dispatch and for
// CAPABILITY), errors.go (the one function that turns errors into response
// codes), auth.go (CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE, LOGIN),
// sasl.go (the LOGIN mechanism), mailbox.go (SELECT, EXAMINE, CREATE with
// RFC 6154's USE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS, APPEND),
// list.go (LIST with LIST-EXTENDED, LIST-STATUS, the CHILDREN and
// SPECIAL-USE attributes, and their option tables; LSUB),
// expunge.go (CHECK, CLOSE, EXPUNGE, UID EXPUNGE), namespace.go (NAMESPACE,
// RFC 2342), selected.go (the selected mailbox), fetch.go (FETCH, UID FETCH;
// its choices are in its comments), msgcache/ (the server's cache of parsed
// message structures, in memory and in Config.CacheDir), idle.go (IDLE, RFC
// 2177), unselect.go (UNSELECT, RFC 3691), enable.go (ENABLE, RFC 5161, and
// the connection's enabled extensions), id.go (ID, RFC 2971), move.go (MOVE,
// UID MOVE, RFC 6851), saslir.go (SASL-IR, RFC 4959), literal.go (LITERAL-
// and LITERAL+, RFC 7888), binary.go (FETCH BINARY, RFC 3516), search.go
// (SEARCH, UID SEARCH, with RFC 4731's result options and RFC 5032's OLDER
// and YOUNGER), searchres.go (RFC 5182's saved result and "$"), acl.go (RFC 4314: how a mailbox name is
// resolved to an account and checked against its ACL; SETACL, DELETEACL,
// GETACL, LISTRIGHTS, MYRIGHTS), quota.go (RFC 9208 and RFC 2087: GETQUOTA,
// GETQUOTAROOT, SETQUOTA, the OVERQUOTA checks); namespace.go also decides
// which mailboxes of which accounts a session sees.
//
// # Access control
//
// Each row of the command table carries what the command requires of the
// ACLs (command.acl, filled from rfc4314.Needs, the table of RFC 4314 §4).
// Before a command of the selected state runs, the engine reads the rights on
// the selected mailbox afresh and refuses the command with NO [NOPERM] when
// they lack the row's Need.Selected ("r", and "e" for EXPUNGE), so that a
// revoked right takes effect at the next command (CLOSE and UNSELECT are
// never refused); nothing more of that mailbox is reported while "r" is
// missing, and a change that keeps "r" is told with PERMANENTFLAGS. Handlers reach every mailbox they
// name through openNamed (Need.Named, Need.AnyOf), openTarget (Need.Target)
// and checkParent (Need.Parent), never through the store directly; a
// handler never holds a rights check of its own beyond the flag rights of
// STORE, FETCH's \Seen and CLOSE's expunge, which §4 makes optional per flag.
// A mailbox on which the session lacks the right and "l" answers as one that
// does not exist (§6). Names under Config.OtherUsersPrefix are other
// accounts' mailboxes ("Other Users/alice/Project"), names under
// Config.SharedPrefix those of Config.SharedAccount; the owner of an account
// always has "l" and "a" on its mailboxes. Groups are the directory's, read at
// login. Flags are shared by every user of a mailbox, except \Seen: a user
// other than the mailbox's owner keeps their own (store FORMAT.md, "Per-user
// \Seen"; access opens the mailbox in that user's view, store.Mailbox.As), so
// FETCH FLAGS, SEARCH, STATUS UNSEEN, SELECT's first unseen, STORE and
// FETCH BODY[] use and change only that user's \Seen, and only that user's
// sessions are told of a change of it. The "shared flag rights" (RFC 4314
// §5.2) are therefore "s", "w" and "t" for the owner and "w" and "t" for
// everyone else: a non-owner with "s" but no "i", "e", "w" or "t" gets
// READ-ONLY, with PERMANENTFLAGS (\Seen), and still keeps their \Seen.
//
// # A command
//
// Socket → rfc3501.Decoder → table (name, states) → handler → pending
// changes of the selected mailbox → tagged completion. A handler has the
// signature
//
//	func (c *conn) name(tag string, dec *rfc3501.Decoder) error
//
// It decodes its arguments up to and including the CRLF before it acts (a
// decoder error is answered with BAD and the rest of the command skipped),
// writes its untagged responses on c.enc, and returns nil for "tag OK NAME
// completed", a *response (no, bad, okCode) for another completion, or any
// other error, which errorResponse maps to NO with an RFC 5530 code. The
// UID forms are rows of their own ("UID FETCH"), registered with the flag
// mayExpunge; FETCH, STORE and SEARCH are registered without it (RFC 3501
// §7.4.1) and with usesSeqNums.
//
// # The selected mailbox
//
// c.sel (*selected, selected.go) is the client's view: msgs[seq-1] is the
// message with sequence number seq, with its UID, flags, size, internal date
// and mod-sequence as the client knows them, whether it is \Recent in this
// session, and whether another session expunged it (it keeps its number until
// the EXPUNGE response is allowed). For the FETCH, SEARCH, STORE and COPY
// handlers:
//
//   - c.sel.resolve(set, uid) turns a sequence set (sequence numbers, or UIDs
//     for the UID forms) into ascending sequence numbers; sequence numbers
//     beyond the last message are a BAD response, UIDs that name no message
//     are left out (RFC 3501 §6.4.8, §9). It resolves RFC 5182's "$" too,
//     so every command that takes a set through it accepts "$".
//   - c.sel.msg(seq) is the message (*viewMsg: store.Message, recent,
//     expunged); c.sel.flags(seq) its FETCH FLAGS (with \Recent);
//     c.sel.uids(seqs) the UIDs; c.sel.seqOf(uid) the reverse; c.sel.count()
//     and c.sel.maxUID() the numbers "*" stands for; c.sel.mbox the
//     store.Mailbox (Open, Store, CopyTo …); c.sel.readOnly after EXAMINE.
//   - After a flag change the command reported itself (FETCH with FLAGS, or
//     STORE .SILENT whose result the client knows), call c.sel.reported(m)
//     with the message as the store now has it; after one it did not report,
//     c.sel.changed(m): the engine then sends FETCH FLAGS at the end of the
//     command. Changes made elsewhere need nothing: the engine finds them.
//   - c.announce(expungeAllowed) refreshes the view and writes the pending
//     changes now, as the engine does at the end of each command; a command
//     that reports changes while it runs (IDLE, RFC 2177) calls it on each
//     store.Mailbox.Watch signal. It reports true when the mailbox is gone.
//
// At the end of every command that reached its handler, the engine takes a
// fresh snapshot of the mailbox (one failed open when nothing changed),
// compares it with the view's (store.Diff) and writes, before the tagged
// response: EXPUNGE (only for commands with mayExpunge), EXISTS and RECENT
// when new messages came (counting the expunged messages not yet
// announced), and FETCH (FLAGS …) for flag changes the client has not been
// told of. Nothing is sent while no command is in progress (RFC 3501 §5.2,
// §7.4.1).
//
// Messages expunged elsewhere but not yet announced (RFC 2180 §4.1): a
// FETCH of one answers with its data while the store can still read its
// octets (store.Mailbox.Open works until the octets are freed) and from the
// view for FLAGS, INTERNALDATE, RFC822.SIZE and UID; when the octets are gone
// the FETCH leaves that message out and still completes with OK. A STORE on
// one changes nothing and reports nothing (the store ignores expunged UIDs),
// and completes with OK. SEARCH matches it on what the view holds.
//
// # \Recent
//
// \Recent is given to exactly one session, across processes and hosts, by the
// store's recent claims (store.Mailbox.ClaimRecent, store/FORMAT.md "Recent
// claims"): SELECT claims every UID it sees, and every later update claims the
// new ones; the session shows \Recent for the UIDs it won. EXAMINE claims
// nothing (RFC 3501 §6.3.2) and shows as recent the messages above the
// watermark that nobody has claimed yet. STATUS RECENT counts those
// unclaimed messages, so it answers what a SELECT would make recent now.
//
// # Other choices
//
//   - Mailbox names are modified UTF-7 on the wire and UTF-8 inside; "/" is
//     the delimiter; INBOX is case-insensitive. A level "." or ".." is
//     refused with NO [CANNOT], as are names the store refuses (empty levels,
//     control characters): nothing is created.
//   - DELETE of the selected mailbox deselects it; a mailbox deleted by
//     another session while selected ends the session with BYE after the
//     command's tagged response.
//   - RENAME of a \Noselect level (§6.3.5's first example) renames each
//     topmost mailbox below it, one store operation each; a mailbox renamed
//     by another session stays selected (the store keeps it by its GUID).
//     RENAME INBOX creates the new mailbox and moves INBOX's messages to it
//     (store.Mailbox.MoveTo), leaving INBOX and its children in place.
//   - Literals: APPEND's message literal may have up to MaxLiteralSize
//     octets, other literals up to MaxLineLength; a larger synchronising
//     literal is refused before it is sent (no continuation request): NO
//     [TOOBIG] for APPEND, BAD otherwise. Non-synchronising literals (RFC
//     7888) are taken under LITERAL- (the default: up to 4096 octets) or
//     LITERAL+ (Config.LiteralPlus); a refused one is read and thrown away
//     before the answer (literal.go). A literal8 ("~{n}", RFC 3516 §4.4) is
//     taken for APPEND's message only. APPEND also refuses, before the
//     literal, a mailbox that does not exist (NO [TRYCREATE]), an empty
//     message, \Recent or an unknown system flag, and a message over the
//     account's quota (NO [OVERQUOTA]).
//   - LOGIN and AUTHENTICATE PLAIN/LOGIN send passwords in the clear: without
//     TLS they are allowed only where Config.AllowInsecureAuth says so; else
//     CAPABILITY has LOGINDISABLED and no AUTH=, and LOGIN answers NO
//     [PRIVACYREQUIRED].
//   - The autologout timer (RFC 3501 §5.4) is Config.IdleTimeout, 30 minutes
//     by default; it ends the session with "* BYE". Before authentication
//     Config.LoginTimeout (60 seconds from the connection) bounds it too.
//     The timer is re-armed by every read, so a long APPEND literal that
//     keeps arriving is never cut off. Shutdown ends sessions waiting for a
//     command (or in an AUTHENTICATE exchange) with "* BYE" at once, and
//     lets a command being received or run finish first.
//   - Connections over Config.MaxConnections, or over
//     Config.MaxConnectionsPerIP from one address, get "* BYE [UNAVAILABLE]".
package imap
