package rfc5804

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// This file is the client's side of the grammar: reading what a server
// sends. Loft's tests and its conformance driver use it.

// ReadLine reads one logical server line: octets up to a CRLF that is not
// inside a literal, with the literals ("{n}" CRLF and n octets, §4
// literal-s2c) it contains kept in place. The result ends with CRLF.
// Literals longer than maxLiteral octets, and physical lines longer than
// DefaultMaxLine, are errors.
func ReadLine(r *bufio.Reader, maxLiteral int64) ([]byte, error) {
	var out []byte
	for {
		seg, err := readPhysical(r)
		if err != nil {
			if err == io.EOF && len(out) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		out = append(out, seg...)
		n, ok := literalAtEnd(seg)
		if !ok {
			return out, nil
		}
		if int64(n) > maxLiteral || n > 1<<40 {
			return nil, fmt.Errorf("rfc5804: literal of %d octets exceeds %d", n, maxLiteral)
		}
		start := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(r, out[start:]); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
	}
}

func readPhysical(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		part, err := r.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > DefaultMaxLine {
			return nil, fmt.Errorf("rfc5804: server line longer than %d octets", DefaultMaxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return nil, fmt.Errorf("rfc5804: server line not ended by CRLF")
		}
		return line, nil
	}
}

// FinalStatus reports whether a logical line is a final response (its
// first atom is OK, NO or BYE, in any case) and which.
func FinalStatus(line []byte) (Status, bool) {
	i := 0
	for i < len(line) && IsAtomChar(line[i]) {
		i++
	}
	if i == len(line) || (line[i] != ' ' && line[i] != '\r') {
		return "", false
	}
	switch s := Status(strings.ToUpper(string(line[:i]))); s {
	case OK, NO, BYE:
		return s, true
	}
	return "", false
}

// lineParser reads the items of one logical line.
type lineParser struct {
	b   []byte
	i   int
	err error
}

func (p *lineParser) failf(format string, a ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("rfc5804: at octet %d: %s", p.i, fmt.Sprintf(format, a...))
	}
}

func (p *lineParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// str parses a quoted string or a literal (either form).
func (p *lineParser) str() string {
	switch p.peek() {
	case '"':
		p.i++
		var s []byte
		for p.i < len(p.b) {
			c := p.b[p.i]
			p.i++
			switch c {
			case '"':
				return string(s)
			case '\\':
				if p.i < len(p.b) && (p.b[p.i] == '"' || p.b[p.i] == '\\') {
					s = append(s, p.b[p.i])
					p.i++
					continue
				}
				p.failf(`bad "\" escape`)
				return ""
			case '\r', '\n', 0:
				p.failf("NUL, CR or LF in a quoted string")
				return ""
			}
			s = append(s, c)
		}
		p.failf("unterminated quoted string")
		return ""
	case '{':
		end := bytes.Index(p.b[p.i:], []byte("\r\n"))
		if end < 0 {
			p.failf("unterminated literal announcement")
			return ""
		}
		n, ok := literalAtEnd(p.b[p.i : p.i+end+2])
		if !ok || !bytes.HasPrefix(p.b[p.i:], []byte("{")) || bytes.IndexByte(p.b[p.i+1:p.i+end], '{') >= 0 {
			p.failf("bad literal announcement")
			return ""
		}
		start := p.i + end + 2
		if uint64(len(p.b)-start) < n {
			p.failf("literal longer than the line")
			return ""
		}
		p.i = start + int(n)
		return string(p.b[start:p.i])
	}
	p.failf("expected a string")
	return ""
}

func (p *lineParser) atom() string {
	start := p.i
	for p.i < len(p.b) && IsAtomChar(p.b[p.i]) {
		p.i++
	}
	if p.i == start {
		p.failf("expected an atom")
	}
	return string(p.b[start:p.i])
}

func (p *lineParser) expect(c byte) bool {
	if p.peek() != c {
		p.failf("expected %q", c)
		return false
	}
	p.i++
	return true
}

func (p *lineParser) crlf() {
	if p.err == nil && (p.i+2 != len(p.b) || p.b[p.i] != '\r' || p.b[p.i+1] != '\n') {
		p.failf("expected CRLF at the end")
	}
}

// ParseResponse decodes a final response line as ReadLine returns it (§4
// response-ok / response-nobye). Status words are returned in upper case,
// code names as sent.
func ParseResponse(line []byte) (Response, error) {
	p := &lineParser{b: line}
	st, ok := FinalStatus(line)
	if !ok {
		return Response{}, fmt.Errorf("rfc5804: not a final response: %.40q", line)
	}
	r := Response{Status: st}
	p.atom()
	if p.peek() == ' ' {
		p.i++
		if p.peek() == '(' {
			p.i++
			c := &Code{}
			c.Name = p.atom() // "/" is an ATOM-CHAR: QUOTA/MAXSIZE is one atom

			if p.peek() == ' ' {
				p.i++
				c.HasArg = true
				if strings.EqualFold(c.Name, CodeReferral) {
					start := p.i
					for p.i < len(p.b) && p.b[p.i] != ')' && p.b[p.i] > ' ' {
						p.i++
					}
					c.Arg = string(p.b[start:p.i])
				} else {
					c.Arg = p.str()
				}
			}
			p.expect(')')
			r.Code = c
			if p.peek() == ' ' {
				p.i++
				r.Text, r.HasText = p.str(), true
			}
		} else {
			r.Text, r.HasText = p.str(), true
		}
	}
	p.crlf()
	return r, p.err
}

// ParseDataLine decodes a line of strings separated by SP, such as a
// capability line (§4 single-capability) or a LISTSCRIPTS line, whose
// final item may be an atom (ACTIVE). It returns the strings and that atom
// ("" for none).
func ParseDataLine(line []byte) (strs []string, atom string, err error) {
	p := &lineParser{b: line}
	for p.err == nil {
		switch c := p.peek(); {
		case c == '"' || c == '{':
			strs = append(strs, p.str())
		default:
			atom = p.atom()
		}
		if p.peek() != ' ' || atom != "" {
			break
		}
		p.i++
	}
	p.crlf()
	return strs, atom, p.err
}
