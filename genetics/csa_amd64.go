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
