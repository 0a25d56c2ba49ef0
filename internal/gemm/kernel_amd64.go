//go:build amd64 && !purego

package gemm

// useAsm reports whether the processor and the operating system support
// AVX2 and FMA (CPUID leaf 1: FMA, OSXSAVE and AVX; XCR0: XMM and YMM
// state; leaf 7: AVX2), as plasticity's useAVX2 does. It is a variable
// so tests can switch paths.
var useAsm = func() bool {
	_, _, c1, _ := cpuid(1, 0)
	if c1&(1<<12) == 0 || c1&(1<<27) == 0 || c1&(1<<28) == 0 {
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

// kernel6x8 is kernelGo in AVX2 with FMA: the 6×8 sums in twelve ymm
// registers. k ≥ 1; a holds 6k values, b 8k, c 6 rows of 8 at stride ldc.
//
//go:noescape
func kernel6x8(k int, a, b, c *float64, ldc int, alpha float64)

// kernel computes one mr×nr tile (see kernelGo).
func kernel(k int, a, b, c []float64, ldc int, alpha float64) {
	if !useAsm {
		kernelGo(k, a, b, c, ldc, alpha)
		return
	}
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x8(k, &a[0], &b[0], &c[0], ldc, alpha)
}
