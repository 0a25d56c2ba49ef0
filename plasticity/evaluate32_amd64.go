//go:build amd64 && !purego

package plasticity

import "unsafe"

// useFMA reports whether the float32 kernels of the fast evaluation
// (evaluate32.go) can use AVX2 with fused multiply-adds: AVX2 (see
// useAVX2) and FMA3 (CPUID leaf 1, ECX bit 12).
var useFMA = func() bool {
	_, _, c1, _ := cpuid(1, 0)
	return useAVX2 && c1&(1<<12) != 0
}()

// gather32FMA is gather32 for exactly 64 rows, with fused multiply-adds.
//
//go:noescape
func gather32FMA(u, w []float32, stride int, idx []int32, c []float32)

// dot32FMA is Σ x[i]·y[i] for len(x) a multiple of 32, len(y) ≥ len(x).
//
//go:noescape
func dot32FMA(x, y []float32) float32

// gatherTile32FMA adds one tile of a block to the sums of nb images (see
// fastScratch.gatherAll): for image b, with lo, hi = pos[b·pstride],
// pos[b·pstride+1], it adds c[b·istride+p] times column idx[b·istride+p]
// of the block w (64 values at w[64j:]) to the 64 values at
// u[b·ustride:], for p in [lo, hi) in order, one fused multiply-add per
// product.
//
//go:noescape
func gatherTile32FMA(u unsafe.Pointer, ustride int, w, idx, c unsafe.Pointer, istride int, pos unsafe.Pointer, pstride, nb int)
