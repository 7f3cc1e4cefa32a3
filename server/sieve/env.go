package sieve

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/loftmail/loft/rfc/rfc5228"
)

// maxHeaderOctets bounds the header section read for Sieve's tests. A
// longer header is cut there: tests see the fields before the cut.
const maxHeaderOctets = 1 << 20

// message is the parsed view of one delivery's copy that the scripts and
// the actions share: the header section is read once, on first use, and
// the body only if the body test or a reply needs it.
type message struct {
	d         *Delivery
	parsed    bool
	hdr       textproto.Header
	bodyStart int64 // offset of the body: after the blank line ending the header
	body      []byte
	bodyRead  bool
	// values caches Header's answers by lower-case field name: a script
	// of many rules asks for the same fields again and again.
	values map[string][]string
}

func newMessage(d *Delivery) *message { return &message{d: d} }

// header returns the message's header section, parsed.
func (m *message) header() *textproto.Header {
	if !m.parsed {
		m.parsed = true
		cr := &countingReader{r: io.LimitReader(io.NewSectionReader(m.d.Message, 0, m.d.Size), maxHeaderOctets)}
		br := bufio.NewReader(cr)
		h, err := textproto.ReadHeader(br)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			// A malformed field: keep the fields before it.
			m.d.logger().Info("sieve: message header does not parse", "err", err)
		}
		m.hdr = h
		m.bodyStart = cr.n - int64(br.Buffered())
	}
	return &m.hdr
}

// bodyOctets returns the body (RFC 5173: after the header's blank line).
func (m *message) bodyOctets() []byte {
	m.header()
	if !m.bodyRead {
		m.bodyRead = true
		if n := m.d.Size - m.bodyStart; n > 0 {
			b := make([]byte, n)
			k, _ := m.d.Message.ReadAt(b, m.bodyStart)
			m.body = b[:k]
		}
	}
	return m.body
}

// countingReader counts the octets read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// env is the rfc5228.Env of one script run: the message, its envelope and
// the delivery's context.
type env struct {
	e   *Engine
	d   *Delivery
	msg *message
}

var _ rfc5228.Env = (*env)(nil)

func (v *env) Header(name string) []string {
	key := strings.ToLower(name)
	if vals, ok := v.msg.values[key]; ok {
		return vals
	}
	vals := v.msg.header().Values(name)
	if len(vals) == 0 {
		vals = nil
	}
	if v.msg.values == nil {
		v.msg.values = make(map[string][]string)
	}
	v.msg.values[key] = vals
	return vals
}

func (v *env) Size() int64 { return v.d.Size }

func (v *env) EnvelopeFrom() string { return v.d.From }

func (v *env) EnvelopeTo() string { return v.d.To }

// Envelope knows no parts beyond from and to: LMTP gives Loft no AUTH,
// ORCPT or ENVID to pass on.
func (v *env) Envelope(string) (string, bool) { return "", false }

func (v *env) Body() []byte { return v.msg.bodyOctets() }

func (v *env) Now() time.Time { return v.d.InternalDate }

// Environment answers the items of RFC 5183 §4.1 that Loft knows.
// "remote-host" is not known: LMTP gives only the client's unverified
// LHLO name, which is not its host name.
func (v *env) Environment(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "domain":
		// The host name less its first label, when that leaves a
		// domain of two labels or more ("usually but not always a
		// proper suffix of the host name").
		h := v.e.cfg.Hostname
		if _, rest, ok := strings.Cut(h, "."); ok && strings.Contains(rest, ".") {
			return rest, true
		}
		return h, true
	case "host":
		return v.e.cfg.Hostname, true
	case "location":
		return "MDA", true // delivery into the store (§4.1)
	case "name":
		return "Loft", true
	case "phase":
		return "during", true // the message is being delivered (§4.1)
	case "remote-ip":
		if !v.d.Peer.IsValid() {
			return "", false
		}
		return v.d.Peer.String(), true
	case "version":
		return "1", true
	}
	return "", false
}

// Include compiles the script `include` names (RFC 6609 §3.2) with the
// engine's options; the cache keeps it by content like any other.
func (v *env) Include(loc rfc5228.Location, name string) (*rfc5228.Script, error) {
	var src []byte
	var err error
	switch loc {
	case rfc5228.Personal:
		src, err = personalInclude(v.d.Store, name)
	case rfc5228.Global:
		src, err = globalInclude(v.e.cfg.GlobalDir, name)
	default:
		return nil, errors.New("sieve: unknown include location " + string(loc))
	}
	if err != nil {
		return nil, err
	}
	return v.e.compile(src)
}

// MailboxExists answers RFC 5490 §3.1 from the store: a mailbox that can
// be opened (a non-selectable level is not one).
func (v *env) MailboxExists(name string) bool {
	_, err := v.d.Store.Mailbox(name)
	return err == nil
}
