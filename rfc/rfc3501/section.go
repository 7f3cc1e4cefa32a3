package rfc3501

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Section specifiers (RFC 3501 §6.4.5, §9 section-msgtext and section-text).
const (
	SectionHeader          = "HEADER"
	SectionHeaderFields    = "HEADER.FIELDS"
	SectionHeaderFieldsNot = "HEADER.FIELDS.NOT"
	SectionText            = "TEXT"
	SectionMIME            = "MIME"
)

// Section is the section of a FETCH BODY[section] (RFC 3501 §6.4.5): a part
// number such as 1.2.3 (empty for the whole message), a specifier (one of the
// Section constants, or empty), and the field names of HEADER.FIELDS and
// HEADER.FIELDS.NOT. The zero Section is BODY[], the whole message.
type Section struct {
	Part      []int
	Specifier string
	Fields    []string
}

// String returns the section-spec as a FETCH response names it, without the
// brackets: "1.2.HEADER.FIELDS (From To)".
func (s Section) String() string {
	var b strings.Builder
	for i, n := range s.Part {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	if s.Specifier != "" {
		if len(s.Part) > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Specifier)
	}
	if s.Specifier == SectionHeaderFields || s.Specifier == SectionHeaderFieldsNot {
		b.WriteString(" (")
		var w bytes.Buffer
		enc := NewEncoder(bufio.NewWriter(&w))
		for i, f := range s.Fields {
			if i > 0 {
				enc.SP()
			}
			enc.AString(f)
		}
		enc.Flush()
		b.Write(w.Bytes())
		b.WriteByte(')')
	}
	return b.String()
}

// Partial is the <offset.count> of a partial FETCH (RFC 3501 §6.4.5).
type Partial struct {
	Offset, Count int64
}

// Apply returns the part of a section's spans that p selects: Count octets
// from octet Offset, fewer at the end of the data, none beyond it.
func (p Partial) Apply(spans []Span) []Span {
	var out []Span
	skip, want := p.Offset, p.Count
	for _, s := range spans {
		if want <= 0 {
			break
		}
		if skip >= s.Len {
			skip -= s.Len
			continue
		}
		s.Off += skip
		s.Len -= skip
		skip = 0
		s.Len = min(s.Len, want)
		want -= s.Len
		out = append(out, s)
	}
	return out
}

// SpansLen returns the number of octets in spans.
func SpansLen(spans []Span) int64 {
	var n int64
	for _, s := range spans {
		n += s.Len
	}
	return n
}

// SpansReader returns a reader of the octets of spans in r, in order.
func SpansReader(r io.ReaderAt, spans []Span) io.Reader {
	readers := make([]io.Reader, len(spans))
	for i, s := range spans {
		readers[i] = io.NewSectionReader(r, s.Off, s.Len)
	}
	return io.MultiReader(readers...)
}

// stepMessage returns part n of a message whose top entity is top: the n-th
// body part of a multipart, or for any other message part 1, the top entity
// itself (RFC 3501 §6.4.5: a non-multipart message has only a part 1).
func stepMessage(top *BodyStructure, n int) *BodyStructure {
	if top.IsMultipart() {
		if n >= 1 && n <= len(top.Parts) {
			return top.Parts[n-1]
		}
		return nil
	}
	if n == 1 {
		return top
	}
	return nil
}

// child returns part n inside p: a body part of a multipart, or a part of
// the message encapsulated in a MESSAGE/RFC822.
func child(p *BodyStructure, n int) *BodyStructure {
	switch {
	case p.IsMultipart():
		if n >= 1 && n <= len(p.Parts) {
			return p.Parts[n-1]
		}
	case p.IsMessage():
		return stepMessage(p.Message, n)
	}
	return nil
}

// Part returns the entity that a part number names (RFC 3501 §6.4.5), or nil.
// The empty part number names the top entity.
func (m *Message) Part(number []int) *BodyStructure {
	if len(number) == 0 {
		return m.Body
	}
	p := stepMessage(m.Body, number[0])
	for _, n := range number[1:] {
		if p == nil {
			return nil
		}
		p = child(p, n)
	}
	return p
}

// Section returns the spans of the raw message r that make up a section
// (RFC 3501 §6.4.5): the message, a part's body, its MIME header, or the
// header, some header fields or the text of the message or of an
// encapsulated MESSAGE/RFC822. HEADER.FIELDS and HEADER.FIELDS.NOT match
// names case-insensitively and keep the blank line that ends the header;
// they read the header from r. A part that does not exist, and HEADER, TEXT
// or HEADER.FIELDS of a part that is not MESSAGE/RFC822, give ErrNoSuchPart.
func (m *Message) Section(r io.ReaderAt, s Section) ([]Span, error) {
	target := m.Body // the entity whose header and text HEADER and TEXT mean
	var part *BodyStructure
	if len(s.Part) > 0 {
		part = m.Part(s.Part)
		if part == nil {
			return nil, ErrNoSuchPart
		}
		target = nil
		if part.IsMessage() {
			target = part.Message
		}
	}
	switch s.Specifier {
	case "":
		if part == nil {
			return nonEmpty(Span{0, m.Size}), nil
		}
		return nonEmpty(part.Body), nil
	case SectionMIME:
		if part == nil {
			return nil, ErrNoSuchPart
		}
		return nonEmpty(part.Header), nil
	}
	if target == nil {
		return nil, ErrNoSuchPart
	}
	switch s.Specifier {
	case SectionHeader:
		return nonEmpty(target.Header), nil
	case SectionText:
		return nonEmpty(target.Body), nil
	case SectionHeaderFields, SectionHeaderFieldsNot:
		return headerFields(r, target.Header, s.Fields, s.Specifier == SectionHeaderFieldsNot)
	}
	return nil, ErrNoSuchPart
}

func nonEmpty(s Span) []Span {
	if s.Len == 0 {
		return nil
	}
	return []Span{s}
}

// headerFields returns the spans of the fields of the header at h whose
// names are (or, with not, are not) in names, each with its folded lines,
// followed by the header's blank line. Lines that are not fields are left
// out either way.
func headerFields(r io.ReaderAt, h Span, names []string, not bool) ([]Span, error) {
	buf := make([]byte, h.Len)
	if n, err := r.ReadAt(buf, h.Off); n < len(buf) {
		return nil, err
	}
	var spans []Span
	add := func(off, n int64) {
		if k := len(spans); k > 0 && spans[k-1].Off+spans[k-1].Len == off {
			spans[k-1].Len += n
			return
		}
		spans = append(spans, Span{off, n})
	}
	keep := false
	for off := 0; off < len(buf); {
		end := bytes.IndexByte(buf[off:], '\n')
		if end < 0 {
			end = len(buf)
		} else {
			end += off + 1
		}
		line := buf[off:end]
		switch {
		case string(line) == "\r\n" || string(line) == "\n":
			keep = true // the blank line
		case line[0] == ' ' || line[0] == '\t':
			// A folded line stays with its field.
		default:
			name, _, ok := fieldName(line)
			keep = ok && matchesAny(name, names) != not
		}
		if keep {
			add(h.Off+int64(off), int64(end-off))
		}
		off = end
	}
	return spans, nil
}

func matchesAny(name []byte, names []string) bool {
	for _, n := range names {
		if bytes.EqualFold(name, []byte(n)) {
			return true
		}
	}
	return false
}
