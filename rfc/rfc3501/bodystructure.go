package rfc3501

import (
	"errors"
	"strings"
)

// maxEncodeDepth bounds the recursion of BodyStructure, which a structure
// built by hand could otherwise make endless.
const maxEncodeDepth = 2*MaxDepth + 2

var errTooDeep = errors.New("rfc3501: body structure nested too deeply")

// BodyStructure writes b as the FETCH data item BODY (extended false: no
// extension data) or BODYSTRUCTURE (extended true: md5, disposition,
// language and location of a single part; parameters, disposition, language
// and location of a multipart), per RFC 3501 §7.4.2 and §9 body. TEXT/*
// parts carry their line count, MESSAGE/RFC822 parts their envelope, body
// and line count; a multipart without parts is written with one empty
// TEXT/PLAIN part, as the grammar requires at least one.
func (e *Encoder) BodyStructure(b *BodyStructure, extended bool) *Encoder {
	return e.body(b, extended, 0)
}

func (e *Encoder) body(b *BodyStructure, extended bool, depth int) *Encoder {
	if depth > maxEncodeDepth {
		e.fail(errTooDeep)
		return e
	}
	e.writeByte('(')
	if b.IsMultipart() {
		parts := b.Parts
		if len(parts) == 0 {
			parts = []*BodyStructure{emptyPart(b.Body.Off)}
		}
		for _, p := range parts {
			e.body(p, extended, depth+1)
		}
		e.SP().String(b.Subtype)
		if extended {
			e.SP().params(b.Params).SP().disposition(b.Disposition).SP().language(b.Language).SP().NString(b.Location)
		}
		return e.writeByte(')')
	}
	e.String(b.Type).SP().String(b.Subtype).SP().params(b.Params).SP().
		NString(b.ID).SP().NString(b.Description).SP().String(b.Encoding).SP().
		Number64(uint64(max(b.Size(), 0)))
	switch {
	case b.IsMessage():
		e.SP().Envelope(b.Envelope).SP().body(b.Message, extended, depth+1).SP().Number64(uint64(max(b.Lines, 0)))
	case strings.EqualFold(b.Type, "TEXT"):
		e.SP().Number64(uint64(max(b.Lines, 0)))
	}
	if extended {
		e.SP().NString(b.MD5).SP().disposition(b.Disposition).SP().language(b.Language).SP().NString(b.Location)
	}
	return e.writeByte(')')
}

// params writes body-fld-param: "(" name SP value … ")" or NIL.
func (e *Encoder) params(ps []Param) *Encoder {
	if len(ps) == 0 {
		return e.NIL()
	}
	return e.List(len(ps), func(i int) { e.String(ps[i].Name).SP().String(ps[i].Value) })
}

// disposition writes body-fld-dsp: "(" string SP body-fld-param ")" or NIL.
func (e *Encoder) disposition(d *Disposition) *Encoder {
	if d == nil || d.Value == "" {
		return e.NIL()
	}
	return e.writeByte('(').String(d.Value).SP().params(d.Params).writeByte(')')
}

// language writes body-fld-lang: NIL, a string, or a list of strings.
func (e *Encoder) language(tags []string) *Encoder {
	switch len(tags) {
	case 0:
		return e.NIL()
	case 1:
		return e.String(tags[0])
	}
	return e.List(len(tags), func(i int) { e.String(tags[i]) })
}
