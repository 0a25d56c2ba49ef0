//go:build !amd64 || purego

package gemm

var useAsm = false // a variable, as on amd64, so tests can switch paths

// kernel computes one mr×nr tile (see kernelGo).
func kernel(k int, a, b, c []float64, ldc int, alpha float64) {
	kernelGo(k, a, b, c, ldc, alpha)
}
