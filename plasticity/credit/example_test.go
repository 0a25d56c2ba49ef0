package credit_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/curvature"
	"github.com/evolve-toolkit/evolve/plasticity/credit"
)

// The curvature of the loss of a small sequence RNN in its W_rec block,
// before and after 200 SGD steps of the exact gradient (bptt) and of the
// truncated rule, on a random task of 64 sequences of 6 steps.
func ExampleNet_HessVec() {
	rng := rand.New(rand.NewPCG(1, 2))
	b := credit.Batch{X: make([]float64, 64*6*3), Y: make([]int, 64)}
	for i := range b.X {
		b.X[i] = rng.Float64()
	}
	for i := range b.Y {
		b.Y[i] = rng.IntN(3)
	}
	for _, r := range []credit.Rule{{Kind: credit.BPTT}, {Kind: credit.Truncated}} {
		net := credit.New(3, 8, 3, 6, credit.ReLU, rand.NewPCG(1, 1))
		top := func() float64 {
			h := curvature.Block(curvature.At(credit.Objective{Net: net, Batch: b}, net.Theta), net.RecBlock())
			sp, err := curvature.Lanczos(h, nil, rand.NewPCG(1, 3))
			if err != nil {
				panic(err)
			}
			return sp.Top[0]
		}
		before := top()
		g := make([]float64, net.Len())
		var loss float64
		for it := 0; it < 200; it++ {
			loss = net.Step(g, net.Theta, b, r, 0.1)
		}
		fmt.Printf("%-9s loss %.3f, λ_top of W_rec %.3f → %.3f\n", r, loss, before, top())
	}
	// Output:
	// bptt      loss 1.034, λ_top of W_rec 15.375 → 10.897
	// truncated loss 1.153, λ_top of W_rec 15.375 → 2.405
}
