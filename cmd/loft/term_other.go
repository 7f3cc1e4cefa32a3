//go:build !linux

package main

import "os"

// isTerminal reports whether f is a character device, which is what a
// terminal is; /dev/null counts too, which only makes loft refuse to read
// a password from it.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
