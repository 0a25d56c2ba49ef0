//go:build amd64 && !purego

package plasticity

import "gonum.org/v1/gonum/floats"

// useAVX2 reports whether the processor and the operating system support
// AVX2 (CPUID leaf 1: OSXSAVE and AVX; XCR0: XMM and YMM state; leaf 7: AVX2).
var useAVX2 = func() bool {
	_, _, c1, _ := cpuid(1, 0)
	if c1&(1<<27) == 0 || c1&(1<<28) == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0
}()

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

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
