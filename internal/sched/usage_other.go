//go:build !unix

package sched

import (
	"errors"
	"time"
)

// ProcessCPU is not available here.
func ProcessCPU() (time.Duration, error) {
	return 0, errors.ErrUnsupported
}
