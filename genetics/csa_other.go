//go:build !amd64 || purego

package genetics

import "math/bits"

var useAVX2 = false // a variable, as on amd64, so tests can switch paths

func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int) {
	panic("genetics: csa16AVX2 without AVX2")
}

// countPairsLow adds to ab[k] the number of the n genomes rows (W words
// each) whose bits loc[2k] and loc[2k+1] (word<<6 | bit, words below W)
// are both set, for the pairs whose first bit is below 58 (see
// countPairs).
func countPairsLow(ab, loc []int32, rows []uint64, W, n int) {
	for k := range ab {
		a, b := loc[2*k], loc[2*k+1]
		sa, sb := int(a&63), int(b&63)
		if sa >= 58 {
			continue
		}
		x, y := rows[a>>6:(n-1)*W+int(a>>6)+1], rows[b>>6:(n-1)*W+int(b>>6)+1]
		y = y[:len(x)]
		m := uint64(1) << sa
		var c uint64
		for off := 0; off < len(x); off += W {
			c += x[off] & bits.RotateLeft64(y[off], sa-sb) & m
		}
		ab[k] += int32(c >> sa)
	}
}
