package managesieve

import (
	"fmt"
	"strings"

	"github.com/loftmail/loft/rfc/rfc5804"
	"github.com/loftmail/loft/store"
)

// checkQuota refuses a script of size octets stored as name when the
// account would go over MaxScriptSize (QUOTA/MAXSIZE) or MaxScripts
// (QUOTA/MAXSCRIPTS) (§1.5). Replacing a script does not add one.
func (c *conn) checkQuota(name string, size int64) error {
	if size > c.s.cfg.MaxScriptSize {
		return noCode(rfc5804.CodeQuotaMaxSize, fmt.Sprintf("a script may have at most %d octets", c.s.cfg.MaxScriptSize))
	}
	list, err := c.account.SieveScripts()
	if err != nil {
		return err
	}
	if len(list) < c.s.cfg.MaxScripts {
		return nil
	}
	for _, s := range list {
		if s.Name == name {
			return nil
		}
	}
	return noCode(rfc5804.CodeQuotaMaxScripts, fmt.Sprintf("an account may have at most %d scripts", c.s.cfg.MaxScripts))
}

// haveSpace implements HAVESPACE (§2.5): whether PUTSCRIPT of that name and
// size would fit the quotas.
func (c *conn) haveSpace(args []rfc5804.Arg) error {
	name := args[0].Str
	if err := store.CheckSieveName(name); err != nil {
		return err
	}
	if err := c.checkQuota(name, int64(args[1].Num)); err != nil {
		return err
	}
	c.ok("")
	return nil
}

// check runs the Checker on script (§2.6, §2.12): a NO with every error
// (one per line, CRLF-separated as §2.6 says clients must expect), or the
// warnings for OK (WARNINGS), if any.
func (c *conn) check(script string) (warnings string, err error) {
	if cerr := c.s.cfg.Checker.Check([]byte(script)); cerr != nil {
		return "", noText(crlfLines(cerr.Error()))
	}
	if w, ok := c.s.cfg.Checker.(Warner); ok {
		if ws := w.Warnings([]byte(script)); len(ws) > 0 {
			return crlfLines(strings.Join(ws, "\n")), nil
		}
	}
	return "", nil
}

// crlfLines turns line ends into CRLF and drops a final one.
func crlfLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// okChecked answers OK, or OK (WARNINGS) with the warnings (§2.6).
func (c *conn) okChecked(warnings, text string) {
	if warnings == "" {
		c.ok(text)
		return
	}
	c.reply(rfc5804.Response{Status: rfc5804.OK, Code: &rfc5804.Code{Name: rfc5804.CodeWarnings}, Text: warnings})
}

// putScript implements PUTSCRIPT (§2.6): the script is checked, then
// stored; a script that fails the check is not stored and the old one of
// that name stays.
func (c *conn) putScript(args []rfc5804.Arg) error {
	name, script := args[0].Str, args[1].Str
	if err := store.CheckSieveName(name); err != nil {
		return err
	}
	if script == "" {
		return noText("a script may not be empty") // §2.6: SHOULD be disallowed
	}
	// The quota check and the store are one step for this account's
	// sessions on this server (§1.5 MAXSCRIPTS under concurrency).
	mu := c.s.putLock(c.account.Name())
	mu.Lock()
	defer mu.Unlock()
	if err := c.checkQuota(name, int64(len(script))); err != nil {
		return err
	}
	warnings, err := c.check(script)
	if err != nil {
		return err
	}
	if err := c.account.PutSieveScript(name, []byte(script)); err != nil {
		return err
	}
	c.log.Info("script stored", "script", name, "octets", len(script))
	c.okChecked(warnings, "")
	return nil
}

// checkScript implements CHECKSCRIPT (§2.12): the check of PUTSCRIPT
// without storing, and without quota checks.
func (c *conn) checkScript(args []rfc5804.Arg) error {
	warnings, err := c.check(args[0].Str)
	if err != nil {
		return err
	}
	c.okChecked(warnings, "")
	return nil
}

// listScripts implements LISTSCRIPTS (§2.7): one line per script, ACTIVE
// after the active one.
func (c *conn) listScripts([]rfc5804.Arg) error {
	list, err := c.account.SieveScripts()
	if err != nil {
		return err
	}
	var b []byte
	for _, s := range list {
		b = rfc5804.AppendScriptLine(b, s.Name, s.Active)
	}
	c.send(b)
	c.ok("")
	return nil
}

// setActive implements SETACTIVE (§2.8); the empty name deactivates, which
// succeeds when no script is active too.
func (c *conn) setActive(args []rfc5804.Arg) error {
	if err := c.account.SetActiveSieveScript(args[0].Str); err != nil {
		return err
	}
	c.ok("")
	return nil
}

// getScript implements GETSCRIPT (§2.9): the script as a literal, CRLF,
// OK.
func (c *conn) getScript(args []rfc5804.Arg) error {
	data, err := c.account.SieveScript(args[0].Str)
	if err != nil {
		return err
	}
	b := rfc5804.AppendLiteral(nil, string(data))
	c.send(append(b, "\r\n"...))
	c.ok("")
	return nil
}

// deleteScript implements DELETESCRIPT (§2.10); the active script is
// refused with ACTIVE.
func (c *conn) deleteScript(args []rfc5804.Arg) error {
	if err := c.account.DeleteSieveScript(args[0].Str); err != nil {
		return err
	}
	c.ok("")
	return nil
}

// renameScript implements RENAMESCRIPT (§2.11): the active script stays
// active under its new name.
func (c *conn) renameScript(args []rfc5804.Arg) error {
	if err := c.account.RenameSieveScript(args[0].Str, args[1].Str); err != nil {
		return err
	}
	c.ok("")
	return nil
}
