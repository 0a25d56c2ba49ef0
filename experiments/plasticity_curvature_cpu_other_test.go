//go:build !unix

package experiments

import "time"

// processCPU is not available on this system.
func processCPU() time.Duration { return 0 }
