package rfc5228

import (
	"fmt"
	"strings"
	"time"
)

// The interpreter: Run executes the closures the checker built, collecting
// actions; it does no I/O beyond what Env does.

type cmdFunc func(f *frame) error
type testFunc func(f *frame) (bool, error)

type cmdNode struct {
	pos pos
	run cmdFunc
}

// runState is shared by a script and the scripts it includes.
type runState struct {
	env        Env
	opts       *Options
	actions    []Action
	cancelled  bool     // the implicit keep is cancelled
	flags      []string // RFC 5232's internal variable
	globals    map[string]string
	redirects  int
	counted    int // actions counted against MaxActions
	stopped    bool
	headers    map[string][]string  // decoded header values by lower-case name
	addresses  map[string][]address // the addresses of a raw header value
	once       map[string]bool      // scripts included with :once
	includes   []string             // the include stack, for loops
	included   int                  // includes run, for MaxIncludes
	rejected   bool
	vacationed bool
	now        time.Time // Env.Now, asked once (RFC 5260 §5)
	hasNow     bool
}

// currentTime returns Env.Now, the same for the whole run: RFC 5260 §5
// makes every currentdate test of a run refer to one point in time.
func (st *runState) currentTime() time.Time {
	if !st.hasNow {
		st.now, st.hasNow = st.env.Now(), true
	}
	return st.now
}

// frame is one script's execution: its own variables (RFC 6609 §3.4 keeps
// them apart) over the shared state.
type frame struct {
	*runState
	script   *Script
	vars     map[string]string
	match    []string // match variables ${0}…${9} (RFC 5229 §3.2)
	returned bool
}

// Run executes the script against a message (RFC 5228 §2.10). On a
// run-time error (§2.10.6: an invalid combination of actions, a limit
// exceeded, an include that fails) it returns a Result holding only the
// implicit keep together with the *Error, so that the message is never
// lost; the delivery tells the user which error occurred.
func (s *Script) Run(env Env) (*Result, error) {
	st := &runState{env: env, opts: &s.opts, globals: map[string]string{}}
	f := &frame{runState: st, script: s}
	if err := f.runBlock(s.commands); err != nil {
		return &Result{Actions: []Action{Keep{Implicit: true}}, ImplicitKeep: true}, err
	}
	res := &Result{Actions: st.actions, ImplicitKeep: !st.cancelled, Stopped: st.stopped}
	if res.ImplicitKeep {
		res.Actions = append(res.Actions, Keep{Flags: cloneFlags(st.flags), Implicit: true})
	}
	return res, nil
}

func (f *frame) runBlock(cmds []*cmdNode) error {
	for _, c := range cmds {
		if err := c.run(f); err != nil {
			return err
		}
		if f.stopped || f.returned {
			return nil
		}
	}
	return nil
}

func (f *frame) errorf(p pos, format string, args ...any) error {
	return p.errorf(format, args...)
}

// addAction records an action, merging identical keep, fileinto and
// redirect actions into the first (RFC 5228 §2.10.3, §4.2) and enforcing
// the compatibility rules of RFC 5429 §2.4 and RFC 5230 §4.7 and the
// limits of §2.10.4. cancel says whether the action cancels the implicit
// keep.
func (f *frame) addAction(p pos, a Action, cancel bool) error {
	switch a := a.(type) {
	case Reject:
		if f.rejected {
			return f.errorf(p, "a script may reject only once (RFC 5429 §2.4)")
		}
		if f.vacationed {
			return f.errorf(p, "reject and vacation are incompatible (RFC 5429 §2.4)")
		}
		for _, b := range f.actions {
			switch b.(type) {
			case Keep, FileInto, Redirect:
				return f.errorf(p, "reject after %s is refused: a message is either delivered or refused (RFC 5429 §2.4)", b.Kind())
			}
		}
		f.rejected = true
	case Vacation:
		if f.vacationed {
			return f.errorf(p, "a script may take vacation only once (RFC 5230 §4.7)")
		}
		if f.rejected {
			return f.errorf(p, "reject and vacation are incompatible (RFC 5429 §2.4)")
		}
		f.vacationed = true
	case Keep, FileInto, Redirect:
		if f.rejected {
			return f.errorf(p, "%s after reject is refused: a message is either delivered or refused (RFC 5429 §2.4)", a.Kind())
		}
	}
	if cancel {
		f.cancelled = true
	}
	for i, b := range f.actions {
		if merged, ok := merge(b, a); ok {
			f.actions[i] = merged
			return nil
		}
	}
	if _, ok := a.(Redirect); ok {
		f.redirects++
		if max := orDefault(f.opts.MaxRedirects, DefaultMaxRedirects); f.redirects > max {
			return f.errorf(p, "more than %d redirects (RFC 5228 §4.2)", max)
		}
	}
	f.counted++
	if max := orDefault(f.opts.MaxActions, DefaultMaxActions); f.counted > max {
		return f.errorf(p, "more than %d actions (RFC 5228 §2.10.4)", max)
	}
	f.actions = append(f.actions, a)
	return nil
}

// merge returns the union of two actions that deliver to the same place
// (RFC 5228 §2.10.3): keep and keep, fileinto of one mailbox, redirect to
// one address. The later flags win (RFC 5232 §3); :copy holds only if
// both had it, :create if either had it.
func merge(old, new Action) (Action, bool) {
	switch o := old.(type) {
	case Keep:
		if n, ok := new.(Keep); ok {
			o.Flags = n.Flags
			return o, true
		}
	case FileInto:
		if n, ok := new.(FileInto); ok && n.Mailbox == o.Mailbox {
			o.Flags = n.Flags
			o.Copy = o.Copy && n.Copy
			o.Create = o.Create || n.Create
			return o, true
		}
	case Redirect:
		if n, ok := new.(Redirect); ok && strings.EqualFold(n.Address, o.Address) {
			o.Copy = o.Copy && n.Copy
			return o, true
		}
	case Discard:
		if _, ok := new.(Discard); ok {
			return o, true
		}
	}
	return nil, false
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// ifChain compiles if, its elsif commands and its else (RFC 5228 §3.1).
func (c *checker) ifChain(cmds []*command) *cmdNode {
	var conds []testFunc
	var blocks [][]*cmdNode
	ok := true
	for _, cmd := range cmds {
		sp := &spec{tests: 1, block: true}
		if cmd.name == "else" {
			sp.tests = 0
		}
		_, bound := c.bind("command", cmd.pos, cmd.name, cmd.args, cmd.tests, cmd.list, sp)
		if !cmd.hasBlock {
			c.errorf(cmd.pos, "%s needs a block", cmd.name)
			bound = false
		}
		var cond testFunc
		if bound && cmd.name != "else" {
			cond = c.test(cmd.tests[0])
			bound = cond != nil
		} else if !bound {
			for _, t := range cmd.tests {
				c.test(t)
			}
		}
		blocks = append(blocks, c.block(cmd.block, false))
		conds = append(conds, cond)
		ok = ok && bound
	}
	if !ok {
		return nil
	}
	return &cmdNode{pos: cmds[0].pos, run: func(f *frame) error {
		for i, cond := range conds {
			if cond != nil {
				t, err := cond(f)
				if err != nil {
					return err
				}
				if !t {
					continue
				}
			}
			return f.runBlock(blocks[i])
		}
		return nil
	}}
}

func wrapf(p pos, err error, format string, args ...any) error {
	return &Error{Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...) + ": " + err.Error()}
}
