package sim_test

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/sim"
)

// Evolution by the exact allele-frequency map next to the natural
// gradient and Lande's equation on a quadratic landscape: the natural
// gradient tracks the exact map to O(θ²) per generation.
func ExampleRun() {
	cfg := sim.Config{
		Generations: 100,
		Seed:        1,
		Landscape:   fitness.Spec{Kind: "quadratic", Dim: 2},
		Genetics:    sim.Genetics{Loci: 8, Eps: 0.05, Theta: 0.05},
		Runs:        sim.Runs{Evolution: []string{"exact"}, Gradient: []string{"natural", "lande"}, CheckpointEvery: -1},
	}
	land, err := cfg.Defaults().Landscape.Build()
	if err != nil {
		panic(err)
	}
	res, err := sim.Run(cfg, land, nil)
	if err != nil {
		panic(err)
	}
	for _, o := range res.Final() {
		fmt.Printf("%-8s L(Ȳ) = %.5f  distance to exact %.1e\n", o.Run, o.Loss, o.Distance)
	}
	// Output:
	// exact    L(Ȳ) = 0.01075  distance to exact 0.0e+00
	// natural  L(Ȳ) = 0.01075  distance to exact 4.1e-05
	// lande    L(Ȳ) = 0.01079  distance to exact 2.5e-04
}

// The one-step and fixed-horizon tests of the corrected appendix C
// theorem on a quadratic landscape.
func ExampleCheck() {
	res, err := sim.Check(sim.CheckConfig{
		Landscapes: []sim.CheckLandscape{{Name: "quadratic", Spec: fitness.Spec{Kind: "quadratic", Dim: 2}, Loci: 8, Eps: 0.05}},
		OneStep:    8, Horizon: 3, Fit: 3,
	}, nil)
	if err != nil {
		panic(err)
	}
	for _, s := range res.Slopes {
		if s.Variant == "natural" || s.Variant == "paper" {
			fmt.Printf("%s %-7s slope ≈ %d\n", s.Test, s.Variant, int(math.Round(s.Slope)))
		}
	}
	fmt.Println("pass:", res.Pass)
	// Output:
	// T1 paper   slope ≈ 1
	// T1 natural slope ≈ 2
	// T2 paper   slope ≈ 0
	// T2 natural slope ≈ 1
	// pass: true
}
