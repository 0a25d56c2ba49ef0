package plasticity

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// TestTransferFromRelu1 is the second experiment of paper Figure 3 at
// small scale: rules meta-learned on relu1 (|V| = 100, k = 50, T = 3, an
// MLP graph rule of width 20 and an output rule table) train fresh
// networks of the same shape for one epoch of 10,000 examples on every
// data set, and must beat the untrained start (weights at their start
// values) on each. The perceptron output rule is logged for comparison.
//
// With the default batch of 100 the rules are tuned to a training run of
// 100 examples: the graph rule keeps adding to W over 10,000 and the
// accuracy falls below the perceptron's. Meta-learning on batches of 1000
// gives rules on a par with it.
func TestTransferFromRelu1(t *testing.T) {
	if testing.Short() {
		t.Skip("two meta-learning runs and 24 trainings: about 20 s of CPU")
	}
	t.Parallel()
	shape := Config{Inputs: 10, Labels: 2, Nodes: 100, Cap: 50, Rounds: 3, Seed: 1}
	relu1 := loadSet(t, "relu1", 10000)
	sets := map[string]*dataset.Split{}
	for _, name := range dataset.Names() {
		sp, err := dataset.Load(name, &dataset.Options{Seed: 2, TrainSize: 10000, TestSize: 2000})
		if err != nil {
			t.Logf("%s: %v (skipped)", name, err)
			continue
		}
		sets[name] = sp
	}
	for _, tc := range []struct{ batch, epochs int }{{100, 10}, {1000, 10}} {
		t.Run(fmt.Sprintf("batch=%d", tc.batch), func(t *testing.T) {
			t.Parallel()
			net, err := New(shape, rand.NewPCG(1, 1))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Meta(net, relu1.Train, Rules{}, &MetaSettings{MetaConfig: MetaConfig{Graph: ParamMLP, Batch: tc.batch, Epochs: tc.epochs, Seed: 1}})
			if err != nil {
				t.Fatal(err)
			}
			first, last := res.Steps[0], res.Steps[len(res.Steps)-1]
			t.Logf("meta on relu1: %d steps of batch %d, batch loss %.3f → %.3f, batch accuracy %.2f → %.2f",
				len(res.Steps), tc.batch, first.Loss, last.Loss, first.Accuracy, last.Accuracy)
			for _, name := range dataset.Names() {
				sp := sets[name]
				if sp == nil {
					continue
				}
				cfg := shape
				cfg.Inputs, cfg.Labels, cfg.Seed = sp.Train.Dim, sp.Train.Labels, 7
				net, err := New(cfg, rand.NewPCG(7, 1))
				if err != nil {
					t.Fatal(err)
				}
				net.Reset(res.Rules.Graph, res.Rules.Output)
				start := Evaluate(net, sp.Test).Accuracy
				if _, err := Train(net, res.Rules, sp.Train, nil); err != nil {
					t.Fatal(err)
				}
				learned := Evaluate(net, sp.Test).Accuracy
				if _, err := Train(net, Rules{Output: Perceptron(3)}, sp.Train, nil); err != nil {
					t.Fatal(err)
				}
				perc := Evaluate(net, sp.Test).Accuracy
				t.Logf("%-9s untrained %.3f  learned rules %.3f  perceptron output rule %.3f", name, start, learned, perc)
				if learned <= start {
					t.Errorf("%s: the learned rules reach %.3f, no better than the untrained start %.3f", name, learned, start)
				}
			}
		})
	}
}
