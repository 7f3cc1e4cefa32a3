package rfc5228

import (
	"fmt"
	"strings"
)

// Error is one compile-time or run-time error of a script: where it is and
// what is wrong. Line and Column are 1-based; Column counts characters
// (UTF-8 sequences), not octets. Msg is lower case English without a
// position and without a final full stop.
type Error struct {
	Line, Column int
	Msg          string
}

// Error returns "line L, column C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Errors is every error found in a script, in the order of their positions.
// Compile returns an Errors value (never empty) when it refuses a script.
type Errors []*Error

// Error returns the errors' texts, one a line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// A pos is a position in a script.
type pos struct{ line, col int }

func (p pos) errorf(format string, args ...any) *Error {
	return &Error{Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)}
}
