package rfc1939

// Status indicators (§3). Servers must send them in upper case.
const (
	OK  = "+OK"
	ERR = "-ERR"
)

// AppendOK appends a positive single-line response "+OK text" CRLF to dst (§3).
func AppendOK(dst []byte, text string) []byte { return AppendStatus(dst, OK, text) }

// AppendERR appends a negative single-line response "-ERR text" CRLF to dst (§3).
func AppendERR(dst []byte, text string) []byte { return AppendStatus(dst, ERR, text) }

// AppendStatus appends status, a space and text (omitted with the space when
// text is empty) and CRLF. Octets of text that would break the line (CR, LF,
// NUL and the other controls) become spaces, and text is cut so that the whole
// line is at most MaxResponseLength octets including CRLF (§3).
func AppendStatus(dst []byte, status, text string) []byte {
	dst = append(dst, status...)
	if text != "" {
		dst = append(dst, ' ')
		room := MaxResponseLength - len(status) - 1 - 2
		dst = appendSafe(dst, text, room)
	}
	return append(dst, '\r', '\n')
}

// AppendLine appends one line of a multi-line response (§3): text, byte-stuffed
// when it begins with ".", then CRLF. Control octets become spaces and the line
// is cut at MaxResponseLength octets including CRLF. Use it for listings
// (LIST, UIDL, CAPA), and DotWriter for message content.
func AppendLine(dst []byte, text string) []byte {
	room := MaxResponseLength - 2
	if len(text) > 0 && text[0] == '.' {
		dst = append(dst, '.')
		room--
	}
	dst = appendSafe(dst, text, room)
	return append(dst, '\r', '\n')
}

// AppendEnd appends the line that terminates a multi-line response: "." CRLF.
func AppendEnd(dst []byte) []byte { return append(dst, '.', '\r', '\n') }

func appendSafe(dst []byte, text string, room int) []byte {
	if len(text) > room {
		text = text[:room]
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}
