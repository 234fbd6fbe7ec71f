package loadtest

import "syscall"

// childProcAttr has the kernel kill the server if the load test dies
// without stopping it.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
