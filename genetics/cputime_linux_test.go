//go:build linux

package genetics

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time used by the process (user + system), so that
// benchmarks on a shared machine can report throughput per CPU-second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
