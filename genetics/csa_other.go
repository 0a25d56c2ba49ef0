//go:build !amd64 || purego

package genetics

import "math/bits"

var useAVX2 = false // a variable, as on amd64, so tests can switch paths

func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int) {
	panic("genetics: csa16AVX2 without AVX2")
}

// sumAnd returns the sum over genomes i < n of rows of
// rows[i·W+wa] & rot(rows[i·W+wb], r) & m, rot rotating left by r bits
// (wa, wb < W ≤ len(rows)/n).
func sumAnd(rows []uint64, W, n, wa, wb, r int, m uint64) uint64 {
	x, y := rows[wa:(n-1)*W+wa+1], rows[wb:(n-1)*W+wb+1]
	y = y[:len(x)]
	var c uint64
	for off := 0; off < len(x); off += W {
		c += x[off] & bits.RotateLeft64(y[off], r) & m
	}
	return c
}
