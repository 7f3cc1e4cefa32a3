package imap

import (
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/loftmail/loft/rfc/rfc3501"
	"github.com/loftmail/loft/rfc/rfc4314"
	"github.com/loftmail/loft/store"
)

// storeCmd implements STORE (RFC 3501 §6.4.6).
func (c *conn) storeCmd(tag string, dec *rfc3501.Decoder) error {
	return c.storeFlags(dec, false)
}

// uidStore implements UID STORE (RFC 3501 §6.4.8): the set holds UIDs, and
// each FETCH response carries the message's UID.
func (c *conn) uidStore(tag string, dec *rfc3501.Decoder) error {
	return c.storeFlags(dec, true)
}

// storeRequest is a decoded STORE (RFC 3501 §9 store: sequence-set SP
// store-att-flags).
type storeRequest struct {
	set    rfc3501.SeqSet
	op     store.StoreOp
	silent bool
	flags  []string
}

// storeItems maps the data item names of STORE (§6.4.6) to the store's
// operations; ".SILENT" is taken off first.
var storeItems = map[string]store.StoreOp{
	"FLAGS":  store.ReplaceFlags,
	"+FLAGS": store.AddFlags,
	"-FLAGS": store.RemoveFlags,
}

// parseStore decodes STORE's arguments up to and including the CRLF. The
// flags are a flag-list in parentheses or flags separated by spaces (§9
// store-att-flags). \Recent cannot be changed by a client (§2.3.2): it is
// left out and the rest is stored, for the clients that send back the flags
// a FETCH gave them. Other system flags than those of §2.3.2 are a BAD
// response, as in APPEND.
func parseStore(dec *rfc3501.Decoder) (storeRequest, error) {
	var req storeRequest
	var item string
	var flags []imap.Flag
	if !dec.SP() || !dec.SeqSet(&req.set) || !dec.SP() || !dec.Atom(&item) || !dec.SP() {
		return req, dec.Err()
	}
	if dec.Peek('(') {
		if !dec.FlagList(&flags) {
			return req, dec.Err()
		}
	} else {
		for {
			var f imap.Flag
			if !dec.Flag(&f) {
				return req, dec.Err()
			}
			flags = append(flags, f)
			if !dec.Peek(' ') {
				break
			}
			dec.SP()
		}
	}
	if !dec.CRLF() {
		return req, dec.Err()
	}
	name, silent := strings.CutSuffix(strings.ToUpper(item), ".SILENT")
	op, ok := storeItems[name]
	if !ok {
		return req, bad("unknown STORE data item %s", item)
	}
	req.op, req.silent = op, silent
	for _, f := range flags {
		switch {
		case f == rfc3501.FlagRecent:
		case strings.HasPrefix(string(f), `\`) && !slices.Contains(systemFlags, f):
			return req, bad("flag %s cannot be set", f)
		default:
			req.flags = append(req.flags, string(f))
		}
	}
	return req, nil
}

// storeFlags changes the flags of the messages a set names and reports the
// new flags with FETCH responses (§7.4.2), unless .SILENT, for each message
// whose flags changed; the store applies each operation to the flags the
// message has when it runs, so that two sessions changing different flags
// of one message at once both win. Messages expunged elsewhere are left
// alone and not reported (the store ignores their UIDs), and the command
// still completes with OK (doc.go). A mailbox opened with EXAMINE is
// read-only (§6.3.2): NO [CANNOT].
func (c *conn) storeFlags(dec *rfc3501.Decoder, uid bool) error {
	req, err := parseStore(dec)
	if err != nil {
		return err
	}
	// Read-only for want of rights (RFC 4314 §5.2): storeAllowed answers
	// NO [NOPERM].
	if c.sel.readOnly && c.sel.examined {
		return no(imap.ResponseCodeCannot, "the mailbox is read-only (EXAMINE)")
	}
	seqs, err := c.sel.resolve(req.set, uid)
	if err != nil {
		return err
	}
	if len(seqs) == 0 {
		return nil
	}
	changed, limited, err := c.storeAllowed(seqs, req)
	if err != nil {
		return err
	}
	for _, m := range changed {
		seq := c.sel.seqOf(m.UID)
		if seq == 0 {
			continue
		}
		if limited {
			// Only part of the change was made: the engine reports the
			// flags as they are.
			c.sel.changed(m)
			continue
		}
		if req.silent {
			// The client knows the outcome when it is its change applied
			// to the flags it knew; else the engine reports the rest.
			if sameFlags(applyStore(c.sel.msg(seq).Flags, req.op, req.flags), m.Flags) {
				c.sel.reported(m)
			} else {
				c.sel.changed(m)
			}
			continue
		}
		c.sel.reported(m)
		enc := c.enc.Untagged().Number(seq).SP().Atom("FETCH").SP().Atom("(FLAGS").SP().Flags(c.sel.flags(seq))
		if uid {
			enc.SP().Atom("UID").SP().Number(m.UID)
		}
		enc.Atom(")").CRLF()
	}
	return nil
}

// storeAllowed makes the flag change of req on seqs as far as the rights
// on the selected mailbox allow (RFC 4314 §4 "Changing flags": "s" for
// \Seen, "t" for \Deleted, "w" for the others). A STORE whose every flag is
// refused fails with NO [NOPERM]; one with some allowed changes those and
// succeeds ("SHOULD NOT fail if the user has rights to modify at least one
// flag"), and reports limited. A FLAGS (replace) without every right
// becomes +FLAGS of the allowed flags given and -FLAGS of the allowed
// flags not given that the messages have.
func (c *conn) storeAllowed(seqs []uint32, req storeRequest) (changed []store.Message, limited bool, err error) {
	uids := c.sel.uids(seqs)
	r := c.sel.rights
	if r.Has(rfc4314.Seen|rfc4314.Write|rfc4314.DeleteMsgs) || len(req.flags) == 0 && req.op != store.ReplaceFlags {
		res, err := c.sel.mbox.Store(uids, req.op, req.flags, 0)
		return res.Changed, false, err
	}
	if r&(rfc4314.Seen|rfc4314.Write|rfc4314.DeleteMsgs) == 0 {
		return nil, false, errNoPerm(rfc4314.Seen | rfc4314.Write | rfc4314.DeleteMsgs)
	}
	allowed := rfc4314.FilterFlags(req.flags, r)
	if req.op != store.ReplaceFlags {
		if len(allowed) == 0 {
			return nil, false, errNoPerm(rfc4314.FlagRights(req.flags[0]))
		}
		res, err := c.sel.mbox.Store(uids, req.op, allowed, 0)
		return res.Changed, true, err
	}
	var remove []string
	for _, seq := range seqs {
		for _, f := range c.sel.msg(seq).Flags {
			if r.Has(rfc4314.FlagRights(f)) && !slices.ContainsFunc(req.flags, func(g string) bool { return strings.EqualFold(f, g) }) &&
				!slices.Contains(remove, f) {
				remove = append(remove, f)
			}
		}
	}
	byUID := map[uint32]store.Message{}
	for _, step := range []struct {
		op    store.StoreOp
		flags []string
	}{{store.AddFlags, allowed}, {store.RemoveFlags, remove}} {
		if len(step.flags) == 0 {
			continue
		}
		res, err := c.sel.mbox.Store(uids, step.op, step.flags, 0)
		if err != nil {
			return nil, true, err
		}
		for _, m := range res.Changed {
			byUID[m.UID] = m
		}
	}
	for _, m := range byUID {
		changed = append(changed, m)
	}
	slices.SortFunc(changed, func(a, b store.Message) int { return int(a.UID) - int(b.UID) })
	return changed, true, nil
}

// applyStore returns what op makes of flags with the given ones, comparing
// case-insensitively as the store does.
func applyStore(flags []string, op store.StoreOp, given []string) []string {
	has := func(list []string, f string) bool {
		return slices.ContainsFunc(list, func(g string) bool { return strings.EqualFold(f, g) })
	}
	switch op {
	case store.ReplaceFlags:
		return given
	case store.AddFlags:
		out := slices.Clone(flags)
		for _, f := range given {
			if !has(out, f) {
				out = append(out, f)
			}
		}
		return out
	}
	var out []string
	for _, f := range flags {
		if !has(given, f) {
			out = append(out, f)
		}
	}
	return out
}

// sameFlags reports whether two flag lists hold the same flags, ignoring
// case, order and repetition.
func sameFlags(a, b []string) bool {
	fold := func(list []string) []string {
		out := make([]string, len(list))
		for i, f := range list {
			out[i] = strings.ToLower(f)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(fold(a), fold(b))
}
