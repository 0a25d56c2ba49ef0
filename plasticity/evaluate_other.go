//go:build !amd64 || purego

package plasticity

// gaxpyAVX2 is never called without AVX2 (useAVX2 is false); it lets
// gatherRows compile on every platform.
func gaxpyAVX2(u, w []float64, n int, idx []int32, c []float64) {
	panic("plasticity: gaxpyAVX2 without AVX2")
}
