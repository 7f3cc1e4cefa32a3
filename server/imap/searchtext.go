package imap

// The text that SEARCH's string keys look at (RFC 3501 §6.4.4): header fields
// with their RFC 2047 encoded words decoded, and the body's text parts with
// their content transfer encoding (RFC 2045 §6) and charset decoded, all
// matched as case-insensitive substrings.

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc3516"
)

// headerSet holds the fields of one header block for the header keys:
// each field's value unfolded as written (for Date:), and its line "name:
// value" with the value decoded (RFC 2047) and the whole folded
// (appendFold). Its buffers are reused from one message to the next.
type headerSet struct {
	text    []byte // the values as written and the folded lines, in turn
	fields  []fieldSpan
	unfold  []byte
	readBuf []byte // for readHeaderBlock
}

// fieldSpan places one field in headerSet.text.
type fieldSpan struct {
	raw     [2]int // the value as written
	line    [2]int // the folded line; the name starts it
	nameEnd int
	valueAt int
}

func (h *headerSet) count() int { return len(h.fields) }

// name returns the folded name of field i.
func (h *headerSet) name(i int) []byte { f := h.fields[i]; return h.text[f.line[0]:f.nameEnd] }

// value returns the decoded and folded value of field i.
func (h *headerSet) value(i int) []byte { f := h.fields[i]; return h.text[f.valueAt:f.line[1]] }

// line returns field i as "name: value", decoded and folded.
func (h *headerSet) line(i int) []byte { f := h.fields[i]; return h.text[f.line[0]:f.line[1]] }

// raw returns the value of field i unfolded and trimmed, as written.
func (h *headerSet) raw(i int) []byte { f := h.fields[i]; return h.text[f.raw[0]:f.raw[1]] }

// read reads and parses the header block at off in r (at most n octets).
func (h *headerSet) read(r io.ReaderAt, off, n int64) error {
	block, err := readHeaderBlock(r, off, n, h.readBuf)
	h.readBuf = block[:0]
	if err != nil {
		h.parse(nil)
		return err
	}
	h.parse(block)
	return nil
}

// parse replaces the fields with those of a header block. Folded lines are
// unfolded (RFC 5322 §2.2.3); lines that are neither a field nor a
// continuation are skipped, so that any octets make a header.
func (h *headerSet) parse(block []byte) {
	h.text, h.fields = h.text[:0], h.fields[:0]
	var name []byte
	inField := false
	for len(block) > 0 {
		line := block
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line, block = block[:i], block[i+1:]
		} else {
			block = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if inField {
				h.unfold = append(h.unfold, line...)
			}
			continue
		}
		if inField {
			h.add(name, h.unfold)
		}
		inField = false
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name = bytes.TrimRight(line[:colon], " \t")
		h.unfold = append(h.unfold[:0], line[colon+1:]...)
		inField = len(name) > 0
	}
	if inField {
		h.add(name, h.unfold)
	}
}

func (h *headerSet) add(name, raw []byte) {
	raw = bytes.TrimSpace(raw)
	var f fieldSpan
	f.raw[0] = len(h.text)
	h.text = append(h.text, raw...)
	f.raw[1] = len(h.text)
	f.line[0] = len(h.text)
	h.text = appendFold(h.text, name)
	f.nameEnd = len(h.text)
	h.text = append(h.text, ": "...)
	f.valueAt = len(h.text)
	if bytes.Contains(raw, []byte("=?")) {
		h.text = appendFold(h.text, []byte(decodeHeaderValue(string(raw))))
	} else {
		h.text = appendFold(h.text, raw)
	}
	f.line[1] = len(h.text)
	h.fields = append(h.fields, f)
}

// readHeaderBlock reads the header that starts at off in r (at most n
// octets) into buf, and returns its lines up to, not including, the blank
// line that ends it, or everything when no blank line comes.
func readHeaderBlock(r io.ReaderAt, off, n int64, buf []byte) ([]byte, error) {
	buf = buf[:0]
	chunk := int64(4096)
	for int64(len(buf)) < n {
		start := len(buf)
		want := int(min(chunk, n-int64(start)))
		buf = slices.Grow(buf, want)[:start+want]
		k, err := r.ReadAt(buf[start:], off+int64(start))
		buf = buf[:start+k]
		if end, ok := headerEnd(buf, start); ok {
			return buf[:end], nil
		}
		if err == io.EOF || err == nil && k == 0 {
			break
		}
		if err != nil {
			return buf, err
		}
		chunk *= 2
	}
	return buf, nil
}

// headerEnd returns where the blank line that ends a header begins in buf,
// looking from from (less the octets a line end may have in an earlier
// piece).
func headerEnd(buf []byte, from int) (int, bool) {
	if bytes.HasPrefix(buf, []byte("\r\n")) || bytes.HasPrefix(buf, []byte("\n")) {
		return 0, true
	}
	for i := max(from-2, 0); i < len(buf); {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(buf) && buf[i] == '\n' || i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n' {
			return i, true
		}
	}
	return 0, false
}

// charsetReader converts text in a MIME charset to UTF-8, with go-message's
// table of charsets.
func charsetReader(cs string, in io.Reader) (io.Reader, error) {
	return charset.Reader(cs, in)
}

// decodeHeaderValue decodes the encoded words of a field value (RFC 2047).
// Malformed words stay as written; a value with a word in an unknown charset
// is kept whole as written.
func decodeHeaderValue(raw string) string {
	if !strings.Contains(raw, "=?") {
		return raw
	}
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	s, err := dec.DecodeHeader(raw)
	if err != nil {
		return raw
	}
	return s
}

// parseSentDate parses the value of a Date: field (RFC 5322 §3.3, with the
// obsolete forms net/mail knows), and again without comments if that fails.
func parseSentDate(raw string) (time.Time, bool) {
	if t, err := mail.ParseDate(raw); err == nil {
		return t, true
	}
	var b strings.Builder
	depth := 0
	for _, r := range raw {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	t, err := mail.ParseDate(strings.Join(strings.Fields(b.String()), " "))
	return t, err == nil
}

// foldString returns s case-folded for comparison (foldBytes).
func foldString(s string) string {
	return string(appendFold(nil, []byte(s)))
}

// appendFold appends src to dst case-folded: every character becomes one
// chosen member of its Unicode simple case folding orbit (a lower-case ASCII
// letter where the orbit has one, so that "K", "k" and the Kelvin sign all
// fold alike). Octets that are not UTF-8 are kept, so that 8-bit text in an
// unknown charset still matches itself.
func appendFold(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, foldRune(r))
		i += size
	}
	return dst
}

func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}

// errNeedlesFound ends a body scan early: every needle has been found.
var errNeedlesFound = errors.New("every needle found")

// foldMatcher looks for several folded needles at once in text written to
// it in pieces, folding as it goes and keeping just enough of the text to
// find a needle that spans two pieces. separate marks the end of one text
// (a body part), so that no match spans two.
type foldMatcher struct {
	needles [][]byte
	found   []bool
	left    int // needles not found yet
	keep    int // octets of folded text kept between writes
	pend    []byte
	win     []byte
}

func newFoldMatcher(needles []string, found []bool) *foldMatcher {
	f := &foldMatcher{}
	f.reset(needles, found)
	return f
}

// reset starts a new search for needles, recording in found; the buffers
// are kept.
func (f *foldMatcher) reset(needles []string, found []bool) {
	f.found, f.left, f.keep = found, 0, 0
	f.needles = f.needles[:0]
	f.pend, f.win = f.pend[:0], f.win[:0]
	for i, n := range needles {
		f.needles = append(f.needles, []byte(n))
		if n == "" {
			found[i] = true
		}
		if !found[i] {
			f.left++
			f.keep = max(f.keep, len(n)-1)
		}
	}
}

func (f *foldMatcher) done() bool { return f.left == 0 }

func (f *foldMatcher) Write(p []byte) (int, error) {
	n := len(p)
	if f.left == 0 {
		return n, errNeedlesFound
	}
	if len(f.pend) > 0 {
		p = append(f.pend, p...)
	}
	cut := incompleteRune(p)
	f.win = appendFold(f.win, p[:cut])
	f.pend = append(f.pend[:0], p[cut:]...)
	f.check()
	if f.left == 0 {
		return n, errNeedlesFound
	}
	return n, nil
}

// separate ends the current text.
func (f *foldMatcher) separate() {
	f.win = appendFold(f.win, f.pend)
	f.pend = f.pend[:0]
	f.check()
	f.win = f.win[:0]
}

func (f *foldMatcher) check() {
	for i, needle := range f.needles {
		if !f.found[i] && bytes.Contains(f.win, needle) {
			f.found[i] = true
			f.left--
		}
	}
	if len(f.win) > f.keep {
		f.win = append(f.win[:0], f.win[len(f.win)-f.keep:]...)
	}
}

// incompleteRune returns where an incomplete UTF-8 sequence at the end of p
// begins, or len(p).
func incompleteRune(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}

// bodyScanner feeds the text of a message's body to a foldMatcher.
//
// RFC 3501 §6.4.4 lets a server leave out body parts whose media types are
// neither TEXT nor MESSAGE; Loft does. TEXT/* parts are decoded from their
// content transfer encoding (base64, quoted-printable; others as they are)
// and their charset (go-message's table; an unknown charset is matched as
// it is). An encapsulated MESSAGE/RFC822 contributes its header fields,
// decoded as a message's own, and its body. Decoding errors end a part
// quietly: malformed content matches as far as it decodes.
type bodyScanner struct {
	r   io.ReaderAt
	fm  foldMatcher
	hdr headerSet // of encapsulated messages
	buf []byte
	err error // an I/O error of r
}

// scan sets found[i] for each needle that the body of the message in r,
// whose structure load returns, holds.
func (s *bodyScanner) scan(r io.ReaderAt, load func() (*rfc3501.Message, error), needles []string, found []bool) error {
	s.r, s.err = r, nil
	s.fm.reset(needles, found)
	if s.fm.done() {
		return nil
	}
	msg, err := load()
	if err != nil {
		return err
	}
	if s.buf == nil {
		s.buf = make([]byte, 32*1024)
	}
	s.entity(msg.Body)
	return s.err
}

// entity scans the body of b (its own header is not body text).
func (s *bodyScanner) entity(b *rfc3501.BodyStructure) {
	switch {
	case s.err != nil || s.fm.done():
	case b.IsMultipart():
		for _, p := range b.Parts {
			s.entity(p)
		}
	case b.IsMessage():
		if err := s.hdr.read(s.r, b.Message.Header.Off, b.Message.Header.Len); err != nil {
			s.err = err
			return
		}
		for i := range s.hdr.count() {
			s.fm.Write(s.hdr.line(i))
			s.fm.separate()
		}
		s.entity(b.Message)
	case strings.EqualFold(b.Type, "TEXT"):
		s.text(b)
	}
}

// text scans one TEXT/* part.
func (s *bodyScanner) text(b *rfc3501.BodyStructure) {
	src := &errReader{r: io.NewSectionReader(s.r, b.Body.Off, b.Body.Len)}
	// The content-transfer decoding of FETCH BINARY (RFC 3516); an
	// encoding it does not know is searched as it is.
	var rd io.Reader = src
	if dec, err := rfc3516.Decode(b.Encoding, src); err == nil {
		rd = dec
	}
	if cs := paramValue(b.Params, "CHARSET"); cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if cr, err := charsetReader(cs, rd); err == nil {
			rd = cr
		}
	}
	io.CopyBuffer(&s.fm, rd, s.buf)
	s.fm.separate()
	if src.err != nil {
		s.err = src.err
	}
}

func paramValue(params []rfc3501.Param, name string) string {
	for _, p := range params {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// errReader records a read error other than io.EOF, so that an I/O error of
// the message is told apart from the end of a decoder's input.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
