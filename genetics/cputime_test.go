package genetics

import (
	"time"

	"github.com/evolve-toolkit/evolve/internal/cputime"
)

// cpuTime is the CPU time of the process, for benchmarks that report
// throughput per CPU-second on a shared machine.
func cpuTime() time.Duration { return cputime.Process() }
