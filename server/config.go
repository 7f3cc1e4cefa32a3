package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"

	"github.com/loftmail/loft/rfc/rfc3848"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/server/sieve"
	"github.com/loftmail/loft/store"
)

// Config is Loft's configuration. LoadConfig reads it from a TOML file laid
// over DefaultConfig; the key of each field is in its toml tag, and
// server/loft.example.toml documents every key with its default.
//
// Relative paths anywhere in the configuration are relative to the working
// directory of the server process.
type Config struct {
	// DataDir holds everything the server writes: the message store
	// (DATA/store), the file directory (DATA/directory), the generated
	// TLS certificate (DATA/tls) and IMAP's cache of parsed messages
	// (DATA/cache). Default "./var".
	DataDir string `toml:"data_dir"`

	// Hostname is the domain name the server gives itself in greetings,
	// in Received fields and in the generated certificate. Default: the
	// operating system's host name if it is a domain name, else
	// "localhost".
	Hostname string `toml:"hostname"`

	Log    LogConfig       `toml:"log"`
	TLS    TLSConfig       `toml:"tls"`
	Auth   AuthConfig      `toml:"auth"`
	Limits LimitsConfig    `toml:"limits"`
	LMTP   LMTPConfig      `toml:"lmtp"`
	IMAP   IMAPConfig      `toml:"imap"`
	IMAPS  ListenersConfig `toml:"imaps"`
	POP3   ListenersConfig `toml:"pop3"`
	POP3S  ListenersConfig `toml:"pop3s"`
	// ManageSieve lists where ManageSieve (RFC 5804) listens, with
	// STARTTLS. Default ["127.0.0.1:4190"].
	ManageSieve ListenersConfig `toml:"managesieve"`
	Store       StoreConfig     `toml:"store"`
	Mailboxes   MailboxesConfig `toml:"mailboxes"`
	Directory   DirectoryConfig `toml:"directory"`
	Quota       QuotaConfig     `toml:"quota"`
	Sieve       SieveConfig     `toml:"sieve"`

	// Now, if set, is the clock of the time-dependent IMAP search keys
	// (RFC 5032 OLDER and YOUNGER): tests set it. Nil: time.Now. It is not
	// read from the configuration file.
	Now func() time.Time `toml:"-"`
}

// LogConfig selects what the server logs and how.
type LogConfig struct {
	// Level is the lowest level logged: "debug", "info", "warn" or
	// "error". Default "info".
	Level string `toml:"level"`
	// Format is "text" (key=value lines) or "json" (one object per line).
	// Default "text".
	Format string `toml:"format"`
}

// TLSConfig names the certificate the server presents. When both files are
// empty, a self-signed certificate is generated on first start in
// DATA/tls/ and reused on later starts.
type TLSConfig struct {
	// CertFile is a PEM file holding the certificate chain, leaf first.
	CertFile string `toml:"cert_file"`
	// KeyFile is a PEM file holding the certificate's private key.
	KeyFile string `toml:"key_file"`
}

// The values of AuthConfig.Plaintext.
const (
	PlaintextNever    = "never"    // only after TLS
	PlaintextLoopback = "loopback" // without TLS from loopback addresses and unix sockets
	PlaintextAlways   = "always"   // from anywhere, without TLS
)

// AuthConfig controls authentication.
type AuthConfig struct {
	// Plaintext says when clear-text passwords (IMAP LOGIN, POP3 USER/PASS,
	// AUTH PLAIN and AUTH LOGIN) are accepted on a connection without TLS: "never",
	// "loopback" (the client's address is a loopback address, or the
	// connection came through a unix socket) or "always". Default
	// "loopback".
	Plaintext string `toml:"plaintext"`
	// FailureDelay is how long the server waits before it answers a
	// failed authentication, to slow down password guessing. Integer
	// seconds or a duration string ("500ms"); 0 answers at once.
	// Default "2s".
	FailureDelay Duration `toml:"failure_delay"`
}

// LimitsConfig bounds what one client may use.
type LimitsConfig struct {
	// MaxConnections is the most connections one protocol serves at once
	// (IMAP and IMAPS together count as one protocol, as do POP3 and
	// POP3S); further connections are refused. 0 means no limit. Default
	// 1000.
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP is the most connections one client IP address
	// may have open to one protocol at once, counted as MaxConnections
	// is; further connections from that address are refused (IMAP
	// "* BYE [UNAVAILABLE]", POP3 "-ERR [SYS/TEMP]", LMTP 421 4.7.0,
	// ManageSieve "BYE (TRYLATER)"), so
	// that one client cannot take the whole of MaxConnections. Loopback
	// addresses are counted like any other; connections through unix
	// sockets are not counted. Clients behind one NAT address share it, as
	// does an MTA's whole LMTP connection pool. 0 means no limit. Default
	// 50.
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// MaxMessageSize is the largest message accepted, in octets: an
	// integer, or a string with a unit ("50MiB", "20MB"). Default 50 MiB.
	MaxMessageSize ByteSize `toml:"max_message_size"`
	// MaxLiteralSize is the largest literal an IMAP client may send in
	// APPEND, in octets (size); a larger one is refused before it is sent
	// (NO [TOOBIG]). Default 50 MiB, the default max_message_size; it
	// should not exceed max_message_size, which the store enforces.
	MaxLiteralSize ByteSize `toml:"max_literal_size"`
	// MaxLineLength is the longest command line a client may send, in
	// octets with its CRLF, in POP3, IMAP and LMTP; it bounds what a
	// connection buffers of a line. LMTP message data is not made of
	// command lines: its lines may be longer (server/lmtp). At least 512
	// (RFC 5321 §4.5.3.1.4). Default 8192.
	MaxLineLength int `toml:"max_line_length"`
	// IdleTimeout is how long a connection may stay silent before the
	// server closes it: integer seconds or a duration string ("10m").
	// RFC 1939 §3 asks POP3 servers to wait at least 10 minutes.
	// Default 10 minutes.
	IdleTimeout Duration `toml:"idle_timeout"`
	// LoginTimeout is how long an IMAP, POP3 or ManageSieve client has to
	// authenticate, counted from the moment its connection is accepted;
	// the TLS handshake of an implicit-TLS port falls within it. When it
	// has passed, the session is told so ("* BYE", "-ERR") and closed.
	// Before authentication it bounds the session as well as IdleTimeout
	// does, so that silent or half-open connections give up their slots
	// quickly; after it, IdleTimeout (IMAPIdleTimeout for IMAP) alone
	// applies (the autologout timers of RFC 1939 §3 and RFC 3501 §5.4 are
	// for the authenticated session). LMTP, which has no login, keeps
	// IdleTimeout; ManageSieve's autologout after authentication is 30
	// minutes, the least RFC 5804 §1.2 allows. Integer seconds or a
	// duration string. Default 60 seconds.
	LoginTimeout Duration `toml:"login_timeout"`
	// IMAPIdleTimeout is IMAP's autologout timer: how long an IMAP
	// session may stay silent before the server closes it. RFC 3501 §5.4
	// requires at least 30 minutes. Default 30 minutes.
	IMAPIdleTimeout Duration `toml:"imap_idle_timeout"`
	// IMAPLiteralPlus makes IMAP announce LITERAL+ instead of LITERAL-
	// (RFC 7888; a server announces one, never both, §5): with LITERAL+ a
	// client may send a non-synchronizing literal of any size, and one
	// over max_literal_size (or, outside APPEND, over max_line_length) is
	// read to its end and thrown away before the command is refused; with
	// LITERAL- it may do so only up to 4096 octets, so an APPEND too large
	// is refused before its octets are sent. Default false (LITERAL-).
	IMAPLiteralPlus bool `toml:"imap_literal_plus"`
	// MaxRecipients is the most recipients one LMTP transaction may name;
	// RFC 5321 §4.5.3.1.8 asks for at least 100. Default 100.
	MaxRecipients int `toml:"max_recipients"`
	// MaxScriptSize is the largest Sieve script a user may upload over
	// ManageSieve, in octets (size); a larger one is refused with
	// QUOTA/MAXSIZE (RFC 5804 §1.3). Default 1 MiB.
	MaxScriptSize ByteSize `toml:"max_script_size"`
	// MaxScripts is the most Sieve scripts one account may have; one more
	// is refused with QUOTA/MAXSCRIPTS (RFC 5804 §1.3). Default 100.
	MaxScripts int `toml:"max_scripts"`
}

// ListenersConfig lists where one protocol listens.
type ListenersConfig struct {
	// Listen holds "host:port" TCP addresses ("127.0.0.1:1110",
	// "[::1]:1110", ":1110" for every address) and "unix:/path" unix
	// sockets. An empty list disables the protocol. Port 0 picks a free
	// port.
	Listen []string `toml:"listen"`
}

// IMAPConfig configures IMAP (RFC 3501) without implicit TLS.
type IMAPConfig struct {
	// Listen is as in ListenersConfig. Default ["127.0.0.1:1143"].
	Listen []string `toml:"listen"`
	// CacheDir is a directory on the server's local disk where the parsed
	// structures of messages (what FETCH ENVELOPE and BODYSTRUCTURE
	// return) are kept across restarts. It is derived data: it may be
	// removed at any time. Default DATA/cache.
	CacheDir string `toml:"cache_dir"`
	// OtherUsersPrefix begins the names under which a user sees other
	// users' mailboxes that their ACLs share (RFC 2342, RFC 4314).
	// Default "Other Users/".
	OtherUsersPrefix string `toml:"other_users_prefix"`
	// SharedPrefix begins the names of the shared folders. Default
	// "Shared/".
	SharedPrefix string `toml:"shared_prefix"`
	// SharedAccount is the store account that holds the shared folders
	// (reached through their ACLs; nobody logs in as it). "" (the
	// default) offers no shared namespace.
	SharedAccount string `toml:"shared_account"`
	// GroupPrefix begins an ACL identifier that names a directory group.
	// Default "$".
	GroupPrefix string `toml:"group_prefix"`
	// Admins are the login names allowed to SETQUOTA (RFC 9208).
	Admins []string `toml:"admins"`
}

// QuotaConfig sets the quota of the accounts whose directory entry sets
// none (RFC 9208: IMAP QUOTA; LMTP 452 4.2.2).
type QuotaConfig struct {
	// DefaultStorage is in octets (a size: "1GiB"), 0 for no limit.
	DefaultStorage ByteSize `toml:"default_storage"`
	// DefaultMessages is a number of messages, 0 for no limit.
	DefaultMessages int64 `toml:"default_messages"`
}

// LMTPConfig configures delivery over LMTP (RFC 2033).
type LMTPConfig struct {
	// Listen is as in ListenersConfig. Default ["127.0.0.1:2424"].
	Listen []string `toml:"listen"`
	// OverQuotaPermanent makes a delivery to a full mailbox fail with 552
	// 5.2.2 (the sender gives up) instead of 452 4.2.2 (the sender tries
	// again later). Default false.
	OverQuotaPermanent bool `toml:"over_quota_permanent"`
	// DetailSeparator separates an address's local part from its detail
	// ("alice+lists@example.org" is delivered to alice when it is "+").
	// Each character of the string is a separator; "" disables details.
	// Default "+".
	DetailSeparator string `toml:"detail_separator"`
	// Postmaster is the login of the account that receives the mail for
	// postmaster, which RFC 5321 §4.5.1 requires a server to accept:
	// RCPT TO:<Postmaster>, and the local part "postmaster" in any case at
	// any domain, unless an account has that address. The account must be
	// created (`loft adm user add postmaster`); until it is, such mail is
	// refused (550 5.1.1) and a warning logged. Default "postmaster".
	Postmaster string `toml:"postmaster"`
	// Folders are addresses that deliver into a mailbox rather than an
	// INBOX, such as a shared folder: the sender must have the "p" right on
	// it (RFC 4314), else 550 5.7.1.
	Folders []FolderConfig `toml:"folder"`
}

// FolderConfig is one [[lmtp.folder]]: mail to Address goes to the mailbox
// Mailbox of the store account Account.
type FolderConfig struct {
	Address string `toml:"address"`
	Account string `toml:"account"`
	Mailbox string `toml:"mailbox"`
}

// StoreConfig configures the message store.
type StoreConfig struct {
	// PollInterval is how often the store re-scans the mailboxes it
	// watches for changes made by other processes, where file-system
	// notifications are not available (NFS): integer seconds or a duration
	// string. Default "2s".
	PollInterval Duration `toml:"poll_interval"`
}

// The values of SieveConfig.ErrorReport.
const (
	SieveReportNone  = "none"  // failures are only logged
	SieveReportInbox = "inbox" // and a short notice is appended to the user's INBOX
)

// SieveConfig configures Sieve filtering at delivery (RFC 5228; server/sieve).
type SieveConfig struct {
	// Enabled runs the global script and each user's active script on
	// every message delivered over LMTP. When false, mail goes to the
	// INBOX unfiltered. Default true.
	Enabled bool `toml:"enabled"`
	// GlobalScript is the path of a script run before every user's own;
	// its explicit actions always apply, and its implicit keep hands the
	// message to the user's script (server/sieve). It must exist and
	// compile when the server starts; it is read again at each delivery.
	// Default none.
	GlobalScript string `toml:"global_script"`
	// GlobalDir holds the scripts that `include :global "name"` loads, as
	// files name.sieve (RFC 6609). Default none.
	GlobalDir string `toml:"global_dir"`
	// Extensions are the capability names scripts may require, as
	// ManageSieve announces them. Default: every extension Loft
	// implements.
	Extensions []string `toml:"extensions"`
	// Relay is the "host:port" of the SMTP server through which redirect,
	// vacation and rejection messages leave (usually the MTA). Empty:
	// such actions fail and the message is kept in INBOX. Default none.
	Relay string `toml:"relay"`
	// RelayTimeout bounds one message sent to the relay. Default "2m".
	RelayTimeout Duration `toml:"relay_timeout"`
	// MaxRedirects is the most redirects one script run may take (RFC 5228
	// §4.2). Default 8.
	MaxRedirects int `toml:"max_redirects"`
	// MaxActions is the most actions one script run may take (RFC 5228
	// §2.10.4). Default 64.
	MaxActions int `toml:"max_actions"`
	// MaxNesting is the deepest nesting of blocks and tests (RFC 5228
	// §2.10.7 asks for at least 15). Default 32.
	MaxNesting int `toml:"max_nesting"`
	// MaxIncludeDepth is how deeply include may nest (RFC 6609 §3.2).
	// Default 8.
	MaxIncludeDepth int `toml:"max_include_depth"`
	// SubaddressSeparator separates user and detail for the subaddress
	// extension (RFC 5233). It must be one of the characters of
	// lmtp.detail_separator, so that Sieve sees the same detail as LMTP;
	// "" means the first of them ("+" if details are disabled). Default "".
	SubaddressSeparator string `toml:"subaddress_separator"`
	// VacationMinimum and VacationMaximum bound the period in which
	// vacation answers a sender once (RFC 5230 §4.1, RFC 6131 §2: the
	// minimum above zero, the maximum above 7 days); a script that gives
	// no period gets 7 days, so bounded. Defaults "24h", "2160h" (90 days).
	VacationMinimum Duration `toml:"vacation_minimum"`
	VacationMaximum Duration `toml:"vacation_maximum"`
	// ErrorReport says how a user learns that their script failed (the
	// message is always kept in INBOX and the failure logged): "none", or
	// "inbox" for a short notice appended to INBOX. Default "inbox".
	ErrorReport string `toml:"error_report"`
	// CacheSize is how many compiled scripts are kept. Default 1000.
	CacheSize int `toml:"cache_size"`
}

// Separator returns the subaddress separator Sieve uses: the configured
// one, or the first character of detailSeparator, or "+".
func (c SieveConfig) Separator(detailSeparator string) string {
	switch {
	case c.SubaddressSeparator != "":
		return c.SubaddressSeparator
	case detailSeparator != "":
		return detailSeparator[:1]
	}
	return "+"
}

// MailboxesConfig names the mailboxes that every new account gets besides
// INBOX, each with its special-use attribute (RFC 6154 §2), so that mail
// clients find where to keep drafts, sent messages and the rest. They are
// made when the store account is created, whichever way that happens
// (`loft adm user add`, a first login, a first delivery), exactly once: a
// user may delete or rename them later. A name is a full mailbox name with
// "/" between levels (UTF-8); "" leaves that mailbox out.
type MailboxesConfig struct {
	// Drafts is the \Drafts mailbox. Default "Drafts".
	Drafts string `toml:"drafts"`
	// Sent is the \Sent mailbox. Default "Sent".
	Sent string `toml:"sent"`
	// Trash is the \Trash mailbox. Default "Trash".
	Trash string `toml:"trash"`
	// Junk is the \Junk mailbox. Default "Junk".
	Junk string `toml:"junk"`
	// Archive is the \Archive mailbox. Default "Archive".
	Archive string `toml:"archive"`
}

// mailboxKeys pairs each key of [mailboxes] with its special use.
func (m MailboxesConfig) mailboxKeys() []struct{ key, name, use string } {
	return []struct{ key, name, use string }{
		{"drafts", m.Drafts, `\Drafts`},
		{"sent", m.Sent, `\Sent`},
		{"trash", m.Trash, `\Trash`},
		{"junk", m.Junk, `\Junk`},
		{"archive", m.Archive, `\Archive`},
	}
}

// NewAccountMailboxes returns the mailboxes for store.Options, in the order
// of the keys, leaving out the empty names.
func (m MailboxesConfig) NewAccountMailboxes() []store.NewMailbox {
	var out []store.NewMailbox
	for _, k := range m.mailboxKeys() {
		if k.name != "" {
			out = append(out, store.NewMailbox{Name: k.name, SpecialUse: []string{k.use}})
		}
	}
	return out
}

// DirectoryConfig selects where users, passwords and quotas live.
type DirectoryConfig struct {
	// Backend is "file", the embedded directory managed with
	// `loft adm user …`, or "ldap", an LDAP directory configured in
	// [directory.ldap]. Default "file".
	Backend string `toml:"backend"`
	// Path is the file directory's location. Default DATA/directory.
	Path string `toml:"path"`
	// LDAP configures the LDAP directory (backend = "ldap").
	LDAP LDAPConfig `toml:"ldap"`
}

// LDAPConfig configures the LDAP directory (server/directory.LDAP): where
// its servers are, how Loft binds, and where and under which names it
// finds accounts, groups and the settings entry every Loft server shares.
// The defaults match the schema Loft ships (testdata/ldap/loft.schema);
// urls, user_base, group_base and usually bind_dn must be set.
type LDAPConfig struct {
	// URLs are the LDAP servers, "ldap://host[:port]" or
	// "ldaps://host[:port]", tried in order when one cannot be reached.
	URLs []string `toml:"urls"`
	// StartTLS upgrades ldap:// connections with StartTLS (RFC 4511
	// §4.14). Default false.
	StartTLS bool `toml:"start_tls"`
	// CAFile is a PEM file of the certificates the servers' are verified
	// against; "" uses the system's roots.
	CAFile string `toml:"ca_file"`
	// BindDN and BindPassword are the service account Loft binds as to
	// search and to provision; BindPasswordFile, if set, is a file whose
	// first line is the password instead (so that the configuration can
	// be readable by more than the server). BindDN "" searches
	// anonymously.
	BindDN           string `toml:"bind_dn"`
	BindPassword     string `toml:"bind_password,omitempty"`
	BindPasswordFile string `toml:"bind_password_file"`
	// UserBase and GroupBase are the subtrees of accounts and groups.
	UserBase  string `toml:"user_base"`
	GroupBase string `toml:"group_base"`
	// UserFilter finds an account by login name and AddressFilter by
	// mail address; each "%s" is replaced by the value, escaped (RFC 4515
	// §3). GroupFilter matches every group.
	UserFilter    string `toml:"user_filter"`
	AddressFilter string `toml:"address_filter"`
	GroupFilter   string `toml:"group_filter"`
	// UserObjectClasses are the object classes of the accounts `loft adm
	// user add` creates; the last is the auxiliary class that holds the
	// quota, enabled and Sieve attributes.
	UserObjectClasses []string `toml:"user_object_classes"`
	// Attribute names; see server/directory.LDAPOptions. An empty name
	// leaves the feature out: no quota attribute (the default quota
	// applies), no enabled attribute (every account is enabled), no
	// Sieve script attribute (scripts come from ManageSieve), no memberOf
	// attribute (groups are found by searching their member attribute).
	LoginAttribute         string   `toml:"login_attribute"`
	AddressAttributes      []string `toml:"address_attributes"`
	QuotaStorageAttribute  string   `toml:"quota_storage_attribute"`
	QuotaMessagesAttribute string   `toml:"quota_messages_attribute"`
	EnabledAttribute       string   `toml:"enabled_attribute"`
	SieveScriptAttribute   string   `toml:"sieve_script_attribute"`
	MemberOfAttribute      string   `toml:"member_of_attribute"`
	GroupNameAttribute     string   `toml:"group_name_attribute"`
	GroupMemberAttribute   string   `toml:"group_member_attribute"`
	// SettingsDN is the loftSettings entry holding the global Sieve
	// script and the default quotas; "" if there is none. It is read at
	// start, every SettingsInterval (0: never again) and on SIGHUP.
	SettingsDN       string   `toml:"settings_dn"`
	SettingsInterval Duration `toml:"settings_interval"`
	// PoolSize is the most connections open for searches, and as many
	// again for users' binds. Default 8.
	PoolSize int `toml:"pool_size"`
	// DialTimeout bounds connecting to one server, RequestTimeout one
	// request. When they pass, the server is taken as down: logins get
	// a temporary failure (IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]),
	// deliveries 451 4.4.3. Default 5 seconds each.
	DialTimeout    Duration `toml:"dial_timeout"`
	RequestTimeout Duration `toml:"request_timeout"`
	// CacheTTL is how long a found account is remembered; 0 searches
	// for every login and delivery. Default 60 seconds.
	CacheTTL Duration `toml:"cache_ttl"`
}

// defaultLDAPConfig is LDAPConfig with directory.DefaultLDAPOptions.
func defaultLDAPConfig() LDAPConfig {
	o := directory.DefaultLDAPOptions()
	return LDAPConfig{
		UserFilter:             o.UserFilter,
		AddressFilter:          o.AddressFilter,
		GroupFilter:            o.GroupFilter,
		UserObjectClasses:      o.UserObjectClasses,
		LoginAttribute:         o.LoginAttr,
		AddressAttributes:      o.AddressAttrs,
		QuotaStorageAttribute:  o.QuotaStorageAttr,
		QuotaMessagesAttribute: o.QuotaMessagesAttr,
		EnabledAttribute:       o.EnabledAttr,
		SieveScriptAttribute:   o.SieveScriptAttr,
		MemberOfAttribute:      o.MemberOfAttr,
		GroupNameAttribute:     o.GroupNameAttr,
		GroupMemberAttribute:   o.GroupMemberAttr,
		SettingsInterval:       Duration(o.SettingsInterval),
		PoolSize:               o.PoolSize,
		DialTimeout:            Duration(o.DialTimeout),
		RequestTimeout:         Duration(o.RequestTimeout),
		CacheTTL:               Duration(o.CacheTTL),
	}
}

// Options converts the section to the options of directory.OpenLDAP,
// reading bind_password_file if it is set. The logger receives the
// directory's warnings.
func (c *LDAPConfig) Options(logger *slog.Logger) (directory.LDAPOptions, error) {
	pw := c.BindPassword
	if c.BindPasswordFile != "" {
		data, err := os.ReadFile(c.BindPasswordFile)
		if err != nil {
			return directory.LDAPOptions{}, fmt.Errorf("bind_password_file: %w", err)
		}
		pw, _, _ = strings.Cut(string(data), "\n")
		pw = strings.TrimSuffix(pw, "\r")
	}
	return directory.LDAPOptions{
		URLs:              c.URLs,
		StartTLS:          c.StartTLS,
		CAFile:            c.CAFile,
		BindDN:            c.BindDN,
		BindPassword:      pw,
		UserBase:          c.UserBase,
		GroupBase:         c.GroupBase,
		UserFilter:        c.UserFilter,
		AddressFilter:     c.AddressFilter,
		GroupFilter:       c.GroupFilter,
		UserObjectClasses: c.UserObjectClasses,
		LoginAttr:         c.LoginAttribute,
		AddressAttrs:      c.AddressAttributes,
		QuotaStorageAttr:  c.QuotaStorageAttribute,
		QuotaMessagesAttr: c.QuotaMessagesAttribute,
		EnabledAttr:       c.EnabledAttribute,
		SieveScriptAttr:   c.SieveScriptAttribute,
		MemberOfAttr:      c.MemberOfAttribute,
		GroupNameAttr:     c.GroupNameAttribute,
		GroupMemberAttr:   c.GroupMemberAttribute,
		SettingsDN:        c.SettingsDN,
		SettingsInterval:  c.SettingsInterval.Duration(),
		PoolSize:          c.PoolSize,
		DialTimeout:       c.DialTimeout.Duration(),
		RequestTimeout:    c.RequestTimeout.Duration(),
		CacheTTL:          c.CacheTTL.Duration(),
		Logger:            logger,
	}, nil
}

// DefaultConfig returns the embedded default: data under ./var, the file
// directory, a self-signed certificate, clear-text passwords only from
// loopback, and the unprivileged loopback ports LMTP 2424, IMAP 1143,
// IMAPS 1993, POP3 1110, POP3S 1995 and ManageSieve 4190.
func DefaultConfig() *Config {
	return defaultConfig(os.Hostname)
}

// defaultConfig is DefaultConfig with the host name from osHostname, or
// "localhost" when that fails or is not a domain name.
func defaultConfig(osHostname func() (string, error)) *Config {
	hostname, err := osHostname()
	if err != nil || !rfc3848.IsDomain(hostname) {
		hostname = "localhost"
	}
	return &Config{
		DataDir:  "./var",
		Hostname: hostname,
		Log:      LogConfig{Level: "info", Format: "text"},
		Auth: AuthConfig{
			Plaintext:    PlaintextLoopback,
			FailureDelay: Duration(2 * time.Second),
		},
		Limits: LimitsConfig{
			MaxConnections:      1000,
			MaxConnectionsPerIP: 50,
			MaxMessageSize:      50 << 20,
			MaxLiteralSize:      50 << 20,
			MaxLineLength:       8192,
			IdleTimeout:         Duration(10 * time.Minute),
			LoginTimeout:        Duration(time.Minute),
			IMAPIdleTimeout:     Duration(30 * time.Minute),
			MaxRecipients:       100,
			MaxScriptSize:       1 << 20,
			MaxScripts:          100,
		},
		LMTP:        LMTPConfig{Listen: []string{"127.0.0.1:2424"}, DetailSeparator: "+", Postmaster: "postmaster"},
		IMAP:        IMAPConfig{Listen: []string{"127.0.0.1:1143"}},
		IMAPS:       ListenersConfig{Listen: []string{"127.0.0.1:1993"}},
		POP3:        ListenersConfig{Listen: []string{"127.0.0.1:1110"}},
		POP3S:       ListenersConfig{Listen: []string{"127.0.0.1:1995"}},
		ManageSieve: ListenersConfig{Listen: []string{"127.0.0.1:4190"}},
		Store:       StoreConfig{PollInterval: Duration(2 * time.Second)},
		Mailboxes:   MailboxesConfig{Drafts: "Drafts", Sent: "Sent", Trash: "Trash", Junk: "Junk", Archive: "Archive"},
		Directory:   DirectoryConfig{Backend: "file", LDAP: defaultLDAPConfig()},
		Sieve: SieveConfig{
			Enabled:         true,
			RelayTimeout:    Duration(2 * time.Minute),
			MaxRedirects:    8,
			MaxActions:      64,
			MaxNesting:      32,
			MaxIncludeDepth: 8,
			VacationMinimum: Duration(24 * time.Hour),
			VacationMaximum: Duration(90 * 24 * time.Hour),
			ErrorReport:     SieveReportInbox,
			CacheSize:       1000,
		},
	}
}

// LoadConfig reads the TOML file at path over DefaultConfig and validates
// the result; an empty path returns DefaultConfig. A key the configuration
// does not know is an error, and so is a value out of range; each error
// names its key.
func LoadConfig(path string) (*Config, error) {
	cfg := DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	md, err := toml.DecodeFile(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		var keys []string
		reported := make(map[string]bool)
		for _, k := range undecoded {
			// An unknown table's keys are unknown too: name the table.
			if len(k) > 1 && reported[k[:len(k)-1].String()] {
				reported[k.String()] = true
				continue
			}
			reported[k.String()] = true
			keys = append(keys, k.String())
		}
		return nil, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// WriteTOML writes the configuration as TOML that LoadConfig reads back to
// an equal Config.
func (c *Config) WriteTOML(w io.Writer) error {
	return toml.NewEncoder(w).Encode(c)
}

// DirectoryPath is where the file directory lives: directory.path, or
// DATA/directory.
func (c *Config) DirectoryPath() string {
	if c.Directory.Path != "" {
		return c.Directory.Path
	}
	return filepath.Join(c.DataDir, "directory")
}

// StorePath is the root of the message store, DATA/store.
func (c *Config) StorePath() string { return filepath.Join(c.DataDir, "store") }

// CachePath is where IMAP keeps parsed message structures: imap.cache_dir,
// or DATA/cache.
func (c *Config) CachePath() string {
	if c.IMAP.CacheDir != "" {
		return c.IMAP.CacheDir
	}
	return filepath.Join(c.DataDir, "cache")
}

// TLSDir is where the generated certificate and key live, DATA/tls.
func (c *Config) TLSDir() string { return filepath.Join(c.DataDir, "tls") }

// minIMAPIdleTimeout is the shortest IMAP autologout timer RFC 3501 §5.4
// allows.
const minIMAPIdleTimeout = 30 * time.Minute

// minLineLength is the least max_line_length accepted: LMTP command lines
// may be 512 octets (RFC 5321 §4.5.3.1.4), POP3 commands 255 (RFC 2449 §4)
// and SASL responses longer.
const minLineLength = 512

// Validate checks every value of the configuration and returns all the
// problems it finds, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}

	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if !rfc3848.IsDomain(c.Hostname) {
		bad("hostname", "%q is not a domain name (labels of letters, digits and hyphens, separated by dots)", c.Hostname)
	}

	if _, err := parseLevel(c.Log.Level); err != nil {
		bad("log.level", "%v", err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q is not one of text, json", c.Log.Format)
	}

	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		if c.TLS.CertFile == "" {
			bad("tls.cert_file", "must be set when tls.key_file is")
		} else {
			bad("tls.key_file", "must be set when tls.cert_file is")
		}
	}

	switch c.Auth.Plaintext {
	case PlaintextNever, PlaintextLoopback, PlaintextAlways:
	default:
		bad("auth.plaintext", "%q is not one of never, loopback, always", c.Auth.Plaintext)
	}
	if c.Auth.FailureDelay < 0 {
		bad("auth.failure_delay", "must not be negative")
	}

	for i, f := range c.LMTP.Folders {
		key := fmt.Sprintf("lmtp.folder[%d]", i)
		if _, err := directory.CanonicalAddress(f.Address); err != nil {
			bad(key+".address", "%q is not a mail address", f.Address)
		}
		if f.Account == "" || f.Mailbox == "" {
			bad(key, "needs an account and a mailbox")
		}
	}
	if c.Quota.DefaultStorage < 0 {
		bad("quota.default_storage", "must not be negative (0 means no limit)")
	}
	if c.Quota.DefaultMessages < 0 {
		bad("quota.default_messages", "must not be negative (0 means no limit)")
	}
	for key, p := range map[string]string{"imap.other_users_prefix": c.IMAP.OtherUsersPrefix, "imap.shared_prefix": c.IMAP.SharedPrefix} {
		if strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.EqualFold(strings.Split(p, "/")[0], "INBOX") {
			bad(key, "%q is not a mailbox name prefix", p)
		}
	}

	l := c.Limits
	if l.MaxConnections < 0 {
		bad("limits.max_connections", "must not be negative (0 means no limit)")
	}
	if l.MaxConnectionsPerIP < 0 {
		bad("limits.max_connections_per_ip", "must not be negative (0 means no limit)")
	}
	if l.MaxMessageSize <= 0 {
		bad("limits.max_message_size", "must be positive")
	}
	if l.MaxLineLength < minLineLength {
		bad("limits.max_line_length", "must be at least %d octets, got %d", minLineLength, l.MaxLineLength)
	}
	if l.MaxLiteralSize <= 0 {
		bad("limits.max_literal_size", "must be positive")
	}
	if l.IdleTimeout <= 0 {
		bad("limits.idle_timeout", "must be positive")
	}
	if l.LoginTimeout <= 0 {
		bad("limits.login_timeout", "must be positive")
	}
	if l.IMAPIdleTimeout < Duration(minIMAPIdleTimeout) {
		bad("limits.imap_idle_timeout", "must be at least %s (RFC 3501 §5.4)", minIMAPIdleTimeout)
	}
	if l.MaxRecipients < 1 {
		bad("limits.max_recipients", "must be at least 1")
	}
	if l.MaxScriptSize <= 0 {
		bad("limits.max_script_size", "must be positive")
	}
	if l.MaxScripts < 1 {
		bad("limits.max_scripts", "must be at least 1")
	}

	seen := make(map[string]string) // listen address → key that names it
	for _, ls := range c.listenerSets() {
		key := ls.proto + ".listen"
		for _, a := range ls.addrs {
			network, addr, err := parseListenAddr(a)
			if err != nil {
				bad(key, "%v", err)
				continue
			}
			if network == "tcp" {
				if _, port, _ := net.SplitHostPort(addr); port == "0" {
					continue // every port-0 listener gets its own port
				}
			}
			id := network + " " + addr
			if prev, dup := seen[id]; dup {
				bad(key, "%q is also in %s", a, prev)
				continue
			}
			seen[id] = key
		}
	}
	if strings.IndexFunc(c.LMTP.DetailSeparator, func(r rune) bool {
		return r == '@' || r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r)
	}) >= 0 {
		bad("lmtp.detail_separator", "%q may hold only printable ASCII characters other than '@' and space", c.LMTP.DetailSeparator)
	}
	if err := directory.CheckLogin(c.LMTP.Postmaster); err != nil {
		bad("lmtp.postmaster", "not a login name: %v", err)
	}

	if c.Store.PollInterval <= 0 {
		bad("store.poll_interval", "must be positive")
	}

	seenBox := make(map[string]string) // mailbox name → key that names it
	for _, k := range c.Mailboxes.mailboxKeys() {
		key := "mailboxes." + k.key
		if k.name == "" {
			continue
		}
		if err := store.CheckNewAccountMailboxes([]store.NewMailbox{{Name: k.name}}); err != nil || isDotLevel(k.name) {
			bad(key, "%q is not a mailbox name (levels separated by \"/\", none empty, \".\" or \"..\", no control characters; not INBOX)", k.name)
			continue
		}
		if prev, dup := seenBox[k.name]; dup {
			bad(key, "%q is also %s", k.name, prev)
			continue
		}
		seenBox[k.name] = key
	}

	switch c.Directory.Backend {
	case "file":
	case "ldap":
		l := &c.Directory.LDAP
		if l.BindPassword != "" && l.BindPasswordFile != "" {
			bad("directory.ldap.bind_password", "set bind_password or bind_password_file, not both")
		}
		o, err := l.Options(nil)
		if err == nil && l.BindPasswordFile != "" && o.BindPassword == "" {
			err = errors.New("bind_password_file: the file's first line is empty")
		}
		if err == nil {
			err = o.Check()
		}
		if err != nil {
			// Check's errors begin with the name of the key.
			msg, _ := strings.CutPrefix(err.Error(), directory.ErrInvalid.Error()+": ")
			errs = append(errs, fmt.Errorf("directory.ldap.%s", msg))
		}
	default:
		bad("directory.backend", "%q is not one of file, ldap", c.Directory.Backend)
	}

	c.Sieve.validate(c.LMTP.DetailSeparator, bad)

	return errors.Join(errs...)
}

// validate checks the [sieve] section; detailSeparator is
// lmtp.detail_separator.
func (c SieveConfig) validate(detailSeparator string, bad func(key, format string, args ...any)) {
	if c.Relay != "" {
		if _, _, err := net.SplitHostPort(c.Relay); err != nil {
			bad("sieve.relay", "%q: want host:port", c.Relay)
		}
	}
	if _, err := sieve.New(sieve.Config{Extensions: c.Extensions}); err != nil && c.Extensions != nil {
		bad("sieve.extensions", "%v", err)
	}
	if c.RelayTimeout <= 0 {
		bad("sieve.relay_timeout", "must be positive")
	}
	for _, l := range []struct {
		key      string
		v, least int
	}{
		{"sieve.max_redirects", c.MaxRedirects, 1},
		{"sieve.max_actions", c.MaxActions, 1},
		{"sieve.max_nesting", c.MaxNesting, 15}, // RFC 5228 §2.10.7
		{"sieve.max_include_depth", c.MaxIncludeDepth, 1},
		{"sieve.cache_size", c.CacheSize, 1},
	} {
		if l.v < l.least {
			bad(l.key, "must be at least %d, got %d", l.least, l.v)
		}
	}
	if s := c.SubaddressSeparator; s != "" {
		if len(s) != 1 || (detailSeparator != "" && !strings.Contains(detailSeparator, s)) {
			bad("sieve.subaddress_separator", "%q must be one character of lmtp.detail_separator %q", s, detailSeparator)
		}
	}
	const week = Duration(7 * 24 * time.Hour)
	switch {
	case c.VacationMinimum <= 0:
		bad("sieve.vacation_minimum", "must be positive (RFC 5230 §4.1)")
	case c.VacationMaximum <= week:
		bad("sieve.vacation_maximum", "must be above 7 days (RFC 5230 §4.1)")
	case c.VacationMinimum > c.VacationMaximum:
		bad("sieve.vacation_minimum", "is above sieve.vacation_maximum")
	}
	if c.ErrorReport != SieveReportNone && c.ErrorReport != SieveReportInbox {
		bad("sieve.error_report", "%q is not one of none, inbox", c.ErrorReport)
	}
}

// isDotLevel reports whether a mailbox name has a level "." or "..", which
// IMAP refuses (server/imap) although the store could keep it.
func isDotLevel(name string) bool {
	for _, level := range strings.Split(name, "/") {
		if level == "." || level == ".." {
			return true
		}
	}
	return false
}

// listenerSet is one protocol's listen addresses.
type listenerSet struct {
	proto       string // "lmtp", "imap", "imaps", "pop3", "pop3s", "managesieve": the key in Server.Addrs
	addrs       []string
	implicitTLS bool
}

func (c *Config) listenerSets() []listenerSet {
	return []listenerSet{
		{proto: "lmtp", addrs: c.LMTP.Listen},
		{proto: "imap", addrs: c.IMAP.Listen},
		{proto: "imaps", addrs: c.IMAPS.Listen, implicitTLS: true},
		{proto: "pop3", addrs: c.POP3.Listen},
		{proto: "pop3s", addrs: c.POP3S.Listen, implicitTLS: true},
		{proto: "managesieve", addrs: c.ManageSieve.Listen},
	}
}

// parseListenAddr splits a listen address into the network and address
// that net.Listen takes: "unix:/path" is a unix socket, anything else a TCP
// "host:port".
func parseListenAddr(s string) (network, address string, err error) {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		if path == "" {
			return "", "", fmt.Errorf("%q: unix socket path is empty", s)
		}
		return "unix", path, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", "", fmt.Errorf("%q: want host:port or unix:/path", s)
	}
	if strings.ContainsAny(host, " \t") {
		return "", "", fmt.Errorf("%q: host contains white space", s)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", "", fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	return "tcp", net.JoinHostPort(host, strconv.FormatUint(n, 10)), nil
}

// NewLogger returns a logger that writes to w at the configured level and
// in the configured format.
func (c LogConfig) NewLogger(w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(c.Level)
	if err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.Format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log.format: %q is not one of text, json", c.Format)
	}
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not one of debug, info, warn, error", s)
}
