package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the child if the load tool dies
// without stopping it (kill -9, a crash).
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
