package rfc5228

import (
	"fmt"
	"slices"
	"strings"
)

// The checker (RFC 5228 §2.10.6 "compile-time errors") gives the syntax
// tree its meaning: it resolves every command, test and tagged argument
// against the specifications below and the script's "require", reports
// every error it finds with its position, and builds the closures that Run
// executes.

// param is the kind of value an argument must be.
type param int

const (
	pNone       param = iota
	pString           // one string
	pStringList       // a string list, or one string
	pNumber
)

func (p param) String() string {
	return [...]string{"nothing", "a string", "a string list", "a number"}[p]
}

// tagSpec is a tagged argument. Tags of one group exclude each other
// ("match", "comparator", "address-part", …).
type tagSpec struct {
	name  string // without ":"
	group string
	ext   string // extension that must be required, "" for the base language
	param param
}

// spec is a command or a test.
type spec struct {
	ext     string
	tags    []tagSpec
	args    []param // positional arguments
	minArgs int     // when fewer than len(args) are given, they are the last ones
	tests   int     // 0: none; 1: exactly one test; 2: a test list
	block   bool    // a command that takes a block (none yet but if, elsif, else)
	command func(c *checker, k *call) cmdFunc
	test    func(c *checker, k *call) testFunc
}

// call is a command or test with its arguments bound to a spec.
type call struct {
	pos   pos
	name  string
	tags  map[string]argument // by tag name; the parameter, or the tag itself
	args  []argument          // positional, aligned with spec.args when all are given
	tests []*test
}

func (k *call) has(tag string) bool { _, ok := k.tags[tag]; return ok }

// group returns the tag chosen from a group, "" for none.
func (k *call) group(sp *spec, g string) string {
	for _, t := range sp.tags {
		if t.group == g && k.has(t.name) {
			return t.name
		}
	}
	return ""
}

// arg returns positional argument i of the spec's list; ok is false when
// it was left out.
func (k *call) arg(sp *spec, i int) (argument, bool) {
	j := i - (len(sp.args) - len(k.args))
	if j < 0 {
		return argument{}, false
	}
	return k.args[j], true
}

type checker struct {
	opts    *Options
	allowed map[string]bool // Options.Extensions
	exts    map[string]bool // required so far
	errs    Errors
	cmds    map[string]*spec
	tsts    map[string]*spec
	globals map[string]bool // declared with global (RFC 6609 §3.4.1)
	locals  map[string]bool // set before any global declaration
}

func (c *checker) errorf(p pos, format string, args ...any) {
	c.errs = append(c.errs, p.errorf(format, args...))
}

func (c *checker) has(ext string) bool { return ext == "" || c.exts[ext] }

// bind matches a command's or test's arguments to its spec, reporting
// every mismatch; ok is false when there was one.
func (c *checker) bind(kind string, at pos, name string, args []argument, tests []*test, list bool, sp *spec) (*call, bool) {
	k := &call{pos: at, name: name, tags: map[string]argument{}}
	ok := true
	groups := map[string]string{}
	i := 0
	for ; i < len(args) && args[i].kind == argTag; i++ {
		a := args[i]
		var ts *tagSpec
		for j := range sp.tags {
			if sp.tags[j].name == a.tag {
				ts = &sp.tags[j]
			}
		}
		switch {
		case ts == nil:
			c.errorf(a.pos, "%s %q takes no tag \":%s\"", kind, name, a.tag)
			ok = false
			continue
		case !c.has(ts.ext):
			c.errorf(a.pos, "tag \":%s\" needs require %q", a.tag, ts.ext)
			ok = false
		case k.has(a.tag):
			c.errorf(a.pos, "tag \":%s\" given twice", a.tag)
			ok = false
		case ts.group != "" && groups[ts.group] != "":
			c.errorf(a.pos, "tags \":%s\" and \":%s\" exclude each other", groups[ts.group], a.tag)
			ok = false
		}
		if ts.group != "" && groups[ts.group] == "" {
			groups[ts.group] = a.tag
		}
		val := a
		if ts.param != pNone {
			if i+1 >= len(args) || !fits(args[i+1], ts.param) {
				c.errorf(a.pos, "tag \":%s\" must be followed by %s", a.tag, ts.param)
				ok = false
			} else {
				i++
				val = args[i]
			}
		}
		if ok {
			k.tags[a.tag] = val
		}
	}
	k.args = args[i:]
	for _, a := range k.args {
		if a.kind == argTag {
			c.errorf(a.pos, "tag \":%s\" after the positional arguments of %q", a.tag, name)
			return k, false
		}
	}
	if n := len(k.args); n > len(sp.args) || n < sp.minArgs {
		want := fmt.Sprint(len(sp.args))
		if sp.minArgs < len(sp.args) {
			want = fmt.Sprintf("%d to %d", sp.minArgs, len(sp.args))
		}
		c.errorf(at, "%s %q takes %s positional arguments, not %d", kind, name, want, n)
		return k, false
	}
	for j, a := range k.args {
		want := sp.args[j+len(sp.args)-len(k.args)]
		if !fits(a, want) {
			c.errorf(a.pos, "argument %d of %q must be %s", j+1, name, want)
			ok = false
		}
	}
	switch {
	case sp.tests == 0 && len(tests) > 0:
		c.errorf(tests[0].pos, "%s %q takes no test", kind, name)
		ok = false
	case sp.tests == 1 && (len(tests) != 1 || list):
		c.errorf(at, "%s %q takes one test", kind, name)
		ok = false
	case sp.tests == 2 && (!list || len(tests) == 0):
		c.errorf(at, "%s %q takes a test list", kind, name)
		ok = false
	}
	k.tests = tests
	return k, ok
}

func fits(a argument, p param) bool {
	switch p {
	case pString:
		return a.kind == argString
	case pStringList:
		return a.kind == argString || a.kind == argStringList
	case pNumber:
		return a.kind == argNumber
	}
	return false
}

// Compile checks a script (RFC 5228 §8) and returns it compiled, or an
// Errors value, sorted by position. With syntax errors, it lists the first
// of each command (a lexical error, such as an unclosed string, ends the
// list). Otherwise it lists every error of meaning: unknown commands,
// tests and tags, arguments of the wrong kind or number, require of an
// extension not in opts.Extensions or use of one without require, require
// after other commands, elsif or else without if, invalid comparators,
// addresses, variable names, zones and date parts. A script larger than
// opts.MaxScriptSize is refused unread.
func Compile(src []byte, opts Options) (*Script, error) {
	if opts.MaxScriptSize > 0 && len(src) > opts.MaxScriptSize {
		return nil, Errors{{Line: 1, Column: 1, Msg: fmt.Sprintf("script of %d octets exceeds the limit of %d", len(src), opts.MaxScriptSize)}}
	}
	if opts.MaxNesting <= 0 {
		opts.MaxNesting = DefaultMaxNesting
	}
	c := &checker{opts: &opts, allowed: map[string]bool{}, exts: map[string]bool{}, cmds: commandSpecs, tsts: testSpecs, globals: map[string]bool{}, locals: map[string]bool{}}
	for _, e := range opts.Extensions {
		name := strings.ToLower(e.Name())
		if !Supported(name) {
			return nil, Errors{{Line: 1, Column: 1, Msg: fmt.Sprintf("extension %q is unknown to this compiler", e.Name())}}
		}
		c.allowed[name] = true
	}
	tree, perrs := parse(string(src), opts.MaxNesting)
	if perrs != nil {
		return nil, perrs
	}
	cmds := c.block(tree, true)
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b *Error) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Column - b.Column
		})
		return nil, c.errs
	}
	return &Script{opts: opts, exts: c.exts, commands: cmds, globals: c.globals}, nil
}

// block checks a list of commands; top is true for the script's own list,
// the only place where require may appear, before any other command.
func (c *checker) block(cmds []*command, top bool) []*cmdNode {
	var out []*cmdNode
	requireAllowed := top
	for i := 0; i < len(cmds); i++ {
		cmd := cmds[i]
		switch cmd.name {
		case "require":
			if !requireAllowed {
				c.errorf(cmd.pos, "require must come before every other command")
			}
			c.require(cmd)
			continue
		case "elsif", "else":
			c.errorf(cmd.pos, "%s without a preceding if or elsif", cmd.name)
			requireAllowed = false
			continue
		}
		requireAllowed = false
		if cmd.name == "if" {
			j := i + 1
			for j < len(cmds) && cmds[j].name == "elsif" {
				j++
			}
			if j < len(cmds) && cmds[j].name == "else" {
				j++
			}
			if n := c.ifChain(cmds[i:j]); n != nil {
				out = append(out, n)
			}
			i = j - 1
			continue
		}
		if n := c.command(cmd); n != nil {
			out = append(out, n)
		}
	}
	return out
}

// require handles "require <capabilities: string-list>" (RFC 5228 §3.2).
func (c *checker) require(cmd *command) {
	k, ok := c.bind("command", cmd.pos, cmd.name, cmd.args, cmd.tests, cmd.list, &spec{args: []param{pStringList}, minArgs: 1})
	if cmd.hasBlock {
		c.errorf(cmd.pos, "require takes no block")
	}
	if !ok {
		return
	}
	for _, s := range k.args[0].strs {
		name := strings.ToLower(s.value)
		switch {
		case !Supported(name):
			c.errorf(s.pos, "unknown extension %q", s.value)
		case !c.allowed[name] && !alwaysAllowed[name]:
			c.errorf(s.pos, "extension %q is not enabled", s.value)
		default:
			c.exts[name] = true
			for _, implied := range implies[name] {
				c.exts[implied] = true
			}
		}
	}
}

// lookup finds the spec of a command or test, reporting an unknown name
// or one whose extension the script did not require.
func (c *checker) lookup(kind string, table map[string]*spec, at pos, name string) *spec {
	sp, known := table[name]
	switch {
	case !known:
		c.errorf(at, "unknown %s %q", kind, name)
		return nil
	case !c.has(sp.ext):
		c.errorf(at, "%s %q needs require %q", kind, name, sp.ext)
		return nil
	}
	return sp
}

// command checks one command other than require, if, elsif and else.
func (c *checker) command(cmd *command) *cmdNode {
	sp := c.lookup("command", c.cmds, cmd.pos, cmd.name)
	if sp == nil {
		c.block(cmd.block, false)
		return nil
	}
	k, ok := c.bind("command", cmd.pos, cmd.name, cmd.args, cmd.tests, cmd.list, sp)
	if sp.block != cmd.hasBlock {
		if sp.block {
			c.errorf(cmd.pos, "command %q needs a block", cmd.name)
		} else {
			c.errorf(cmd.pos, "command %q takes no block", cmd.name)
		}
		ok = false
	}
	if !ok {
		c.block(cmd.block, false)
		return nil
	}
	f := sp.command(c, k)
	if f == nil {
		return nil
	}
	return &cmdNode{pos: cmd.pos, run: f}
}

// test checks one test.
func (c *checker) test(t *test) testFunc {
	sp := c.lookup("test", c.tsts, t.pos, t.name)
	if sp == nil {
		for _, sub := range t.tests {
			c.test(sub)
		}
		return nil
	}
	k, ok := c.bind("test", t.pos, t.name, t.args, t.tests, t.list, sp)
	if !ok {
		for _, sub := range t.tests {
			c.test(sub)
		}
		return nil
	}
	return sp.test(c, k)
}

// alwaysAllowed are the capabilities every script may require whatever
// Options.Extensions says: the comparators RFC 5228 §2.7.3 makes
// mandatory.
var alwaysAllowed = map[string]bool{
	"comparator-i;octet":         true,
	"comparator-i;ascii-casemap": true,
}

// implies lists what requiring an extension brings along: RFC 6131's
// vacation-seconds implies vacation (§2).
var implies = map[string][]string{
	"vacation-seconds": {"vacation"},
}

// known is every capability this compiler implements.
var known = map[string]bool{
	"fileinto": true, "envelope": true, "encoded-character": true,
	"comparator-i;octet": true, "comparator-i;ascii-casemap": true, "comparator-i;ascii-numeric": true,
	"vacation": true, "vacation-seconds": true, "relational": true, "subaddress": true,
	"date": true, "index": true, "copy": true, "imap4flags": true, "body": true,
	"variables": true, "reject": true, "ereject": true, "mailbox": true, "include": true,
	"environment": true,
}

// Supported reports whether the compiler implements the capability name
// (ASCII case-insensitive), so that an Extension of that name may be given
// in Options.Extensions.
func Supported(name string) bool { return known[strings.ToLower(name)] }

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
