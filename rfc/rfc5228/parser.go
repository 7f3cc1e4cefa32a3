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

// parser builds the tree; the first syntax error stops it, since what
// follows a syntax error cannot be read reliably.
type parser struct {
	lx       *lexer
	tok      token
	maxDepth int
	err      *Error
}

func parse(src string, maxDepth int) ([]*command, *Error) {
	p := &parser{lx: newLexer(src), maxDepth: maxDepth}
	p.next()
	cmds := p.commands(0)
	if p.err == nil && p.tok.kind != tokEOF {
		p.fail(p.tok.pos, "unexpected %s", p.tok.describe())
	}
	if p.err == nil && p.lx.err != nil {
		p.err = p.lx.err
	}
	if p.err != nil {
		return nil, p.err
	}
	return cmds, nil
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
	if p.lx.err != nil && p.err == nil {
		p.err = p.lx.err
	}
}

func (p *parser) fail(at pos, format string, args ...any) {
	if p.err == nil {
		p.err = at.errorf(format, args...)
	}
}

func (p *parser) is(punct string) bool { return p.tok.kind == tokPunct && p.tok.text == punct }

// commands reads commands up to the end of the script or a "}".
func (p *parser) commands(depth int) []*command {
	var cmds []*command
	for p.err == nil && p.tok.kind != tokEOF && !p.is("}") {
		if p.tok.kind != tokIdentifier {
			p.fail(p.tok.pos, "expected a command, found %s", p.tok.describe())
			return nil
		}
		cmds = append(cmds, p.command(depth))
	}
	return cmds
}

func (p *parser) command(depth int) *command {
	c := &command{pos: p.tok.pos, name: p.tok.text}
	p.next()
	c.args, c.tests, c.list = p.arguments(0)
	switch {
	case p.err != nil:
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
		if p.err == nil && !p.is("}") {
			p.fail(p.tok.pos, "expected \"}\", found %s", p.tok.describe())
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
	for p.err == nil {
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
	for p.err == nil {
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
	for p.err == nil {
		tests = append(tests, p.test(depth+1))
		if p.err != nil {
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
