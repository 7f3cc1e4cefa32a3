// Package rfc4314 implements the IMAP4 Access Control List extension (RFC
// 4314): the rights model (§2.1, with RFC 2086's obsolete "c" and "d" of
// §2.1.1), identifiers and negative rights (§2), the evaluation of an ACL
// for a user, the modifications of SETACL (§3.1), the LISTRIGHTS answer
// (§3.7), and the table of §4: which rights each IMAP command and each flag
// change needs.
//
// Status: full. RFC 2086's "c" and "d" are accepted and reported as §2.1.1
// says, with "c" = "kx" and "d" = "et" (§2.1.1's first group of servers,
// which §2.1.1's and §3.1's examples follow). Deviations: identifiers are
// compared exactly, not prepared with SASLprep (§3); "authenticated" matches
// every session, since Loft has no anonymous access. The owner of a mailbox
// always has "l" and "a" (§2 permits forced rights; LISTRIGHTS reports them
// as required, as §3.4's example does); no rights are tied. A group
// identifier ("$team") names the group only, and a login that would be read
// as an identifier of another kind ("anyone", "authenticated", "-bob",
// "$team") is refused as a user (Policy.ReservedLogin).
//
// Server side: the command table of server/imap (commands.go) carries each
// command's Need from Needs; server/imap/acl.go has SETACL, DELETEACL,
// GETACL, LISTRIGHTS and MYRIGHTS and the check every command goes through;
// server/imap/namespace.go lists what a session may see, other users'
// mailboxes under "Other Users/" and the shared folders under "Shared/"; the
// store keeps each mailbox's ACL (store/acl.go, store/FORMAT.md "Access
// control lists"); server/lmtp/folder.go checks "p" for delivery to a folder
// address; `loft adm acl` (cmd/loft) edits ACLs. Flags are shared by every
// user of a mailbox: there is no per-user \Seen (§5.2's "shared flag
// rights" are "s", "w" and "t"). Transcripts: conformance/testdata/rfc4314/
// (every example of the RFC: setacl, deleteacl, listrights, copy-flags,
// list, select, no-leak; and sharing, folder-delivery, sieve-fileinto).
package rfc4314

import "strings"

// Need is what one command requires of the ACLs of the mailboxes it touches
// (§4). Each field names the rights required on one mailbox; zero means
// nothing is checked there.
type Need struct {
	// Named: every one of these rights on the mailbox the command names
	// (SELECT's argument; RENAME's old name).
	Named Rights
	// AnyOf: at least one of these rights on the mailbox the command names
	// (§4's "Any" column: MYRIGHTS).
	AnyOf Rights
	// Parent: on the nearest existing parent of a name the command makes
	// (CREATE; RENAME's new name).
	Parent Rights
	// Target: on the mailbox that messages are put into (APPEND's mailbox,
	// COPY's and MOVE's destination). The flags of each message are then
	// filtered by FlagRights (§4 "Copying or appending messages").
	Target Rights
	// Selected: on the selected mailbox, checked before the command runs.
	// §4 notes that "r" is implied for every command of the selected state;
	// Loft checks it on every such command, so that a revoked right takes
	// effect at the client's next command (§5.1.1 permits this).
	Selected Rights
	// Optional: a right the command uses when present and skips when absent
	// (CLOSE expunges only with "e"; FETCH sets \Seen only with "s"); for
	// the handler, never a reason to refuse.
	Optional Rights
}

// Needs returns the row of §4's table for an IMAP command (upper case, the
// UID forms included: §4 treats "UID COPY" as COPY). Commands that touch no
// mailbox, and UNSUBSCRIBE ("Non"), need nothing. Where §4 marks a right
// "?" it is in Optional or depends on the flags (FlagRights).
//
//	command              rights                         §4 column
//	LIST, LSUB           l on each mailbox shown        l (LIST hides the rest, never NO)
//	SUBSCRIBE            none: existence is not checked * / Non
//	UNSUBSCRIBE          none                           Non
//	CREATE               k on the nearest parent        k
//	DELETE               x                              x
//	RENAME               x on the old name, k on the new parent
//	SELECT, EXAMINE      r                              r
//	STATUS               r                              r
//	SETACL, DELETEACL    a                              a
//	GETACL, LISTRIGHTS   a                              a
//	MYRIGHTS             any of l r i k x a             Any
//	APPEND               i; flags by FlagRights         i (s w t ?)
//	COPY                 i on the target; r on the source
//	MOVE (RFC 6851)      i on the target; r, t and e on the source
//	EXPUNGE, UID EXPUNGE r and e                        e
//	CLOSE                none; e to expunge             e ?
//	FETCH                r; s to set \Seen              s ?
//	STORE                r; flags by FlagRights         s w t ?
//	SEARCH, CHECK        r                              (r implied)
//	GETQUOTAROOT         r (RFC 9208 §4.3 names a mailbox)
func Needs(command string) Need {
	switch strings.TrimPrefix(command, "UID ") {
	case "CREATE":
		return Need{Parent: CreateChild}
	case "DELETE":
		return Need{Named: DeleteBox}
	case "RENAME":
		return Need{Named: DeleteBox, Parent: CreateChild}
	case "SELECT", "EXAMINE", "STATUS", "GETQUOTAROOT":
		return Need{Named: Read}
	case "SETACL", "DELETEACL", "GETACL", "LISTRIGHTS":
		return Need{Named: Admin}
	case "MYRIGHTS":
		return Need{AnyOf: Lookup | Read | Insert | CreateChild | DeleteBox | Admin}
	case "APPEND":
		return Need{Target: Insert, Optional: Seen | Write | DeleteMsgs}
	case "COPY":
		return Need{Selected: Read, Target: Insert, Optional: Seen | Write | DeleteMsgs}
	case "MOVE":
		// RFC 6851 §4.2: the union of UID COPY's, UID STORE's (of
		// \Deleted: "t") and UID EXPUNGE's rights, as a MOVE takes the
		// messages out of the source as STORE \Deleted and EXPUNGE would.
		return Need{Selected: Read | DeleteMsgs | Expunge, Target: Insert, Optional: Seen | Write | DeleteMsgs}
	case "EXPUNGE":
		return Need{Selected: Read | Expunge}
	case "CLOSE":
		// Never refused, so that a session whose rights were revoked can
		// leave the mailbox (§5.1.1); it expunges only with "e".
		return Need{Optional: Expunge}
	case "FETCH":
		return Need{Selected: Read, Optional: Seen}
	case "STORE":
		return Need{Selected: Read, Optional: Seen | Write | DeleteMsgs}
	case "SEARCH", "CHECK", "SORT", "THREAD":
		return Need{Selected: Read}
	}
	return Need{}
}

// FlagRights returns the right needed to set or clear a flag (§4
// "Changing flags"): "s" for \Seen, "t" for \Deleted, "w" for any other
// flag (case-insensitive for the system flags).
func FlagRights(flag string) Rights {
	switch strings.ToLower(flag) {
	case `\seen`:
		return Seen
	case `\deleted`:
		return DeleteMsgs
	}
	return Write
}

// FilterFlags returns the flags whose right r holds, in their order (§4
// "Copying or appending messages": only those flags are stored on the new
// message, and the COPY or APPEND does not fail).
func FilterFlags(flags []string, r Rights) []string {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if r.Has(FlagRights(f)) {
			out = append(out, f)
		}
	}
	return out
}

// ReadWrite reports whether SELECT answers READ-WRITE rather than READ-ONLY
// (§5.2): the user has "i", "e", or any of the flag rights "s", "w", "t"
// (the owner's flags are all shared, apart from \Recent).
func ReadWrite(r Rights) bool {
	return r&(Insert|Expunge|Seen|Write|DeleteMsgs) != 0
}

// ReadWritePrivateSeen is ReadWrite for a user whose \Seen is their own
// (Loft keeps \Seen per user for every user but a mailbox's owner): "s" is
// then not among the §5.2 "shared flag rights", so it alone does not make
// the mailbox READ-WRITE, although it still lets the user keep their own
// seen state (§4).
func ReadWritePrivateSeen(r Rights) bool {
	return r&(Insert|Expunge|Write|DeleteMsgs) != 0
}
