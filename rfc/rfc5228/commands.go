package rfc5228

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The commands: RFC 5228 §3 and §4, and those of the extensions.

var commandSpecs = map[string]*spec{
	// RFC 5228 §3.3.
	"stop": {command: cmdStop},
	// RFC 5228 §4.3; RFC 5232 §5 adds :flags.
	"keep": {tags: []tagSpec{flagsTag}, command: cmdKeep},
	// RFC 5228 §4.4.
	"discard": {command: cmdDiscard},
	// RFC 5228 §4.1; :copy is RFC 3894 §3, :flags RFC 5232 §5, :create
	// RFC 5490 §3.2.
	"fileinto": {ext: "fileinto", tags: []tagSpec{copyTag, flagsTag, {name: "create", ext: "mailbox"}},
		args: []param{pString}, minArgs: 1, command: cmdFileInto},
	// RFC 5228 §4.2; :copy is RFC 3894 §3.
	"redirect": {tags: []tagSpec{copyTag}, args: []param{pString}, minArgs: 1, command: cmdRedirect},
	// RFC 5230 §4, with :seconds of RFC 6131 §2.
	"vacation": {ext: "vacation", tags: []tagSpec{
		{name: "days", group: "period", param: pNumber},
		{name: "seconds", group: "period", ext: "vacation-seconds", param: pNumber},
		{name: "subject", param: pString},
		{name: "from", param: pString},
		{name: "addresses", param: pStringList},
		{name: "mime"},
		{name: "handle", param: pString},
	}, args: []param{pString}, minArgs: 1, command: cmdVacation},
	// RFC 5429 §2.2 and §2.1.
	"reject":  {ext: "reject", args: []param{pString}, minArgs: 1, command: cmdReject},
	"ereject": {ext: "ereject", args: []param{pString}, minArgs: 1, command: cmdReject},
	// RFC 5232 §3.
	"setflag":    {ext: "imap4flags", args: []param{pString, pStringList}, minArgs: 1, command: cmdFlags},
	"addflag":    {ext: "imap4flags", args: []param{pString, pStringList}, minArgs: 1, command: cmdFlags},
	"removeflag": {ext: "imap4flags", args: []param{pString, pStringList}, minArgs: 1, command: cmdFlags},
	// RFC 5229 §4.
	"set": {ext: "variables", tags: []tagSpec{
		{name: "lower", group: "case"}, {name: "upper", group: "case"},
		{name: "lowerfirst", group: "first"}, {name: "upperfirst", group: "first"},
		{name: "quotewildcard"}, {name: "length"},
	}, args: []param{pString, pString}, minArgs: 2, command: cmdSet},
	// RFC 6609 §3.2, §3.3.
	"include": {ext: "include", tags: []tagSpec{
		{name: "personal", group: "location"}, {name: "global", group: "location"},
		{name: "once"}, {name: "optional"},
	}, args: []param{pString}, minArgs: 1, command: cmdInclude},
	"return": {ext: "include", command: cmdReturn},
	"global": {ext: "include", args: []param{pStringList}, minArgs: 1, command: cmdGlobal},
}

var (
	copyTag  = tagSpec{name: "copy", ext: "copy"}
	flagsTag = tagSpec{name: "flags", ext: "imap4flags", param: pStringList}
)

func cmdStop(c *checker, k *call) cmdFunc {
	return func(f *frame) error { f.stopped = true; return nil }
}

func cmdDiscard(c *checker, k *call) cmdFunc {
	return func(f *frame) error { return f.addAction(k.pos, Discard{}, true) }
}

// flagsOf compiles the flags an action files with (RFC 5232 §5): :flags,
// or the internal variable when the script uses imap4flags.
func (c *checker) flagsOf(k *call) func(f *frame) []string {
	if a, ok := k.tags["flags"]; ok {
		list := c.strs(a)
		return func(f *frame) []string { return normalizeFlags(expandAll(f, list)) }
	}
	if c.exts["imap4flags"] {
		return func(f *frame) []string { return cloneFlags(f.flags) }
	}
	return func(*frame) []string { return nil }
}

func cmdKeep(c *checker, k *call) cmdFunc {
	flags := c.flagsOf(k)
	return func(f *frame) error { return f.addAction(k.pos, Keep{Flags: flags(f)}, true) }
}

func cmdFileInto(c *checker, k *call) cmdFunc {
	mailbox := c.str(k.args[0].strs[0])
	if mailbox.parts == nil && !validMailbox(mailbox.raw) {
		c.errorf(mailbox.pos, "%q is not a mailbox name: empty, or not UTF-8 (RFC 5228 §4.1)", mailbox.raw)
	}
	flags := c.flagsOf(k)
	cp, create := k.has("copy"), k.has("create")
	return func(f *frame) error {
		name := mailbox.expand(f)
		if !validMailbox(name) {
			return f.errorf(mailbox.pos, "%q is not a mailbox name: empty, or not UTF-8 (RFC 5228 §4.1)", name)
		}
		return f.addAction(k.pos, FileInto{Mailbox: name, Flags: flags(f), Copy: cp, Create: create}, !cp)
	}
}

// validMailbox reports whether a fileinto mailbox name is one Loft
// accepts (RFC 5228 §4.1 lets implementations restrict names): not empty,
// UTF-8.
func validMailbox(name string) bool { return name != "" && utf8.ValidString(name) }

// parseRedirect checks a redirect or vacation :from address (RFC 5228
// §4.2: an RFC 5322 address) and returns its addr-spec.
func parseRedirect(s string) (string, bool) {
	a, err := addressParser.Parse(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", false
	}
	return a.Address, true
}

func cmdRedirect(c *checker, k *call) cmdFunc {
	addr := c.str(k.args[0].strs[0])
	if addr.parts == nil {
		if _, ok := parseRedirect(addr.raw); !ok {
			c.errorf(addr.pos, "redirect to %q, which is not an address (RFC 5228 §4.2)", addr.raw)
			return nil
		}
	}
	cp := k.has("copy")
	return func(f *frame) error {
		a, ok := parseRedirect(addr.expand(f))
		if !ok {
			return f.errorf(addr.pos, "redirect to %q, which is not an address (RFC 5228 §4.2)", addr.expand(f))
		}
		return f.addAction(k.pos, Redirect{Address: a, Copy: cp}, !cp)
	}
}

func cmdReject(c *checker, k *call) cmdFunc {
	reason := c.str(k.args[0].strs[0])
	ext := k.name == "ereject"
	return func(f *frame) error {
		return f.addAction(k.pos, Reject{Reason: reason.expand(f), Extended: ext}, true)
	}
}

// cmdVacation compiles vacation (RFC 5230 §4). The handle, when not
// given, is synthesised from the arguments as written (§4.2).
func cmdVacation(c *checker, k *call) cmdFunc {
	period := 7 * 24 * time.Hour
	if a, ok := k.tags["days"]; ok {
		period = time.Duration(min(a.num, 1<<20)) * 24 * time.Hour
	}
	if a, ok := k.tags["seconds"]; ok {
		period = time.Duration(min(a.num, 1<<32)) * time.Second
	}
	opt := func(tag string) *strVal {
		if a, ok := k.tags[tag]; ok {
			return c.str(a.strs[0])
		}
		return &strVal{}
	}
	subject, from, handle := opt("subject"), opt("from"), opt("handle")
	reason := c.str(k.args[0].strs[0])
	var addresses []*strVal
	if a, ok := k.tags["addresses"]; ok {
		addresses = c.strs(a)
	}
	if from.parts == nil && from.raw != "" {
		if _, ok := parseRedirect(from.raw); !ok {
			c.errorf(from.pos, "vacation :from %q is not an address (RFC 5230 §4.4)", from.raw)
		}
	}
	mime := k.has("mime")
	synthesised := vacationHandle(subject.raw, from.raw, mime, reason.raw)
	return func(f *frame) error {
		v := Vacation{
			Period:  period,
			Subject: subject.expand(f),
			From:    from.expand(f),
			Mime:    mime,
			Reason:  reason.expand(f),
			Handle:  synthesised,
		}
		if k.has("handle") {
			v.Handle = handle.expand(f)
		}
		if addresses != nil {
			v.Addresses = expandAll(f, addresses)
		}
		return f.addAction(k.pos, v, false)
	}
}

// cmdFlags compiles setflag, addflag and removeflag (RFC 5232 §3): with
// two arguments the first names the variable (RFC 5229) that holds the
// flags, with one the internal variable is meant.
func cmdFlags(c *checker, k *call) cmdFunc {
	list := c.strs(k.args[len(k.args)-1])
	varName := ""
	if len(k.args) == 2 {
		if !c.exts["variables"] {
			c.errorf(k.args[0].pos, "%s with a variable name needs require \"variables\" (RFC 5232 §3)", k.name)
			return nil
		}
		var ok bool
		if varName, ok = c.variableName(k.args[0].strs[0]); !ok {
			return nil
		}
	}
	op := k.name
	return func(f *frame) error {
		flags := normalizeFlags(expandAll(f, list))
		var cur []string
		if varName == "" {
			cur = f.flags
		} else {
			cur = normalizeFlags([]string{f.variable(strPart{ref: true, name: varName, match: -1})})
		}
		switch op {
		case "setflag":
			cur = flags
		case "addflag":
			cur = unionFlags(cur, flags)
		case "removeflag":
			cur = removeFlags(cur, flags)
		}
		if varName == "" {
			f.flags = cur
		} else {
			f.setVariable(varName, strings.Join(cur, " "))
		}
		return nil
	}
}

// variableName checks a variable name given as an argument (RFC 5229 §3:
// an identifier, possibly in a namespace; no match variable).
func (c *checker) variableName(l strLit) (string, bool) {
	name, ok := c.constStr(l, "a variable name")
	if !ok {
		return "", false
	}
	before := len(c.errs)
	p, ok := c.ref(l.pos, name)
	if len(c.errs) > before {
		return "", false // ref has said what is wrong
	}
	if !ok || p.match >= 0 {
		c.errorf(l.pos, "%q is not a variable name that can be set (RFC 5229 §3)", name)
		return "", false
	}
	return p.name, true
}

// cmdSet compiles set (RFC 5229 §4), its modifiers applied in the order
// of §4.1's precedence: :lower/:upper, :lowerfirst/:upperfirst,
// :quotewildcard, :length. The case modifiers change A–Z and a–z only
// (§4.1.3).
func cmdSet(c *checker, k *call) cmdFunc {
	name, ok := c.variableName(k.args[0].strs[0])
	if !ok {
		return nil
	}
	if !c.globals[name] {
		c.locals[name] = true
	}
	value := c.str(k.args[1].strs[0])
	var mods []func(string) string
	switch {
	case k.has("lower"):
		mods = append(mods, foldASCII)
	case k.has("upper"):
		mods = append(mods, upperASCII)
	}
	switch {
	case k.has("lowerfirst"):
		mods = append(mods, func(s string) string { return changeFirst(s, foldASCII) })
	case k.has("upperfirst"):
		mods = append(mods, func(s string) string { return changeFirst(s, upperASCII) })
	}
	if k.has("quotewildcard") {
		mods = append(mods, quoteWildcard)
	}
	if k.has("length") {
		mods = append(mods, func(s string) string { return itoa(utf8Len(s)) })
	}
	return func(f *frame) error {
		v := value.expand(f)
		for _, m := range mods {
			v = m(v)
		}
		f.setVariable(name, v)
		return nil
	}
}

func cmdReturn(c *checker, k *call) cmdFunc {
	return func(f *frame) error { f.returned = true; return nil }
}

// cmdGlobal compiles global (RFC 6609 §3.3): the names become references
// to the variables shared by every script of the run.
func cmdGlobal(c *checker, k *call) cmdFunc {
	if !c.exts["variables"] {
		c.errorf(k.pos, "global needs require \"variables\" (RFC 6609 §3.3)")
		return nil
	}
	for _, l := range k.args[0].strs {
		name, ok := c.variableName(l)
		if !ok {
			continue
		}
		if strings.Contains(name, ".") {
			c.errorf(l.pos, "global takes a name without namespace, not %q", name)
			continue
		}
		if c.locals[name] {
			c.errorf(l.pos, "variable %q was set before it was declared global (RFC 6609 §3.4.1)", name)
			continue
		}
		c.globals[name] = true
	}
	return func(*frame) error { return nil }
}

// validScriptName reports whether name is a script name of RFC 5804 §1.6:
// not empty, without control characters (U+0000–U+001F, U+007F–U+009F) or
// line and paragraph separators (U+2028, U+2029).
func validScriptName(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r <= 0x1f || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

// cmdInclude compiles include (RFC 6609 §3.2).
func cmdInclude(c *checker, k *call) cmdFunc {
	name, ok := c.constStr(k.args[0].strs[0], "an included script's name")
	if !ok {
		return nil
	}
	if !validScriptName(name) {
		c.errorf(k.args[0].pos, "%q is not a script name (RFC 5804 §1.6)", name)
		return nil
	}
	loc := Personal
	if k.has("global") {
		loc = Global
	}
	once, optional := k.has("once"), k.has("optional")
	maxDepth := orDefault(c.opts.MaxIncludeDepth, DefaultMaxIncludeDepth)
	maxIncludes := orDefault(c.opts.MaxIncludes, DefaultMaxIncludes)
	return func(f *frame) error {
		key := string(loc) + "/" + name
		if once && f.once[key] {
			return nil // included before, or being included (RFC 6609 §3.2)
		}
		for _, open := range f.includes {
			if open == key {
				return f.errorf(k.pos, "include of %s script %q loops (RFC 6609 §3.2)", loc, name)
			}
		}
		if len(f.includes) >= maxDepth {
			return f.errorf(k.pos, "includes nested more than %d deep", maxDepth)
		}
		if f.included++; f.included > maxIncludes {
			return f.errorf(k.pos, "more than %d includes in one run", maxIncludes)
		}
		s, err := f.env.Include(loc, name)
		if err != nil {
			if optional && isNotFound(err) {
				return nil
			}
			return wrapf(k.pos, err, "include of %s script %q", loc, name)
		}
		if s == nil {
			return f.errorf(k.pos, "include of %s script %q: no script", loc, name)
		}
		if f.once == nil {
			f.once = map[string]bool{}
		}
		f.once[key] = true
		f.includes = append(f.includes, key)
		sub := &frame{runState: f.runState, script: s}
		err = sub.runBlock(s.commands)
		f.includes = f.includes[:len(f.includes)-1]
		if err != nil {
			// The position is the include's; the included script's
			// position is in the message.
			return f.errorf(k.pos, "in %s script %q: %v", loc, name, err)
		}
		return nil
	}
}

// normalizeFlags splits flag lists at spaces and drops repetitions, ASCII
// case-insensitively, and flags that are not valid IMAP flags or that
// cannot be set, such as \Recent (RFC 5232 §2, §3).
func normalizeFlags(lists []string) []string {
	var out []string
	for _, l := range lists {
		for _, fl := range strings.Fields(l) {
			if validFlag(fl) && !containsFold(out, fl) {
				out = append(out, fl)
			}
		}
	}
	return out
}

// validFlag reports whether fl is a flag of RFC 3501 §9 that a script may
// set: an atom, or "\" and an atom, other than \Recent.
func validFlag(fl string) bool {
	atom := strings.TrimPrefix(fl, "\\")
	if atom == "" || strings.EqualFold(fl, "\\Recent") {
		return false
	}
	for i := 0; i < len(atom); i++ {
		c := atom[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func unionFlags(a, b []string) []string {
	out := cloneFlags(a)
	for _, fl := range b {
		if !containsFold(out, fl) {
			out = append(out, fl)
		}
	}
	return out
}

func removeFlags(a, b []string) []string {
	var out []string
	for _, fl := range a {
		if !containsFold(b, fl) {
			out = append(out, fl)
		}
	}
	return out
}

func cloneFlags(fl []string) []string {
	if len(fl) == 0 {
		return nil
	}
	return append([]string(nil), fl...)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func itoa(n int) string { return strconv.Itoa(n) }

func utf8Len(s string) int { return utf8.RuneCountInString(s) }

// upperASCII maps a–z to A–Z and leaves every other character alone (RFC
// 5229 §4.1.3).
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// changeFirst applies change to the first character of s.
func changeFirst(s string, change func(string) string) string {
	_, n := utf8.DecodeRuneInString(s)
	return change(s[:n]) + s[n:]
}

// quoteWildcard puts a backslash before "*", "?" and "\" (RFC 5229
// §4.1 :quotewildcard), so that the value matches itself with :matches.
func quoteWildcard(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// vacationHandle synthesises a vacation handle from the arguments as
// written in the script (RFC 5230 §4.2): equal arguments give equal
// handles, different ones different handles.
func vacationHandle(subject, from string, mime bool, reason string) string {
	h := sha256.New()
	for _, s := range []string{subject, from, strconv.FormatBool(mime), reason} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}
