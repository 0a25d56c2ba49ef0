package plasticity

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAxpyBitIdentical: axpy gives exactly the plain loop's
// dst[i] += alpha*x[i] (a rounded product, then a rounded sum), for
// lengths around the 8-value blocks of the vector kernel, including
// signed zeros, infinities and NaN.
func TestAxpyBitIdentical(t *testing.T) {
	t.Parallel()
	t.Logf("AVX2: %v", useAVX2)
	rng := rand.New(rand.NewPCG(1, 9))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 1000, 1003} {
		x, dst := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
			dst[i] = rng.NormFloat64()
		}
		if n > 8 {
			x[3], dst[3] = math.Copysign(0, -1), math.Copysign(0, -1)
			x[5] = math.Inf(1)
			dst[6] = math.NaN()
		}
		for _, alpha := range []float64{0.3, -1.7e-3, 0} {
			want := make([]float64, n)
			copy(want, dst)
			for i := range want {
				want[i] += alpha * x[i]
			}
			got := make([]float64, n)
			copy(got, dst)
			axpy(got, alpha, x)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("n=%d alpha=%v: element %d is %v, want %v", n, alpha, i, got[i], want[i])
				}
			}
		}
	}
}
