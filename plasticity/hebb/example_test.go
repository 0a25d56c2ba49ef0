package hebb_test

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// A plastic network learns the reduced pattern task of SPEC §10 in a few
// hundred episodes: the sign error on fresh episodes falls from chance
// (≈ 0.25) to a few per cent.
func ExampleTrainer() {
	task := hebb.ReducedPatterns()
	net, _ := hebb.NewNet(hebb.Config{N: task.Neurons()}, seed.PCG(1, seed.Network, 0))
	gen, _ := hebb.NewPatternGen(task, seed.PCG(1, seed.Data, 0))
	test, _ := hebb.NewPatternGen(task, seed.PCG(1, seed.Sample, 0))
	_, before := hebb.Evaluate(net, test, 200)
	tr, _ := hebb.NewTrainer(net, gen, &hebb.Settings{Episodes: 1000, LR: 3e-4})
	tr.Run()
	test, _ = hebb.NewPatternGen(task, seed.PCG(1, seed.Sample, 0))
	_, after := hebb.Evaluate(net, test, 200)
	fmt.Printf("sign error above 0.2 before: %v; below 0.1 after: %v\n", before > 0.2, after < 0.1)
	// Output:
	// sign error above 0.2 before: true; below 0.1 after: true
}
