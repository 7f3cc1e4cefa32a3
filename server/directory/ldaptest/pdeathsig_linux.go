package ldaptest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill cmd when the test process
// dies, so that a test run that is killed leaves no slapd behind.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
