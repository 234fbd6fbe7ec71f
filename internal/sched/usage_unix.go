//go:build unix

package sched

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time (user and system, all threads) the process
// has used so far.
func ProcessCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
