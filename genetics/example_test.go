package genetics_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// quadratic is L(Y) = Σ (Y_p − 0.5)², with its gradient.
var quadratic = genetics.LossFunc{
	N: 2,
	Func: func(y []float64) float64 {
		s := 0.0
		for _, v := range y {
			s += (v - 0.5) * (v - 0.5)
		}
		return s
	},
	Grad: func(dst, y []float64) {
		for p, v := range y {
			dst[p] = 2 * (v - 0.5)
		}
	},
}

// One exact generation of two coefficients of 10 loci each, starting from
// frequency ½ everywhere: every + allele moves Y toward 0.5.
func ExampleExact() {
	enc := &genetics.Encoding{P: 2, N: 10, Eps: 0.1}
	x := make([]float64, enc.Loci())
	for i := range x {
		x[i] = 0.5
	}
	next := make([]float64, len(x))
	res, err := genetics.Exact(next, x, enc, quadratic, genetics.Fitness{Theta: 0.2}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("method %v, %d loss evaluations\n", res.Method, res.Evaluations)
	fmt.Printf("L̃ = %.4f, W̄ = %.4f, x' = %.6f\n", res.MeanLoss, res.MeanFitness, next[0])
	// Output:
	// method enumeration, 121 loss evaluations
	// L̃ = 0.7000, W̄ = 0.8600, x' = 0.511628
}

// The one-generation increments compared by the numerical check, at one
// locus.
func ExampleDynamics_Increment() {
	enc := &genetics.Encoding{P: 2, N: 10, Eps: 0.1}
	x := make([]float64, enc.Loci())
	for i := range x {
		x[i] = 0.3
	}
	d, err := genetics.NewDynamics(enc, quadratic, genetics.Fitness{Theta: 0.01}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	inc := make([]float64, len(x))
	for _, v := range genetics.Variants() {
		if _, err := d.Increment(inc, x, v); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-12s %+.6e\n", v, inc[0])
	}
	// Output:
	// exact        +7.355517e-04
	// null         +0.000000e+00
	// paper        +5.040000e-03
	// natural-mean +7.560000e-04
	// natural      +7.224000e-04
	// mean-field   +7.343583e-04
}

// A Wright–Fisher population of 500 individuals with 2×64 loci under
// selection toward Y = (0.5, 0.5).
func ExampleNewPopulation() {
	enc := &genetics.Encoding{P: 2, N: 64, Eps: 1.0 / 64}
	cfg := &genetics.PopulationConfig{N: 500}
	pop, err := genetics.NewPopulation(cfg, enc, quadratic, genetics.Fitness{Kind: genetics.Exp, Theta: 20}, seed.PCG(1, seed.Genetics, 0))
	if err != nil {
		fmt.Println(err)
		return
	}
	var st genetics.Stats
	for gen := 0; gen <= 20; gen += 10 {
		for pop.Generation() < gen {
			if err := pop.Step(); err != nil {
				fmt.Println(err)
				return
			}
		}
		pop.Stats(&st)
		fmt.Printf("generation %2d: mean Y = (%.2f, %.2f), mean loss %.3f\n", st.Generation, st.MeanY[0], st.MeanY[1], st.MeanLoss)
	}
	// Output:
	// generation  0: mean Y = (-0.01, -0.00), mean loss 0.543
	// generation 10: mean Y = (0.49, 0.47), mean loss 0.017
	// generation 20: mean Y = (0.50, 0.50), mean loss 0.017
}

// The genetic covariance G of Y: with disjoint loci it is diagonal,
// G_pp = 4ε² Σ x(1−x).
func ExampleEncoding_Covariance() {
	enc := &genetics.Encoding{P: 2, N: 4, Eps: 0.5}
	x := []float64{0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.9, 0.9}
	g := enc.Covariance(nil, x)
	fmt.Printf("%.2f %.2f\n%.2f %.2f\n", g.At(0, 0), g.At(0, 1), g.At(1, 0), g.At(1, 1))
	// Output:
	// 1.00 0.00
	// 0.00 0.36
}

var _ rand.Source = seed.PCG(0, 0, 0)

// A checkpoint: the state saved after 5 generations continues exactly in a
// new population built with the same configuration.
func ExamplePopulation_MarshalBinary() {
	enc := &genetics.Encoding{P: 2, N: 64, Eps: 1.0 / 64}
	cfg := &genetics.PopulationConfig{N: 200, Mu: 1e-3}
	fit := genetics.Fitness{Theta: 0.1}
	a, _ := genetics.NewPopulation(cfg, enc, quadratic, fit, seed.PCG(7, seed.Genetics, 0))
	for range 5 {
		a.Step()
	}
	state, err := a.MarshalBinary()
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := genetics.NewPopulation(cfg, enc, quadratic, fit, seed.PCG(0, seed.Genetics, 0))
	if err := b.UnmarshalBinary(state); err != nil {
		fmt.Println(err)
		return
	}
	for range 5 {
		a.Step()
		b.Step()
	}
	var sa, sb genetics.Stats
	a.Stats(&sa)
	b.Stats(&sb)
	fmt.Println(sb.Generation, sa.MeanY[0] == sb.MeanY[0], sa.LD == sb.LD)
	// Output:
	// 10 true true
}
