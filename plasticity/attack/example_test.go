package attack_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/plasticity/attack"
)

// Robust accuracy of a small network trained by the perceptron output rule
// on points of [0,1]^8 labelled by the side of a hyperplane.
func ExampleRobustness() {
	rng := rand.New(rand.NewPCG(1, 1))
	const d, n = 8, 2000
	set := &dataset.Set{Name: "cube", Dim: d, Labels: 2, X: make([]float64, n*d), Y: make([]int, n)}
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < d; j++ {
			v := rng.Float64()
			set.X[i*d+j] = v
			if j < d/2 {
				s += v
			} else {
				s -= v
			}
		}
		if s > 0 {
			set.Y[i] = 1
		}
	}
	net, err := plasticity.New(plasticity.Config{Inputs: d, Labels: 2, Nodes: 100, Seed: 1}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test := set.Subset(seqIdx(0, 1500)), set.Subset(seqIdx(1500, n))
	if _, err := plasticity.Train(net, plasticity.Rules{Output: plasticity.Perceptron(1)}, train, nil); err != nil {
		fmt.Println(err)
		return
	}
	res, err := attack.Robustness(attack.Network(net), test, &attack.Settings{
		Config: attack.Config{Eps: []float64{0, 0.1, 0.2, 0.4}, Images: 50, Seed: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for e, eps := range res.Config.Eps {
		fmt.Printf("ε = %.1f: robust accuracy %.2f\n", eps, res.Robust[e])
	}
	// Output:
	// ε = 0.0: robust accuracy 0.86
	// ε = 0.1: robust accuracy 0.66
	// ε = 0.2: robust accuracy 0.58
	// ε = 0.4: robust accuracy 0.22
}

func seqIdx(lo, hi int) []int {
	idx := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	return idx
}
