//go:build !amd64 || purego

package genetics

import "math/bits"

var useAVX2 = false // a variable, as on amd64, so tests can switch paths

func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int) {
	panic("genetics: csa16AVX2 without AVX2")
}

// sumAnd returns the sum of x[i] & rot(y[i], r) & m over i = 0, W, 2W, …
// below len(x) and len(y), rot rotating left by r bits.
func sumAnd(x, y []uint64, W, r int, m uint64) uint64 {
	x = x[:min(len(x), len(y))]
	y = y[:len(x)]
	var c uint64
	for off := 0; off < len(x); off += W {
		c += x[off] & bits.RotateLeft64(y[off], r) & m
	}
	return c
}
