package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/loftmail/loft/server/directory"
)

// parseSize parses an amount of octets: a decimal integer, optionally
// followed by K, M or G (upper or lower case) for 1024, 1024² or 1024³.
// "0" means no limit where a quota is meant.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	digits := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, digits = 1<<10, s[:n-1]
		case 'm', 'M':
			mult, digits = 1<<20, s[:n-1]
		case 'g', 'G':
			mult, digits = 1<<30, s[:n-1]
		}
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a size: digits, then K, M or G", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// formatSize is the inverse of parseSize for display: the largest unit
// that divides n exactly, so that the output parses back to n.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// Size is a flag value in octets, written as parseSize reads it. Set
// reports whether the flag was given.
type Size struct {
	N   int64
	Set bool
}

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (s *Size) UnmarshalText(b []byte) error {
	n, err := parseSize(string(b))
	if err != nil {
		return err
	}
	s.N, s.Set = n, true
	return nil
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
