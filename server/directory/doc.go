// Package directory is where Loft's servers find users: the Directory
// interface (authenticate, look an account up by login name or by mail
// address, list groups) and File, the embedded file backend that
// `loft adm user …` and `loft adm group …` manage.
//
// # The file directory on disk
//
//	DIR/                         DATA/directory by default
//	  format                     "loft-directory 1"
//	  users/<login>.toml         one file per account
//	  groups/<name>.toml         one file per group
//	  addresses/<address>/<N>    the claims on one address, N = 1, 2, 3 …
//	  tmp/t.<32 hex digits>      files being written
//
// Names become file names by encodeName: letters, digits and "-_+=,@."
// stay (a "." only after the first octet), every other octet is %XX, and an
// encoding longer than 200 octets is cut and completed with "~" and the
// name's SHA-256. No encoded name contains "/" or a control character or
// is "." or "..", whatever the input; login and group names are further
// restricted by CheckLogin, addresses by CanonicalAddress.
//
// A user file is TOML:
//
//	format = 1
//	login = "alice"
//	password = "$argon2id$v=19$m=19456,t=2,p=1$…$…"
//	addresses = ["alice@example.org", "a.smith@example.org"]
//	quota_storage = 0    # octets, 0 = no limit
//	quota_messages = 0   # 0 = no limit
//	disabled = false
//	nonce = "…"          # 32 hex digits, new on every write
//
// A group file holds format, name, members (login names) and nonce. A claim
// file holds two lines: the owner's login name (empty: the address was
// released) and a nonce.
//
// # Changes without locks
//
// Several `loft adm` processes may change the directory while servers read
// it, on one host or several sharing the file system; no process takes a
// lock. Every change is one atomic operation on one name:
//
//   - creating an account or group: write a temporary file, fsync it, link
//     it to its name (EEXIST: ErrExists), fsync the directory;
//   - changing one: write a temporary file, fsync it, rename it over the
//     name, fsync the directory; readers see the old file or the new;
//   - deleting one: unlink it.
//
// Two changes to different accounts never touch the same name, so none is
// lost. Two changes to the same account or group at once: the last write
// wins (each writes the whole file).
//
// # Unique addresses
//
// An address belongs to the account named by its current claim — the claim
// file with the highest number — provided that account's file lists the
// address. A claim whose owner does not list the address is stale: a crash
// between the two steps below leaves one, and anyone may replace it.
//
// To take an address, a process first writes the account's file listing
// it, then creates claim N+1 having read claim N. Exactly one process can
// create claim N+1 (link is exclusive), and each reads claim N and the file
// of N's owner before it tries. So of two accounts that want one address,
// whichever creates the next claim first owns it; the other then reads that
// claim, finds that its owner's file lists the address (the file was
// written before the claim), and fails with ErrExists, undoing its change.
// A claim already naming the taker is renewed all the same: that way a
// process that judged it stale (before the taker's file listed the
// address) and a taker meet at one claim number, and only one wins.
// Releasing an address is creating a claim with no owner, under the same
// rule; it only tidies, since a claim whose owner dropped the address is
// stale anyway. Claims are never removed, so numbers are never reused.
//
// An account's Addresses are the addresses its file lists and whose
// current claim names it: what LookupAddress resolves, never more.
//
// # What a server sees
//
// Every lookup reads the account's file (a few hundred octets; its parse is
// cached and reused while the octets are unchanged) and the claim after the
// newest one it knows for each address, so an account added, changed or
// deleted by any process is seen by the next lookup, with no restart and no
// waiting. The group list is cached and re-read when groups/ changes (its
// modification time, checked at each lookup, or any change in the last two
// seconds).
//
// On NFS, mount with lookupcache=positive (or none) so that a name just
// created elsewhere is not reported absent from a cached lookup, and leave
// actimeo at its default: groups/ is seen changed once its cached
// attributes expire.
//
// # Passwords
//
// Passwords are stored as argon2id hashes in the PHC string format (19 MiB,
// two passes, one lane); bcrypt hashes ("$2a$", "$2b$", "$2y$") are verified
// too, so that accounts can be imported. Authenticate computes a hash of the
// same cost for an unknown login name, and never returns or logs a password.
package directory
