package plasticity

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

func halfspace(t testing.TB, n int) *dataset.Split {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 3, TrainSize: n, TestSize: n})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestPerceptronLearnsHalfspace: a T = 1 network with the perceptron output
// rule learns a random halfspace in 10 dimensions. A random 100-node
// feature layer keeps most of the margin; the bound 0.85 is well above
// chance (0.5) and below what it reaches (about 0.9).
func TestPerceptronLearnsHalfspace(t *testing.T) {
	t.Parallel()
	sp := halfspace(t, 2000)
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 100, Cap: 50, Epochs: 2, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(net, Rules{Output: Perceptron(1)}, sp.Train, nil); err != nil {
		t.Fatal(err)
	}
	if acc := Evaluate(net, sp.Test).Accuracy; acc < 0.85 {
		t.Errorf("test accuracy %.3f, want > 0.85", acc)
	}
}

// TestTrainDeterministic: the same config and seed give bit-identical
// weights, and evaluation does not depend on GOMAXPROCS.
func TestTrainDeterministic(t *testing.T) {
	sp := halfspace(t, 1000)
	train := func() *Network {
		net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 60, Cap: 20, Rounds: 3, Epochs: 2, Seed: 5}, rand.NewPCG(5, 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Train(net, Rules{Graph: smallGraphRule(3), Output: Perceptron(3)}, sp.Train, nil); err != nil {
			t.Fatal(err)
		}
		return net
	}
	a, b := train(), train()
	if !slices.Equal(a.W, b.W) || !slices.Equal(a.U, b.U) {
		t.Fatal("two runs with the same seed differ")
	}
	prev := runtime.GOMAXPROCS(1)
	e1 := Evaluate(a, sp.Test)
	runtime.GOMAXPROCS(prev)
	e2 := Evaluate(a, sp.Test)
	if !slices.Equal(e1.Pred, e2.Pred) {
		t.Fatal("evaluation depends on GOMAXPROCS")
	}
}

func TestDivergenceIsAnError(t *testing.T) {
	t.Parallel()
	sp := halfspace(t, 500)
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 20, Cap: 10, Eta: 1e6, Scheme: All, Epochs: 50, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	mw := MultiplicativeWeights(1)
	mw.Table[2] = 1e6 // grows without bound
	_, err = Train(net, Rules{Output: mw}, sp.Train, nil)
	if err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("error %v, want a divergence error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Inputs: 10, Labels: 2, Nodes: 10, Cap: 11}, "cap"},
		{Config{Inputs: 10, Labels: 2, Rounds: 9}, "rounds"},
		{Config{Inputs: 10, Labels: 2, P: 1.5}, "p must"},
		{Config{Inputs: 10, Labels: 2, Eta: -1}, "eta"},
		{Config{Inputs: 10, Labels: 2, Scheme: "sometimes"}, "scheme"},
		{Config{Inputs: 10, Labels: 2, Recurrence: "loop"}, "recurrence"},
		{Config{Inputs: 0, Labels: 2}, "inputs"},
	}
	for _, tc := range tests {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if err := (Config{Inputs: 10, Labels: 2}).Validate(); err != nil {
		t.Errorf("defaults are invalid: %v", err)
	}
}
