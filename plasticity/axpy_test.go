package plasticity

import (
	"math"
	"math/rand/v2"
	"slices"
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

// TestGaxpyBitIdentical: gaxpy gives exactly the calls of axpy it
// replaces, column after column (the order of the sums matters), for
// sizes around the kernel's blocks of 16 and 4 rows, including signed
// zeros, infinities and NaN among the weights.
func TestGaxpyBitIdentical(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 9))
	for _, n := range []int{1, 3, 4, 5, 15, 16, 17, 20, 33, 36, 40, 68, 100, 257} {
		w := make([]float64, n*n)
		for i := range w {
			w[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		}
		if n > 8 {
			w[3], w[n+5] = math.Copysign(0, -1), math.Inf(-1)
			w[2*n+1] = math.NaN()
		}
		for _, cols := range []int{0, 1, 2, n/2 + 1, n} {
			idx := make([]int32, cols)
			c := make([]float64, cols)
			for p := range idx {
				idx[p] = int32(rng.IntN(n))
				c[p] = rng.NormFloat64()
			}
			u0 := make([]float64, n)
			for i := range u0 {
				u0[i] = rng.NormFloat64()
			}
			u0[0] = math.Copysign(0, -1)
			want := append([]float64(nil), u0...)
			for p, j := range idx {
				for i := range want { // the plain loop: product, then sum
					want[i] += c[p] * w[int(j)*n+i]
				}
			}
			got := append([]float64(nil), u0...)
			gaxpy(got, w, n, idx, c)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("n=%d cols=%d: row %d is %v, want %v", n, cols, i, got[i], want[i])
				}
			}
		}
	}
}

// TestMaskAddColumnsBitIdentical checks maskAddColumns and maskAdd on
// random dense matrices, edge bit matrices, pattern rows and sizes
// (multiples of 4 or not, across 64-bit words) against the plain
// definition, w[j*n+i] += gv[pre[j]*n+i] where j→i is an edge, nothing
// where it is not, bit for bit.
func TestMaskAddColumnsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 4, 7, 8, 33, 64, 65, 100, 101, 130} {
		const S = 8
		words := (n + 63) / 64
		w := make([]float64, n*n)
		gv := make([]float64, S*n)
		bits := make([]uint64, n*words)
		edge := make([]bool, n*n)
		pre := make([]int, n)
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				if rng.IntN(3) > 0 {
					edge[j*n+i] = true
					bits[j*words+i/64] |= 1 << (i % 64)
					w[j*n+i] = rng.NormFloat64()
				}
			}
		}
		for i := range gv {
			gv[i] = rng.NormFloat64() * 1e-3
		}
		for j := range pre {
			pre[j] = rng.IntN(S)
		}
		want := slices.Clone(w)
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				if edge[j*n+i] {
					want[j*n+i] += gv[pre[j]*n+i]
				}
			}
		}
		got := slices.Clone(w)
		maskAddColumns(got, gv, bits, pre, n)
		one := slices.Clone(w)
		for j := 0; j < n; j++ {
			maskAdd(one[j*n:(j+1)*n], gv[pre[j]*n:(pre[j]+1)*n], bits[j*words:(j+1)*words])
		}
		for i := range w {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) || math.Float64bits(one[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: w[%d] = %v (columns) and %v (maskAdd), want %v", n, i, got[i], one[i], want[i])
			}
		}
	}
}
