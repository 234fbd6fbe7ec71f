//go:build !linux

package loadtest

import "syscall"

// childProcAttr is the default elsewhere (the load test needs Linux's /proc
// for its CPU figures anyway).
func childProcAttr() *syscall.SysProcAttr { return nil }
