// Package cputime reads the CPU time of the process, so benchmarks can
// report a cost that does not depend on the load of the machine.
package cputime

import "time"

// Process returns the user plus system CPU time of the process so far
// (0 where the platform does not tell).
func Process() time.Duration { return process() }
