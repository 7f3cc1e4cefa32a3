package rfc3501

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// This file reads the server side of the grammar back, to prove that what
// the Encoder writes is well-formed (RFC 3501 §9 body, envelope) and says
// what the structure says.

func readNString(d *Decoder, s *string) bool {
	var p *string
	if !d.NString(&p) {
		return false
	}
	*s = ""
	if p != nil {
		*s = *p
	}
	return true
}

func readParams(d *Decoder, ps *[]Param) bool {
	if !d.Peek('(') {
		var nilString *string
		return d.NString(&nilString) && nilString == nil
	}
	var out []Param
	ok := d.List(func() bool {
		var p Param
		if !d.String(&p.Name) || !d.SP() || !d.String(&p.Value) {
			return false
		}
		out = append(out, p)
		return true
	})
	if len(out) == 0 {
		return false // body-fld-param is NIL or a non-empty list
	}
	*ps = out
	return ok
}

func readDisposition(d *Decoder, dsp **Disposition) bool {
	if !d.Peek('(') {
		var p *string
		return d.NString(&p) && p == nil
	}
	v := &Disposition{}
	if !d.ExpectByte('(') || !d.String(&v.Value) || !d.SP() || !readParams(d, &v.Params) || !d.ExpectByte(')') {
		return false
	}
	*dsp = v
	return true
}

func readLanguage(d *Decoder, tags *[]string) bool {
	if d.Peek('(') {
		return d.List(func() bool {
			var s string
			if !d.String(&s) {
				return false
			}
			*tags = append(*tags, s)
			return true
		}) && len(*tags) > 0
	}
	var p *string
	if !d.NString(&p) {
		return false
	}
	if p != nil {
		*tags = []string{*p}
	}
	return true
}

func readAddresses(d *Decoder, list *[]Address) bool {
	if !d.Peek('(') {
		var p *string
		return d.NString(&p) && p == nil
	}
	if !d.ExpectByte('(') {
		return false
	}
	for {
		var a Address
		if !d.ExpectByte('(') || !readNString(d, &a.Name) || !d.SP() || !readNString(d, &a.ADL) || !d.SP() ||
			!readNString(d, &a.Mailbox) || !d.SP() || !readNString(d, &a.Host) || !d.ExpectByte(')') {
			return false
		}
		*list = append(*list, a)
		if d.Peek(')') {
			return d.ExpectByte(')')
		}
	}
}

func readEnvelope(d *Decoder, env *Envelope) bool {
	if !d.ExpectByte('(') || !d.NString(&env.Date) || !d.SP() || !d.NString(&env.Subject) || !d.SP() {
		return false
	}
	for _, list := range []*[]Address{&env.From, &env.Sender, &env.ReplyTo, &env.To, &env.Cc, &env.Bcc} {
		if !readAddresses(d, list) || !d.SP() {
			return false
		}
	}
	return d.NString(&env.InReplyTo) && d.SP() && d.NString(&env.MessageID) && d.ExpectByte(')')
}

// readBody reads body (RFC 3501 §9); extended says whether extension data
// must be there.
func readBody(d *Decoder, b *BodyStructure, extended bool) bool {
	if !d.ExpectByte('(') {
		return false
	}
	var size uint64
	if d.Peek('(') {
		b.Type = "MULTIPART"
		for d.Peek('(') {
			p := &BodyStructure{}
			if !readBody(d, p, extended) {
				return false
			}
			b.Parts = append(b.Parts, p)
		}
		if !d.SP() || !d.String(&b.Subtype) {
			return false
		}
		if extended && (!d.SP() || !readParams(d, &b.Params) || !d.SP() || !readDisposition(d, &b.Disposition) ||
			!d.SP() || !readLanguage(d, &b.Language) || !d.SP() || !readNString(d, &b.Location)) {
			return false
		}
		return d.ExpectByte(')')
	}
	if !d.String(&b.Type) || !d.SP() || !d.String(&b.Subtype) || !d.SP() || !readParams(d, &b.Params) || !d.SP() ||
		!readNString(d, &b.ID) || !d.SP() || !readNString(d, &b.Description) || !d.SP() ||
		!d.String(&b.Encoding) || !d.SP() || !d.Number64(&size) {
		return false
	}
	b.Body = Span{0, int64(size)}
	var lines uint64
	switch {
	case strings.EqualFold(b.Type, "MESSAGE") && strings.EqualFold(b.Subtype, "RFC822"):
		b.Envelope, b.Message = &Envelope{}, &BodyStructure{}
		if !d.SP() || !readEnvelope(d, b.Envelope) || !d.SP() || !readBody(d, b.Message, extended) || !d.SP() || !d.Number64(&lines) {
			return false
		}
	case strings.EqualFold(b.Type, "TEXT"):
		if !d.SP() || !d.Number64(&lines) {
			return false
		}
	}
	b.Lines = int64(lines)
	if extended && (!d.SP() || !readNString(d, &b.MD5) || !d.SP() || !readDisposition(d, &b.Disposition) ||
		!d.SP() || !readLanguage(d, &b.Language) || !d.SP() || !readNString(d, &b.Location)) {
		return false
	}
	return d.ExpectByte(')')
}

// wireForm is what a BodyStructure says on the wire: offsets dropped and,
// without extended, the extension data too.
func wireForm(b *BodyStructure, extended bool) *BodyStructure {
	if b == nil {
		return nil
	}
	c := *b
	c.Header, c.Body = Span{}, Span{0, b.Body.Len}
	if c.IsMultipart() {
		c.Body, c.Lines, c.Envelope, c.Message = Span{}, 0, nil, nil
		c.ID, c.Description, c.Encoding, c.MD5 = "", "", "", ""
	} else if c.Type != "TEXT" && !c.IsMessage() {
		c.Lines = 0
	}
	if !c.IsMessage() {
		c.Envelope, c.Message = nil, nil
	}
	if !extended {
		c.MD5, c.Disposition, c.Language, c.Location = "", nil, nil, ""
		if c.IsMultipart() {
			c.Params = nil
		}
	}
	if len(c.Params) == 0 {
		c.Params = nil
	}
	if len(c.Language) == 0 {
		c.Language = nil
	}
	if c.Disposition != nil && len(c.Disposition.Params) == 0 {
		d := *c.Disposition
		d.Params = nil
		c.Disposition = &d
	}
	c.Envelope = normalEnvelope(c.Envelope)
	c.Message = wireForm(c.Message, extended)
	c.Parts = nil
	for _, p := range b.Parts {
		c.Parts = append(c.Parts, wireForm(p, extended))
	}
	if c.IsMultipart() && len(c.Parts) == 0 {
		c.Parts = []*BodyStructure{wireForm(emptyPart(0), extended)}
	}
	return &c
}

// checkWire encodes the envelope and the body structure of m (BODY and
// BODYSTRUCTURE), reads them back and compares.
func checkWire(t *testing.T, name string, m *Message) {
	t.Helper()
	var out bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&out))
	e.Envelope(m.Envelope).SP().BodyStructure(m.Body, false).SP().BodyStructure(m.Body, true).CRLF()
	if err := e.Flush(); err != nil {
		t.Fatalf("%s: encoding: %v", name, err)
	}
	d := NewDecoder(bufio.NewReader(bytes.NewReader(out.Bytes())))
	var env Envelope
	var body, bodyStructure BodyStructure
	if !readEnvelope(d, &env) || !d.SP() || !readBody(d, &body, false) || !d.SP() || !readBody(d, &bodyStructure, true) || !d.CRLF() {
		t.Fatalf("%s: %v in %q", name, d.Err(), out.String())
	}
	same(t, name+": ENVELOPE", normalEnvelope(m.Envelope), normalEnvelope(&env))
	same(t, name+": BODY", wireForm(m.Body, false), wireForm(&body, false))
	same(t, name+": BODYSTRUCTURE", wireForm(m.Body, true), wireForm(&bodyStructure, true))
}

// same compares two values through their JSON form; cmp, whose diff of deep
// trees takes exponential time, only explains a difference in small ones.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	w, err1 := json.Marshal(want)
	g, err2 := json.Marshal(got)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: %v %v", what, err1, err2)
	}
	if bytes.Equal(w, g) {
		return
	}
	if len(w) < 20000 {
		t.Errorf("%s read back (-want +got):\n%s", what, cmp.Diff(want, got, cmpopts.EquateEmpty()))
	} else {
		t.Errorf("%s read back:\n got %s\nwant %s", what, g, w)
	}
}

// normalEnvelope returns env with empty address lists as nil.
func normalEnvelope(env *Envelope) *Envelope {
	if env == nil {
		return nil
	}
	c := *env
	for _, l := range []*[]Address{&c.From, &c.Sender, &c.ReplyTo, &c.To, &c.Cc, &c.Bcc} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return &c
}

// wire returns the wire forms of m: ENVELOPE, BODY and BODYSTRUCTURE.
func wire(t *testing.T, m *Message) (env, body, bodyStructure string) {
	t.Helper()
	env = encode(t, func(e *Encoder) { e.Envelope(m.Envelope) })
	body = encode(t, func(e *Encoder) { e.BodyStructure(m.Body, false) })
	bodyStructure = encode(t, func(e *Encoder) { e.BodyStructure(m.Body, true) })
	return
}

// describeTree lists the entities of a structure with their part numbers,
// types and spans, for failure messages.
func describeTree(b *BodyStructure, prefix string) string {
	s := fmt.Sprintf("%s %s/%s header=%v body=%v lines=%d\n", prefix, b.Type, b.Subtype, b.Header, b.Body, b.Lines)
	for i, p := range b.Parts {
		s += describeTree(p, fmt.Sprintf("%s.%d", prefix, i+1))
	}
	if b.Message != nil {
		s += describeTree(b.Message, prefix+".msg")
	}
	return s
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
