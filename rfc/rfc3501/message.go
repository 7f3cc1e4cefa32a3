package rfc3501

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// Limits on the structure of a message, against hostile input.
const (
	// MaxDepth is the deepest nesting of multiparts and encapsulated
	// messages that is parsed; a multipart or MESSAGE/RFC822 part deeper
	// than that is treated as APPLICATION/OCTET-STREAM.
	MaxDepth = 100
	// MaxParts is the largest number of body parts parsed in one message;
	// the parts after it are left out of the structure (their octets stay in
	// the enclosing part), and MESSAGE/RFC822 parts beyond it become
	// APPLICATION/OCTET-STREAM.
	MaxParts = 10000
	// maxBoundary is the longest multipart boundary recognised (RFC 2046
	// §5.1.1 allows 70 characters; longer ones are met in practice).
	maxBoundary = 1000
	// scanBuffer is the scanner's buffer: boundary matching needs the start
	// of a line in one piece.
	scanBuffer = 16 * 1024
)

// Span is a range of octets of the raw message.
type Span struct {
	Off, Len int64
}

// BodyStructure is one MIME entity of a message (RFC 2045 §2.4) with what
// BODY and BODYSTRUCTURE report of it (RFC 3501 §7.4.2) and where its header
// and body lie in the raw message, for FETCH BODY[section].
//
// Type, Subtype, Encoding and Disposition.Value are in upper case. ID,
// Description, MD5 and Location are the raw field values, empty (sent as NIL)
// when absent.
type BodyStructure struct {
	// Header is the entity's header, including the blank line that ends it
	// when there is one; Body is what follows, up to the CRLF before the
	// next boundary delimiter (RFC 2046 §5.1.1) or the end of the message.
	Header, Body Span

	Type, Subtype string
	Params        []Param
	ID            string
	Description   string
	Encoding      string
	// Lines counts the body's lines, for TEXT/* and MESSAGE/RFC822.
	Lines int64

	// For MESSAGE/RFC822: the encapsulated message's envelope and its top
	// entity (whose Header is the encapsulated message's header).
	Envelope *Envelope
	Message  *BodyStructure

	// For MULTIPART/*: the body parts, never empty.
	Parts []*BodyStructure

	// Extension data (BODYSTRUCTURE only).
	MD5         string
	Disposition *Disposition
	Language    []string
	Location    string
}

// Size is the size of the body in octets (RFC 3501 body-fld-octets).
func (b *BodyStructure) Size() int64 { return b.Body.Len }

// IsMultipart reports whether b is a MULTIPART/* entity.
func (b *BodyStructure) IsMultipart() bool { return strings.EqualFold(b.Type, "MULTIPART") }

// IsMessage reports whether b is a MESSAGE/RFC822 entity with its
// encapsulated message.
func (b *BodyStructure) IsMessage() bool {
	return isMessageType(b) && b.Message != nil && b.Envelope != nil
}

// isMessageType reports whether b's type is MESSAGE/RFC822.
func isMessageType(b *BodyStructure) bool {
	return strings.EqualFold(b.Type, "MESSAGE") && strings.EqualFold(b.Subtype, "RFC822")
}

// Message is the structure of a message: its envelope and its top entity,
// whose Header is the message header (BODY[HEADER]) and whose Body is the
// message text (BODY[TEXT]). It holds no octets of the message, so it can be
// cached; Section takes the octets again.
type Message struct {
	Size     int64
	Envelope *Envelope
	Body     *BodyStructure
}

// ParseMessage reads the structure of the size octets of a raw message at r.
// Any octets make a structure: malformed MIME is read the way the RFCs and
// common practice suggest (defaults of RFC 2045 §5.2 and §6.1, boundaries
// matched as line prefixes and innermost first per RFC 2046 §5.1.1, parts
// ending at an enclosing boundary or at the end of the message, CRLF or bare
// LF line ends), and a multipart without parts gets one empty TEXT/PLAIN
// part so that its BODYSTRUCTURE is well-formed. The error is an I/O error
// of r.
func ParseMessage(r io.ReaderAt, size int64) (*Message, error) {
	s := &scanner{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), scanBuffer)}
	root := &BodyStructure{}
	_, env := s.entity(root, nil, 0, false, true)
	if s.err != nil {
		return nil, s.err
	}
	return &Message{Size: size, Envelope: env, Body: root}, nil
}

// scanner reads a message line by line, keeping offsets and line counts.
type scanner struct {
	br    *bufio.Reader
	err   error
	off   int64 // offset of the next unread octet
	lfs   int64 // LFs read so far
	parts int   // entities created

	// The current line.
	lineOff  int64
	head     []byte // its first octets (valid until the next read)
	complete bool   // head is the whole line

	// The line before the current one, and the last finished line.
	prevEOL, lastEOL           int
	prevNonEmpty, lastNonEmpty bool
	prevDelim, lastDelim       bool // the line is a delimiter that opens a part
}

// begin starts the next line, returning false at the end of the message.
func (s *scanner) begin() bool {
	s.prevEOL, s.prevNonEmpty, s.prevDelim = s.lastEOL, s.lastNonEmpty, s.lastDelim
	s.lastDelim = false
	s.lineOff = s.off
	data, err := s.br.ReadSlice('\n')
	s.off += int64(len(data))
	s.head = data
	s.complete = err != bufio.ErrBufferFull
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && s.err == nil {
		s.err = err
	}
	return len(data) > 0
}

// finish reads the rest of the current line, appending the whole line to
// capture when it is not nil.
func (s *scanner) finish(capture *[]byte) {
	if capture != nil {
		*capture = append(*capture, s.head...)
	}
	last := s.head
	for !s.complete {
		data, err := s.br.ReadSlice('\n')
		s.off += int64(len(data))
		if capture != nil {
			*capture = append(*capture, data...)
		}
		s.complete = err != bufio.ErrBufferFull
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull && s.err == nil {
			s.err = err
		}
		if len(data) > 0 {
			last = data
		}
		if len(data) == 0 {
			break
		}
	}
	eol := 0
	if n := len(last); n > 0 && last[n-1] == '\n' {
		eol = 1
		if n > 1 && last[n-2] == '\r' {
			eol = 2
		}
		s.lfs++
	}
	s.lastEOL = eol
	s.lastNonEmpty = s.off-s.lineOff > int64(eol)
}

// blank reports whether the current line is empty (it ends a header).
func (s *scanner) blank() bool {
	return s.complete && (string(s.head) == "\r\n" || string(s.head) == "\n")
}

// term is what ended an entity: a boundary delimiter line of one of the
// enclosing multiparts, or the end of the message.
type term struct {
	eof          bool
	level        int  // index of the matching boundary
	close        bool // a close delimiter ("--boundary--")
	off          int64
	lfs          int64 // LFs before off
	prevEOL      int   // line end of the line before off (0: none)
	prevNonEmpty bool  // that line has content
	prevDelim    bool  // that line is a delimiter that opens a part
}

// boundaryTerm describes the current line, a delimiter, and finishes it.
func (s *scanner) boundaryTerm(level int, close bool) term {
	t := term{level: level, close: close, off: s.lineOff, lfs: s.lfs, prevEOL: s.prevEOL, prevNonEmpty: s.prevNonEmpty, prevDelim: s.prevDelim}
	s.finish(nil)
	// The line end of a delimiter that opens a part is its own (RFC 2046
	// §5.1.1 encapsulation); after a close delimiter it precedes what
	// follows.
	s.lastDelim = !close
	return t
}

func (s *scanner) eofTerm() term {
	return term{eof: true, off: s.off, lfs: s.lfs, prevEOL: s.lastEOL, prevNonEmpty: s.lastNonEmpty}
}

// end returns where content that began at the line start start, with lfs0
// LFs before it, ends at t, and how many lines it has. The line end before a
// delimiter belongs to the delimiter (RFC 2046 §5.1.1), unless it ends a
// delimiter that opens a part, which leaves that part empty.
func (t term) end(start, lfs0 int64) (end, lines int64) {
	end, lines = t.off, t.lfs-lfs0
	switch {
	case t.eof:
		if end > start && t.prevEOL == 0 {
			lines++ // an unterminated last line
		}
	case t.off > start && !t.prevDelim:
		end -= int64(t.prevEOL)
		lines--
		if t.prevNonEmpty {
			lines++
		}
	}
	return end, lines
}

// match reports whether a line is a delimiter of one of bounds: "--" and the
// boundary at its start (RFC 2046 §5.1.1: the boundary need only be a prefix
// of the line), the innermost boundary first; close is set for "--" after it.
func match(line []byte, bounds []string) (level int, close, ok bool) {
	if len(bounds) == 0 || len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return 0, false, false
	}
	rest := line[2:]
	for i := len(bounds) - 1; i >= 0; i-- {
		b := bounds[i]
		if len(rest) >= len(b) && string(rest[:len(b)]) == b {
			return i, bytes.HasPrefix(rest[len(b):], []byte("--")), true
		}
	}
	return 0, false, false
}

// delimiterNext reports whether the next line, which it does not read, is a
// delimiter of bounds; own, if not empty, is the boundary of the multipart
// whose body that line begins, which takes precedence.
func (s *scanner) delimiterNext(bounds []string, own string) bool {
	if len(bounds) == 0 {
		return false
	}
	next, _ := s.br.Peek(scanBuffer)
	if i := bytes.IndexByte(next, '\n'); i >= 0 {
		next = next[:i+1]
	}
	if own != "" {
		if _, _, ok := match(next, []string{own}); ok {
			return false
		}
	}
	_, _, ok := match(next, bounds)
	return ok
}

// skipTo reads lines up to a delimiter of bounds or the end of the message.
func (s *scanner) skipTo(bounds []string) term {
	for {
		if !s.begin() {
			return s.eofTerm()
		}
		if level, close, ok := match(s.head, bounds); ok {
			return s.boundaryTerm(level, close)
		}
		s.finish(nil)
	}
}

// header reads header lines into f up to the blank line that ends them,
// returning false and the term when a delimiter or the end of the message
// comes first.
func (s *scanner) header(f *fields, bounds []string) (term, bool) {
	cur := fieldID(-1) // the kept field whose folded lines follow
	for {
		if !s.begin() {
			return s.eofTerm(), false
		}
		if level, close, ok := match(s.head, bounds); ok {
			return s.boundaryTerm(level, close), false
		}
		if s.blank() {
			s.finish(nil)
			return term{}, true
		}
		if c := s.head[0]; c == ' ' || c == '\t' {
			if cur >= 0 {
				s.finish(&f.val[cur])
			} else {
				s.finish(nil)
			}
			continue
		}
		cur = -1
		name, colon, ok := fieldName(s.head)
		if !ok {
			s.finish(nil)
			continue
		}
		id, kept := lookupField(name)
		if !kept || f.seen[id] {
			s.finish(nil)
			continue
		}
		f.seen[id] = true
		cur = id
		var line []byte
		s.finish(&line)
		f.val[id] = line[colon+1:]
	}
}

// entity reads one entity whose first line is next, within the multiparts
// whose boundaries are bounds (outermost first), and returns what ended it.
// digest selects the default type of MULTIPART/DIGEST parts (RFC 2046
// §5.1.5); for a message (the top level or an encapsulated one) the envelope
// is returned too.
func (s *scanner) entity(b *BodyStructure, bounds []string, depth int, digest, message bool) (term, *Envelope) {
	s.parts++
	hstart, hlfs := s.off, s.lfs
	var f fields
	t, hasBody := s.header(&f, bounds)
	var env *Envelope
	if message {
		env = newEnvelope(&f)
	}
	b.apply(&f, digest)
	nest := depth < MaxDepth && s.parts < MaxParts
	if !nest && (b.IsMultipart() || isMessageType(b)) {
		b.Type, b.Subtype, b.Params = "APPLICATION", "OCTET-STREAM", nil
	}
	// A multipart's own boundary is matched first, as in its body.
	boundary := ""
	if b.IsMultipart() {
		boundary = b.boundary()
	}
	if hasBody && s.delimiterNext(bounds, boundary) {
		// The blank line's line end belongs to the delimiter that follows
		// (RFC 2046 §5.1.1): the entity is a header without a body.
		hasBody = false
		t = s.skipTo(bounds)
	}
	if !hasBody {
		end, _ := t.end(hstart, hlfs)
		b.Header = Span{hstart, end - hstart}
		b.Body = Span{end, 0}
	} else {
		b.Header = Span{hstart, s.off - hstart}
		bstart, blfs := s.off, s.lfs
		switch {
		case b.IsMultipart():
			t = s.multipart(b, boundary, bounds, depth)
		case isMessageType(b):
			inner := &BodyStructure{}
			t, b.Envelope = s.entity(inner, bounds, depth+1, false, true)
			b.Message = inner
		default:
			t = s.skipTo(bounds)
		}
		end, lines := t.end(bstart, blfs)
		b.Body = Span{bstart, end - bstart}
		b.Lines = lines
	}
	at := b.Body.Off + b.Body.Len
	switch {
	case b.IsMultipart() && len(b.Parts) == 0:
		b.Parts = []*BodyStructure{emptyPart(at)}
	case isMessageType(b) && b.Message == nil:
		b.Message, b.Envelope = emptyPart(at), &Envelope{}
	}
	return t, env
}

// multipart reads the body of a multipart: preamble, parts, epilogue.
func (s *scanner) multipart(b *BodyStructure, boundary string, bounds []string, depth int) term {
	if boundary == "" {
		return s.skipTo(bounds)
	}
	own := len(bounds)
	inner := append(bounds[:own:own], boundary)
	digest := b.Subtype == "DIGEST"
	t := s.skipTo(inner) // the preamble
	for !t.eof && t.level == own && !t.close {
		if s.parts >= MaxParts {
			return s.skipTo(bounds)
		}
		part := &BodyStructure{}
		t, _ = s.entity(part, inner, depth+1, digest, false)
		b.Parts = append(b.Parts, part)
	}
	if !t.eof && t.level == own {
		t = s.skipTo(bounds) // the epilogue
	}
	return t
}

// boundary returns the multipart boundary parameter, or "" when there is
// none that can be used.
func (b *BodyStructure) boundary() string {
	for _, p := range b.Params {
		if p.Name == "BOUNDARY" && len(p.Value) <= maxBoundary {
			return p.Value
		}
	}
	return ""
}

// apply sets the fields of b that come from its header, with the defaults of
// RFC 2045 §5.2 (TEXT/PLAIN; CHARSET=US-ASCII), RFC 2046 §5.1.5 (MESSAGE/
// RFC822 in a digest) and RFC 2045 §6.1 (7BIT).
func (b *BodyStructure) apply(f *fields, digest bool) {
	ok := false
	if f.seen[fContentType] {
		b.Type, b.Subtype, b.Params, ok = parseMediaType(f.value(fContentType))
	}
	if !ok {
		if digest && !f.seen[fContentType] {
			b.Type, b.Subtype, b.Params = "MESSAGE", "RFC822", nil
		} else {
			b.Type, b.Subtype, b.Params = "TEXT", "PLAIN", []Param{{"CHARSET", "US-ASCII"}}
		}
	}
	b.Encoding = parseEncoding(f.value(fContentTransferEncoding))
	b.ID = f.value(fContentID)
	b.Description = f.value(fContentDescription)
	b.MD5 = f.value(fContentMD5)
	b.Location = f.value(fContentLocation)
	if f.seen[fContentDisposition] {
		b.Disposition = parseDisposition(f.value(fContentDisposition))
	}
	if f.seen[fContentLanguage] {
		b.Language = parseLanguage(f.value(fContentLanguage))
	}
}

// emptyPart is the empty TEXT/PLAIN entity that stands in for missing
// content at offset at.
func emptyPart(at int64) *BodyStructure {
	return &BodyStructure{
		Header: Span{at, 0}, Body: Span{at, 0},
		Type: "TEXT", Subtype: "PLAIN", Params: []Param{{"CHARSET", "US-ASCII"}},
		Encoding: "7BIT",
	}
}
