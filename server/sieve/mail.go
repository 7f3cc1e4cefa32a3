package sieve

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"github.com/loftmail/loft/rfc/rfc5228"
)

// loopField is the header field redirect adds to each message it sends
// on: "X-Loft-Loop: <the account's address>". A message that arrives
// already carrying one naming the account is not redirected again, which
// stops a loop between accounts that redirect to each other, however
// many servers the loop crosses. (Delivered-To is not used: MTAs add it
// themselves on the way in, which would make every redirect a loop.)
const loopField = "X-Loft-Loop"

// errLoop is the failure of a redirect that would loop.
var errLoop = errors.New("mail loop: this account redirected the message before (" + loopField + ")")

// redirect sends the message on to addr (RFC 5228 §4.2): the octets the
// account received, less the Return-Path field final delivery added, with
// an X-Loft-Loop field in front, and the original envelope sender. The
// relay's acceptance is the redirect's success.
func (e *Engine) redirect(ctx context.Context, d *Delivery, msg *message, addr string) error {
	for _, v := range msg.header().Values(loopField) {
		if ownAddress(d, strings.TrimSpace(v)) {
			return errLoop
		}
	}
	skip := returnPathLength(d.Message, d.Size)
	body := io.MultiReader(
		strings.NewReader(loopField+": "+userAddress(d)+"\r\n"),
		io.NewSectionReader(d.Message, skip, d.Size-skip))
	return e.relay.send(ctx, envelope{from: d.From, to: []string{addr}}, body)
}

// ownAddress reports whether addr (an addr-spec, angle brackets allowed)
// is the envelope recipient or one of the account's addresses.
func ownAddress(d *Delivery, addr string) bool {
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	if strings.EqualFold(addr, d.To) {
		return true
	}
	for _, a := range d.Account.Addresses {
		if strings.EqualFold(addr, a) {
			return true
		}
	}
	return false
}

// returnPathLength returns the length of the Return-Path field that
// begins the message, folded lines included, or 0 when it does not begin
// with one.
func returnPathLength(r io.ReaderAt, size int64) int64 {
	br := bufio.NewReader(io.NewSectionReader(r, 0, min(size, 4096)))
	line, err := br.ReadString('\n')
	if err != nil || len(line) < len("Return-Path:") || !strings.EqualFold(line[:len("Return-Path:")], "Return-Path:") {
		return 0
	}
	n := int64(len(line))
	for {
		b, err := br.Peek(1)
		if err != nil || (b[0] != ' ' && b[0] != '\t') {
			return n
		}
		l, err := br.ReadString('\n')
		if err != nil {
			return 0
		}
		n += int64(len(l))
	}
}

// newID returns a fresh Message-ID for a message Loft writes
// (RFC 5322 §3.6.4), without angle brackets.
func (e *Engine) newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + ".sieve@" + e.cfg.Hostname
}

// postmaster is the From of the messages Loft itself writes.
func (e *Engine) postmaster() *mail.Address {
	return &mail.Address{Name: "Mail Delivery Subsystem", Address: "MAILER-DAEMON@" + e.cfg.Hostname}
}

// userAddress is the account's own address: its primary address, or the
// envelope recipient.
func userAddress(d *Delivery) string {
	if len(d.Account.Addresses) > 0 {
		return d.Account.Addresses[0]
	}
	return d.To
}

// notice builds the message that tells the user their filter failed
// (Config.ErrorReport "inbox").
func (e *Engine) notice(d *Delivery, problems []error) ([]byte, error) {
	var h mail.Header
	h.SetDate(d.InternalDate)
	h.SetAddressList("From", []*mail.Address{e.postmaster()})
	h.SetAddressList("To", []*mail.Address{{Address: userAddress(d)}})
	h.SetSubject("Sieve: your mail filter failed")
	h.SetMessageID(e.newID())
	h.Set("Auto-Submitted", "auto-generated") // RFC 3834 §5
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var b bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&b, h)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "Your Sieve filter could not do everything it asked for with a message\n"+
		"that arrived for you at %s (delivery %s).\n"+
		"No message was lost: where an action failed, the message was kept in your INBOX.\n\n",
		d.InternalDate.UTC().Format(time.RFC1123Z), d.ID)
	io.WriteString(w, userLines(problems))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return crlf(b.Bytes()), nil
}

// sendRejection refuses the message by mail (RFC 5429 §2.1.2, §2.2.1),
// when it cannot be refused at the protocol level: a failure MDN
// (RFC 8098 §3.2.6: "automatic-action/MDN-sent-automatically; deleted")
// for reject, a DSN with Action "failed" (RFC 3464 §2.3.3) for ereject.
// A null envelope sender gets nothing (RFC 5429 §2.1.2, §2.2.1).
func (e *Engine) sendRejection(ctx context.Context, d *Delivery, msg *message, r *rfc5228.Reject) error {
	if d.From == "" {
		d.logger().Info("sieve: no rejection message for the null sender", "action", r.Kind())
		return nil
	}
	orig := msg.header()
	var h mail.Header
	h.SetDate(time.Now())
	h.SetAddressList("To", []*mail.Address{{Address: d.From}})
	h.SetMessageID(e.newID())
	oh := mailHeader(orig)
	subject, _ := oh.Subject()
	if id, err := oh.MessageID(); err == nil && id != "" {
		h.SetMsgIDList("In-Reply-To", []string{id})
	}
	h.Set("Auto-Submitted", "auto-replied") // RFC 3834 §5: a response to a message
	var human, reportType string
	var report bytes.Buffer
	origID := orig.Get("Message-Id")
	if r.Extended {
		h.SetAddressList("From", []*mail.Address{e.postmaster()})
		h.SetSubject("Undelivered Mail Returned to Sender: " + subject)
		reportType = "delivery-status"
		human = "Your message was refused by the recipient's mail filtering program.\n" +
			"The reason given is as follows:\n\n"
		fmt.Fprintf(&report, "Reporting-MTA: dns; %s\r\n\r\n", e.cfg.Hostname)
		fmt.Fprintf(&report, "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.7.1\r\n", d.To)
	} else {
		h.SetAddressList("From", []*mail.Address{{Address: userAddress(d)}})
		h.SetSubject("Rejected: " + subject)
		reportType = "disposition-notification"
		human = "The message was refused by the recipient's mail filtering program.\n" +
			"The reason given was as follows:\n\n"
		fmt.Fprintf(&report, "Reporting-UA: %s; Loft\r\n", e.cfg.Hostname)
		fmt.Fprintf(&report, "Final-Recipient: rfc822; %s\r\n", d.To)
		if origID != "" {
			fmt.Fprintf(&report, "Original-Message-ID: %s\r\n", origID)
		}
		report.WriteString("Disposition: automatic-action/MDN-sent-automatically; deleted\r\n")
	}
	h.SetContentType("multipart/report", map[string]string{"report-type": reportType})
	var b bytes.Buffer
	mw, err := gomessage.CreateWriter(&b, h.Header)
	if err != nil {
		return err
	}
	parts := []struct {
		ctype, cte string
		body       []byte
	}{
		{"text/plain; charset=utf-8", "quoted-printable", []byte(human + r.Reason + "\n")},
		{"message/" + reportType, "7bit", report.Bytes()},
		{"text/rfc822-headers", "", headerBytes(orig)},
	}
	for _, p := range parts {
		var ph gomessage.Header
		ph.Set("Content-Type", p.ctype)
		if p.cte != "" {
			ph.Set("Content-Transfer-Encoding", p.cte)
		}
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return err
		}
		if _, err := pw.Write(p.body); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return err
	}
	return e.relay.send(ctx, envelope{to: []string{d.From}, notifyNever: true}, bytes.NewReader(crlf(b.Bytes())))
}

// mailHeader gives go-message's mail view of a parsed header.
func mailHeader(h *textproto.Header) mail.Header {
	return mail.Header{Header: gomessage.Header{Header: *h}}
}

// headerBytes returns the header section as it was received.
func headerBytes(h *textproto.Header) []byte {
	var b bytes.Buffer
	textproto.WriteHeader(&b, *h)
	return b.Bytes()
}

// crlf turns every bare LF into CRLF, as SMTP and the store need.
func crlf(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/32)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out.WriteByte('\r')
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}
