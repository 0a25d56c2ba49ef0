//go:build amd64 && !purego

package plasticity

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useFMA reports whether the float32 kernels of the fast evaluation
// (evaluate32.go) can use AVX2 with fused multiply-adds: AVX2 (see
// useAVX2) and FMA3.
var useFMA = useAVX2 && cpu.X86.HasFMA

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

// cap32LUT holds the controls of capScan32AVX2 and capTake32AVX2: for
// each 8-bit mask of selected lanes, the lanes to move to the front
// (VPERMPS; the lanes after the selected ones are don't care, the next
// store overwrites them), and the lane indices and their step.
type cap32LUT struct {
	pack   [256][8]uint32 // offset 0
	iota8  [8]uint32      // offset 8192: 0, 1, …, 7
	eights [8]uint32      // offset 8224: 8, …, 8
}

var cap32Table = func() *cap32LUT {
	t := new(cap32LUT)
	for mask := range t.pack {
		p := 0
		for lane := 0; lane < 8; lane++ {
			if mask&(1<<lane) != 0 {
				t.pack[mask][p] = uint32(lane)
				p++
			}
		}
	}
	for i := range t.iota8 {
		t.iota8[i], t.eights[i] = uint32(i), 8
	}
	return t
}()

//go:noescape
func capScan32AVX2(buf, u []float32, lut *cap32LUT) (m, bad int)

//go:noescape
func capTake32AVX2(h, u []float32, tau float32, lim int, lut *cap32LUT)

// capScan32 is capScan32AVX2 for len(u) a multiple of 8.
func capScan32(buf, u []float32) (m, bad int) {
	if len(buf) < len(u) || len(u)%8 != 0 {
		panic("plasticity: capScan32: bad lengths")
	}
	return capScan32AVX2(buf, u, cap32Table)
}

// capTake32 is capTake32AVX2 for len(u) a multiple of 8.
func capTake32(h, u []float32, tau float32, lim int) {
	if len(h) < len(u) || len(u)%8 != 0 {
		panic("plasticity: capTake32: bad lengths")
	}
	capTake32AVX2(h, u, tau, lim, cap32Table)
}

//go:noescape
func cvt32AVX(dst []float32, src []float64) (bad int)

// cvt32 is cvt32AVX for len(src) a multiple of 8, len(dst) ≥ len(src).
func cvt32(dst []float32, src []float64) (bad int) {
	if len(dst) < len(src) || len(src)%8 != 0 {
		panic("plasticity: cvt32: bad lengths")
	}
	return cvt32AVX(dst, src)
}
