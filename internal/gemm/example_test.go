package gemm_test

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/internal/gemm"
)

// C = A·Bᵀ + C for A = [1 2; 3 4], B = [5 6; 7 8] (row-major, stride 2):
// A·Bᵀ = [1·5+2·6 1·7+2·8; 3·5+4·6 3·7+4·8] = [17 23; 39 53], plus C = 1.
func ExampleGemm() {
	a := []float64{1, 2, 3, 4}
	b := []float64{5, 6, 7, 8}
	c := []float64{1, 1, 1, 1}
	gemm.Gemm(false, true, 2, 2, 2, 1, a, 2, b, 2, 1, c, 2)
	fmt.Println(c)
	// Output:
	// [18 24 40 54]
}
