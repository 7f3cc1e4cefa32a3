//go:build !linux

package ldaptest

import "os/exec"

// setParentDeathSignal does nothing where the kernel offers no parent
// death signal: a killed test run may leave slapd behind there
// (scripts/ldap-test-server stop DIR stops it).
func setParentDeathSignal(*exec.Cmd) {}
