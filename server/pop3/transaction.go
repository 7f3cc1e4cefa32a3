package pop3

import (
	"fmt"
	"strconv"

	"github.com/loftmail/loft/rfc/rfc1939"
)

// stat implements STAT (RFC 1939 §5): the drop listing, without deleted
// messages.
func (c *conn) stat(rfc1939.Command) error {
	c.ok(fmt.Sprintf("%d %d", c.drop.count, c.drop.octets))
	return nil
}

// list implements LIST [msg] (RFC 1939 §5): scan listings of the exact sizes
// as stored.
func (c *conn) list(cmd rfc1939.Command) error {
	d := c.drop
	if len(cmd.Args) == 1 {
		i, err := d.message(cmd.Args[0])
		if err != nil {
			return err
		}
		c.ok(fmt.Sprintf("%d %d", i+1, d.msgs[i].size))
		return nil
	}
	out := rfc1939.AppendOK(nil, fmt.Sprintf("%d messages (%d octets)", d.count, d.octets))
	for i, m := range d.msgs {
		if !d.deleted[i] {
			out = strconv.AppendInt(out, int64(i+1), 10)
			out = append(out, ' ')
			out = strconv.AppendInt(out, m.size, 10)
			out = append(out, '\r', '\n')
		}
	}
	c.send(rfc1939.AppendEnd(out))
	return nil
}

// uidl implements UIDL [msg] (RFC 1939 §7): unique-id listings, with Loft's
// unique-id "UIDVALIDITY.UID" (rfc1939.UniqueID).
func (c *conn) uidl(cmd rfc1939.Command) error {
	d := c.drop
	if len(cmd.Args) == 1 {
		i, err := d.message(cmd.Args[0])
		if err != nil {
			return err
		}
		c.ok(strconv.Itoa(i+1) + " " + d.uniqueID(i))
		return nil
	}
	out := rfc1939.AppendOK(nil, "unique-id listing follows")
	for i := range d.msgs {
		if !d.deleted[i] {
			out = strconv.AppendInt(out, int64(i+1), 10)
			out = append(out, ' ')
			out = append(out, d.uniqueID(i)...)
			out = append(out, '\r', '\n')
		}
	}
	c.send(rfc1939.AppendEnd(out))
	return nil
}

// retr implements RETR msg (RFC 1939 §5): the message exactly as stored,
// byte-stuffed and streamed.
func (c *conn) retr(cmd rfc1939.Command) error {
	i, err := c.drop.message(cmd.Args[0])
	if err != nil {
		return err
	}
	m := c.drop.msgs[i]
	r, err := c.drop.mbox.Open(m.uid)
	if err != nil {
		return fmt.Errorf("RETR %d (UID %d): %w", i+1, m.uid, err)
	}
	defer r.Close()
	c.ok(fmt.Sprintf("%d octets", m.size))
	return c.sendMessage(r)
}

// top implements TOP msg n (RFC 1939 §7): the header, the empty line and n
// lines of the body.
func (c *conn) top(cmd rfc1939.Command) error {
	i, err := c.drop.message(cmd.Args[0])
	if err != nil {
		return err
	}
	n, err := rfc1939.ParseLineCount(cmd.Args[1])
	if err != nil {
		return &response{text: err.Error()}
	}
	m := c.drop.msgs[i]
	r, err := c.drop.mbox.Open(m.uid)
	if err != nil {
		return fmt.Errorf("TOP %d (UID %d): %w", i+1, m.uid, err)
	}
	defer r.Close()
	c.ok("top of message follows")
	return c.sendMessage(rfc1939.NewTopReader(r, n))
}

// dele implements DELE msg (RFC 1939 §5): a mark in the session only; the
// message is removed in the UPDATE state.
func (c *conn) dele(cmd rfc1939.Command) error {
	i, err := c.drop.message(cmd.Args[0])
	if err != nil {
		return err
	}
	c.drop.markDeleted(i)
	c.ok(fmt.Sprintf("message %d deleted", i+1))
	return nil
}

// noop implements NOOP (RFC 1939 §5).
func (c *conn) noop(rfc1939.Command) error {
	c.ok("")
	return nil
}

// rset implements RSET (RFC 1939 §5).
func (c *conn) rset(rfc1939.Command) error {
	c.drop.reset()
	c.ok(fmt.Sprintf("maildrop has %d messages (%d octets)", c.drop.count, c.drop.octets))
	return nil
}

// quit implements QUIT (RFC 1939 §4 in AUTHORIZATION, §6 in TRANSACTION). In
// TRANSACTION the session enters the UPDATE state: the messages marked with
// DELE are expunged in one store operation, and +OK is sent only once that is
// durable. On failure the answer is -ERR [SYS/TEMP]: the store's expunge is one
// atomic record, so then none of the messages was removed (§6 allows some or
// none; never one not marked).
//
// The +OK says how many messages the maildrop holds now, from a snapshot
// taken after the expunge: not the session's count, which neither knows of
// messages other sessions removed or delivery added since login.
func (c *conn) quit(rfc1939.Command) error {
	bye := c.s.cfg.Hostname + " POP3 server signing off"
	if c.state != stateTransaction {
		c.ok(bye)
		return errQuit
	}
	uids := c.drop.deletedUIDs()
	if len(uids) > 0 {
		if _, err := c.drop.mbox.Expunge(uids); err != nil {
			c.log.Error("UPDATE: expunge failed", "uids", len(uids), "err", err)
			c.send(errLine(&response{code: codeSysTemp, text: "some deleted messages not removed"}))
			return errQuit
		}
		c.log.Info("UPDATE: messages expunged", "count", len(uids))
	}
	snap, err := c.drop.mbox.Snapshot()
	switch {
	case err != nil:
		// The deletions are durable; only the count is unknown.
		c.log.Warn("UPDATE: no snapshot for the count of messages left", "err", err)
		c.ok(bye)
	case len(snap.Messages) == 0:
		c.ok(bye + " (maildrop empty)")
	default:
		c.ok(fmt.Sprintf("%s (%d messages left)", bye, len(snap.Messages)))
	}
	return errQuit
}
