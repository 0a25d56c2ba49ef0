package curvature_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/curvature"
)

// diag is the operator diag(d).
type diag []float64

func (d diag) Len() int { return len(d) }
func (d diag) HessVec(dst, v []float64) {
	for i := range d {
		dst[i] = d[i] * v[i]
	}
}

func ExampleLanczos() {
	h := diag{-2, 0.5, 1, 3, 7}
	sp, err := curvature.Lanczos(h, nil, rand.NewPCG(1, 1))
	if err != nil {
		panic(err)
	}
	tr, _ := curvature.Hutchinson(h, &curvature.HutchinsonSettings{Samples: 10}, rand.NewPCG(1, 2))
	fmt.Printf("λ_top=%.6f λ_min=%.6f trace=%.6f±%.1g\n", sp.Top[0], sp.Bottom[0], tr.Estimate, tr.StdErr)
	fmt.Printf("GD with η=0.25 is stable up to λ=%g\n", curvature.StabilityThreshold(0.25))
	// Output:
	// λ_top=7.000000 λ_min=-2.000000 trace=9.500000±0
	// GD with η=0.25 is stable up to λ=8
}
