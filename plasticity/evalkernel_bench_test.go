package plasticity

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkGatherRows measures the gathered kernel on one block of
// evalRows rows and 1,000 columns (512 KiB, second-level cache), 500
// columns per call, and reports multiply-adds per nanosecond.
func BenchmarkGatherRows(b *testing.B) {
	const cols = 1000
	rng := rand.New(rand.NewPCG(1, 1))
	w := make([]float64, cols*evalRows)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	idx := make([]int32, 0, cols)
	c := make([]float64, cols)
	for j := 0; j < cols; j++ {
		if rng.IntN(2) == 0 {
			idx = append(idx, int32(j))
		}
	}
	slices.Sort(idx)
	for p := range c {
		c[p] = rng.Float64()
	}
	u := make([]float64, evalRows)
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		gatherRows(u, w, evalRows, idx, c)
	}
	b.ReportMetric(float64(b.N)*float64(len(idx)*evalRows)/float64((processCPU()-cpu0).Nanoseconds()), "madd/CPU-ns")
}
