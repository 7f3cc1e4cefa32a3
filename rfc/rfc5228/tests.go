package rfc5228

import (
	"strings"
)

// The tests: RFC 5228 §5, and those of the extensions.

var testSpecs = map[string]*spec{
	// RFC 5228 §5.1; :index and :last are RFC 5260 §6.
	"address": {tags: concat(matchTags, addressPartTags, indexTags), args: []param{pStringList, pStringList}, minArgs: 2, test: tstAddress},
	// RFC 5228 §5.2, §5.3, §5.6, §5.8, §5.10.
	"allof": {tests: 2, test: tstAllof},
	"anyof": {tests: 2, test: tstAnyof},
	"not":   {tests: 1, test: tstNot},
	"true":  {test: tstConst(true)},
	"false": {test: tstConst(false)},
	// RFC 5228 §5.4.
	"envelope": {ext: "envelope", tags: concat(matchTags, addressPartTags), args: []param{pStringList, pStringList}, minArgs: 2, test: tstEnvelope},
	// RFC 5228 §5.5.
	"exists": {args: []param{pStringList}, minArgs: 1, test: tstExists},
	// RFC 5228 §5.7; :index and :last are RFC 5260 §6.
	"header": {tags: concat(matchTags, indexTags), args: []param{pStringList, pStringList}, minArgs: 2, test: tstHeader},
	// RFC 5228 §5.9.
	"size": {tags: []tagSpec{{name: "over", group: "size"}, {name: "under", group: "size"}}, args: []param{pNumber}, minArgs: 1, test: tstSize},
	// RFC 5229 §5.
	"string": {ext: "variables", tags: matchTags, args: []param{pStringList, pStringList}, minArgs: 2, test: tstString},
	// RFC 5232 §4.
	"hasflag": {ext: "imap4flags", tags: matchTags, args: []param{pStringList, pStringList}, minArgs: 1, test: tstHasflag},
	// RFC 5490 §3.1.
	"mailboxexists": {ext: "mailbox", args: []param{pStringList}, minArgs: 1, test: tstMailboxExists},
	// RFC 5183 §4.
	"environment": {ext: "environment", tags: matchTags, args: []param{pString, pStringList}, minArgs: 2, test: tstEnvironment},
	// RFC 5173 §4, §5.
	"body": {ext: "body", tags: concat(matchTags, []tagSpec{
		{name: "raw", group: "transform"}, {name: "content", group: "transform", param: pStringList}, {name: "text", group: "transform"},
	}), args: []param{pStringList}, minArgs: 1, test: tstBody},
	// RFC 5260 §4 and §5.
	"date": {ext: "date", tags: concat(matchTags, indexTags, []tagSpec{
		{name: "zone", group: "zone", param: pString}, {name: "originalzone", group: "zone"},
	}), args: []param{pString, pString, pStringList}, minArgs: 3, test: tstDate},
	"currentdate": {ext: "date", tags: concat(matchTags, []tagSpec{{name: "zone", group: "zone", param: pString}}),
		args: []param{pString, pStringList}, minArgs: 2, test: tstCurrentDate},
}

var indexTags = []tagSpec{
	{name: "index", ext: "index", param: pNumber},
	{name: "last", ext: "index"},
}

func concat(lists ...[]tagSpec) []tagSpec {
	var out []tagSpec
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func tstConst(v bool) func(*checker, *call) testFunc {
	return func(*checker, *call) testFunc { return func(*frame) (bool, error) { return v, nil } }
}

// subtests compiles a test's tests; ok is false if one failed.
func (c *checker) subtests(k *call) ([]testFunc, bool) {
	out := make([]testFunc, len(k.tests))
	ok := true
	for i, t := range k.tests {
		out[i] = c.test(t)
		ok = ok && out[i] != nil
	}
	return out, ok
}

func tstNot(c *checker, k *call) testFunc {
	sub, ok := c.subtests(k)
	if !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		t, err := sub[0](f)
		return !t, err
	}
}

// tstAllof and tstAnyof short-circuit, left to right (RFC 5228 §5.2,
// §5.3; RFC 5229 §3.2 requires it).
func tstAllof(c *checker, k *call) testFunc { return c.junction(k, false) }
func tstAnyof(c *checker, k *call) testFunc { return c.junction(k, true) }

func (c *checker) junction(k *call, any bool) testFunc {
	sub, ok := c.subtests(k)
	if !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		for _, t := range sub {
			v, err := t(f)
			if err != nil || v == any {
				return v, err
			}
		}
		return !any, nil
	}
}

// headerNames compiles a list of header field names, checking the
// constant ones (RFC 5228 §5.7: a field-name of RFC 5322 §3.6.8).
func (c *checker) headerNames(a argument) []*strVal {
	names := c.strs(a)
	for _, n := range names {
		if n.parts == nil && !isFieldName(n.raw) {
			c.errorf(n.pos, "%q is not a header field name", n.raw)
		}
	}
	return names
}

func isFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ':' {
			return false
		}
	}
	return s != ""
}

// index compiles :index and :last (RFC 5260 §6): n is 0 without :index.
func (c *checker) index(k *call) (n int, last bool, ok bool) {
	if k.has("last") && !k.has("index") {
		c.errorf(k.tags["last"].pos, ":last without :index (RFC 5260 §6)")
		return 0, false, false
	}
	if a, has := k.tags["index"]; has {
		if a.num < 1 {
			c.errorf(a.pos, ":index counts from 1 (RFC 5260 §6)")
			return 0, false, false
		}
		return int(min(a.num, 1<<30)), k.has("last"), true
	}
	return 0, false, true
}

// pick applies :index: the n-th field, counting from the end with :last,
// of the named fields in the order of the header list.
func pick(values []string, n int, last bool) []string {
	if n == 0 {
		return values
	}
	if n > len(values) {
		return nil
	}
	if last {
		return values[len(values)-n : len(values)-n+1]
	}
	return values[n-1 : n]
}

func (f *frame) fields(names []*strVal, decode bool, n int, last bool) []string {
	var values []string
	for _, name := range names {
		if decode {
			values = append(values, f.headerValues(name.expand(f))...)
		} else {
			values = append(values, f.env.Header(name.expand(f))...)
		}
	}
	return pick(values, n, last)
}

// tstHeader is the header test (RFC 5228 §5.7): the decoded values of the
// named fields, without leading and trailing white space.
func tstHeader(c *checker, k *call) testFunc {
	names := c.headerNames(k.args[0])
	m, ok := c.matcher(k, k.args[1])
	n, last, iok := c.index(k)
	if !ok || !iok {
		return nil
	}
	return func(f *frame) (bool, error) {
		return m.match(f, f.fields(names, true, n, last)), nil
	}
}

// addressFields are the header fields that hold addresses (RFC 5322
// §3.6.2, §3.6.3, §3.6.6, and the delivery fields in common use); RFC
// 5228 §5.1 restricts the address test to such fields.
var addressFields = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"resent-from": true, "resent-sender": true, "resent-to": true, "resent-cc": true, "resent-bcc": true,
	"return-path": true, "delivered-to": true, "envelope-to": true, "x-original-to": true, "x-envelope-to": true,
	"disposition-notification-to": true, "errors-to": true, "mail-followup-to": true, "mail-reply-to": true,
	"original-recipient": true, "x-delivered-to": true, "apparently-to": true,
}

// tstAddress is the address test (RFC 5228 §5.1).
func tstAddress(c *checker, k *call) testFunc {
	names := c.headerNames(k.args[0])
	for _, n := range names {
		if n.parts == nil && isFieldName(n.raw) && !addressFields[strings.ToLower(n.raw)] {
			c.errorf(n.pos, "header field %q holds no addresses (RFC 5228 §5.1)", n.raw)
		}
	}
	m, ok := c.matcher(k, k.args[1])
	n, last, iok := c.index(k)
	part := c.addressPart(k)
	if !ok || !iok {
		return nil
	}
	sep := orString(c.opts.SubaddressSeparator, "+")
	return func(f *frame) (bool, error) {
		var values []string
		for _, field := range f.fields(names, false, n, last) {
			for _, a := range f.addressesOf(field) {
				if m.kind == matchCount {
					// RFC 5231 §4.2 counts the mailboxes, whatever the part.
					if a.valid {
						values = append(values, a.all)
					}
				} else if v, ok := part.of(a, sep); ok {
					values = append(values, v)
				}
			}
		}
		return m.match(f, values), nil
	}
}

func orString(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// envelopeParts are the envelope parts the test knows: RFC 5228 §5.4
// defines "from" and "to", and asks that others be errors. Parts that
// extensions define would be added here and answered by Env.Envelope.
var envelopeParts = map[string]bool{"from": true, "to": true}

// tstEnvelope is the envelope test (RFC 5228 §5.4).
func tstEnvelope(c *checker, k *call) testFunc {
	parts := c.strs(k.args[0])
	for _, p := range parts {
		if p.parts == nil && !envelopeParts[strings.ToLower(p.raw)] {
			c.errorf(p.pos, "unknown envelope part %q (RFC 5228 §5.4)", p.raw)
		}
	}
	m, ok := c.matcher(k, k.args[1])
	part := c.addressPart(k)
	if !ok {
		return nil
	}
	sep := orString(c.opts.SubaddressSeparator, "+")
	return func(f *frame) (bool, error) {
		var values []string
		for _, p := range expandAll(f, parts) {
			var path string
			switch strings.ToLower(p) {
			case "from":
				path = f.env.EnvelopeFrom()
			case "to":
				path = f.env.EnvelopeTo()
			default:
				var known bool
				if path, known = f.env.Envelope(strings.ToLower(p)); !known {
					continue
				}
			}
			a := envelopeAddress(path)
			if a.null && m.kind == matchCount {
				continue // RFC 5231 §4.2: an empty MAIL FROM counts 0
			}
			if v, ok := part.of(a, sep); ok {
				values = append(values, v)
			}
		}
		return m.match(f, values), nil
	}
}

// tstExists is true when every named field is present (RFC 5228 §5.5).
func tstExists(c *checker, k *call) testFunc {
	names := c.headerNames(k.args[0])
	return func(f *frame) (bool, error) {
		for _, n := range names {
			if len(f.env.Header(n.expand(f))) == 0 {
				return false, nil
			}
		}
		return true, nil
	}
}

// tstSize compares the message's size in octets (RFC 5228 §5.9).
func tstSize(c *checker, k *call) testFunc {
	over := k.has("over")
	if !over && !k.has("under") {
		c.errorf(k.pos, "size needs :over or :under (RFC 5228 §5.9)")
		return nil
	}
	limit := k.args[0].num
	return func(f *frame) (bool, error) {
		if over {
			return f.env.Size() > limit, nil
		}
		return f.env.Size() < limit, nil
	}
}

// tstString matches strings (RFC 5229 §5); :count counts the non-empty
// ones.
func tstString(c *checker, k *call) testFunc {
	source := c.strs(k.args[0])
	m, ok := c.matcher(k, k.args[1])
	if !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		values := expandAll(f, source)
		if m.kind == matchCount {
			var nonEmpty []string
			for _, v := range values {
				if v != "" {
					nonEmpty = append(nonEmpty, v)
				}
			}
			values = nonEmpty
		}
		return m.match(f, values), nil
	}
}

// tstHasflag matches each flag of the internal variable, or of the named
// variables, against the keys (RFC 5232 §4).
func tstHasflag(c *checker, k *call) testFunc {
	var vars []string
	if len(k.args) == 2 {
		if !c.exts["variables"] {
			c.errorf(k.args[0].pos, "hasflag with variable names needs require \"variables\" (RFC 5232 §4)")
			return nil
		}
		for _, l := range k.args[0].strs {
			name, ok := c.variableName(l)
			if !ok {
				return nil
			}
			vars = append(vars, name)
		}
	}
	m, ok := c.matcher(k, k.args[len(k.args)-1])
	if !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		flags := f.flags
		if vars != nil {
			var lists []string
			for _, v := range vars {
				lists = append(lists, f.variable(strPart{ref: true, name: v, match: -1}))
			}
			flags = normalizeFlags(lists)
		}
		// A key holding several flags stands for each of them (RFC 5232 §2, §4).
		return m.matchKeys(f, flags, strings.Fields(strings.Join(expandAll(f, m.keys), " "))), nil
	}
}

// tstMailboxExists is true when every named mailbox exists (RFC 5490
// §3.1); the delivery answers.
func tstMailboxExists(c *checker, k *call) testFunc {
	names := c.strs(k.args[0])
	return func(f *frame) (bool, error) {
		for _, n := range names {
			if !f.env.MailboxExists(n.expand(f)) {
				return false, nil
			}
		}
		return true, nil
	}
}

// tstEnvironment matches an environment item (RFC 5183 §4); an item the
// delivery does not know makes the test false, and counts 0.
func tstEnvironment(c *checker, k *call) testFunc {
	name := c.str(k.args[0].strs[0])
	m, ok := c.matcher(k, k.args[1])
	if !ok {
		return nil
	}
	return func(f *frame) (bool, error) {
		v, known := f.env.Environment(strings.ToLower(name.expand(f)))
		if !known {
			return m.match(f, nil), nil
		}
		return m.match(f, []string{v}), nil
	}
}
