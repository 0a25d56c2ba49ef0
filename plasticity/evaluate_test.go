package plasticity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
)

// TestEvaluateLargeMatchesPlain: Evaluate on networks above
// gatherMaxNodes, where the batched kernels block the rows and gather the
// columns (evaluate.go), predicts every MNIST test image with the same
// firing patterns and logits, bit for bit, as the plain SPEC §1–2
// implementation of kernel_ref_test.go, on 1 and on 2 threads. The sizes
// cover |V| ≥ d (the batched input drive) with |V| not a multiple of 4 or
// of evalRows (the row tails), |V| < d (the per-image input drive), both
// recurrences and a sparse graph (no dense copy).
func TestEvaluateLargeMatchesPlain(t *testing.T) {
	if testing.Short() {
		t.Skip("trains networks of up to 801 nodes")
	}
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 6, TrainSize: 150, TestSize: 61})
	if err != nil {
		t.Skip(err)
	}
	for k, cfg := range []Config{
		{Nodes: 801, Cap: 400, Rounds: 3},
		{Nodes: 801, Cap: 400, Rounds: 3, Recurrence: Reference},
		{Nodes: 801, Cap: 400, Rounds: 1},
		{Nodes: 301, Cap: 150, Rounds: 3},
		{Nodes: 301, Cap: 150, Rounds: 3, Recurrence: Reference, P: 0.2},
	} {
		cfg.Inputs, cfg.Labels, cfg.Seed, cfg.Epochs = 784, 10, uint64(k+1), 1
		name := fmt.Sprintf("|V|=%d T=%d %s p=%v", cfg.Nodes, cfg.Rounds, cfg.Recurrence, cfg.P)
		net, err := New(cfg, rand.NewPCG(uint64(k), 8))
		if err != nil {
			t.Fatal(err)
		}
		rules := Rules{Output: Perceptron(cfg.Rounds)}
		if cfg.Rounds > 1 {
			rules.Graph = smallGraphRule(cfg.Rounds)
		}
		if _, err := Train(net, rules, sp.Train, nil); err != nil {
			t.Fatal(err)
		}
		plain := plainFrom(net)
		plain.cfg = net.cfg
		prev := runtime.GOMAXPROCS(1)
		one := Evaluate(net, sp.Test)
		runtime.GOMAXPROCS(2)
		two := Evaluate(net, sp.Test)
		runtime.GOMAXPROCS(prev)
		if !slices.Equal(one.Pred, two.Pred) {
			t.Errorf("%s: predictions depend on GOMAXPROCS", name)
		}
		// Every example through a batch of 5 (not a multiple of anything).
		var dw []float64
		if net.wantDense() {
			dw = net.newDense()
		}
		labels := map[int]bool{}
		for lo := 0; lo < sp.Test.Len(); lo += 5 {
			hi := min(lo+5, sp.Test.Len())
			wss, xs := make([]*Workspace, hi-lo), make([][]float64, hi-lo)
			for b := range wss {
				wss[b], xs[b] = net.NewWorkspace(), sp.Test.Row(lo+b, nil)
			}
			net.forwardBatch(wss, xs, dw)
			for b, ws := range wss {
				i := lo + b
				pred, pattern, z := plain.forward(xs[b])
				labels[pred] = true
				if one.Pred[i] != pred {
					t.Errorf("%s: example %d: Evaluate predicts %d, plain %d", name, i, one.Pred[i], pred)
				}
				if ws.Pred != pred || !slices.Equal(ws.Pattern, pattern) || !slices.Equal(ws.Z, z) {
					t.Errorf("%s: example %d: batch pred %d, plain %d; patterns equal %v, logits %v, plain %v",
						name, i, ws.Pred, pred, slices.Equal(ws.Pattern, pattern), ws.Z, z)
				}
			}
		}
		// The networks are not trivial: they tell digits apart.
		if len(labels) < 2 {
			t.Errorf("%s: only %d labels predicted", name, len(labels))
		}
	}
}

// TestEvaluateAllocs: Evaluate allocates per call (workspaces, the dense
// graph copy, the predictions), never per image: 64 and 640 images of a
// 300-node T = 3 network cost the same number of allocations (to within
// one), on one thread (not parallel: AllocsPerRun).
func TestEvaluateAllocs(t *testing.T) {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 2, TrainSize: 640, TestSize: 640})
	if err != nil {
		t.Fatal(err)
	}
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 300, Cap: 150, Rounds: 3, Seed: 1}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	small := sp.Test.Subset(seqIndex(64))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	a64 := testing.AllocsPerRun(3, func() { Evaluate(net, small) })
	a640 := testing.AllocsPerRun(3, func() { Evaluate(net, sp.Test) })
	// A per-image allocation would add at least 576; the runtime's
	// goroutine start may differ by one between calls.
	if math.Abs(a640-a64) > 1 {
		t.Errorf("Evaluate allocates %v times for 64 images and %v for 640: some allocation is per image", a64, a640)
	}
}

// TestEvaluateOverflow: when the sums overflow (graph weights of 1e306),
// round 3 gets non-finite factors hᵗ⁻¹_j, which forward adds on the edges
// only (0·Inf would be NaN); the batched path must take the same branch
// and give the same patterns and logits, bit for bit (NaN included), as
// ForwardWS image by image. 1e306 times factors of order 1–10 summed over
// ~150 edges exceeds the largest float64 (1.8e308).
func TestEvaluateOverflow(t *testing.T) {
	t.Parallel()
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 7, TrainSize: 10, TestSize: 40})
	if err != nil {
		t.Skip(err)
	}
	for _, rec := range []Recurrence{Paper, Reference} {
		net, err := New(Config{Inputs: 784, Labels: 10, Nodes: 300, Cap: 150, Rounds: 3, Recurrence: rec}, rand.NewPCG(3, 3))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(4, 4))
		for e := range net.W {
			net.W[e] = 1e306
		}
		for i := range net.U {
			net.U[i] = rng.NormFloat64()
		}
		ew := net.newEvalWeights()
		s := net.newEvalScratch(8)
		wss, xs, dst := make([]*Workspace, 8), make([][]float64, 8), make([][]float64, 8)
		ref := net.NewWorkspace()
		inf := 0
		for lo := 0; lo < sp.Test.Len(); lo += 8 {
			for b := range wss {
				wss[b], xs[b] = net.NewWorkspace(), sp.Test.Row(lo+b, nil)
			}
			net.forwardBlocked(ew, s, wss, xs, dst)
			for b, ws := range wss {
				pred := net.ForwardWS(ref, xs[b])
				bits := func(z []float64) []uint64 {
					u := make([]uint64, len(z))
					for i, v := range z {
						u[i] = math.Float64bits(v)
					}
					return u
				}
				if ws.Pred != pred || !slices.Equal(ws.Pattern, ref.Pattern) || !slices.Equal(bits(ws.Z), bits(ref.Z)) {
					t.Errorf("%s: example %d: batch pred %d z %v, ForwardWS %d z %v", rec, lo+b, ws.Pred, ws.Z, pred, ref.Z)
				}
				for _, v := range ref.H[2] {
					if math.IsInf(v, 0) || math.IsNaN(v) {
						inf++
						break
					}
				}
			}
		}
		if inf == 0 {
			t.Errorf("%s: no image overflowed in round 2: the test does not reach the edge-only path", rec)
		}
	}
}
