//go:build amd64 && !purego

package plasticity

import (
	"math"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/floats"
)

// useAVX2 reports whether the processor and the operating system support
// AVX2 and POPCNT (golang.org/x/sys/cpu: CPUID and the XCR0 state bits).
// Every processor with AVX2 has POPCNT. It is a variable so tests can
// switch paths.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// axpyAVX2 adds alpha·x to y; len(x) = len(y) is a multiple of 8.
func axpyAVX2(alpha float64, x, y []float64)

// axpy adds alpha·x to dst: dst[i] += alpha*x[i], rounding the product and
// then the sum exactly like the plain Go loop and floats.AddScaled (a
// multiplication, then an addition; never a fused multiply-add), so the
// result is bit-identical; with AVX2 it handles four values per
// instruction instead of two.
func axpy(dst []float64, alpha float64, x []float64) {
	if len(dst) != len(x) {
		panic("plasticity: axpy: slice lengths differ")
	}
	if !useAVX2 {
		floats.AddScaled(dst, alpha, x)
		return
	}
	n8 := len(x) &^ 7
	if n8 > 0 {
		axpyAVX2(alpha, x[:n8], dst[:n8])
	}
	for i := n8; i < len(x); i++ {
		dst[i] += alpha * x[i]
	}
}

// gaxpyAVX2 is gaxpy for the rows [0, len(u)&^3).
func gaxpyAVX2(u, w []float64, n int, idx []int32, c []float64)

// gaxpy adds the columns idx[p] of the dense |V|×|V| matrix w (stored by
// column: column j at w[j*n:(j+1)*n]), times c[p], to u, in the order of
// idx: u[i] += c[p]*w[idx[p]*n+i], a rounded product then a rounded sum,
// exactly as len(idx) calls of axpy; but each value of u stays in a
// register over all the columns. len(c) ≥ len(idx), len(u) = n.
func gaxpy(u, w []float64, n int, idx []int32, c []float64) {
	if len(u) != n || len(w) < n*n || len(c) < len(idx) {
		panic("plasticity: gaxpy: slice lengths differ")
	}
	r4 := 0
	if useAVX2 {
		r4 = n &^ 3
		gaxpyAVX2(u, w, n, idx, c)
	}
	for i := r4; i < n; i++ {
		v := u[i]
		for p, j := range idx {
			v += float64(c[p] * w[int(j)*n+i]) // float64(): never fused
		}
		u[i] = v
	}
}

// maskLUT[b] holds, for the 4-bit edge pattern b of four rows, the
// 64-bit lane masks (all ones where bit l of b is set).
var maskLUT = func() *[16][4]uint64 {
	t := new([16][4]uint64)
	for b := range 16 {
		for l := range 4 {
			if b&(1<<l) != 0 {
				t[b][l] = ^uint64(0)
			}
		}
	}
	return t
}()

// maskAddAVX2 is maskAdd for the values [0, len(w)&^3).
func maskAddAVX2(w, v []float64, bits []uint64, lut *[16][4]uint64)

// maskAdd adds v[i] to w[i] where bit i of bits (bit i%64 of word i/64)
// is set, and +0 where it is not: a masked-out w[i] that holds +0 keeps
// +0 (+0 + +0); elsewhere it is exactly w[i] + v[i].
func maskAdd(w, v []float64, bits []uint64) {
	if len(v) != len(w) || len(bits) < (len(w)+63)/64 {
		panic("plasticity: maskAdd: slice lengths differ")
	}
	r4 := 0
	if useAVX2 {
		r4 = len(w) &^ 3
		maskAddAVX2(w, v, bits, maskLUT)
	}
	for i := r4; i < len(w); i++ {
		w[i] += math.Float64frombits(math.Float64bits(v[i]) & -(bits[i>>6] >> (i & 63) & 1))
	}
}

// maskAddColumnsAVX2 is maskAddColumns for the rows [0, n&^3).
func maskAddColumnsAVX2(w, gv []float64, bits []uint64, pre []int, n, words int, lut *[16][4]uint64)

// maskAddColumns is maskAdd on every column j of the n×n dense matrix w
// (stored by column) with the row pre[j] of gv and the edge bits of
// column j (words = ⌈n/64⌉ words a column): w[j*n+i] += gv[pre[j]*n+i]
// where bit i of column j is set, in one call.
func maskAddColumns(w, gv []float64, bits []uint64, pre []int, n int) {
	words := (n + 63) / 64
	if len(w) != n*n || len(bits) != n*words || len(pre) != n {
		panic("plasticity: maskAddColumns: slice lengths differ")
	}
	S := len(gv) / max(n, 1)
	for _, a := range pre {
		if a < 0 || a >= S {
			panic("plasticity: maskAddColumns: pattern out of range")
		}
	}
	r4 := 0
	if useAVX2 {
		r4 = n &^ 3
		maskAddColumnsAVX2(w, gv, bits, pre, n, words, maskLUT)
	}
	if r4 == n {
		return
	}
	for j, a := range pre {
		w, v, b := w[j*n:(j+1)*n], gv[a*n:(a+1)*n], bits[j*words:(j+1)*words]
		for i := r4; i < n; i++ {
			w[i] += math.Float64frombits(math.Float64bits(v[i]) & -(b[i>>6] >> (i & 63) & 1))
		}
	}
}
