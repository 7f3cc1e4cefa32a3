package sieve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/loftmail/loft/rfc/rfc5228"
	"github.com/loftmail/loft/store"
)

// inbox is the mailbox of keep (RFC 5228 §4.3) and of every fallback.
const inbox = "INBOX"

func (d *Delivery) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// siteError is a failure of the global script: logged in full, but told
// to the user only as such, since its details (paths, the script's text)
// are the administrator's.
type siteError struct{ err error }

func (e siteError) Error() string { return e.err.Error() }
func (e siteError) Unwrap() error { return e.err }

// errTooManyRedirects is the failure of a redirect beyond MaxRedirects
// for the global and the personal script together.
var errTooManyRedirects = errors.New("more redirects than the limit for one message (RFC 5228 §4.2)")

// plan is what the scripts of one delivery decided, merged: the actions
// to carry out, in order, and the failures met on the way.
type plan struct {
	actions []rfc5228.Action
	// forceKeep files the message into INBOX whatever the actions say: a
	// script failed, so its decision is unknown and the message must not
	// be lost.
	forceKeep bool
	problems  []error
}

func (p *plan) fail(err error) {
	p.forceKeep = true
	p.problems = append(p.problems, err)
}

// Deliver runs the delivery's scripts and carries out their actions: it
// stores the copies, sends what redirect, vacation and reject send, and
// returns once every stored copy is durable. See the package
// documentation for how the global and the personal script combine and
// what happens when something fails.
//
// Errors: an error only when the message could not be stored at all
// (store.ErrOverQuota, or an I/O error from the store). Copies are stored
// before anything is sent, so nothing was sent then, and a retry repeats
// nothing.
func (e *Engine) Deliver(ctx context.Context, d *Delivery) (Outcome, error) {
	msg := newMessage(d)
	p := e.decide(ctx, d, msg)
	return e.execute(ctx, d, msg, p)
}

// decide runs the global script, then, if the global script leaves its
// implicit keep in effect, the personal one.
func (e *Engine) decide(ctx context.Context, d *Delivery, msg *message) *plan {
	p := &plan{}
	v := &env{e: e, d: d, msg: msg}
	// The global script: its explicit actions stand; its implicit keep
	// hands the decision to the personal script.
	var globalKeep rfc5228.Action = rfc5228.Keep{Implicit: true}
	name, src, err := e.scripts.Global(ctx)
	switch {
	case err != nil:
		p.fail(siteError{fmt.Errorf("global script %s: %w", name, err)})
	case src != nil:
		res, err := e.run(src, v)
		if err != nil {
			p.fail(siteError{fmt.Errorf("global script %s: %w", name, err)})
			break
		}
		acts := res.Actions
		if res.ImplicitKeep {
			globalKeep = acts[len(acts)-1]
			acts = acts[:len(acts)-1]
		}
		p.actions = append(p.actions, acts...)
		if !res.ImplicitKeep {
			return p
		}
		if res.Stopped {
			// "stop" ends all processing (RFC 5228 §3.3): the global
			// script's implicit keep files the message.
			p.actions = append(p.actions, globalKeep)
			return p
		}
	}
	name, src, err = e.scripts.Personal(ctx, d.Account, d.Store)
	switch {
	case err != nil:
		p.fail(fmt.Errorf("personal script %s: %w", name, err))
	case src == nil:
		p.actions = append(p.actions, globalKeep)
	default:
		res, err := e.run(src, v)
		if err != nil {
			p.fail(fmt.Errorf("script %q: %w", name, err))
			break
		}
		p.actions = append(p.actions, res.Actions...)
	}
	return p
}

// run compiles (or finds in the cache) and runs one script.
func (e *Engine) run(src []byte, v *env) (*rfc5228.Result, error) {
	s, err := e.compile(src)
	if err != nil {
		return nil, err
	}
	return s.Run(v)
}

// target is one mailbox to store a copy in.
type target struct {
	mailbox string
	flags   []string
	create  bool
}

// execute carries out a plan. A reject alone is answered at the protocol
// level; otherwise copies are stored first, durable before anything is
// sent, then redirects, the rejection message and the vacation reply go
// to the relay. A redirect that fails files the message into INBOX.
func (e *Engine) execute(ctx context.Context, d *Delivery, msg *message, p *plan) (Outcome, error) {
	log := d.logger()
	var (
		targets   []target
		redirects []rfc5228.Redirect
		reject    *rfc5228.Reject
		vacation  *rfc5228.Vacation
	)
	addTarget := func(t target) {
		for i := range targets {
			if sameMailbox(targets[i].mailbox, t.mailbox) {
				targets[i].flags = union(targets[i].flags, t.flags)
				targets[i].create = targets[i].create || t.create
				return
			}
		}
		targets = append(targets, t)
	}
	for _, a := range p.actions {
		switch a := a.(type) {
		case rfc5228.Keep:
			addTarget(target{mailbox: inbox, flags: a.Flags})
		case rfc5228.FileInto:
			addTarget(target{mailbox: a.Mailbox, flags: a.Flags, create: a.Create})
		case rfc5228.Redirect:
			if !slices.ContainsFunc(redirects, func(r rfc5228.Redirect) bool { return strings.EqualFold(r.Address, a.Address) }) {
				redirects = append(redirects, a)
			}
		case rfc5228.Reject:
			if reject == nil {
				reject = &a
			}
		case rfc5228.Vacation:
			if vacation == nil {
				vacation = &a
			}
		case rfc5228.Discard:
		default:
			p.fail(fmt.Errorf("action %s has no executor in server/sieve", a.Kind()))
		}
	}
	if p.forceKeep {
		addTarget(target{mailbox: inbox})
		if reject != nil {
			// The message is kept, so it is not refused: telling the
			// sender otherwise would be false.
			p.problems = append(p.problems, fmt.Errorf("%s not carried out: a script failed, so the message is kept", reject.Kind()))
			reject = nil
		}
	}

	// RFC 5429 §2.1.1: refuse at the protocol level when nothing else
	// delivers the message. An ereject always can; a reject only with a
	// US-ASCII reason (§2.2), else it becomes a rejection message.
	if reject != nil && len(targets) == 0 && len(redirects) == 0 {
		if r, ok := protocolReason(reject.Reason); ok || reject.Extended {
			log.Info("sieve: message refused", "action", reject.Kind())
			e.report(d, p.problems)
			return Outcome{Reject: true, Reason: r}, nil
		}
	}

	out, err := e.store(d, targets, p)
	if err != nil {
		return Outcome{}, err
	}
	// keep files the message into INBOX when an action that was to take
	// it elsewhere failed. Its own failure is Deliver's error only when
	// the message is nowhere else, so that the client keeps it.
	delivered := 0 // redirects the relay accepted
	keep := func() error {
		if _, err := e.storeIn(d, target{mailbox: inbox}, &out); err != nil {
			if len(out.Mailboxes) == 0 && delivered == 0 {
				return err
			}
			p.problems = append(p.problems, err)
		}
		return nil
	}
	// Every message this delivery sends shares one relay budget: a
	// relay that hangs costs the LMTP session one timeout, not one per
	// redirect, rejection and vacation reply (the copies are durable
	// already, and what is not sent is kept or forgotten below).
	ctx, cancel := context.WithTimeout(ctx, e.relay.timeout())
	defer cancel()
	maxRedirects := e.cfg.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = rfc5228.DefaultMaxRedirects
	}
	for i, r := range redirects {
		err := errTooManyRedirects
		if i < maxRedirects {
			// RFC 5228 §4.2 bounds the redirects of a run; the two
			// scripts together stay within the one limit.
			err = e.redirect(ctx, d, msg, r.Address)
		}
		if err != nil {
			p.problems = append(p.problems, fmt.Errorf("redirect to %s: %w; the message is kept in INBOX", r.Address, err))
			if err := keep(); err != nil {
				return Outcome{}, err
			}
			continue
		}
		delivered++
		log.Info("sieve: redirected", "to", r.Address)
	}
	if reject != nil {
		if err := e.sendRejection(ctx, d, msg, reject); err != nil {
			// RFC 5429 §2.1: fall back when the preferred way fails;
			// the last way that loses nothing is to keep the message.
			p.problems = append(p.problems, fmt.Errorf("%s: %w; the message is kept in INBOX", reject.Kind(), err))
			if err := keep(); err != nil {
				return Outcome{}, err
			}
		}
	}
	if vacation != nil {
		if err := e.vacation(ctx, d, msg, vacation); err != nil {
			p.problems = append(p.problems, fmt.Errorf("vacation: %w", err))
		}
	}
	e.report(d, p.problems)
	return out, nil
}

// store files the message into each target in turn (RFC 5228 §4.1,
// §4.3). A mailbox that does not exist is created with :create (RFC 5490
// §3.2), and otherwise the copy goes to INBOX instead; a fileinto that
// fails for another reason than quota also falls back to INBOX. Flags
// the store refuses are dropped. It returns an error only when no copy
// could be stored at all, or when INBOX itself fails.
func (e *Engine) store(d *Delivery, targets []target, p *plan) (Outcome, error) {
	var out Outcome
	var firstErr error
	for _, t := range targets {
		fallback, err := e.storeIn(d, t, &out)
		if fallback != nil {
			p.problems = append(p.problems, fallback)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil && len(out.Mailboxes) == 0 {
		return Outcome{}, firstErr
	}
	if firstErr != nil {
		// Some copies are durable: a temporary failure now would have
		// the client deliver them twice. The failure is the user's to see.
		p.problems = append(p.problems, firstErr)
	}
	return out, nil
}

// storeIn stores one copy in t's mailbox, falling back to INBOX. It
// returns the reason of a fallback (for the user's report) and the error
// that stopped the copy.
func (e *Engine) storeIn(d *Delivery, t target, out *Outcome) (fallback, err error) {
	if slices.ContainsFunc(out.Mailboxes, func(m string) bool { return sameMailbox(m, t.mailbox) }) {
		return nil, nil
	}
	err = e.appendTo(d, t, out)
	if err == nil || sameMailbox(t.mailbox, inbox) || errors.Is(err, store.ErrOverQuota) {
		return nil, err
	}
	fallback = fmt.Errorf("fileinto %q: %w; filed into INBOX instead", t.mailbox, err)
	if slices.ContainsFunc(out.Mailboxes, func(m string) bool { return sameMailbox(m, inbox) }) {
		return fallback, nil
	}
	return fallback, e.appendTo(d, target{mailbox: inbox, flags: t.flags}, out)
}

// appendTo appends the message to t's mailbox, durable on return.
func (e *Engine) appendTo(d *Delivery, t target, out *Outcome) error {
	if d.Quota != nil {
		if err := d.Quota(d.Size); err != nil {
			return err
		}
	}
	if e.underNamespace(t.mailbox) {
		return fmt.Errorf("%w: %q is not one of the account's own mailboxes (another IMAP namespace)", store.ErrInvalid, t.mailbox)
	}
	mb, err := d.Store.Mailbox(t.mailbox)
	if errors.Is(err, store.ErrNotFound) && t.create {
		if err := d.Store.CreateMailbox(t.mailbox); err != nil && !errors.Is(err, store.ErrExists) {
			return err
		}
		mb, err = d.Store.Mailbox(t.mailbox)
	}
	if err != nil {
		return err
	}
	opts := store.AppendOptions{Flags: t.flags, InternalDate: d.InternalDate}
	m, err := mb.Append(io.NewSectionReader(d.Message, 0, d.Size), opts)
	if errors.Is(err, store.ErrInvalid) && len(t.flags) > 0 {
		// A flag the store cannot keep (RFC 5232 §2 leaves invalid
		// flags to the implementation): store the message without them.
		d.logger().Info("sieve: flags refused by the store; stored without", "mailbox", t.mailbox, "flags", t.flags, "err", err)
		opts.Flags = nil
		m, err = mb.Append(io.NewSectionReader(d.Message, 0, d.Size), opts)
	}
	if err != nil {
		return err
	}
	if len(out.Mailboxes) == 0 {
		out.UID = m.UID
	}
	out.Mailboxes = append(out.Mailboxes, mb.Name())
	return nil
}

// underNamespace reports whether name is, or is under, one of
// Config.NamespacePrefixes: another user's or a shared mailbox in IMAP's
// view, never a personal one.
func (e *Engine) underNamespace(name string) bool {
	for _, p := range e.cfg.NamespacePrefixes {
		if p == "" {
			continue
		}
		if name == strings.TrimSuffix(p, "/") || strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// sameMailbox compares mailbox names as the store does: INBOX, as the
// first level, in any case.
func sameMailbox(a, b string) bool {
	return canonicalMailbox(a) == canonicalMailbox(b)
}

func canonicalMailbox(name string) string {
	first, rest, found := strings.Cut(name, "/")
	if strings.EqualFold(first, inbox) {
		first = inbox
	}
	if found {
		return first + "/" + rest
	}
	return first
}

// union returns a with the flags of b it lacks (IMAP flags compare
// without regard to case).
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, f := range b {
		if !slices.ContainsFunc(out, func(g string) bool { return strings.EqualFold(f, g) }) {
			out = append(out, f)
		}
	}
	return out
}

// report logs the failures of a delivery and, with ReportInbox, tells the
// user in a notice appended to INBOX. The notice is best effort: its
// failure is logged, never fails the delivery.
func (e *Engine) report(d *Delivery, problems []error) {
	if len(problems) == 0 {
		return
	}
	log := d.logger()
	for _, err := range problems {
		log.Warn("sieve: delivery problem", "err", err)
	}
	if e.cfg.ErrorReport != ReportInbox {
		return
	}
	notice, err := e.notice(d, problems)
	if err == nil {
		var mb *store.Mailbox
		mb, err = d.Store.Mailbox(inbox)
		if err == nil {
			_, err = mb.Append(bytes.NewReader(notice), store.AppendOptions{InternalDate: d.InternalDate})
		}
	}
	if err != nil {
		log.Warn("sieve: error notice not stored", "err", err)
	}
}
