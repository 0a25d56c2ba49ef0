package plasticity

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// TestCurveCodesMatchEvaluate: the learning curve Train measures from
// the kept T = 1 codes is the one it measures with Evaluate at every
// point (the same training, codes off and on), and the codes give
// Evaluate's accuracy, and ForwardWS's logits bit for bit, under random
// output weights too, with 10 and 12 outputs (the five-sum groups and
// the single sums of the tail). At T = 3 no codes are kept.
func TestCurveCodesMatchEvaluate(t *testing.T) {
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 3, TrainSize: 600, TestSize: 300})
	if err != nil {
		t.Skip(err)
	}
	curve := func(codes bool) []CurvePoint {
		saved := useCurveCodes
		useCurveCodes = codes
		defer func() { useCurveCodes = saved }()
		net, err := New(Config{Inputs: 784, Labels: 10, Nodes: 200, Cap: 100, Rounds: 1, Epochs: 2, Seed: 4}, rand.NewPCG(4, 4))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Train(net, Rules{Output: Perceptron(1)}, sp.Train, &TrainSettings{CurveEvery: 100, CurveSet: sp.Test})
		if err != nil {
			t.Fatal(err)
		}
		return res.Curve
	}
	plain, kept := curve(false), curve(true)
	// 1,200 examples, a point every 100.
	if len(plain) != 12 || !slices.Equal(plain, kept) {
		t.Errorf("curve with Evaluate %v\nwith the codes %v", plain, kept)
	}
	if plain[len(plain)-1].Accuracy < 0.5 {
		t.Errorf("final curve accuracy %v: the network did not learn, the test compares little", plain[len(plain)-1].Accuracy)
	}

	// 10 outputs (two groups of five sums) and 12 (and two single ones).
	for _, m := range []int{10, 12} {
		net, err := New(Config{Inputs: 784, Labels: m, Nodes: 300, Cap: 150, Rounds: 1}, rand.NewPCG(5, 5))
		if err != nil {
			t.Fatal(err)
		}
		cc := newCurveCodes(net, sp.Test)
		rng := rand.New(rand.NewPCG(6, 6))
		for trial := 0; trial < 5; trial++ {
			for i := range net.U {
				net.U[i] = rng.NormFloat64()
			}
			if got, want := cc.accuracy(), Evaluate(net, sp.Test).Accuracy; got != want || math.IsNaN(got) {
				t.Errorf("m=%d trial %d: codes give accuracy %v, Evaluate %v", m, trial, got, want)
			}
			// The logits themselves, bit for bit, against ForwardWS.
			ws := net.NewWorkspace()
			for e := 0; e < 50; e++ {
				net.ForwardWS(ws, sp.Test.Row(e, nil))
				if z := cc.logits(e); !slices.Equal(z, ws.Z) {
					t.Fatalf("m=%d trial %d example %d: logits from the codes %v, ForwardWS %v", m, trial, e, z, ws.Z)
				}
			}
		}
	}
	net3, err := New(Config{Inputs: 784, Labels: 10, Nodes: 100, Cap: 50, Rounds: 3}, rand.NewPCG(5, 5))
	if err != nil {
		t.Fatal(err)
	}
	if newCurveCodes(net3, sp.Test) != nil {
		t.Error("codes kept for a T = 3 network, whose code depends on the graph weights")
	}
}
