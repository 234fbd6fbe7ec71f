//go:build !unix

package cluster

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
