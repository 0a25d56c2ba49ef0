//go:build !amd64 || purego

package plasticity

import "gonum.org/v1/gonum/floats"

const useAVX2 = false

// axpy adds alpha·x to dst (see the amd64 version).
func axpy(dst []float64, alpha float64, x []float64) { floats.AddScaled(dst, alpha, x) }
