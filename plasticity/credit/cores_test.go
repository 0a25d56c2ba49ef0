package credit

import (
	"math"
	"runtime"
	"testing"
)

// TestCoresIndependent checks that an SGD step of every rule and a
// Hessian–vector product give the same bits at GOMAXPROCS 1 and 2. At
// N = 128 and 256 sequences the recurrent products (256×128·128×128,
// 2²² multiply-adds) are split over goroutines by internal/gemm when
// GOMAXPROCS > 1; each element must still be summed in one order.
func TestCoresIndependent(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	run := func() [][]float64 {
		n, b := tiny(ReLU, 28, 128, 10, 6, 256, 3)
		var out [][]float64
		for _, r := range []Rule{{Kind: BPTT}, {Kind: Truncated}, {Kind: RFLO}, {Kind: TBPTT, K: 2}} {
			g := make([]float64, n.Len())
			n.Step(g, n.Theta, b, r, 1e-6)
			out = append(out, g)
		}
		u := make([]float64, n.Len())
		for i := range u {
			u[i] = math.Sin(float64(i))
		}
		h := make([]float64, n.Len())
		n.HessVec(h, n.Theta, u, b)
		return append(out, h)
	}
	one := run()
	runtime.GOMAXPROCS(2)
	two := run()
	for k := range one {
		for i := range one[k] {
			if math.Float64bits(one[k][i]) != math.Float64bits(two[k][i]) {
				t.Fatalf("output %d, element %d: %v at GOMAXPROCS 1, %v at 2", k, i, one[k][i], two[k][i])
			}
		}
	}
}
