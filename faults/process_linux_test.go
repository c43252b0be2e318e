package faults_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child if the test binary dies first (a panic,
// a -timeout), so no `lumo worker` outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
