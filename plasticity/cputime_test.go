package plasticity

import (
	"time"

	"github.com/evolve-toolkit/evolve/internal/cputime"
)

// processCPU is the CPU time of the process, for benchmarks that report
// per CPU-second rates on a shared machine.
func processCPU() time.Duration { return cputime.Process() }
