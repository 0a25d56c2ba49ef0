package plasticity_test

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// Meta-learn an additive output rule on halfspace (T = 1, |V| = 100), the
// first experiment of paper Figure 3, and train a fresh network with it.
func ExampleMeta() {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 2000, TestSize: 2000})
	if err != nil {
		panic(err)
	}
	cfg := plasticity.Config{Inputs: sp.Train.Dim, Labels: sp.Train.Labels, Nodes: 100, Seed: 1}
	net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
	if err != nil {
		panic(err)
	}
	res, err := plasticity.Meta(net, sp.Train, plasticity.Rules{}, &plasticity.MetaSettings{
		MetaConfig: plasticity.MetaConfig{Epochs: 5, Seed: 1},
	})
	if err != nil {
		panic(err)
	}
	first, last := res.Steps[0], res.Steps[len(res.Steps)-1]
	fmt.Printf("%d steps, batch loss %.2f → %.2f\n", len(res.Steps), first.Loss, last.Loss)
	r := res.Rules.Output
	fmt.Printf("rule [[%+.1f %+.1f] [%+.1f %+.1f]]\n", r.At(0, 0), r.At(0, 1), r.At(1, 0), r.At(1, 1))
	if _, err := plasticity.Train(net, res.Rules, sp.Train, nil); err != nil {
		panic(err)
	}
	fmt.Printf("test accuracy %.2f\n", plasticity.Evaluate(net, sp.Test).Accuracy)
	// Output:
	// 100 steps, batch loss 0.71 → 0.43
	// rule [[-0.5 +0.5] [+0.6 -0.6]]
	// test accuracy 0.90
}

// Solve for the output rule of least mean squared error (appendix B).
func ExampleOptimalOutputRule() {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 2000, TestSize: 2000})
	if err != nil {
		panic(err)
	}
	cfg := plasticity.Config{Inputs: sp.Train.Dim, Labels: sp.Train.Labels, Nodes: 100, Scheme: plasticity.All, AllEdges: true, Seed: 1}
	net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
	if err != nil {
		panic(err)
	}
	opt, err := plasticity.OptimalOutputRule(net, sp.Train)
	if err != nil {
		panic(err)
	}
	r := opt.Rule
	fmt.Printf("rule ×1000 [[%+.2f %+.2f] [%+.2f %+.2f]], MSE %.4f\n", 1e3*r.At(0, 0), 1e3*r.At(0, 1), 1e3*r.At(1, 0), 1e3*r.At(1, 1), opt.MSE)
	if _, err := plasticity.Train(net, plasticity.Rules{Output: r}, sp.Train, nil); err != nil {
		panic(err)
	}
	fmt.Printf("test accuracy %.2f\n", plasticity.Evaluate(net, sp.Test).Accuracy)
	// Output:
	// rule ×1000 [[-1.47 +1.92] [+4.61 -3.92]], MSE 0.1261
	// test accuracy 0.90
}

// Train the output weights by Adam instead of a rule (gd-output).
func ExampleGD() {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 2000, TestSize: 2000})
	if err != nil {
		panic(err)
	}
	cfg := plasticity.Config{Inputs: sp.Train.Dim, Labels: sp.Train.Labels, Nodes: 100, Seed: 1}
	net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
	if err != nil {
		panic(err)
	}
	res, err := plasticity.GD(net, sp.Train, &plasticity.GDSettings{GDConfig: plasticity.GDConfig{Method: plasticity.GDOutput, Epochs: 2, Seed: 1}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d steps, loss %.2f → %.2f, test accuracy %.2f\n", res.Steps, res.Loss[0], res.Loss[len(res.Loss)-1], plasticity.Evaluate(net, sp.Test).Accuracy)
	// Output:
	// 40 steps, loss 0.69 → 0.19, test accuracy 0.94
}
