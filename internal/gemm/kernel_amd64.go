//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// useAsm reports whether the processor and the operating system support
// AVX2 and FMA (golang.org/x/sys/cpu: CPUID and the XCR0 state bits), as
// plasticity's useAVX2 does. It is a variable so tests can switch paths.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

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
