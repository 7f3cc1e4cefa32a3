package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/loftmail/loft/rfc/rfc3848"
	"github.com/loftmail/loft/server/directory"
	"github.com/loftmail/loft/store"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "loft.toml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	host, err := os.Hostname()
	if err != nil || !rfc3848.IsDomain(host) {
		host = "localhost"
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", cfg.DataDir, "./var"},
		{"hostname", cfg.Hostname, host},
		{"log.level", cfg.Log.Level, "info"},
		{"log.format", cfg.Log.Format, "text"},
		{"tls.cert_file", cfg.TLS.CertFile, ""},
		{"auth.plaintext", cfg.Auth.Plaintext, PlaintextLoopback},
		{"limits.max_message_size", int64(cfg.Limits.MaxMessageSize), int64(50 * 1024 * 1024)},
		{"limits.max_literal_size", int64(cfg.Limits.MaxLiteralSize), int64(50 * 1024 * 1024)},
		{"limits.idle_timeout", cfg.Limits.IdleTimeout.Duration(), 10 * time.Minute},
		{"limits.login_timeout", cfg.Limits.LoginTimeout.Duration(), time.Minute},
		{"limits.max_connections", cfg.Limits.MaxConnections, 1000},
		{"limits.max_connections_per_ip", cfg.Limits.MaxConnectionsPerIP, 50},
		{"limits.imap_idle_timeout", cfg.Limits.IMAPIdleTimeout.Duration(), 30 * time.Minute},
		{"limits.max_recipients", cfg.Limits.MaxRecipients, 100},
		{"limits.max_script_size", int64(cfg.Limits.MaxScriptSize), int64(1 << 20)},
		{"limits.max_scripts", cfg.Limits.MaxScripts, 100},
		{"lmtp.listen", cfg.LMTP.Listen, []string{"127.0.0.1:2424"}},
		{"lmtp.postmaster", cfg.LMTP.Postmaster, "postmaster"},
		{"imap.listen", cfg.IMAP.Listen, []string{"127.0.0.1:1143"}},
		{"imaps.listen", cfg.IMAPS.Listen, []string{"127.0.0.1:1993"}},
		{"pop3.listen", cfg.POP3.Listen, []string{"127.0.0.1:1110"}},
		{"pop3s.listen", cfg.POP3S.Listen, []string{"127.0.0.1:1995"}},
		{"managesieve.listen", cfg.ManageSieve.Listen, []string{"127.0.0.1:4190"}},
		{"directory.backend", cfg.Directory.Backend, "file"},
		{"DirectoryPath", cfg.DirectoryPath(), filepath.Join("var", "directory")},
		{"StorePath", cfg.StorePath(), filepath.Join("var", "store")},
		{"TLSDir", cfg.TLSDir(), filepath.Join("var", "tls")},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}

	cfg.Directory.Path = "/srv/dir"
	if got := cfg.DirectoryPath(); got != "/srv/dir" {
		t.Errorf("DirectoryPath with directory.path set = %q, want /srv/dir", got)
	}
}

func TestDefaultHostname(t *testing.T) {
	tests := []struct {
		os   string
		err  error
		want string
	}{
		{"mail.example.org", nil, "mail.example.org"},
		{"box", nil, "box"},
		{"under_score", nil, "localhost"},
		{"", nil, "localhost"},
		{"mail.example.org", errors.New("no host name"), "localhost"},
	}
	for _, tt := range tests {
		cfg := defaultConfig(func() (string, error) { return tt.os, tt.err })
		if cfg.Hostname != tt.want {
			t.Errorf("host name %q, %v: Hostname = %q, want %q", tt.os, tt.err, cfg.Hostname, tt.want)
		}
	}
}

func TestLoadConfigEmptyPathIsDefault(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultConfig(), cfg); diff != "" {
		t.Errorf("LoadConfig(\"\") differs from DefaultConfig (-want +got):\n%s", diff)
	}
}

func TestLoadConfigOverlay(t *testing.T) {
	path := writeConfig(t, `
data_dir = "/srv/loft"
hostname = "mail.example.org"

[log]
format = "json"

[auth]
plaintext = "never"
failure_delay = 0

[limits]
max_message_size = "10 MiB"
max_literal_size = "5 MiB"
idle_timeout = 300
login_timeout = "20s"
max_connections_per_ip = 0
imap_idle_timeout = "45m"

[lmtp]
listen = ["unix:/run/loft/lmtp.sock", "[::1]:24"]
over_quota_permanent = true
postmaster = "admin"

[pop3s]
listen = []

[imap]
listen = ["127.0.0.1:143"]

[imaps]
listen = []

[store]
poll_interval = "250ms"

[mailboxes]
junk = "Spam"
archive = ""

[quota]
default_storage = "2 GB"
`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.DataDir = "/srv/loft"
	want.Hostname = "mail.example.org"
	want.Log.Format = "json"
	want.Auth.Plaintext = PlaintextNever
	want.Auth.FailureDelay = 0
	want.Limits.MaxMessageSize = 10 << 20
	want.Limits.MaxLiteralSize = 5 << 20
	want.Limits.IdleTimeout = Duration(5 * time.Minute)
	want.Limits.LoginTimeout = Duration(20 * time.Second)
	want.Limits.MaxConnectionsPerIP = 0
	want.Limits.IMAPIdleTimeout = Duration(45 * time.Minute)
	want.IMAP.Listen = []string{"127.0.0.1:143"}
	want.IMAPS.Listen = []string{}
	want.LMTP.Listen = []string{"unix:/run/loft/lmtp.sock", "[::1]:24"}
	want.LMTP.OverQuotaPermanent = true
	want.LMTP.Postmaster = "admin"
	want.POP3S.Listen = []string{}
	want.Store.PollInterval = Duration(250 * time.Millisecond)
	want.Mailboxes.Junk = "Spam"
	want.Mailboxes.Archive = ""
	want.Quota.DefaultStorage = 2e9
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("loaded config (-want +got):\n%s", diff)
	}
	if got, want := cfg.StorePath(), filepath.Join("/srv/loft", "store"); got != want {
		t.Errorf("StorePath = %q, want %q", got, want)
	}
}

// TestNewAccountMailboxes: [mailboxes] becomes the store's new-account
// mailboxes, each with its special use, without the ones named "".
func TestNewAccountMailboxes(t *testing.T) {
	m := DefaultConfig().Mailboxes
	m.Junk = "Spam"
	m.Archive = ""
	want := []store.NewMailbox{
		{Name: "Drafts", SpecialUse: []string{`\Drafts`}},
		{Name: "Sent", SpecialUse: []string{`\Sent`}},
		{Name: "Trash", SpecialUse: []string{`\Trash`}},
		{Name: "Spam", SpecialUse: []string{`\Junk`}},
	}
	if diff := cmp.Diff(want, m.NewAccountMailboxes()); diff != "" {
		t.Errorf("NewAccountMailboxes (-want +got):\n%s", diff)
	}
	if got := (MailboxesConfig{}).NewAccountMailboxes(); got != nil {
		t.Errorf("no names: %v, want none", got)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{"unknown top-level key", `dta_dir = "x"`, []string{"unknown key dta_dir"}},
		{"unknown nested key", "[lmtp]\nlisten_on = []", []string{"unknown key lmtp.listen_on"}},
		{"unknown table", "[imap4]\nlisten = []", []string{"unknown key imap4"}},
		{"syntax", "data_dir = ", []string{"line 1"}},
		{"wrong type", "[limits]\nmax_connections = \"many\"", []string{"limits.max_connections"}},
		{"bad duration", "[limits]\nidle_timeout = \"soon\"", []string{"limits.idle_timeout", `"soon" is not a duration`}},
		{"bad size", "[limits]\nmax_message_size = \"50 furlongs\"", []string{"limits.max_message_size", "is not a size"}},
		{"ambiguous size unit", "[limits]\nmax_message_size = \"50M\"", []string{"limits.max_message_size"}},
		{"empty data_dir", `data_dir = ""`, []string{"data_dir: must not be empty"}},
		{"hostname with space", `hostname = "mail example"`, []string{"hostname:", "not a domain name"}},
		{"hostname underscore", `hostname = "mail_1.example.org"`, []string{"hostname:"}},
		{"empty hostname", `hostname = ""`, []string{"hostname:"}},
		{"log level", "[log]\nlevel = \"verbose\"", []string{"log.level:", `"verbose"`}},
		{"log format", "[log]\nformat = \"xml\"", []string{"log.format:"}},
		{"cert without key", "[tls]\ncert_file = \"c.pem\"", []string{"tls.key_file: must be set"}},
		{"key without cert", "[tls]\nkey_file = \"k.pem\"", []string{"tls.cert_file: must be set"}},
		{"plaintext", "[auth]\nplaintext = \"sometimes\"", []string{"auth.plaintext:", `"sometimes"`}},
		{"negative delay", "[auth]\nfailure_delay = -1", []string{"auth.failure_delay: must not be negative"}},
		{"negative connections", "[limits]\nmax_connections = -1", []string{"limits.max_connections:"}},
		{"negative default quota", "[quota]\ndefault_storage = -1", []string{"quota.default_storage: must not be negative"}},
		{"negative default message quota", "[quota]\ndefault_messages = -5", []string{"quota.default_messages: must not be negative"}},
		{"absolute prefix", "[imap]\nother_users_prefix = \"/Users/\"", []string{"imap.other_users_prefix:"}},
		{"INBOX prefix", "[imap]\nshared_prefix = \"inbox/Shared/\"", []string{"imap.shared_prefix:"}},
		{"folder without mailbox", "[[lmtp.folder]]\naddress = \"a@example.org\"\naccount = \"alice\"", []string{"lmtp.folder[0]: needs an account and a mailbox"}},
		{"folder address", "[[lmtp.folder]]\naddress = \"no at\"\naccount = \"alice\"\nmailbox = \"X\"", []string{"lmtp.folder[0].address:"}},
		{"negative connections per IP", "[limits]\nmax_connections_per_ip = -1", []string{"limits.max_connections_per_ip: must not be negative"}},
		{"zero login timeout", "[limits]\nlogin_timeout = 0", []string{"limits.login_timeout: must be positive"}},
		{"bad login timeout", "[limits]\nlogin_timeout = \"a minute\"", []string{"limits.login_timeout", "is not a duration"}},
		{"zero message size", "[limits]\nmax_message_size = 0", []string{"limits.max_message_size: must be positive"}},
		{"zero literal size", "[limits]\nmax_literal_size = 0", []string{"limits.max_literal_size: must be positive"}},
		{"short IMAP autologout", "[limits]\nimap_idle_timeout = \"10m\"", []string{"limits.imap_idle_timeout: must be at least 30m0s"}},
		{"imaps duplicate", "[imaps]\nlisten = [\"127.0.0.1:1143\"]", []string{"imaps.listen:", "also in imap.listen"}},
		{"short lines", "[limits]\nmax_line_length = 100", []string{"limits.max_line_length: must be at least 512"}},
		{"zero idle timeout", "[limits]\nidle_timeout = 0", []string{"limits.idle_timeout: must be positive"}},
		{"zero recipients", "[limits]\nmax_recipients = 0", []string{"limits.max_recipients:"}},
		{"zero script size", "[limits]\nmax_script_size = 0", []string{"limits.max_script_size: must be positive"}},
		{"zero scripts", "[limits]\nmax_scripts = 0", []string{"limits.max_scripts: must be at least 1"}},
		{"managesieve duplicate", "[managesieve]\nlisten = [\"127.0.0.1:1110\"]", []string{"managesieve.listen:", "also in pop3.listen"}},
		{"listen without port", "[pop3]\nlisten = [\"127.0.0.1\"]", []string{"pop3.listen:", "want host:port"}},
		{"listen bad port", "[pop3s]\nlisten = [\"127.0.0.1:99999\"]", []string{"pop3s.listen:", "port"}},
		{"listen empty unix", "[lmtp]\nlisten = [\"unix:\"]", []string{"lmtp.listen:", "path is empty"}},
		{"listen duplicate", "[pop3]\nlisten = [\"127.0.0.1:2424\"]", []string{"pop3.listen:", "also in lmtp.listen"}},
		{"detail separator", "[lmtp]\ndetail_separator = \"@\"", []string{"lmtp.detail_separator:"}},
		{"sieve extension", "[sieve]\nextensions = [\"fileinto\", \"nonesuch\"]", []string{"sieve.extensions:", "nonesuch"}},
		{"sieve relay", "[sieve]\nrelay = \"localhost\"", []string{"sieve.relay:"}},
		{"sieve nesting", "[sieve]\nmax_nesting = 10", []string{"sieve.max_nesting:"}},
		{"sieve separator", "[sieve]\nsubaddress_separator = \"-\"", []string{"sieve.subaddress_separator:"}},
		{"sieve vacation maximum", "[sieve]\nvacation_maximum = \"72h\"", []string{"sieve.vacation_maximum:"}},
		{"sieve vacation minimum", "[sieve]\nvacation_minimum = \"2400h\"", []string{"sieve.vacation_minimum:"}},
		{"sieve error report", "[sieve]\nerror_report = \"mail\"", []string{"sieve.error_report:"}},
		{"empty postmaster", "[lmtp]\npostmaster = \"\"", []string{"lmtp.postmaster: not a login name"}},
		{"postmaster with space", "[lmtp]\npostmaster = \"post master\"", []string{"lmtp.postmaster:"}},
		{"poll interval", "[store]\npoll_interval = \"0s\"", []string{"store.poll_interval: must be positive"}},
		{"backend", "[directory]\nbackend = \"sql\"", []string{"directory.backend:", `"sql"`}},
		{"mailbox INBOX", "[mailboxes]\njunk = \"inbox\"", []string{"mailboxes.junk:", `"inbox" is not a mailbox name`}},
		{"mailbox empty level", "[mailboxes]\nsent = \"Mail//Sent\"", []string{"mailboxes.sent:"}},
		{"mailbox dot level", "[mailboxes]\ntrash = \"Mail/../Trash\"", []string{"mailboxes.trash:"}},
		{"mailbox control", "[mailboxes]\ndrafts = \"Dr\\u0001afts\"", []string{"mailboxes.drafts:"}},
		{"mailbox twice", "[mailboxes]\narchive = \"Junk\"", []string{"mailboxes.archive:", `"Junk" is also mailboxes.junk`}},
		{"several errors", "[limits]\nmax_recipients = 0\nmax_line_length = 1", []string{"limits.max_recipients:", "limits.max_line_length:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			cfg, err := LoadConfig(path)
			if err == nil {
				t.Fatalf("LoadConfig succeeded with %+v, want an error", cfg)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.toml")
	if _, err := LoadConfig(path); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("LoadConfig(%s) = %v, want a not-exist error", path, err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestDurationUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`600`, 10 * time.Minute, false},
		{`"600"`, 10 * time.Minute, false},
		{`"10m"`, 10 * time.Minute, false},
		{`"1m30s"`, 90 * time.Second, false},
		{`"500ms"`, 500 * time.Millisecond, false},
		{`0`, 0, false},
		{`"ten"`, 0, true},
		{`1.5`, 0, true},
		{`true`, 0, true},
		{`9223372036854775807`, 0, true},
	}
	for _, tt := range tests {
		var v struct {
			D Duration `toml:"d"`
		}
		_, err := toml.Decode("d = "+tt.in, &v)
		if tt.wantErr {
			if err == nil {
				t.Errorf("d = %s: got %v, want an error", tt.in, v.D)
			}
			continue
		}
		if err != nil {
			t.Errorf("d = %s: %v", tt.in, err)
			continue
		}
		if v.D.Duration() != tt.want {
			t.Errorf("d = %s: got %v, want %v", tt.in, v.D, tt.want)
		}
	}
}

func TestByteSizeUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`52428800`, 50 << 20, false},
		{`"50MiB"`, 50 << 20, false},
		{`"50 mib"`, 50 << 20, false},
		{`"512KiB"`, 512 << 10, false},
		{`"1GiB"`, 1 << 30, false},
		{`"20MB"`, 20_000_000, false},
		{`"3 kb"`, 3000, false},
		{`"7B"`, 7, false},
		{`"1024"`, 1024, false},
		{`"50M"`, 0, true},
		{`"MiB"`, 0, true},
		{`"lots"`, 0, true},
		{`"99999999999GiB"`, 0, true},
		{`1.5`, 0, true},
	}
	for _, tt := range tests {
		var v struct {
			S ByteSize `toml:"s"`
		}
		_, err := toml.Decode("s = "+tt.in, &v)
		if tt.wantErr {
			if err == nil {
				t.Errorf("s = %s: got %d, want an error", tt.in, v.S)
			}
			continue
		}
		if err != nil {
			t.Errorf("s = %s: %v", tt.in, err)
			continue
		}
		if int64(v.S) != tt.want {
			t.Errorf("s = %s: got %d, want %d", tt.in, v.S, tt.want)
		}
	}
	for size, want := range map[ByteSize]string{
		50 << 20: "50MiB",
		1 << 30:  "1GiB",
		3 << 10:  "3KiB",
		1536:     "1536", // 1.5 KiB: no unit divides it
		1000:     "1000",
		0:        "0",
	} {
		if got := size.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(size), got, want)
		}
	}
}

func TestWriteTOMLRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hostname = "mail.example.org"
	cfg.Limits.MaxMessageSize = 12345
	cfg.Limits.IdleTimeout = Duration(90 * time.Second)
	cfg.LMTP.Listen = []string{"unix:/tmp/lmtp.sock"}
	var buf bytes.Buffer
	if err := cfg.WriteTOML(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadConfig(writeConfig(t, buf.String()))
	if err != nil {
		t.Fatalf("loading written config: %v\n%s", err, buf.String())
	}
	if diff := cmp.Diff(cfg, loaded); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestExampleConfig checks that loft.example.toml loads, that what it sets
// is the default, and that it mentions every key, set or commented out.
func TestExampleConfig(t *testing.T) {
	const example = "loft.example.toml"
	cfg, err := LoadConfig(example)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultConfig(), cfg); diff != "" {
		t.Errorf("%s does not show the defaults (-want +got):\n%s", example, diff)
	}

	mentioned := make(map[string]bool) // dotted key → set or commented out
	var md toml.MetaData
	if md, err = toml.DecodeFile(example, new(Config)); err != nil {
		t.Fatal(err)
	}
	for _, k := range md.Keys() {
		mentioned[k.String()] = true
	}
	f, err := os.Open(example)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table := regexp.MustCompile(`^\[([a-z0-9_.]+)\]`)
	commented := regexp.MustCompile(`^#\s*([a-z0-9_]+)\s*=`)
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := table.FindStringSubmatch(line); m != nil {
			section = m[1] + "."
		} else if m := commented.FindStringSubmatch(line); m != nil {
			mentioned[section+m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, key := range configKeys(reflect.TypeFor[Config](), "") {
		if !mentioned[key] {
			t.Errorf("%s does not mention %s", example, key)
		}
	}
}

// configKeys returns the dotted TOML keys of every leaf field of t.
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" { // "-": not read from the file
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, configKeys(f.Type, prefix+name+".")...)
			continue
		}
		keys = append(keys, prefix+name)
	}
	return keys
}

func TestLogConfigNewLogger(t *testing.T) {
	var buf bytes.Buffer
	logger, err := LogConfig{Level: "warn", Format: "json"}.NewLogger(&buf)
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("dropped")
	logger.Warn("kept", "k", "v")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	if rec["msg"] != "kept" || rec["level"] != "WARN" || rec["k"] != "v" {
		t.Errorf("record = %v", rec)
	}

	buf.Reset()
	logger, err = LogConfig{Level: "debug", Format: "text"}.NewLogger(&buf)
	if err != nil {
		t.Fatal(err)
	}
	logger.Debug("hello", "n", 1)
	if got := buf.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "msg=hello n=1") {
		t.Errorf("text record = %q", got)
	}

	if _, err := (LogConfig{Level: "loud", Format: "text"}).NewLogger(&buf); err == nil || !strings.Contains(err.Error(), "log.level") {
		t.Errorf("bad level: err = %v, want one naming log.level", err)
	}
	if _, err := (LogConfig{Level: "info", Format: "xml"}).NewLogger(&buf); err == nil || !strings.Contains(err.Error(), "log.format") {
		t.Errorf("bad format: err = %v, want one naming log.format", err)
	}
}

func TestParseListenAddr(t *testing.T) {
	tests := []struct {
		in, network, addr string
		wantErr           bool
	}{
		{"127.0.0.1:1110", "tcp", "127.0.0.1:1110", false},
		{"[::1]:1110", "tcp", "[::1]:1110", false},
		{":2424", "tcp", ":2424", false},
		{"localhost:0", "tcp", "localhost:0", false},
		{"127.0.0.1:01110", "tcp", "127.0.0.1:1110", false},
		{"unix:/run/loft/lmtp.sock", "unix", "/run/loft/lmtp.sock", false},
		{"unix:rel.sock", "unix", "rel.sock", false},
		{"unix:", "", "", true},
		{"127.0.0.1", "", "", true},
		{"::1:1110", "", "", true},
		{"127.0.0.1:pop3", "", "", true},
		{"127.0.0.1:65536", "", "", true},
		{"127.0.0.1:-1", "", "", true},
	}
	for _, tt := range tests {
		network, addr, err := parseListenAddr(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseListenAddr(%q) = %q, %q, want an error", tt.in, network, addr)
			}
			continue
		}
		if err != nil || network != tt.network || addr != tt.addr {
			t.Errorf("parseListenAddr(%q) = %q, %q, %v; want %q, %q", tt.in, network, addr, err, tt.network, tt.addr)
		}
	}
}

type fakeAddr struct{ network, s string }

func (a fakeAddr) Network() string { return a.network }
func (a fakeAddr) String() string  { return a.s }

func TestPlaintextPolicy(t *testing.T) {
	addrs := []struct {
		addr  net.Addr
		local bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, true},
		{&net.TCPAddr{IP: net.IPv4(127, 1, 2, 3), Port: 4000}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 4000}, true},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:127.0.0.1"), Port: 4000}, true},
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000}, false},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 4000}, false},
		{&net.UnixAddr{Name: "@", Net: "unix"}, true},
		{fakeAddr{"tcp", "127.0.0.1:25"}, true},
		{fakeAddr{"tcp", "[::ffff:127.0.0.1]:25"}, true},
		{fakeAddr{"tcp", "198.51.100.7:25"}, false},
		{fakeAddr{"unix", "/run/x.sock"}, true},
		{fakeAddr{"tcp", "garbage"}, false},
		{nil, false},
	}
	for _, a := range addrs {
		if got := plaintextPolicy(PlaintextAlways)(a.addr); !got {
			t.Errorf("always(%v) = false", a.addr)
		}
		if got := plaintextPolicy(PlaintextNever)(a.addr); got {
			t.Errorf("never(%v) = true", a.addr)
		}
		if got := plaintextPolicy(PlaintextLoopback)(a.addr); got != a.local {
			t.Errorf("loopback(%v) = %v, want %v", a.addr, got, a.local)
		}
	}
}

// The [directory.ldap] section: read over its defaults, validated only
// when backend = "ldap", each error naming its key.
func TestLDAPConfig(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("service-secret\r\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const base = `
[directory]
backend = "ldap"
[directory.ldap]
urls = ["ldap://127.0.0.1:389", "ldaps://ldap2.example.org"]
bind_dn = "cn=loft,dc=example,dc=org"
user_base = "ou=people,dc=example,dc=org"
group_base = "ou=groups,dc=example,dc=org"
cache_ttl = 0
`
	cfg, err := LoadConfig(writeConfig(t, base+"bind_password_file = \""+pwFile+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := cfg.Directory.LDAP.Options(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := directory.DefaultLDAPOptions()
	want.URLs = []string{"ldap://127.0.0.1:389", "ldaps://ldap2.example.org"}
	want.BindDN = "cn=loft,dc=example,dc=org"
	want.BindPassword = "service-secret"
	want.UserBase = "ou=people,dc=example,dc=org"
	want.GroupBase = "ou=groups,dc=example,dc=org"
	want.CacheTTL = 0
	if diff := cmp.Diff(want, o, cmpopts.IgnoreFields(directory.LDAPOptions{}, "Logger")); diff != "" {
		t.Errorf("Options (-want +got):\n%s", diff)
	}

	// A file directory ignores the section.
	if _, err := LoadConfig(writeConfig(t, "[directory.ldap]\nurls = []\n")); err != nil {
		t.Errorf("file backend with an empty ldap section: %v", err)
	}
	for _, tc := range []struct{ add, key string }{
		{`bind_password = "x"` + "\nbind_password_file = \"" + pwFile + "\"", "directory.ldap.bind_password"},
		{"", "directory.ldap.bind_password"}, // bind_dn without a password
		{`bind_password = "x"` + "\nuser_filter = \"(uid=alice)\"", "directory.ldap.user_filter"},
		{`bind_password = "x"` + "\npool_size = 0", "directory.ldap.pool_size"},
		{`bind_password = "x"` + "\nbind_password_file = \"" + filepath.Join(dir, "absent") + "\"", "directory.ldap.bind_password"},
	} {
		_, err := LoadConfig(writeConfig(t, base+tc.add+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("with %q: error %v, want one naming %s", tc.add, err, tc.key)
		}
	}
	_, err = LoadConfig(writeConfig(t, strings.Replace(base, `urls = ["ldap://127.0.0.1:389", "ldaps://ldap2.example.org"]`, `urls = ["http://x"]`, 1)+"bind_password = \"x\"\n"))
	if err == nil || !strings.Contains(err.Error(), "directory.ldap.urls") {
		t.Errorf("http URL: error %v, want one naming directory.ldap.urls", err)
	}
}
