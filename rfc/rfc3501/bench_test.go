package rfc3501

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

func BenchmarkParseMessage(b *testing.B) {
	attachment := strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 1<<14) // 1.2 MiB of base64
	large := crlf("From: a@example.org\nSubject: large\nContent-Type: multipart/mixed; boundary=\"=_b\"\n\n--=_b\nContent-Type: text/plain\n\nhello\n--=_b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n") +
		attachment + crlf("--=_b--\n")
	for _, tt := range []struct{ name, raw string }{{"nested", sectionMessage}, {"attachment", large}} {
		b.Run(tt.name, func(b *testing.B) {
			r := strings.NewReader(tt.raw)
			b.SetBytes(int64(len(tt.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseMessage(r, r.Size()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeBodyStructure(b *testing.B) {
	m := parse(b, sectionMessage)
	w := bufio.NewWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		e := NewEncoder(w)
		e.Envelope(m.Envelope).SP().BodyStructure(m.Body, true)
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeFetch(b *testing.B) {
	line := []byte("A654 UID FETCH 1:5,7,9:200,300:* (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SUBJECT)]<0.2048>)\r\n")
	input := bytes.Repeat(line, 1000)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(bufio.NewReader(bytes.NewReader(input)))
		for range 1000 {
			var tag, uid, cmd, item string
			var set SeqSet
			if !d.Tag(&tag) || !d.SP() || !d.Atom(&uid) || !d.SP() || !d.Atom(&cmd) || !d.SP() || !d.SeqSet(&set) || !d.SP() {
				b.Fatal(d.Err())
			}
			ok := d.List(func() bool {
				if !d.Keyword(&item) {
					return false
				}
				if d.Peek('[') {
					var s Section
					var p Partial
					return d.Section(&s) && d.Partial(&p)
				}
				return true
			})
			if !ok || !d.CRLF() {
				b.Fatal(d.Err())
			}
		}
	}
}
