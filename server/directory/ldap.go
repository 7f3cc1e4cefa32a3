package directory

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// LDAPOptions configures an LDAP directory (see OpenLDAP). The server's
// [directory.ldap] configuration section fills it; DefaultLDAPOptions
// gives the defaults, which match the schema in testdata/ldap/.
type LDAPOptions struct {
	// URLs are the LDAP servers, tried in order when one cannot be
	// reached: "ldap://host:port" or "ldaps://host:port" (RFC 4516 §2,
	// scheme, host and port only).
	URLs []string
	// StartTLS upgrades each ldap:// connection with the StartTLS
	// operation (RFC 4511 §4.14) before anything else is sent.
	StartTLS bool
	// CAFile is a PEM file of the certificates that ldaps:// and StartTLS
	// servers are verified against; "" uses the system's roots.
	CAFile string
	// BindDN and BindPassword are the service account the directory
	// binds as to search and to provision. BindDN "" searches anonymously.
	BindDN       string
	BindPassword string
	// UserBase is the subtree searched for accounts; GroupBase for
	// groups. Provisioned accounts and groups are created directly below
	// them.
	UserBase  string
	GroupBase string
	// UserFilter finds an account by login name, AddressFilter by mail
	// address (RFC 4515 filters). Each "%s" is replaced by the value,
	// escaped with ldap.EscapeFilter, so that no value can change the
	// filter's structure. UserFilter with "%s" replaced by "*" must match
	// every account (Users lists them so).
	UserFilter    string
	AddressFilter string
	// GroupFilter matches every group entry under GroupBase.
	GroupFilter string
	// UserObjectClasses are the object classes of a provisioned account.
	UserObjectClasses []string

	// Attribute names. LoginAttr holds the login name (and names the
	// entry: LoginAttr=login,UserBase). AddressAttrs hold the addresses:
	// the first value of the first attribute is the primary address,
	// then the others in order; a provisioned account gets its primary
	// address in the first attribute and its aliases in the second (in
	// the first too if there is no second). QuotaStorageAttr (octets) and
	// QuotaMessagesAttr hold integers, 0 meaning no limit, absent meaning
	// the default of the settings entry. EnabledAttr is a boolean
	// ("FALSE": the account may not log in; absent: enabled).
	// SieveScriptAttr holds the account's personal Sieve script; "" if
	// the directory keeps none. MemberOfAttr, on an account, names the
	// DNs of its groups; "" finds the groups by searching GroupBase for
	// entries whose GroupMemberAttr holds the account's DN.
	// GroupNameAttr names a group.
	LoginAttr         string
	AddressAttrs      []string
	QuotaStorageAttr  string
	QuotaMessagesAttr string
	EnabledAttr       string
	SieveScriptAttr   string
	MemberOfAttr      string
	GroupNameAttr     string
	GroupMemberAttr   string

	// SettingsDN is the entry (object class loftSettings) that holds the
	// configuration every Loft server shares; "" if there is none.
	SettingsDN string
	// SettingsInterval is how often the settings entry is read again; 0
	// reads it only at start and on Reload.
	SettingsInterval time.Duration

	// PoolSize is the most connections open to the LDAP servers for
	// searches, and as many again for binds as users.
	PoolSize int
	// DialTimeout bounds connecting to one server (TCP, TLS, StartTLS);
	// RequestTimeout one request and its answer. Their sum bounds each
	// call of the directory, waiting for a connection included.
	DialTimeout    time.Duration
	RequestTimeout time.Duration
	// CacheTTL is how long a found account is remembered, so that a burst
	// of deliveries or logins searches once; 0 searches every time. A
	// change made in the directory by another program is seen once the
	// entry expires; changes made through this LDAP value at once.
	CacheTTL time.Duration

	// Logger receives warnings (a settings entry that cannot be read); nil
	// discards them. Nothing logged holds a password.
	Logger *slog.Logger
}

// DefaultLDAPOptions returns the defaults: the schema of testdata/ldap/
// (inetOrgPerson with the auxiliary class loftAccount, groupOfNames with
// the memberOf overlay), a pool of 8 connections, 5-second dial and
// request timeouts, a 60-second cache and the settings read every 5
// minutes. URLs, bases and the service account have no default.
func DefaultLDAPOptions() LDAPOptions {
	return LDAPOptions{
		UserFilter:        "(&(objectClass=inetOrgPerson)(uid=%s))",
		AddressFilter:     "(&(objectClass=inetOrgPerson)(|(mail=%s)(loftMailAlias=%s)))",
		GroupFilter:       "(objectClass=groupOfNames)",
		UserObjectClasses: []string{"inetOrgPerson", "loftAccount"},
		LoginAttr:         "uid",
		AddressAttrs:      []string{"mail", "loftMailAlias"},
		QuotaStorageAttr:  "loftQuotaStorage",
		QuotaMessagesAttr: "loftQuotaMessages",
		EnabledAttr:       "loftEnabled",
		SieveScriptAttr:   "loftSieveScript",
		MemberOfAttr:      "memberOf",
		GroupNameAttr:     "cn",
		GroupMemberAttr:   "member",
		SettingsInterval:  5 * time.Minute,
		PoolSize:          8,
		DialTimeout:       5 * time.Second,
		RequestTimeout:    5 * time.Second,
		CacheTTL:          time.Minute,
	}
}

// Check reports the first problem with o, wrapping ErrInvalid; the error
// names the option. OpenLDAP calls it.
func (o *LDAPOptions) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(o.URLs) == 0 {
		return bad("urls: at least one LDAP server is needed")
	}
	for _, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return bad("urls: %q is not ldap://host[:port] or ldaps://host[:port]", raw)
		}
	}
	for _, k := range []struct {
		name, dn string
		required bool
	}{{"user_base", o.UserBase, true}, {"group_base", o.GroupBase, true}, {"bind_dn", o.BindDN, false}, {"settings_dn", o.SettingsDN, false}} {
		if k.dn == "" && k.required {
			return bad("%s: must be set", k.name)
		}
		if k.dn != "" {
			if _, err := ldap.ParseDN(k.dn); err != nil {
				return bad("%s: %q is not a DN: %v", k.name, k.dn, err)
			}
		}
	}
	if o.BindDN != "" && o.BindPassword == "" {
		return bad("bind_password: must be set when bind_dn is")
	}
	for _, k := range []struct {
		name, filter string
		takesValue   bool
	}{{"user_filter", o.UserFilter, true}, {"address_filter", o.AddressFilter, true}, {"group_filter", o.GroupFilter, false}} {
		if k.takesValue && !strings.Contains(k.filter, "%s") {
			return bad("%s: %q has no %%s", k.name, k.filter)
		}
		if _, err := ldap.CompileFilter(strings.ReplaceAll(k.filter, "%s", "x")); err != nil {
			return bad("%s: %q: %v", k.name, k.filter, err)
		}
	}
	if o.LoginAttr == "" || len(o.AddressAttrs) == 0 || o.GroupNameAttr == "" || o.GroupMemberAttr == "" {
		return bad("login_attribute, address_attributes, group_name_attribute and group_member_attribute must be set")
	}
	if len(o.UserObjectClasses) == 0 {
		return bad("user_object_classes: must not be empty")
	}
	if o.PoolSize < 1 {
		return bad("pool_size: must be at least 1")
	}
	if o.DialTimeout <= 0 || o.RequestTimeout <= 0 {
		return bad("dial_timeout and request_timeout must be positive")
	}
	if o.CacheTTL < 0 || o.SettingsInterval < 0 {
		return bad("cache_ttl and settings_interval must not be negative")
	}
	return nil
}

// Settings is the configuration that every Loft server sharing a directory
// shares. The LDAP directory reads it from its settings entry; the file
// directory has none and returns the zero Settings.
type Settings struct {
	// GlobalSieveScript is the Sieve script (RFC 5228 source, UTF-8) run
	// for every delivery before the account's own; "" when there is none.
	GlobalSieveScript string
	// DefaultQuotaStorage (octets) and DefaultQuotaMessages are the quotas
	// of an account whose entry sets none; 0 means no limit. Accounts
	// returned by the directory have them applied already.
	DefaultQuotaStorage  int64
	DefaultQuotaMessages int64
}

// The attributes of the settings entry (object class loftSettings in
// testdata/ldap/loft.schema).
const (
	attrGlobalSieve          = "loftGlobalSieveScript"
	attrDefaultQuotaStorage  = "loftDefaultQuotaStorage"
	attrDefaultQuotaMessages = "loftDefaultQuotaMessages"
)

// LDAP is the LDAP backend of Directory (RFC 4510 and its companions): it
// authenticates by binding as the account's entry with the given password
// (RFC 4513 §5.1.3), and finds accounts, groups, quotas and Sieve scripts
// by searching with the configured filters and attribute names. It keeps
// no state of its own besides a short-lived cache of found entries, so
// several Loft servers share one directory. An LDAP is safe for
// concurrent use by many goroutines.
//
// When no LDAP server answers (down, unreachable, slower than the request
// timeout) every method returns ErrUnavailable, never ErrAuthFailed or
// ErrNotFound, at the latest DialTimeout + RequestTimeout after it was
// called (however many callers wait); connections are opened again as
// soon as a server answers.
type LDAP struct {
	o      LDAPOptions
	log    *slog.Logger
	search *pool // bound as the service account
	auth   *pool // users bind on these
	cache  *entryCache

	dummyDN string // a DN no entry has, bound to for unknown login names

	settingsMu sync.Mutex
	settings   *Settings // nil until read

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup

	searches, binds counter
}

type counter struct {
	mu sync.Mutex
	n  uint64
}

func (c *counter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

var _ Directory = (*LDAP)(nil)

// OpenLDAP returns an LDAP directory. It checks o (ErrInvalid) and reads
// the CA file, but does not need an LDAP server to be up: it tries to read
// the settings entry, and when that fails it logs a warning and reads it
// again on the next Settings call, at the next interval or on Reload.
func OpenLDAP(o LDAPOptions) (*LDAP, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: ca_file: %v", ErrInvalid, err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: ca_file %s holds no PEM certificate", ErrInvalid, o.CAFile)
		}
		tlsConfig.RootCAs = roots
	}
	o.URLs = slices.Clone(o.URLs)
	o.AddressAttrs = slices.Clone(o.AddressAttrs)
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &LDAP{
		o:       o,
		log:     log,
		cache:   newEntryCache(o.CacheTTL),
		dummyDN: o.LoginAttr + "=loft-no-such-entry-" + rand.Text() + "," + o.UserBase,
		stop:    make(chan struct{}),
	}
	d.search = newPool(&d.o, tlsConfig, o.BindDN, o.BindPassword)
	d.auth = newPool(&d.o, tlsConfig, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), o.DialTimeout+o.RequestTimeout)
	if _, err := d.readSettings(ctx); err != nil {
		log.Warn("ldap: settings entry not read; will retry", "dn", o.SettingsDN, "err", err)
	}
	cancel()
	if o.SettingsInterval > 0 && o.SettingsDN != "" {
		d.wg.Go(d.refreshSettings)
	}
	return d, nil
}

// Close stops the settings refresh and closes the connections.
func (d *LDAP) Close() error {
	d.stopOnce.Do(func() { close(d.stop) })
	d.wg.Wait()
	d.search.close()
	d.auth.close()
	d.cache.clear()
	return nil
}

// LDAPStats counts what an LDAP directory asked its servers.
type LDAPStats struct {
	Searches uint64 // search requests sent
	Binds    uint64 // user binds sent (not those of the service account)
	Dials    uint64 // connections opened
}

// Stats returns the counts since OpenLDAP.
func (d *LDAP) Stats() LDAPStats {
	return LDAPStats{
		Searches: d.searches.get(),
		Binds:    d.binds.get(),
		Dials:    d.search.dials.Load() + d.auth.dials.Load(),
	}
}

// maxLDAPLogin bounds a login name sent to the LDAP server.
const maxLDAPLogin = 256

// plausibleLogin reports whether login may be searched for: not empty, at
// most maxLDAPLogin octets of UTF-8, no control characters. Any other
// character is allowed (the filter escapes it).
func plausibleLogin(login string) bool {
	if login == "" || len(login) > maxLDAPLogin || !utf8.ValidString(login) {
		return false
	}
	return !strings.ContainsFunc(login, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// Authenticate implements Directory: it finds the account's entry by its
// login name and binds as that entry with the password (RFC 4513 §5.1.3,
// simple authentication). An empty password is refused before anything is
// sent: to an LDAP server it would be an unauthenticated bind (RFC 4513
// §5.1.2), which succeeds. For a login name that no entry has, a bind to a
// DN that does not exist is sent all the same, so that the answer takes
// about as long. A disabled account is ErrAuthFailed after a right
// password; an LDAP server that does not answer, ErrUnavailable.
func (d *LDAP) Authenticate(ctx context.Context, login, password string) (*Account, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if password == "" || len(password) > MaxPasswordLen {
		return nil, ErrAuthFailed
	}
	var e *ldapEntry
	if plausibleLogin(login) {
		var err error
		e, err = d.entryByLogin(ctx, login)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	dn := d.dummyDN
	if e != nil {
		dn = e.dn
	}
	if err := d.bind(ctx, dn, password); err != nil {
		return nil, err
	}
	if e == nil {
		// The dummy DN bound: a directory that accepts anything.
		return nil, fmt.Errorf("%w: the LDAP server accepted a bind to %s", ErrUnavailable, dn)
	}
	if !e.acct.Enabled {
		return nil, fmt.Errorf("%w: account %q is disabled", ErrAuthFailed, login)
	}
	return cloneAccount(e.acct), nil
}

// bind binds as dn with password on a connection of the auth pool:
// ErrAuthFailed for wrong credentials or an entry that does not exist,
// ErrUnavailable when the server does not answer.
func (d *LDAP) bind(ctx context.Context, dn, password string) error {
	err := d.auth.do(ctx, func(c *ldap.Conn) error {
		d.binds.add()
		_, err := c.SimpleBind(&ldap.SimpleBindRequest{Username: dn, Password: password})
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case isUnavailable(err), !isServerAnswer(err):
		// Only an answer of the server says that the password is wrong;
		// a connection that broke or a reply that could not be read
		// says nothing about it.
		return fmt.Errorf("%w: bind: %v", ErrUnavailable, err)
	}
	// invalidCredentials (49), and the answers of servers that refuse
	// the entry: inappropriateAuthentication, unwillingToPerform (a
	// locked account), insufficientAccessRights, noSuchObject.
	return fmt.Errorf("%w: %v", ErrAuthFailed, ldapResult(err))
}

// ldapResult describes an LDAP error without the request's values.
func ldapResult(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		return fmt.Sprintf("LDAP result %d (%s)", le.ResultCode, ldap.LDAPResultCodeMap[le.ResultCode])
	}
	return "LDAP error"
}

// LookupLogin implements Directory. The login attribute's value must equal
// login exactly: LDAP matches uid without regard to case, Loft's login
// names are case-sensitive.
func (d *LDAP) LookupLogin(ctx context.Context, login string) (*Account, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if !plausibleLogin(login) {
		return nil, ErrNotFound
	}
	e, err := d.entryByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	return cloneAccount(e.acct), nil
}

// LookupAddress implements Directory with AddressFilter. An address that
// two entries hold is ErrUnavailable (the directory is inconsistent: no
// delivery should pick one of them). So is an entry whose login name
// another entry holds too: mail is filed under the login name, and mail
// for the one must not land in the mailbox of the other. An entry that
// UserFilter does not find by its login name is not an account
// (ErrNotFound).
func (d *LDAP) LookupAddress(ctx context.Context, address string) (*Account, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	addr, err := CanonicalAddress(address)
	if err != nil {
		return nil, ErrNotFound
	}
	key := "a:" + addr
	if e := d.cache.get(key); e != nil {
		return cloneAccount(e.acct), nil
	}
	entries, err := d.searchUsers(ctx, fillFilter(d.o.AddressFilter, addr))
	if err != nil {
		return nil, err
	}
	switch len(entries) {
	case 0:
		return nil, ErrNotFound
	case 1:
	default:
		return nil, fmt.Errorf("%w: address %s is held by %d entries", ErrUnavailable, addr, len(entries))
	}
	e, err := d.entry(ctx, entries[0])
	if err != nil {
		return nil, err
	}
	byLogin, err := d.entryByLogin(ctx, e.acct.Login)
	if err != nil {
		return nil, err
	}
	if !sameDN(byLogin.dn, e.dn) {
		return nil, fmt.Errorf("%w: %s: login name %q is %s", ErrNotFound, addr, e.acct.Login, byLogin.dn)
	}
	d.cache.put(key, e)
	return cloneAccount(e.acct), nil
}

// entryByLogin finds the entry of login, from the cache or the server.
func (d *LDAP) entryByLogin(ctx context.Context, login string) (*ldapEntry, error) {
	key := "l:" + login
	if e := d.cache.get(key); e != nil {
		return e, nil
	}
	le, err := d.findLogin(ctx, login, d.userAttrs())
	if err != nil {
		return nil, err
	}
	e, err := d.entry(ctx, le)
	if err != nil {
		return nil, err
	}
	if e.acct.Login != login {
		return nil, ErrNotFound
	}
	d.cache.put(key, e)
	return e, nil
}

// findLogin searches for the entry of login with UserFilter and reads
// attrs of it. Only an entry whose login attribute holds login exactly
// counts: ErrNotFound if none does, ErrUnavailable if several do.
func (d *LDAP) findLogin(ctx context.Context, login string, attrs []string) (*ldap.Entry, error) {
	entries, err := d.searchEntries(ctx, d.o.UserBase, ldap.ScopeWholeSubtree, fillFilter(d.o.UserFilter, login), attrs)
	if err != nil {
		return nil, err
	}
	var found []*ldap.Entry
	for _, le := range entries {
		if slices.Contains(le.GetAttributeValues(d.o.LoginAttr), login) {
			found = append(found, le)
		}
	}
	switch len(found) {
	case 0:
		return nil, ErrNotFound
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%w: login name %q is held by %d entries", ErrUnavailable, login, len(found))
}

// fillFilter replaces each "%s" of filter by value escaped for a filter
// (RFC 4515 §3): "*", "(", ")", "\" and NUL become \XX, so that the value
// is always one assertion value.
func fillFilter(filter, value string) string {
	return strings.ReplaceAll(filter, "%s", ldap.EscapeFilter(value))
}

// userAttrs are the attributes read from an account's entry.
func (d *LDAP) userAttrs() []string {
	attrs := []string{d.o.LoginAttr}
	attrs = append(attrs, d.o.AddressAttrs...)
	for _, a := range []string{d.o.QuotaStorageAttr, d.o.QuotaMessagesAttr, d.o.EnabledAttr, d.o.SieveScriptAttr, d.o.MemberOfAttr} {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	return attrs
}

// searchUsers searches UserBase with filter.
func (d *LDAP) searchUsers(ctx context.Context, filter string) ([]*ldap.Entry, error) {
	return d.searchEntries(ctx, d.o.UserBase, ldap.ScopeWholeSubtree, filter, d.userAttrs())
}

// searchEntries runs one search as the service account: ErrUnavailable
// when the server does not answer, nothing (not an error) when base does
// not exist.
func (d *LDAP) searchEntries(ctx context.Context, base string, scope int, filter string, attrs []string) ([]*ldap.Entry, error) {
	var res *ldap.SearchResult
	err := d.search.do(ctx, func(c *ldap.Conn) error {
		d.searches.add()
		var err error
		res, err = c.Search(ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
		return err
	})
	switch {
	case err == nil:
		return res.Entries, nil
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, err
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return nil, nil
	}
	return nil, fmt.Errorf("%w: search %s: %v", ErrUnavailable, base, err)
}

// entry builds the account of an entry: addresses in canonical form (values
// that are not addresses are left out), quotas (the settings' defaults
// where the entry sets none), enabled, Sieve script, groups.
func (d *LDAP) entry(ctx context.Context, le *ldap.Entry) (*ldapEntry, error) {
	logins := le.GetAttributeValues(d.o.LoginAttr)
	if len(logins) != 1 {
		// None, or several: which of them the account's mail is filed
		// under would depend on the order the server sends them in.
		return nil, fmt.Errorf("%w: entry %s has %d values of %s, not one", ErrUnavailable, le.DN, len(logins), d.o.LoginAttr)
	}
	st, err := d.Settings(ctx)
	if err != nil {
		return nil, err
	}
	a := &Account{
		Login:         logins[0],
		Addresses:     []string{},
		QuotaStorage:  st.DefaultQuotaStorage,
		QuotaMessages: st.DefaultQuotaMessages,
		Enabled:       true,
		Groups:        []string{},
	}
	for _, attr := range d.o.AddressAttrs {
		for _, v := range le.GetAttributeValues(attr) {
			if c, err := CanonicalAddress(v); err == nil && !slices.Contains(a.Addresses, c) {
				a.Addresses = append(a.Addresses, c)
			}
		}
	}
	for _, q := range []struct {
		attr string
		dst  *int64
	}{{d.o.QuotaStorageAttr, &a.QuotaStorage}, {d.o.QuotaMessagesAttr, &a.QuotaMessages}} {
		if q.attr == "" {
			continue
		}
		if v := le.GetAttributeValue(q.attr); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: entry %s: %s %q is not a quota", ErrUnavailable, le.DN, q.attr, v)
			}
			*q.dst = n
		}
	}
	if d.o.EnabledAttr != "" && strings.EqualFold(le.GetAttributeValue(d.o.EnabledAttr), "FALSE") {
		a.Enabled = false
	}
	if d.o.SieveScriptAttr != "" {
		a.SieveScript = le.GetAttributeValue(d.o.SieveScriptAttr)
	}
	if d.o.MemberOfAttr != "" {
		for _, g := range le.GetAttributeValues(d.o.MemberOfAttr) {
			if name := rdnValue(g, d.o.GroupNameAttr); name != "" {
				a.Groups = append(a.Groups, name)
			}
		}
	} else {
		groups, err := d.searchEntries(ctx, d.o.GroupBase, ldap.ScopeWholeSubtree,
			"(&"+d.o.GroupFilter+"("+d.o.GroupMemberAttr+"="+ldap.EscapeFilter(le.DN)+"))", []string{d.o.GroupNameAttr})
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if name := g.GetAttributeValue(d.o.GroupNameAttr); name != "" {
				a.Groups = append(a.Groups, name)
			}
		}
	}
	sort.Strings(a.Groups)
	a.Groups = slices.Compact(a.Groups)
	return &ldapEntry{dn: le.DN, acct: a}, nil
}

// rdnValue returns the value of attr in the first RDN of dn, or "".
func rdnValue(dn, attr string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 {
		return ""
	}
	for _, av := range parsed.RDNs[0].Attributes {
		if strings.EqualFold(av.Type, attr) {
			return av.Value
		}
	}
	return ""
}

func cloneAccount(a *Account) *Account {
	c := *a
	c.Addresses = slices.Clone(a.Addresses)
	c.Groups = slices.Clone(a.Groups)
	return &c
}

// Groups implements Directory: every entry under GroupBase that
// GroupFilter matches, named by GroupNameAttr, with the login names of the
// members that are accounts (members named by a DN whose first RDN is the
// login attribute are taken from the DN; others are read).
func (d *LDAP) Groups(ctx context.Context) ([]Group, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	entries, err := d.searchEntries(ctx, d.o.GroupBase, ldap.ScopeWholeSubtree, d.o.GroupFilter,
		[]string{d.o.GroupNameAttr, d.o.GroupMemberAttr})
	if err != nil {
		return nil, err
	}
	groups := make([]Group, 0, len(entries))
	for _, ge := range entries {
		g, err := d.group(ctx, ge)
		if err != nil {
			return nil, err
		}
		if g.Name != "" {
			groups = append(groups, *g)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
	return groups, nil
}

// group builds a Group from its entry.
func (d *LDAP) group(ctx context.Context, ge *ldap.Entry) (*Group, error) {
	g := &Group{Name: ge.GetAttributeValue(d.o.GroupNameAttr), Members: []string{}}
	for _, m := range ge.GetAttributeValues(d.o.GroupMemberAttr) {
		login, err := d.loginOfDN(ctx, m)
		if err != nil {
			return nil, err
		}
		if login != "" {
			g.Members = append(g.Members, login)
		}
	}
	sort.Strings(g.Members)
	g.Members = slices.Compact(g.Members)
	return g, nil
}

// loginOfDN returns the login name of the account entry dn, "" if dn is not
// an account under UserBase.
func (d *LDAP) loginOfDN(ctx context.Context, dn string) (string, error) {
	if !isUnder(dn, d.o.UserBase) {
		return "", nil
	}
	if v := rdnValue(dn, d.o.LoginAttr); v != "" {
		return v, nil
	}
	entries, err := d.searchEntries(ctx, dn, ldap.ScopeBaseObject, "(objectClass=*)", []string{d.o.LoginAttr})
	if err != nil || len(entries) == 0 {
		return "", err
	}
	return entries[0].GetAttributeValue(d.o.LoginAttr), nil
}

// isUnder reports whether dn is base or below it.
func isUnder(dn, base string) bool {
	p, err := ldap.ParseDN(dn)
	if err != nil {
		return false
	}
	b, err := ldap.ParseDN(base)
	if err != nil {
		return false
	}
	return b.AncestorOfFold(p) || b.EqualFold(p)
}

// Settings implements Directory: the settings entry as last read. Before
// it has been read once, it is read now; ErrUnavailable if that fails.
// Without a settings entry (SettingsDN ""), the zero Settings.
func (d *LDAP) Settings(ctx context.Context) (Settings, error) {
	d.settingsMu.Lock()
	st := d.settings
	d.settingsMu.Unlock()
	if st != nil {
		return *st, nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	return d.readSettings(ctx)
}

// bound limits ctx to what one call of the directory may take:
// DialTimeout + RequestTimeout from now. The time spent waiting for a
// connection of the pool counts, so that when the LDAP server is slow
// and every connection is busy, callers do not queue behind one another
// for many request timeouts: each gets ErrUnavailable once its own time
// is up.
func (d *LDAP) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.o.DialTimeout+d.o.RequestTimeout)
}

// Reload reads the settings entry again and empties the cache, so that
// changes made in the directory are seen at once (the server calls it on
// SIGHUP). On error the settings read before stay.
func (d *LDAP) Reload(ctx context.Context) error {
	d.cache.clear()
	ctx, cancel := d.bound(ctx)
	defer cancel()
	_, err := d.readSettings(ctx)
	return err
}

// readSettings reads the settings entry and keeps it.
func (d *LDAP) readSettings(ctx context.Context) (Settings, error) {
	var st Settings
	if d.o.SettingsDN != "" {
		entries, err := d.searchEntries(ctx, d.o.SettingsDN, ldap.ScopeBaseObject, "(objectClass=*)",
			[]string{attrGlobalSieve, attrDefaultQuotaStorage, attrDefaultQuotaMessages})
		if err != nil {
			return Settings{}, err
		}
		if len(entries) == 0 {
			return Settings{}, fmt.Errorf("%w: settings entry %s does not exist", ErrUnavailable, d.o.SettingsDN)
		}
		e := entries[0]
		st.GlobalSieveScript = e.GetAttributeValue(attrGlobalSieve)
		for _, q := range []struct {
			attr string
			dst  *int64
		}{{attrDefaultQuotaStorage, &st.DefaultQuotaStorage}, {attrDefaultQuotaMessages, &st.DefaultQuotaMessages}} {
			if v := e.GetAttributeValue(q.attr); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return Settings{}, fmt.Errorf("%w: settings entry %s: %s %q is not a quota", ErrUnavailable, d.o.SettingsDN, q.attr, v)
				}
				*q.dst = n
			}
		}
	}
	d.settingsMu.Lock()
	changed := d.settings != nil && *d.settings != st
	d.settings = &st
	d.settingsMu.Unlock()
	if changed {
		// Cached accounts have the old default quotas applied.
		d.cache.clear()
	}
	return st, nil
}

// refreshSettings reads the settings entry every SettingsInterval until
// Close.
func (d *LDAP) refreshSettings() {
	t := time.NewTicker(d.o.SettingsInterval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), d.o.DialTimeout+d.o.RequestTimeout)
			if _, err := d.readSettings(ctx); err != nil {
				d.log.Warn("ldap: settings entry not read", "dn", d.o.SettingsDN, "err", err)
			}
			cancel()
		}
	}
}
