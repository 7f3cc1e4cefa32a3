package rfc5228

import (
	"bytes"
	"strings"
	"time"
)

// MessageEnv is an Env for a message held in memory: the header is read
// from Raw once, the rest comes from the fields. Tests use it, and so may
// a delivery that has the message in memory. The zero value of each
// optional field means "unknown" or "none".
type MessageEnv struct {
	Raw      []byte    // the message, header and body, CRLF or LF line ends
	From, To string    // the envelope's reverse-path and forward-path, without angle brackets
	Time     time.Time // Now's answer
	// Envelope parts beyond from and to, by lower-case name.
	EnvelopeParts map[string]string
	// Items are the environment items of RFC 5183 by name.
	Items map[string]string
	// Scripts answers Include; nil means every script is missing.
	Scripts func(loc Location, name string) (*Script, error)
	// Mailboxes lists the mailboxes that exist, for mailboxexists.
	Mailboxes []string

	parsed bool
	fields []headerField
	body   []byte
}

type headerField struct{ name, value string }

// parse splits Raw into header fields and body (RFC 5322 §2.2): a line
// that begins with white space continues the field before it; a line
// without a colon ends nothing and is skipped, as are fields whose name
// is not a field-name.
func (m *MessageEnv) parse() {
	if m.parsed {
		return
	}
	m.parsed = true
	rest := m.Raw
	for len(rest) > 0 {
		end := bytes.IndexByte(rest, '\n')
		var line []byte
		if end < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:end], rest[end+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			m.body = rest
			return
		}
		if line[0] == ' ' || line[0] == '\t' {
			if n := len(m.fields); n > 0 {
				m.fields[n-1].value += "\r\n" + string(line)
			}
			continue
		}
		name, value, ok := strings.Cut(string(line), ":")
		name = strings.TrimRight(name, " \t")
		if !ok || !isFieldName(name) {
			continue
		}
		m.fields = append(m.fields, headerField{name, value})
	}
}

// Header returns the raw values of the fields named name.
func (m *MessageEnv) Header(name string) []string {
	m.parse()
	var vs []string
	for _, f := range m.fields {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// Size is len(Raw).
func (m *MessageEnv) Size() int64 { return int64(len(m.Raw)) }

// EnvelopeFrom returns From.
func (m *MessageEnv) EnvelopeFrom() string { return m.From }

// EnvelopeTo returns To.
func (m *MessageEnv) EnvelopeTo() string { return m.To }

// Envelope returns EnvelopeParts[part].
func (m *MessageEnv) Envelope(part string) (string, bool) {
	v, ok := m.EnvelopeParts[part]
	return v, ok
}

// Body returns the octets after the header's empty line, nil without one.
func (m *MessageEnv) Body() []byte { m.parse(); return m.body }

// Now returns Time.
func (m *MessageEnv) Now() time.Time { return m.Time }

// Environment returns Items[name].
func (m *MessageEnv) Environment(name string) (string, bool) {
	v, ok := m.Items[name]
	return v, ok
}

// Include calls Scripts, or reports ErrNotFound without it.
func (m *MessageEnv) Include(loc Location, name string) (*Script, error) {
	if m.Scripts == nil {
		return nil, ErrNotFound
	}
	return m.Scripts(loc, name)
}

// MailboxExists reports whether name is in Mailboxes ("INBOX" in any
// case).
func (m *MessageEnv) MailboxExists(name string) bool {
	for _, mb := range m.Mailboxes {
		if mb == name || strings.EqualFold(mb, "INBOX") && strings.EqualFold(name, "INBOX") {
			return true
		}
	}
	return false
}
