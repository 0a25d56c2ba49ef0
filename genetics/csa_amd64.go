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

// sumAndAsm returns the sum over i < n of x[i·s] & rot(y[i·s], r) & m,
// s = stride/8 words, rot rotating left by r bits.
//
//go:noescape
func sumAndAsm(x, y *uint64, stride, n, r int, m uint64) uint64

// sumAnd returns the sum over genomes i < n of rows of
// rows[i·W+wa] & rot(rows[i·W+wb], r) & m, rot rotating left by r bits
// (wa, wb < W ≤ len(rows)/n).
func sumAnd(rows []uint64, W, n, wa, wb, r int, m uint64) uint64 {
	if n == 0 || wa >= W || wb >= W || n*W > len(rows) {
		panic("genetics: sumAnd: genome words out of range")
	}
	return sumAndAsm(&rows[wa], &rows[wb], 8*W, n, r&63, m)
}
