package credit

import (
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/curvature"
)

func lambdaTop(t *testing.T, n *Net, b Batch, idx []int, seed uint64) float64 {
	t.Helper()
	h := curvature.Block(curvature.At(Objective{n, b}, n.Theta), idx)
	sp, err := curvature.Lanczos(h, &curvature.LanczosSettings{MaxIter: 60, Tol: 1e-6}, rand.NewPCG(seed, 99))
	if err != nil {
		t.Fatal(err)
	}
	return sp.Top[0]
}

// Edge of stability (Cohen et al. 2021; SPEC §11): full-batch GD on a
// small ReLU RNN ends with λ_top of the full Hessian within [0.5, 2]·2/η.
func TestEdgeOfStability(t *testing.T) {
	if testing.Short() {
		t.Skip("3000 full-batch GD steps twice (≈6 s)")
	}
	t.Parallel()
	for _, eta := range []float64{0.1, 0.4} {
		n, b := tiny(ReLU, 4, 16, 3, 5, 100, 11)
		g := make([]float64, n.Len())
		idx := n.WeightBlock()
		var l float64
		for it := 0; it < 3000; it++ {
			l = n.Step(g, n.Theta, b, Rule{Kind: BPTT}, eta)
		}
		// λ_top starts near 1–3, far below 2/η, rises past it (progressive
		// sharpening, ≈30 at step 1000 for η=0.1) and falls back to it.
		lt := lambdaTop(t, n, b, idx, 1)
		t.Logf("η=%g: loss %.4f, λ_top %.3f, 2/η=%g", eta, l, lt, 2/eta)
		if r := lt / (2 / eta); r < 0.5 || r > 2 {
			t.Errorf("η=%g: λ_top=%g is %.2f·2/η, want within [0.5, 2]", eta, lt, r)
		}
	}
}
