// Package directory is where Loft's servers find users: the Directory
// interface (authenticate, look an account up by login name or by mail
// address, list groups, the settings every server shares) with two
// backends, File, the embedded file directory, and LDAP, an LDAP
// directory (below); `loft adm user …` and `loft adm group …` change
// either through the Admin interface.
//
// # The file directory on disk
//
//	DIR/                         DATA/directory by default
//	  format                     "loft-directory 1"
//	  users/<login>.toml         one file per account
//	  groups/<name>.toml         one file per group
//	  addresses/<address>/<N>    the claims on one address, N = 1, 2, 3 …
//	  tmp/t.<32 hex digits>      files being written
//	  scram-secret               64 hex digits: the key of made-up SCRAM salts
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
//	scram_sha_1 = "SCRAM-SHA-1$4096:SALT$STOREDKEY:SERVERKEY"
//	scram_sha_256 = "SCRAM-SHA-256$4096:SALT$STOREDKEY:SERVERKEY"
//
// The scram_ keys are optional. Setting a password (`loft adm user add`,
// `loft adm user passwd`) writes them: for SCRAM-SHA-1 (RFC 5802) and
// SCRAM-SHA-256 (RFC 7677), a random salt, the iteration count (4096, the
// least RFC 5802 §5 allows; at most 10 000 000 is read), and StoredKey and
// ServerKey (RFC 5802 §3), base64 — never the password or SaltedPassword.
// An account whose file lacks them (its password was set by a Loft that
// did not write them, or the password is not valid under SASLprep, RFC
// 4013) cannot authenticate with SCRAM until its password is next set;
// `loft adm user show` says which it has. A Loft that predates these keys
// refuses a file that has them (unknown key), so upgrade every server
// sharing the directory before setting passwords. scram-secret is created
// by the first server that needs it: the made-up salts shown for unknown
// login names (RFC 5802 §5) derive from it, so that they are the same on
// every server.
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
//
// File also implements SCRAMDirectory: SCRAMCredentials returns an account's
// stored SCRAM credentials, and for an unknown login name, a disabled
// account or one without them, made-up credentials that no password
// matches, under a salt that does not change (RFC 5802 §5), so that a
// client learns no more than from a wrong password. LDAP does not
// implement SCRAMDirectory: the LDAP server hashes passwords itself (the
// Password Modify operation, below), and Loft never sees what it stores, so
// servers on an LDAP directory offer no SCRAM mechanism.
//
// # The LDAP directory
//
// LDAP (ldap.go) keeps nothing but a short-lived cache: accounts, groups,
// quotas, Sieve scripts and the shared settings are entries of an LDAP
// directory (RFC 4510) that every Loft server reads, with
// github.com/go-ldap/ldap/v3. The schema Loft ships, and the LDIF of the
// test instance, are in testdata/ldap/ at the repository's root.
//
//   - An account is an entry under the user base that the user filter finds
//     by login name, and whose login attribute equals the login name
//     exactly (LDAP compares uid without regard to case; Loft's login names
//     are case-sensitive). Its addresses are the values of the address
//     attributes; an address is found with the address filter. Every value
//     put into a filter is escaped (RFC 4515 §3), so that no login name or
//     address can change the filter.
//   - Authentication is a simple bind as the account's DN (RFC 4513 §5.1.3)
//     on connections kept for user binds; searches and changes use a pool
//     bound as the service account. An empty password is refused before
//     anything is sent (RFC 4513 §5.1.2: it would be an unauthenticated
//     bind, which succeeds).
//   - Groups are groupOfNames entries (RFC 4519 §3.5) under the group
//     base; an account's groups come from its memberOf attribute, or from a
//     search for the groups whose member attribute names it.
//   - The settings entry (object class loftSettings) holds the global Sieve
//     script and the default quotas; it is read at start, at an interval
//     and on Reload.
//   - Found accounts are cached for the configured TTL; accounts not found
//     are not, so that an account just created is seen at once.
//   - A server that cannot be reached, or that does not answer within the
//     request timeout, is ErrUnavailable for every method, never
//     ErrAuthFailed or ErrNotFound; the next servers of the list are tried,
//     and broken connections are dropped and dialled again on next use.
//   - Provisioning adds inetOrgPerson entries with the auxiliary class
//     loftAccount and sets the password with the Password Modify operation
//     (RFC 3062), so that the LDAP server hashes it as it is configured to.
//     Unique addresses are checked before a change; only the LDAP server
//     (slapd's unique overlay) can make that check atomic.
package directory
