//go:build !amd64 || purego

package plasticity

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

var useAVX2 = false // a variable, as on amd64, so tests can switch paths

// axpy adds alpha·x to dst (see the amd64 version).
func axpy(dst []float64, alpha float64, x []float64) { floats.AddScaled(dst, alpha, x) }

// gaxpy adds the columns idx[p] of w, times c[p], to u (see the amd64
// version).
func gaxpy(u, w []float64, n int, idx []int32, c []float64) {
	if len(u) != n || len(w) < n*n || len(c) < len(idx) {
		panic("plasticity: gaxpy: slice lengths differ")
	}
	for p, j := range idx {
		axpy(u, c[p], w[int(j)*n:(int(j)+1)*n])
	}
}

// maskAdd adds v[i] to w[i] where bit i of bits is set (see the amd64
// version).
func maskAdd(w, v []float64, bits []uint64) {
	if len(v) != len(w) || len(bits) < (len(w)+63)/64 {
		panic("plasticity: maskAdd: slice lengths differ")
	}
	for i := range w {
		w[i] += math.Float64frombits(math.Float64bits(v[i]) & -(bits[i>>6] >> (i & 63) & 1))
	}
}

func capScanAVX2(buf, u []float64) (m, zeros int) { panic("plasticity: no AVX2") }

func capTakeAVX2(out []int32, vals, h, u []float64, tau float64, lim int) (int, bool) {
	panic("plasticity: no AVX2")
}

func capLimAVX2(u []float64, tau float64, ties int) (int, bool) { panic("plasticity: no AVX2") }

// maskAddColumns is maskAdd on every column j of w with the row pre[j] of
// gv and column j's edge bits (see the amd64 version).
func maskAddColumns(w, gv []float64, bits []uint64, pre []int, n int) {
	words := (n + 63) / 64
	for j, a := range pre {
		maskAdd(w[j*n:(j+1)*n], gv[a*n:(a+1)*n], bits[j*words:(j+1)*words])
	}
}
