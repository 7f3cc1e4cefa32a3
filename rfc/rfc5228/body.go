package rfc5228

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/charset"
)

// The body test (RFC 5173).

// maxBodyParts bounds the MIME parts the body test reads, and
// maxBodyDepth their nesting, so that a hostile message cannot make a run
// slow.
const (
	maxBodyParts = 500
	maxBodyDepth = 20
)

// tstBody is the body test (RFC 5173 §4, §5). :raw matches the body's
// octets undecoded, as one string (§5.1). :content matches each MIME part
// whose type is one of the given types, found recursively (§5.2): a
// multipart part by its prologue and epilogue, a message/rfc822 part by
// its header, any other by its content, decoded from its transfer
// encoding and, for text, from its charset to UTF-8. :text, the default,
// is :content "text" (§5.3). A message without a body (no empty line
// after the header) gives no string, so every body test is false (§4).
func tstBody(c *checker, k *call) testFunc {
	m, ok := c.matcher(k, k.args[0])
	if !ok {
		return nil
	}
	raw := k.has("raw")
	var types []*strVal
	if a, has := k.tags["content"]; has {
		types = c.strs(a)
	} else {
		types = []*strVal{{raw: "text"}}
	}
	return func(f *frame) (bool, error) {
		body := f.env.Body()
		if body == nil {
			return m.match(f, nil), nil
		}
		if raw {
			return m.match(f, []string{string(body)}), nil
		}
		w := &bodyWalker{want: expandAll(f, types)}
		w.walk(firstValue(f.env.Header("Content-Type")), firstValue(f.env.Header("Content-Transfer-Encoding")), body, 0)
		return m.match(f, w.values), nil
	}
}

func firstValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return unfold(vs[0])
}

// bodyWalker collects the strings of the parts that :content selects.
type bodyWalker struct {
	want   []string
	values []string
	parts  int
}

// matches reports whether a media type is selected (RFC 5173 §5.2): ""
// selects every type, "type" every subtype, "type/subtype" itself; a type
// that begins or ends with "/" or holds two selects none.
func (w *bodyWalker) matches(mediaType string) bool {
	typ, _, _ := strings.Cut(mediaType, "/")
	for _, s := range w.want {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "":
			return true
		case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Count(s, "/") > 1:
		case strings.Contains(s, "/"):
			if s == mediaType {
				return true
			}
		case s == typ:
			return true
		}
	}
	return false
}

// walk visits one entity. Malformed structure never fails: a multipart
// without a boundary is read as text, a missing close delimiter ends the
// parts at the end of the body.
func (w *bodyWalker) walk(contentType, encoding string, body []byte, depth int) {
	w.parts++
	if w.parts > maxBodyParts || depth > maxBodyDepth {
		return
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType == "" {
		mediaType, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "":
		prologue, parts, epilogue := splitMultipart(body, params["boundary"])
		if w.matches(mediaType) {
			w.values = append(w.values, string(prologue), string(epilogue))
		}
		for _, p := range parts {
			h, b := splitEntity(p)
			ct := mimeField(h, "Content-Type")
			if ct == "" && mediaType == "multipart/digest" {
				ct = "message/rfc822" // RFC 2046 §5.1.5
			}
			w.walk(ct, mimeField(h, "Content-Transfer-Encoding"), b, depth+1)
		}
	case mediaType == "message/rfc822":
		h, b := splitEntity(body)
		if w.matches(mediaType) {
			w.values = append(w.values, string(h))
		}
		w.walk(mimeField(h, "Content-Type"), mimeField(h, "Content-Transfer-Encoding"), b, depth+1)
	default:
		if w.matches(mediaType) {
			w.values = append(w.values, decodeContent(mediaType, params["charset"], encoding, body))
		}
	}
}

// splitMultipart splits a multipart body at its delimiter lines (RFC 2046
// §5.1.1): the prologue, each part, and the epilogue.
func splitMultipart(body []byte, boundary string) (prologue []byte, parts [][]byte, epilogue []byte) {
	delim := []byte("--" + boundary)
	start := -1 // where the current part begins; -1 in the prologue
	for off := 0; off <= len(body); {
		end := bytes.IndexByte(body[off:], '\n')
		next := len(body) + 1
		line := body[off:]
		if end >= 0 {
			line, next = body[off:off+end], off+end+1
		}
		trimmed := bytes.TrimRight(line, " \t\r")
		if bytes.HasPrefix(trimmed, delim) {
			rest := trimmed[len(delim):]
			if len(rest) == 0 || bytes.Equal(rest, []byte("--")) {
				// The line end before a delimiter belongs to it.
				before := trimLineEnd(body[:off])
				if start < 0 {
					prologue = before
				} else {
					parts = append(parts, body[start:max(start, len(before))])
				}
				if len(rest) > 0 {
					if next <= len(body) {
						epilogue = body[next:]
					}
					return prologue, parts, epilogue
				}
				start = min(next, len(body))
			}
		}
		off = next
	}
	if start < 0 {
		return body, nil, nil
	}
	return prologue, append(parts, body[start:]), nil
}

func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// splitEntity splits an entity at the empty line after its header; an
// entity without one is all header.
func splitEntity(p []byte) (header, body []byte) {
	if bytes.HasPrefix(p, []byte("\r\n")) {
		return nil, p[2:]
	}
	if bytes.HasPrefix(p, []byte("\n")) {
		return nil, p[1:]
	}
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(p, []byte(sep)); i >= 0 {
			return p[:i+len(sep)/2], p[i+len(sep):]
		}
	}
	return p, nil
}

// mimeField returns the unfolded value of a field of a MIME header.
func mimeField(h []byte, name string) string {
	lines := strings.Split(strings.ReplaceAll(string(h), "\r\n", "\n"), "\n")
	for i, l := range lines {
		n, v, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(n), name) {
			continue
		}
		for _, cont := range lines[i+1:] {
			if cont == "" || (cont[0] != ' ' && cont[0] != '\t') {
				break
			}
			v += cont
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// decodeContent removes the transfer encoding (RFC 2045 §6) and converts
// text to UTF-8 (RFC 5173 §5.2); what cannot be decoded is kept as it is.
func decodeContent(mediaType, cs, encoding string, body []byte) string {
	data := body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		if d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil || len(d) > 0 {
			data = d
		}
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		clean = bytes.TrimRight(clean, "=")
		if d, err := base64.RawStdEncoding.DecodeString(string(clean)); err == nil {
			data = d
		}
	}
	if strings.HasPrefix(mediaType, "text/") && cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if r, err := charset.Reader(cs, bytes.NewReader(data)); err == nil {
			if d, err := io.ReadAll(r); err == nil {
				data = d
			}
		}
	}
	return string(data)
}
