// Package store is Loft's mdir message store: accounts, mailboxes, and the
// messages in them, on a plain directory tree that several processes and
// several hosts (over NFS) can use at once without locks.
//
// Each mailbox is a change log of numbered records (log/1, log/2, …), each
// claimed by one exclusive link(2): an append record holds one message's
// exact octets after a header line, a flags record a flag operation, an
// expunge record a set of UIDs. A record's number is the mod-sequence of its
// change (RFC 7162); UIDs follow from the order of append records, so they
// always grow and are never reused (RFC 3501 §2.3.1.1). State is the replay
// of the log, cached per process and in snapshot files. A mailbox may have
// special-use attributes (RFC 6154: \Sent, \Drafts …), kept with its data
// so that RENAME keeps them and DELETE removes them; a new account is made
// whole, with INBOX and Options.NewAccountMailboxes. The on-disk format
// and the argument for why each operation is safe under concurrency and
// crashes are in FORMAT.md, next to this file.
//
// Beside the mailboxes, an account keeps its Sieve scripts and the memory
// of the vacation responses it sent (ClaimVacation, SweepVacation: one
// file per handle and sender, claimed by an exclusive link like a record).
//
// The store knows no protocol: no sequence numbers, response codes or
// modified UTF-7. Its errors are ErrNotFound, ErrExists, ErrPermission,
// ErrOverQuota, ErrExpunged, ErrTooBig, ErrActive and ErrInvalid (compare with
// errors.Is), or I/O errors.
//
// Typical use:
//
//	s, err := store.Open("/var/loft", store.Options{})
//	acct, err := s.Account("alice")
//	inbox, err := acct.Mailbox("INBOX")
//	msg, err := inbox.Append(r, store.AppendOptions{Flags: []string{`\Seen`}})
//	snap, err := inbox.Snapshot()
//	for range inbox.Watch(ctx) {
//		next, _ := inbox.Snapshot()
//		changes := store.Diff(snap, next)
//		snap = next
//	}
package store
