package plasticity

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// floatCopy returns the byte set s as a float set whose inputs are
// written out here as float64(b)/255, the values MNIST was held as before
// sets kept bytes, independently of the dataset package's decoding.
func floatCopy(s *dataset.Set) *dataset.Set {
	x := make([]float64, len(s.Pix))
	for k, b := range s.Pix {
		x[k] = float64(b) / 255
	}
	return &dataset.Set{Name: s.Name, Dim: s.Dim, Labels: s.Labels, X: x, Y: s.Y}
}

// TestByteSetMatchesFloat trains and evaluates the same networks on MNIST
// held as bytes and on its float64 copy: the weights, the online mistakes,
// the predictions and the meta batches must be the same bit for bit, for
// T = 1 and for both recurrences at T = 3 (a dense graph, so the dense
// training and evaluation kernels run).
func TestByteSetMatchesFloat(t *testing.T) {
	t.Parallel()
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 3, TrainSize: 300, TestSize: 200})
	if err != nil {
		t.Skip(err)
	}
	if !sp.Train.Bytes() || !sp.Test.Bytes() {
		t.Fatal("MNIST is not held as bytes")
	}
	ftrain, ftest := floatCopy(sp.Train), floatCopy(sp.Test)
	for _, cfg := range []Config{
		{Nodes: 120, Cap: 60, Rounds: 1, Epochs: 2},
		{Nodes: 300, Cap: 150, Rounds: 3, Epochs: 1},
		{Nodes: 300, Cap: 150, Rounds: 3, Epochs: 1, Recurrence: Reference},
	} {
		cfg.Inputs, cfg.Labels, cfg.Seed = 784, 10, 4
		rules := Rules{Output: Perceptron(cfg.Rounds)}
		if cfg.Rounds > 1 {
			rules.Graph = smallGraphRule(cfg.Rounds)
		}
		var nets [2]*Network
		var res [2]*TrainResult
		var ev [2]Evaluation
		for k, d := range [][2]*dataset.Set{{sp.Train, sp.Test}, {ftrain, ftest}} {
			net, err := New(cfg, rand.NewPCG(5, 5))
			if err != nil {
				t.Fatal(err)
			}
			if res[k], err = Train(net, rules, d[0], nil); err != nil {
				t.Fatal(err)
			}
			ev[k] = Evaluate(net, d[1])
			nets[k] = net
		}
		name := string(cfg.Recurrence)
		if !slices.Equal(nets[0].W, nets[1].W) || !slices.Equal(nets[0].U, nets[1].U) {
			t.Errorf("T=%d %s: weights trained on bytes differ from those trained on floats", cfg.Rounds, name)
		}
		if !slices.Equal(res[0].Mistakes, res[1].Mistakes) || !slices.Equal(ev[0].Pred, ev[1].Pred) {
			t.Errorf("T=%d %s: mistakes %v / %v, predictions differ: %v", cfg.Rounds, name, res[0].Mistakes, res[1].Mistakes, !slices.Equal(ev[0].Pred, ev[1].Pred))
		}
		// The comparison is not of zeros: the networks predict several
		// labels, and the perceptron learned at T = 1 (about 0.8 on 300
		// images; chance is 0.1).
		if labels := len(slices.Compact(slices.Sorted(slices.Values(ev[0].Pred)))); labels < 3 {
			t.Errorf("T=%d %s: only %d labels predicted", cfg.Rounds, name, labels)
		}
		if cfg.Rounds == 1 && ev[0].Accuracy < 0.5 {
			t.Errorf("T=1: test accuracy %.3f, want ≥ 0.5", ev[0].Accuracy)
		}
	}
	// Meta batches copy the bytes and read the same values.
	bb, fb := NewBatches(sp.Train, 50, 9), NewBatches(ftrain, 50, 9)
	b1, b2 := bb.NewBatch(), fb.NewBatch()
	for _, step := range []int{1, 7, 3} {
		bb.Batch(b1, step)
		fb.Batch(b2, step)
		if !b1.Bytes() || !slices.Equal(b1.Floats(), b2.X) || !slices.Equal(b1.Y, b2.Y) {
			t.Errorf("batch %d of the byte set differs from that of the float set", step)
		}
	}
}
