package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/loftmail/loft/server"
	"github.com/loftmail/loft/server/directory"
)

// Size is a flag value in octets, written as the configuration writes
// sizes (server.ParseByteSize): octets, or a number with a unit B, KB, MB,
// GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). Set reports
// whether the flag was given.
type Size struct {
	N   int64
	Set bool
}

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (s *Size) UnmarshalText(b []byte) error {
	n, err := server.ParseByteSize(string(b))
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("%q is not a size: it is negative", b)
	}
	s.N, s.Set = n, true
	return nil
}

// storageQuotaText writes a storage quota for `user show`: the octets,
// then "(no limit)" for 0, or the size with a unit when one divides it
// ("1073741824 (1GiB)", server.FormatByteSize).
func storageQuotaText(n int64) string {
	if n == 0 {
		return "0 (no limit)"
	}
	if s := server.FormatByteSize(n); s != strconv.FormatInt(n, 10) {
		return fmt.Sprintf("%d (%s)", n, s)
	}
	return strconv.FormatInt(n, 10)
}

// countQuotaText writes a message quota for `user show`: the number, or
// "0 (no limit)".
func countQuotaText(n int64) string {
	if n == 0 {
		return "0 (no limit)"
	}
	return strconv.FormatInt(n, 10)
}

// Count is a flag value counting things: a non-negative decimal integer.
// Set reports whether the flag was given.
type Count struct {
	N   int64
	Set bool
}

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (c *Count) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return fmt.Errorf("%q is not a non-negative integer", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is too large", s)
	}
	c.N, c.Set = n, true
	return nil
}

// PasswordFlags say where a new password comes from. With neither flag,
// the password is read from standard input if that is not a terminal; loft
// never prompts.
type PasswordFlags struct {
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input." xor:"password"`
	PasswordFile  string `name:"password-file" help:"Read the password from the first line of FILE." placeholder:"FILE" type:"path" xor:"password"`
}

// read returns the password: the first line of the chosen input, without
// its line end. An empty password is an error.
func (p *PasswordFlags) read(stdin io.Reader) (string, error) {
	var (
		r    io.Reader
		from string
	)
	switch {
	case p.PasswordFile != "":
		f, err := os.Open(p.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		r, from = f, p.PasswordFile
	case p.PasswordStdin:
		r, from = stdin, "standard input"
	default:
		if f, ok := stdin.(*os.File); ok && isTerminal(f) {
			return "", usageError{"no password given: use --password-stdin or --password-file (loft does not prompt)"}
		}
		r, from = stdin, "standard input"
	}
	line, err := bufio.NewReader(io.LimitReader(r, directory.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from %s: %w", from, err)
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("empty password on %s", from)
	}
	if len(line) > directory.MaxPasswordLen {
		return "", fmt.Errorf("password on %s is longer than %d octets", from, directory.MaxPasswordLen)
	}
	return line, nil
}
