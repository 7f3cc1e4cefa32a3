package rfc5228

// The syntax tree of RFC 5228 §8.2, before the checker gives it meaning.

type argKind int

const (
	argTag argKind = iota
	argNumber
	argString     // one string, written without brackets
	argStringList // "[" string *("," string) "]"
)

// strLit is one string of a script with its position.
type strLit struct {
	pos   pos
	value string
}

type argument struct {
	pos  pos
	kind argKind
	tag  string // argTag: the name without ":", lower case
	num  int64  // argNumber
	strs []strLit
}

type test struct {
	pos   pos
	name  string
	args  []argument
	tests []*test
	list  bool // tests were written as a test-list "(…)"
}

type command struct {
	pos      pos
	name     string
	args     []argument
	tests    []*test
	list     bool
	block    []*command // nil without a block
	hasBlock bool
}

// parser builds the tree. After a syntax error it skips to the end of the
// command (its ";" or its block) and goes on, so that every command's
// first syntax error is reported; a lexical error (an unclosed string or
// comment, a character outside the grammar) ends the parse, since what
// follows it cannot be read reliably.
type parser struct {
	lx       *lexer
	tok      token
	maxDepth int
	errs     Errors
	failed   bool // a syntax error in the current command
	fatal    bool // a lexical error
}

func parse(src string, maxDepth int) ([]*command, Errors) {
	p := &parser{lx: newLexer(src), maxDepth: maxDepth}
	p.next()
	var cmds []*command
	for {
		cmds = append(cmds, p.commands(0)...)
		if p.fatal || p.tok.kind == tokEOF {
			break
		}
		p.fail(p.tok.pos, "unexpected %s", p.tok.describe()) // a "}" too many
		p.failed = false
		p.next()
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return cmds, nil
}

// sync skips the rest of a command after a syntax error: up to and
// including its ";", or its block, or up to the "}" that ends the
// enclosing block.
func (p *parser) sync() {
	for !p.fatal && p.tok.kind != tokEOF {
		switch {
		case p.is(";"):
			p.next()
			return
		case p.is("}"):
			return
		case p.is("{"):
			for depth := 0; !p.fatal && p.tok.kind != tokEOF; {
				switch {
				case p.is("{"):
					depth++
				case p.is("}"):
					depth--
				}
				p.next()
				if depth == 0 {
					return
				}
			}
			return
		default:
			p.next()
		}
	}
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of script"
	case tokIdentifier:
		return "identifier \"" + t.text + "\""
	case tokTag:
		return "tag \":" + t.text + "\""
	case tokNumber:
		return "number"
	case tokString:
		return "string"
	}
	return "\"" + t.text + "\""
}

func (p *parser) next() {
	p.tok = p.lx.next()
	if p.lx.err != nil && !p.fatal {
		p.errs = append(p.errs, p.lx.err)
		p.fatal, p.failed = true, true
	}
}

// fail records the first syntax error of a command.
func (p *parser) fail(at pos, format string, args ...any) {
	if !p.failed {
		p.errs = append(p.errs, at.errorf(format, args...))
		p.failed = true
	}
}

func (p *parser) is(punct string) bool { return p.tok.kind == tokPunct && p.tok.text == punct }

// commands reads commands up to the end of the script or a "}".
func (p *parser) commands(depth int) []*command {
	var cmds []*command
	for !p.fatal && p.tok.kind != tokEOF && !p.is("}") {
		if p.tok.kind != tokIdentifier {
			p.fail(p.tok.pos, "expected a command, found %s", p.tok.describe())
		} else {
			cmds = append(cmds, p.command(depth))
		}
		if p.failed && !p.fatal {
			p.sync()
			p.failed = false
		}
	}
	return cmds
}

func (p *parser) command(depth int) *command {
	c := &command{pos: p.tok.pos, name: p.tok.text}
	p.next()
	c.args, c.tests, c.list = p.arguments(0)
	switch {
	case p.failed:
	case p.is(";"):
		p.next()
	case p.is("{"):
		if depth+1 > p.maxDepth {
			p.fail(p.tok.pos, "blocks nested more than %d deep", p.maxDepth)
			return c
		}
		p.next()
		c.hasBlock = true
		c.block = p.commands(depth + 1)
		if !p.is("}") {
			p.fail(p.tok.pos, "expected \"}\", found %s", p.tok.describe())
			return c
		}
		p.next()
	default:
		p.fail(p.tok.pos, "expected \";\" or a block after %q, found %s", c.name, p.tok.describe())
	}
	return c
}

// arguments reads "*argument [test / test-list]"; depth is the nesting of
// the tests that hold them.
func (p *parser) arguments(depth int) (args []argument, tests []*test, list bool) {
	for !p.failed {
		t := p.tok
		switch {
		case t.kind == tokTag:
			args = append(args, argument{pos: t.pos, kind: argTag, tag: t.text})
			p.next()
		case t.kind == tokNumber:
			args = append(args, argument{pos: t.pos, kind: argNumber, num: t.num})
			p.next()
		case t.kind == tokString:
			args = append(args, argument{pos: t.pos, kind: argString, strs: []strLit{{t.pos, t.text}}})
			p.next()
		case p.is("["):
			args = append(args, p.stringList())
		case t.kind == tokIdentifier:
			return args, []*test{p.test(depth + 1)}, false
		case p.is("("):
			return args, p.testList(depth), true
		default:
			return args, nil, false
		}
	}
	return args, nil, false
}

func (p *parser) stringList() argument {
	a := argument{pos: p.tok.pos, kind: argStringList}
	p.next()
	for !p.failed {
		if p.tok.kind != tokString {
			p.fail(p.tok.pos, "expected a string in the string list, found %s", p.tok.describe())
			break
		}
		a.strs = append(a.strs, strLit{p.tok.pos, p.tok.text})
		p.next()
		if p.is("]") {
			p.next()
			break
		}
		if !p.is(",") {
			p.fail(p.tok.pos, "expected \",\" or \"]\" in the string list, found %s", p.tok.describe())
			break
		}
		p.next()
	}
	return a
}

func (p *parser) test(depth int) *test {
	if p.tok.kind != tokIdentifier {
		p.fail(p.tok.pos, "expected a test, found %s", p.tok.describe())
		return &test{pos: p.tok.pos}
	}
	if depth > p.maxDepth {
		p.fail(p.tok.pos, "tests nested more than %d deep", p.maxDepth)
		return &test{pos: p.tok.pos}
	}
	t := &test{pos: p.tok.pos, name: p.tok.text}
	p.next()
	t.args, t.tests, t.list = p.arguments(depth)
	return t
}

func (p *parser) testList(depth int) []*test {
	p.next()
	var tests []*test
	for !p.failed {
		tests = append(tests, p.test(depth+1))
		if p.failed {
			break
		}
		if p.is(")") {
			p.next()
			break
		}
		if !p.is(",") {
			p.fail(p.tok.pos, "expected \",\" or \")\" in the test list, found %s", p.tok.describe())
			break
		}
		p.next()
	}
	return tests
}
