package rfc5228

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// The body test (RFC 5173).

// maxBodyParts bounds the MIME parts the body test reads, and
// maxBodyDepth their nesting, so that a hostile message cannot make a run
// slow.
const (
	maxBodyParts = 500
	maxBodyDepth = 20
)

// tstBody is the body test (RFC 5173 §4, §5): :raw matches the body's
// octets undecoded; :content matches each MIME part whose type is one of
// the given types ("type" for every subtype of it, "type/subtype", or ""
// for every part), decoded from its transfer encoding and, for text, from
// its charset to UTF-8; :text, the default, is :content "text".
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
		if raw {
			return m.match(f, []string{string(body)}), nil
		}
		want := expandAll(f, types)
		var h message.Header
		for _, name := range []string{"Content-Type", "Content-Transfer-Encoding"} {
			if vs := f.env.Header(name); len(vs) > 0 {
				h.Set(name, unfold(vs[0]))
			}
		}
		var values []string
		walkParts(h, body, func(mediaType string, content []byte) {
			if contentMatches(mediaType, want) {
				values = append(values, string(content))
			}
		})
		return m.match(f, values), nil
	}
}

// contentMatches reports whether a part's media type is one of want
// (RFC 5173 §5.2).
func contentMatches(mediaType string, want []string) bool {
	typ, _, _ := strings.Cut(mediaType, "/")
	for _, w := range want {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" || w == mediaType || !strings.Contains(w, "/") && w == typ {
			return true
		}
	}
	return false
}

// walkParts calls leaf for every part that is not multipart, in order,
// with its lower-case media type and decoded content. Malformed parts are
// read as far as they go; they never fail the test.
func walkParts(h message.Header, body []byte, leaf func(string, []byte)) {
	e, _ := message.New(h, bytes.NewReader(body))
	if e == nil {
		return
	}
	n := 0
	walkEntity(e, 0, &n, leaf)
}

func walkEntity(e *message.Entity, depth int, n *int, leaf func(string, []byte)) {
	*n++
	if *n > maxBodyParts {
		return
	}
	mediaType, _, err := e.Header.ContentType()
	if err != nil || mediaType == "" {
		mediaType = "text/plain"
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth >= maxBodyDepth {
			return
		}
		for {
			p, err := mr.NextPart()
			if p == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return
			}
			walkEntity(p, depth+1, n, leaf)
		}
	}
	content, _ := io.ReadAll(e.Body)
	leaf(strings.ToLower(mediaType), content)
}
