package plasticity_test

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// Train a T = 1 network with the perceptron output rule on a random
// halfspace. The output doubles as a regression test of the engine.
func ExampleTrain() {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 1, TrainSize: 2000, TestSize: 2000})
	if err != nil {
		panic(err)
	}
	cfg := plasticity.Config{Inputs: sp.Train.Dim, Labels: sp.Train.Labels, Nodes: 100, Cap: 50, Epochs: 2, Seed: 1}
	net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
	if err != nil {
		panic(err)
	}
	res, err := plasticity.Train(net, plasticity.Rules{Output: plasticity.Perceptron(1)}, sp.Train, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("mistakes per epoch %v, test accuracy %.3f\n", res.Mistakes, plasticity.Evaluate(net, sp.Test).Accuracy)
	// Output: mistakes per epoch [255 218], test accuracy 0.886
}
