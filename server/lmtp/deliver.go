package lmtp

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loftmail/loft/rfc/rfc3848"
	"github.com/loftmail/loft/rfc/rfc6152"
	"github.com/loftmail/loft/server/sieve"
	"github.com/loftmail/loft/store"
)

// parallelAppends bounds the appends of one message to several accounts
// that run at once.
const parallelAppends = 8

// deliver reads the message and stores a copy for each target, setting
// each target's status. It always consumes r to its end or first error.
func (s *session) deliver(tx *transaction, r io.Reader) {
	now := time.Now()
	txID := newID()
	src := newSource(r)
	defer src.release()
	if len(tx.order) == 1 && s.srv.cfg.Filter == nil {
		s.deliverStream(tx, tx.order[0], src, txID, now)
	} else {
		s.deliverSpooled(tx, src, txID, now)
	}
	if tx.body != rfc6152.Body8BitMIME && src.eightBit {
		s.log.Info("8-bit octets in a body not declared 8BITMIME; stored as sent", "from", tx.from, "id", txID)
	}
	for _, t := range tx.order {
		s.logDelivery(tx, t, txID, src.n, now)
	}
}

// deliverStream streams the message into the one account it is for. The
// quota check needs the exact size, which is known only at the end: the
// reader checks it there and fails instead of returning EOF, so that the
// store, which makes nothing visible before it has read the whole message,
// stores nothing.
func (s *session) deliverStream(tx *transaction, t *target, src *source, txID string, now time.Time) {
	hdr, err := s.traceFields(tx, t, txID, now)
	if err != nil {
		s.fail(t, err, src)
		return
	}
	g := &quotaGate{r: src, check: func() error {
		return checkQuota(t.account, t.store, int64(len(hdr))+src.n)
	}}
	err = s.append(t, io.MultiReader(strings.NewReader(hdr), g), now)
	if err != nil {
		// The store reports a failed read as its own error; the reply
		// names the cause. A stored message is always reported delivered.
		switch {
		case src.err != nil:
			err = src.err
		case g.err != nil:
			err = g.err
		}
		s.fail(t, err, src)
		return
	}
	t.status = delivered(txID)
}

// deliverSpooled spools the message once and appends it to every target,
// or hands it to the Filter for each. A Filter needs the whole message
// before it decides where it goes, so with one all deliveries are spooled.
func (s *session) deliverSpooled(tx *transaction, src *source, txID string, now time.Time) {
	sp, err := s.srv.spool(src)
	if err != nil {
		if src.err != nil {
			err = src.err
		}
		for _, t := range tx.order {
			s.fail(t, err, src)
		}
		return
	}
	defer sp.close()
	sem := make(chan struct{}, parallelAppends)
	var wg sync.WaitGroup
	for _, t := range tx.order {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			hdr, err := s.traceFields(tx, t, txID, now)
			// A shared folder's address ([[lmtp.folder]]) delivers into
			// that folder as configured: no personal script decides for it.
			if err == nil && s.srv.cfg.Filter != nil && t.mailbox == "" {
				s.filter(tx, t, hdr, sp, txID, now)
				return
			}
			if err == nil {
				err = checkQuota(t.account, t.store, int64(len(hdr))+sp.size)
			}
			if err == nil {
				err = s.append(t, io.MultiReader(strings.NewReader(hdr), sp.reader()), now)
			}
			if err != nil {
				t.status = s.srv.statusFor(err)
				return
			}
			t.status = delivered(txID)
		}()
	}
	wg.Wait()
}

// filter hands one target's copy to the Filter and sets the target's
// status from its outcome.
func (s *session) filter(tx *transaction, t *target, hdr string, sp *spoolFile, txID string, now time.Time) {
	size := int64(len(hdr)) + sp.size
	d := &sieve.Delivery{
		Account:      t.account,
		Store:        t.store,
		From:         tx.from,
		To:           t.forPath,
		Message:      &concatReaderAt{head: hdr, tail: sp.readerAt(), size: size},
		Size:         size,
		InternalDate: now,
		Quota:        func(n int64) error { return checkQuota(t.account, t.store, n) },
		ID:           txID,
		Peer:         s.peer,
		Helo:         s.helo,
		Logger:       s.log.With("id", txID, "account", t.login),
	}
	out, err := s.srv.cfg.Filter.Deliver(context.Background(), d)
	switch {
	case err != nil:
		t.status = s.srv.statusFor(err)
	case out.Reject:
		t.status = rejected(out.Reason)
	default:
		t.status = delivered(txID)
		t.uid = out.UID
	}
}

// append stores one copy in the account's INBOX, or in the folder's
// mailbox; it returns once the store has made it durable.
func (s *session) append(t *target, r io.Reader, now time.Time) error {
	mb, err := t.store.Mailbox(cmp.Or(t.mailbox, "INBOX"))
	if err != nil {
		return err
	}
	m, err := mb.Append(r, store.AppendOptions{InternalDate: now})
	if err != nil {
		return err
	}
	t.uid = m.UID
	return nil
}

// fail sets a target's status from err, after reading the rest of the
// message so that the reply follows the client's end of data.
func (s *session) fail(t *target, err error, src *source) {
	io.Copy(io.Discard, src)
	t.status = s.srv.statusFor(err)
}

// traceFields returns the Return-Path and Received lines for a target's
// copy (RFC 5321 §4.4): the final delivery adds the return path, and the
// time stamp line names this copy's recipient in its FOR clause, which
// may hold exactly one path.
func (s *session) traceFields(tx *transaction, t *target, txID string, now time.Time) (string, error) {
	rp, err := rfc3848.ReturnPath(tx.from)
	if err != nil {
		return "", err
	}
	forPath := t.forPath
	if _, err := rfc3848.FormatPath(forPath); err != nil {
		forPath = "" // <Postmaster> has no domain to write
	}
	rec := rfc3848.Received{
		Helo: s.helo,
		Peer: s.peer,
		By:   s.srv.cfg.Hostname,
		With: rfc3848.WithType(s.tls, false),
		ID:   txID,
		For:  forPath,
		Date: now,
	}
	f, err := rec.Field()
	if err != nil {
		return "", err
	}
	return rp + f, nil
}

func (s *session) logDelivery(tx *transaction, t *target, txID string, size int64, start time.Time) {
	var paths []string
	for _, rc := range tx.rcpts {
		if rc.t == t {
			paths = append(paths, rc.path)
		}
	}
	args := []any{"id", txID, "from", tx.from, "rcpt", strings.Join(paths, ","), "account", t.login,
		"size", size, "status", t.status.Code, "code", codeString(t.status), "duration", time.Since(start)}
	if t.status.Code/100 == 2 {
		s.log.Info("delivered", append(args, "uid", t.uid)...)
	} else {
		s.log.Warn("delivery failed", append(args, "reason", t.status.Message)...)
	}
}

// source reads the message data, already dot-unstuffed (dotreader.go for
// DATA; BDAT chunks need none), and turns every LF not preceded by CR into
// CRLF. It counts the octets it produces, notes 8-bit octets, and keeps
// the first read error other than EOF.
type source struct {
	r        io.Reader
	buf      []byte
	pend     []byte // read from r, not yet returned
	rerr     error  // r's error, returned once pend is empty
	prevCR   bool   // the last octet returned was CR
	needLF   bool   // a bare LF became CR; its LF is still owed
	n        int64
	eightBit bool
	err      error
}

// sourceBufs recycles the read buffers of sources.
var sourceBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func newSource(r io.Reader) *source {
	return &source{r: r, buf: *sourceBufs.Get().(*[]byte)}
}

// release returns the buffer; the source must not be read again.
func (s *source) release() {
	b := s.buf
	s.buf, s.pend = nil, nil
	sourceBufs.Put(&b)
}

func (s *source) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if s.needLF {
			p[n] = '\n'
			n++
			s.needLF = false
			continue
		}
		if len(s.pend) == 0 {
			if n > 0 || s.rerr != nil {
				break
			}
			m, err := s.r.Read(s.buf)
			s.pend = s.buf[:m]
			if err != nil {
				s.rerr = err
				if err != io.EOF && s.err == nil {
					s.err = err
				}
			}
			continue
		}
		if s.pend[0] == '\n' {
			if s.prevCR {
				p[n] = '\n'
			} else {
				p[n] = '\r'
				s.needLF = true
			}
			n++
			s.pend = s.pend[1:]
			s.prevCR = false
			continue
		}
		i := bytes.IndexByte(s.pend, '\n')
		if i < 0 {
			i = len(s.pend)
		}
		k := copy(p[n:], s.pend[:i])
		if !s.eightBit {
			s.eightBit = rfc6152.Contains8Bit(p[n : n+k])
		}
		s.prevCR = p[n+k-1] == '\r'
		n += k
		s.pend = s.pend[k:]
	}
	s.n += int64(n)
	if n == 0 && s.rerr != nil {
		return 0, s.rerr
	}
	return n, nil
}

// quotaGate passes r through and, at its end, runs check: an error from
// check takes the place of EOF.
type quotaGate struct {
	r     io.Reader
	check func() error
	err   error
}

func (g *quotaGate) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if err == io.EOF {
		if cerr := g.check(); cerr != nil {
			g.err = cerr
			return n, cerr
		}
	}
	return n, err
}

// spoolFile is a message held once for several appends.
type spoolFile struct {
	mem  []byte
	f    *os.File
	size int64
}

// spool reads src to its end into memory, moving to a temporary file in
// SpoolDir once it passes spoolMemory octets. The file is unlinked as soon
// as it is created, so it leaves nothing behind, whatever happens.
func (s *Server) spool(src io.Reader) (*spoolFile, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, src, spoolMemory+1)
	if errors.Is(err, io.EOF) {
		return &spoolFile{mem: buf.Bytes(), size: n}, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.cfg.SpoolDir, "loft-lmtp-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	sp := &spoolFile{f: f}
	if _, err := f.Write(buf.Bytes()); err != nil {
		sp.close()
		return nil, err
	}
	m, err := io.Copy(f, src)
	if err != nil {
		sp.close()
		return nil, err
	}
	sp.size = n + m
	return sp, nil
}

// readerAt returns the whole message for reading at offsets.
func (sp *spoolFile) readerAt() io.ReaderAt {
	if sp.f == nil {
		return bytes.NewReader(sp.mem)
	}
	return sp.f
}

// reader returns a reader of the whole message, independent of others.
func (sp *spoolFile) reader() io.Reader {
	if sp.f == nil {
		return bytes.NewReader(sp.mem)
	}
	return io.NewSectionReader(sp.f, 0, sp.size)
}

func (sp *spoolFile) close() {
	if sp.f != nil {
		sp.f.Close()
	}
}
