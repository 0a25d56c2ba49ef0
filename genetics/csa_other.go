//go:build !amd64 || purego

package genetics

var useAVX2 = false // a variable, as on amd64, so tests can switch paths

func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int) {
	panic("genetics: csa16AVX2 without AVX2")
}
