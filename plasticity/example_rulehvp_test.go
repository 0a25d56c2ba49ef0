package plasticity_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/curvature"
	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// The meta-loss Hessian of a multiplicative MLP output rule with respect
// to the MLP's weights: a T = 1 network trained on 100 halfspace examples
// by the rule, its loss on them, and the extreme eigenvalues of the exact
// Hessian (Lanczos over all 13 weights of a width-3 MLP).
func ExampleNewRuleParamHessian() {
	data, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 100, TestSize: 1})
	if err != nil {
		panic(err)
	}
	cfg := plasticity.Config{Inputs: data.Train.Dim, Labels: data.Train.Labels, Nodes: 20, Cap: 10, Rounds: 1, Eta: 0.1, Scheme: plasticity.All, Seed: 1}
	net, err := plasticity.New(cfg, rand.NewPCG(1, 1))
	if err != nil {
		panic(err)
	}
	rule := plasticity.NewRule(plasticity.OutputRule, 1)
	rule.Update = plasticity.Multiplicative
	rule.MLP = plasticity.NewMLP(plasticity.OutputRule, 1, 3, rand.NewPCG(1, 2))
	rule.Eval()
	h, err := plasticity.NewRuleParamHessian(net, plasticity.Rules{Output: rule}, data.Train, plasticity.CrossEntropy)
	if err != nil {
		panic(err)
	}
	sp, err := curvature.Lanczos(h, nil, rand.NewPCG(1, 3))
	if err != nil {
		panic(err)
	}
	loss, acc := h.Loss()
	fmt.Printf("%d weights, %d updates, batch loss %.4f, accuracy %.2f\n", h.Len(), h.Updates(), loss, acc)
	fmt.Printf("λ_top %.4f, λ_min %.4f\n", sp.Top[0], sp.Bottom[0])
	// Output:
	// 13 weights, 100 updates, batch loss 5.6943, accuracy 0.63
	// λ_top 1686.7028, λ_min -69.0950
}
