//go:build amd64 && !purego

package genetics

import "golang.org/x/sys/cpu"

// useAVX2 reports whether the processor and the operating system support
// AVX2 (golang.org/x/sys/cpu: CPUID and the XCR0 state bits). It is a
// variable so tests can switch paths.
var useAVX2 = cpu.X86.HasAVX2

// csa16AVX2 adds genome words 0…4·blocks−1 of 16 genomes into acc[0],
// …, acc[blocks−1] as csa16Go does: genome i starts at rows + i·stride
// bytes.
//
//go:noescape
func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int)

//go:noescape
func countPairsAsm(ab, loc *int32, np int, rows *uint64, stride, n int)

// countPairsLow adds to ab[k] the number of the n genomes rows (W words
// each) whose bits loc[2k] and loc[2k+1] (word<<6 | bit, words below W)
// are both set, for the pairs whose first bit is below 58 (see
// countPairs).
func countPairsLow(ab, loc []int32, rows []uint64, W, n int) {
	if len(ab) == 0 || n == 0 {
		return
	}
	if len(loc) < 2*len(ab) || len(rows) < n*W {
		panic("genetics: countPairsLow: short slices")
	}
	countPairsAsm(&ab[0], &loc[0], len(ab), &rows[0], 8*W, n)
}
