package plasticity

import (
	"math/rand/v2"
	"slices"
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

// TestLossCachedMatchesPlain: the population path (rounds 1 from a
// BatchCache shared by two networks of one configuration, workspaces
// reused across rules) trains to the weights of the plain SPEC §1–§2
// implementation of kernel_ref_test.go and returns the loss and accuracy
// computed from its logits, bit for bit. Cases: T = 3 and 2 on a dense
// graph (the vectorised kernels) and on a sparse one, both schemes, two
// epochs, |V| = 100 with k = 50 (the full-rule landscape's network).
func TestLossCachedMatchesPlain(t *testing.T) {
	t.Parallel()
	sp, err := dataset.Load("relu1", &dataset.Options{Seed: 3, TrainSize: 61, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	batch := sp.Train
	for ci, cfg := range []Config{
		{Nodes: 100, Cap: 50, Rounds: 3},
		{Nodes: 37, Cap: 11, Rounds: 2, Scheme: All, Epochs: 2},
		{Nodes: 40, Cap: 15, Rounds: 3, P: 0.1},
		{Nodes: 30, Cap: 10, Rounds: 1},
	} {
		cfg.Inputs, cfg.Labels, cfg.Seed, cfg.Eta = batch.Dim, batch.Labels, uint64(ci+1), 0.05
		netA, err := New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
		if err != nil {
			t.Fatal(err)
		}
		netB, _ := New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
		cache, err := NewBatchCache(netA, batch)
		if err != nil {
			t.Fatal(err)
		}
		bls := []*BatchLoss{NewBatchLoss(netA), NewBatchLoss(netB)}
		rng := rand.New(rand.NewPCG(11, uint64(ci)))
		for trial := range 4 {
			r := Rules{Output: NewRule(OutputRule, cfg.Rounds)}
			for i := range r.Output.Table {
				r.Output.Table[i] = rng.NormFloat64()
			}
			if cfg.Rounds > 1 {
				r.Graph = NewRule(GraphRule, cfg.Rounds)
				for i := range r.Graph.Table {
					r.Graph.Table[i] = rng.NormFloat64()
				}
			}
			bl := bls[trial%2]
			gl, ga, err := bl.LossCached(r, cache, CrossEntropy)
			if err != nil {
				t.Fatal(err)
			}
			got := plainFrom(bl.net)
			trainedW := slices.Clone(bl.net.W)
			bl.net.Reset(r.Graph, r.Output)
			plain := plainFrom(bl.net)
			plain.cfg = bl.net.Config()
			plain.train(r, batch)
			if !equalRows(got.W, plain.W) || !equalRows(got.U, plain.U) {
				t.Errorf("case %d trial %d: trained weights differ from the plain implementation", ci, trial)
			}
			var wl float64
			right := 0
			dz := make([]float64, cfg.Labels)
			for i := 0; i < batch.Len(); i++ {
				pred, _, z := plain.forward(batch.Row(i, nil))
				if pred == batch.Y[i] {
					right++
				}
				wl += LossGrad(dz, z, batch.Y[i], CrossEntropy, 1/float64(batch.Len()))
			}
			scale := 1 / float64(batch.Len()) // the mean as LossCached takes it
			wl *= scale
			wa := float64(right) * scale
			if gl != wl || ga != wa {
				t.Errorf("case %d trial %d: LossCached %v (acc %v), plain %v (acc %v)", ci, trial, gl, ga, wl, wa)
			}
			if cfg.Rounds > 1 && slices.Equal(trainedW, make([]float64, len(trainedW))) {
				t.Errorf("case %d trial %d: the graph weights did not change", ci, trial)
			}
		}
	}
}

// TestLossCachedAllocs: evaluating a rule on a cached batch allocates
// nothing once the workspaces exist (issue 10: no allocation per
// individual).
func TestLossCachedAllocs(t *testing.T) {
	sp, err := dataset.Load("relu1", &dataset.Options{Seed: 3, TrainSize: 50, TestSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Nodes: 100, Cap: 50, Rounds: 3, Seed: 1, Inputs: sp.Train.Dim, Labels: sp.Train.Labels}
	net, err := New(cfg, seed.PCG(1, seed.Network, 0))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := NewBatchCache(net, sp.Train)
	if err != nil {
		t.Fatal(err)
	}
	bl := NewBatchLoss(net)
	r := Rules{Graph: smallGraphRule(3), Output: Perceptron(3)}
	if _, _, err := bl.LossCached(r, cache, CrossEntropy); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(5, func() { bl.LossCached(r, cache, CrossEntropy) }); a != 0 {
		t.Errorf("LossCached allocates %v times per call, want 0", a)
	}
}
