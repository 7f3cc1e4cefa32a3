package rfc3501

// Envelope is the ENVELOPE of a message (RFC 3501 §7.4.2): header fields as
// the header has them, unfolded and trimmed, encoded words not decoded (IMAP
// sends the raw header text). Date, Subject, InReplyTo and MessageID are nil
// when the field is absent and empty when it is present but empty, as §7.4.2
// requires; an empty address list is sent as NIL.
type Envelope struct {
	Date    *string
	Subject *string
	From    []Address
	// Sender and ReplyTo are From when their fields are absent or hold no
	// address (§7.4.2).
	Sender    []Address
	ReplyTo   []Address
	To        []Address
	Cc        []Address
	Bcc       []Address
	InReplyTo *string
	MessageID *string
}

// newEnvelope builds the envelope of a header.
func newEnvelope(f *fields) *Envelope {
	addrs := func(id fieldID) []Address {
		if !f.seen[id] {
			return nil
		}
		return parseAddressList(f.value(id))
	}
	env := &Envelope{
		Date:      f.nstring(fDate),
		Subject:   f.nstring(fSubject),
		From:      addrs(fFrom),
		Sender:    addrs(fSender),
		ReplyTo:   addrs(fReplyTo),
		To:        addrs(fTo),
		Cc:        addrs(fCc),
		Bcc:       addrs(fBcc),
		InReplyTo: f.nstring(fInReplyTo),
		MessageID: f.nstring(fMessageID),
	}
	if len(env.Sender) == 0 {
		env.Sender = env.From
	}
	if len(env.ReplyTo) == 0 {
		env.ReplyTo = env.From
	}
	return env
}

// Envelope writes an envelope (RFC 3501 §9 envelope).
func (e *Encoder) Envelope(env *Envelope) *Encoder {
	if env == nil {
		env = &Envelope{}
	}
	e.writeByte('(')
	e.nstringPtr(env.Date).SP().nstringPtr(env.Subject).SP()
	for _, list := range [][]Address{env.From, env.Sender, env.ReplyTo, env.To, env.Cc, env.Bcc} {
		e.addressList(list).SP()
	}
	e.nstringPtr(env.InReplyTo).SP().nstringPtr(env.MessageID)
	return e.writeByte(')')
}

// addressList writes "(" 1*address ")" or NIL; the addresses are not
// separated.
func (e *Encoder) addressList(list []Address) *Encoder {
	if len(list) == 0 {
		return e.NIL()
	}
	e.writeByte('(')
	for _, a := range list {
		e.writeByte('(').NString(a.Name).SP().NString(a.ADL).SP().NString(a.Mailbox).SP().NString(a.Host).writeByte(')')
	}
	return e.writeByte(')')
}
