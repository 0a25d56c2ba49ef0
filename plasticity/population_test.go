package plasticity

import (
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// TestBatchLossEqualsRuleGrader: BatchLoss gives the loss and accuracy of
// the plain training loop followed by RuleGrader's sequential loss pass,
// bit for bit, for many random rule sets on one network (T = 1, 2, 3,
// both schemes, reusing its workspaces between rules), and on a dense
// (p = 0.5) and a sparse (p = 0.1) graph.
func TestBatchLossEqualsRuleGrader(t *testing.T) {
	t.Parallel()
	sp, err := dataset.Load("relu1", &dataset.Options{Seed: 2, TrainSize: 37, TestSize: 1}) // 37: not a multiple of the kernel's batch of 8
	if err != nil {
		t.Fatal(err)
	}
	for _, T := range []int{1, 2, 3} {
		for _, scheme := range []Scheme{Mistakes, All} {
			for _, p := range []float64{0.5, 0.1} {
				cfg := Config{Nodes: 24, Cap: 9, Rounds: T, P: p, Scheme: scheme, Seed: 3, Inputs: sp.Train.Dim, Labels: sp.Train.Labels}
				netA, err := New(cfg, seed.PCG(3, seed.Network, 0))
				if err != nil {
					t.Fatal(err)
				}
				netB, _ := New(cfg, seed.PCG(3, seed.Network, 0))
				rg, bl := NewRuleGrader(netA), NewBatchLoss(netB)
				rng := rand.New(rand.NewPCG(5, uint64(T)))
				for trial := range 6 {
					r := Rules{Output: NewRule(OutputRule, T)}
					for i := range r.Output.Table {
						r.Output.Table[i] = 0.5 * rng.NormFloat64()
					}
					if T > 1 {
						r.Graph = NewRule(GraphRule, T)
						for i := range r.Graph.Table {
							r.Graph.Table[i] = 0.5 * rng.NormFloat64()
						}
					}
					wl, wa, werr := rg.Gradient(nil, nil, r, sp.Train, CrossEntropy)
					gl, ga, gerr := bl.Loss(r, sp.Train, CrossEntropy)
					if (werr == nil) != (gerr == nil) {
						t.Fatalf("T=%d %s p=%v trial %d: errors %v and %v", T, scheme, p, trial, werr, gerr)
					}
					if werr == nil && (gl != wl || ga != wa) {
						t.Errorf("T=%d %s p=%v trial %d: BatchLoss %v (acc %v), plain loop %v (acc %v)", T, scheme, p, trial, gl, ga, wl, wa)
					}
				}
			}
		}
	}
}
