package sieve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"github.com/loftmail/loft/rfc/rfc5228"
)

// listFields are the mailing-list header fields of RFC 2919 and RFC 2369
// that RFC 5230 §4.6 says not to answer.
var listFields = []string{"List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post", "List-Owner", "List-Archive"}

// recipientFields are the fields in which RFC 5230 §4.5 requires one of
// the user's addresses before vacation answers.
var recipientFields = []string{"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"}

// automatedLocalParts are senders that vacation never answers (RFC 5230
// §4.6: "a list of addresses that vacation MUST NOT send mail to"),
// compared without regard to case; "owner-" prefixes and "-request"
// suffixes are checked apart.
var automatedLocalParts = []string{"mailer-daemon", "listserv", "majordomo", "mailman", "noreply", "no-reply", "bounce", "bounces"}

// vacationPeriod applies the site's bounds to the period a script asked
// for (RFC 5230 §4.1; RFC 6131 §2, where :seconds 0 also gets the
// minimum): a shorter one gets the minimum, a longer one the maximum.
func (e *Engine) vacationPeriod(asked time.Duration) time.Duration {
	switch {
	case asked < e.cfg.VacationMinimum:
		return e.cfg.VacationMinimum
	case asked > e.cfg.VacationMaximum:
		return e.cfg.VacationMaximum
	}
	return asked
}

// whyNoVacation returns why the message must not be answered (RFC 5230
// §4.5, §4.6; RFC 3834 §2), or "" when it may be.
// sep is the subaddress separator: an address with a detail
// ("alice+lists@example.org") is the user's when it is without it.
func whyNoVacation(d *Delivery, h *textproto.Header, v *rfc5228.Vacation, sep string) string {
	sender := d.From
	if sender == "" {
		return "null envelope sender"
	}
	local, _, _ := strings.Cut(sender, "@")
	local = strings.ToLower(local)
	for _, a := range automatedLocalParts {
		if local == a {
			return "automated sender " + sender
		}
	}
	if strings.HasPrefix(local, "owner-") || strings.HasSuffix(local, "-request") {
		return "mailing list address " + sender
	}
	mine := append([]string{d.To}, d.Account.Addresses...)
	mine = append(mine, v.Addresses...)
	bareSender := withoutDetail(sender, sep)
	for _, a := range mine {
		if strings.EqualFold(a, sender) || strings.EqualFold(a, bareSender) {
			return "the sender is the user"
		}
	}
	for _, f := range listFields {
		if h.Has(f) {
			return "mailing list (" + f + ")"
		}
	}
	if p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p == "bulk" || p == "list" || p == "junk" {
		return "Precedence: " + p
	}
	// RFC 3834 §5: "no" is the one value that allows an answer; the value
	// may carry parameters after ";".
	for _, as := range h.Values("Auto-Submitted") {
		kw, _, _ := strings.Cut(as, ";")
		if kw = strings.ToLower(strings.TrimSpace(kw)); kw != "no" {
			return "Auto-Submitted: " + kw
		}
	}
	mh := mailHeader(h)
	for _, f := range recipientFields {
		addrs, _ := mh.AddressList(f)
		for _, a := range addrs {
			bare := withoutDetail(a.Address, sep)
			for _, m := range mine {
				if strings.EqualFold(a.Address, m) || strings.EqualFold(bare, m) {
					return ""
				}
			}
		}
	}
	return "none of the user's addresses is in To, Cc, Bcc or their Resent- forms"
}

// withoutDetail returns addr without the detail of its local part (RFC
// 5233 §4: the detail follows the first separator), or addr itself.
func withoutDetail(addr, sep string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || sep == "" {
		return addr
	}
	if i := strings.Index(addr[:at], sep); i >= 0 {
		return addr[:i] + addr[at:]
	}
	return addr
}

// separator is the subaddress separator scripts use.
func (e *Engine) separator() string {
	if e.cfg.SubaddressSeparator == "" {
		return "+"
	}
	return e.cfg.SubaddressSeparator
}

// vacation carries out a vacation action (RFC 5230): unless the message
// is one not to answer, and unless this response went to this sender
// within its period, it sends the response through the relay. The
// memory is claimed before sending and released if the send fails, so
// that the next message may try again.
func (e *Engine) vacation(ctx context.Context, d *Delivery, msg *message, v *rfc5228.Vacation) error {
	log := d.logger()
	if why := whyNoVacation(d, msg.header(), v, e.separator()); why != "" {
		log.Info("sieve: vacation not sent", "reason", why)
		return nil
	}
	now := d.InternalDate
	e.sweepVacation(d, now)
	claim, ok, err := d.Store.ClaimVacation(v.Handle, strings.ToLower(d.From), now, e.vacationPeriod(v.Period))
	if err != nil {
		return err
	}
	if !ok {
		log.Info("sieve: vacation not sent", "reason", "already answered within the period", "to", d.From)
		return nil
	}
	reply, err := e.vacationReply(d, msg.header(), v, time.Now())
	if err == nil {
		err = e.relay.send(ctx, envelope{to: []string{d.From}, notifyNever: true}, bytes.NewReader(reply))
	}
	if err != nil {
		if rerr := claim.Release(); rerr != nil {
			log.Warn("sieve: vacation memory not released", "err", rerr)
		}
		return err
	}
	log.Info("sieve: vacation sent", "to", d.From)
	return nil
}

// vacationReply builds the response (RFC 5230 §5, RFC 3834 §3): To the
// envelope sender; From :from if it is a valid mailbox list of the user's
// own addresses, else the user's address (§4.3, §5.4); Subject :subject or "Auto: " and the
// original subject (§5.3), RFC 2047 encoded only when not ASCII; Date now
// (§5.2); In-Reply-To and References from the original Message-ID
// (§5.8); Auto-Submitted: auto-replied (§5.6). The body is the reason as
// UTF-8 text, or with :mime the reason as a MIME entity (§4.4), whose
// header must be ASCII (§5) and gives only Content-* and MIME-Version
// fields (any other is dropped).
func (e *Engine) vacationReply(d *Delivery, orig *textproto.Header, v *rfc5228.Vacation, now time.Time) ([]byte, error) {
	om := mailHeader(orig)
	var h mail.Header
	h.SetDate(now)
	from := []*mail.Address{{Address: userAddress(d)}}
	if v.From != "" {
		l, err := mail.ParseAddressList(v.From)
		switch {
		case err != nil || len(l) == 0:
			d.logger().Info("sieve: vacation :from is not a mailbox list; using the user's address", "from", v.From)
		case !e.ownAddresses(d, l):
			// §4.3 lets the site restrict :from and suggests ignoring a
			// value that fails: a script may not send as someone else.
			d.logger().Info("sieve: vacation :from is not one of the user's addresses; using the user's address", "from", v.From)
		default:
			from = l
		}
	}
	h.SetAddressList("From", from)
	h.SetAddressList("To", []*mail.Address{{Address: d.From}})
	subject := v.Subject
	if subject == "" {
		if s, err := om.Subject(); err == nil && s != "" {
			subject = "Auto: " + s
		} else {
			subject = "Automated reply"
		}
	}
	h.SetSubject(subject)
	h.SetMessageID(e.newID())
	if id, err := om.MessageID(); err == nil && id != "" {
		h.SetMsgIDList("In-Reply-To", []string{id})
		refs, _ := om.MsgIDList("References")
		if len(refs) == 0 {
			// RFC 5322 §3.6.4: without References, the parent's
			// In-Reply-To (one id) starts the list.
			if irt, _ := om.MsgIDList("In-Reply-To"); len(irt) == 1 {
				refs = irt
			}
		}
		h.SetMsgIDList("References", append(refs, id))
	}
	h.Set("Auto-Submitted", "auto-replied")

	var b bytes.Buffer
	if !v.Mime {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		w, err := mail.CreateSingleInlineWriter(&b, h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(v.Reason)); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return crlf(b.Bytes()), nil
	}
	br := bufio.NewReader(strings.NewReader(v.Reason))
	eh, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("vacation :mime: the reason is not a MIME entity: %w", err)
	}
	for f := eh.Fields(); f.Next(); {
		// §4.4: the reason is a MIME part, whose header describes its
		// content. Other fields (From, To, Bcc, Auto-Submitted …) would
		// override the reply's own, so they are dropped.
		if k := strings.ToLower(f.Key()); !strings.HasPrefix(k, "content-") && k != "mime-version" {
			d.logger().Info("sieve: vacation :mime: header field dropped, not a MIME content field", "field", f.Key())
			continue
		}
		raw, _ := f.Raw()
		for _, c := range raw {
			if c >= 0x80 {
				return nil, fmt.Errorf("vacation :mime: 8-bit octets in the header field %s (RFC 5230 §5)", f.Key())
			}
		}
		h.Add(f.Key(), f.Value())
	}
	if !h.Has("Content-Type") {
		h.SetContentType("text/plain", map[string]string{"charset": "us-ascii"})
	}
	if !h.Has("Mime-Version") {
		h.Set("MIME-Version", "1.0")
	}
	if err := textproto.WriteHeader(&b, h.Header.Header); err != nil {
		return nil, err
	}
	if _, err := br.WriteTo(&b); err != nil {
		return nil, err
	}
	return crlf(b.Bytes()), nil
}

// ownAddresses reports whether every address of l is one of the user's:
// the directory's addresses or the envelope recipient, with or without a
// detail (RFC 5233). :addresses does not count: the script names those
// itself, so they would let it send as anyone.
func (e *Engine) ownAddresses(d *Delivery, l []*mail.Address) bool {
	mine := append([]string{d.To}, d.Account.Addresses...)
	for _, a := range l {
		bare := withoutDetail(a.Address, e.separator())
		if !slices.ContainsFunc(mine, func(m string) bool {
			return m != "" && (strings.EqualFold(a.Address, m) || strings.EqualFold(bare, m))
		}) {
			return false
		}
	}
	return true
}

// sweepEvery is how often an account's expired vacation memory is
// removed, at most: on the first vacation action after that long.
const sweepEvery = time.Hour

// sweepVacation removes the account's expired vacation records
// (store.Account.SweepVacation) if that was last done more than
// sweepEvery ago by this engine. Failures are logged only: the memory
// then merely grows until the next sweep.
func (e *Engine) sweepVacation(d *Delivery, now time.Time) {
	last, loaded := e.swept.LoadOrStore(d.Account.Login, now)
	if loaded {
		if now.Sub(last.(time.Time)) < sweepEvery || !e.swept.CompareAndSwap(d.Account.Login, last, now) {
			return
		}
	}
	if n, err := d.Store.SweepVacation(now); err != nil {
		d.logger().Warn("sieve: vacation memory not swept", "err", err)
	} else if n > 0 {
		d.logger().Info("sieve: vacation memory swept", "forgotten", n)
	}
}
