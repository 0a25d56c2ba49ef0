//go:build unix

package experiments

import (
	"syscall"
	"time"
)

// processCPU returns the user plus system CPU time of the process, so a
// benchmark can report its cost independently of the load of the machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
