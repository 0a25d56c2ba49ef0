//go:build !amd64 || purego

package plasticity

import "unsafe"

var useFMA = false // a variable, as on amd64, so tests can switch paths

// gather32FMA is never called without FMA (useFMA is false).
func gather32FMA(u, w []float32, stride int, idx []int32, c []float32) {
	panic("plasticity: gather32FMA without FMA")
}

// dot32FMA is never called without FMA (useFMA is false).
func dot32FMA(x, y []float32) float32 { panic("plasticity: dot32FMA without FMA") }

// gatherTile32FMA is never called without FMA (useFMA is false).
func gatherTile32FMA(u unsafe.Pointer, ustride int, w, idx, c unsafe.Pointer, istride int, pos unsafe.Pointer, pstride, nb int) {
	panic("plasticity: gatherTile32FMA without FMA")
}

// capScan32 is never called without FMA (useFMA is false).
func capScan32(buf, u []float32) (m, bad int) { panic("plasticity: capScan32 without AVX2") }

// capTake32 is never called without FMA (useFMA is false).
func capTake32(h, u []float32, tau float32, lim int) { panic("plasticity: capTake32 without AVX2") }

// cvt32 is never called without FMA (useFMA is false).
func cvt32(dst []float32, src []float64) (bad int) { panic("plasticity: cvt32 without AVX2") }
