package plasticity

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPredictorMatchesPlain: a Predictor labels arbitrary real inputs in
// [0, 1] (the queries of a decision-based attack, not byte images) as the
// plain SPEC §1 implementation of kernel_ref_test.go does, one input at a
// time, on networks below and above gatherMaxNodes (forwardBatch and the
// tiled kernel), T = 1 and 3, both recurrences, in batches smaller than,
// equal to and (over several calls) larger than the Predictor's batch.
func TestPredictorMatchesPlain(t *testing.T) {
	for k, cfg := range []Config{
		{Nodes: 100, Cap: 50, Rounds: 3},
		{Nodes: 100, Cap: 50, Rounds: 3, Recurrence: Reference},
		{Nodes: 301, Cap: 150, Rounds: 3},
		{Nodes: 301, Cap: 150, Rounds: 3, Recurrence: Reference, P: 0.2},
		{Nodes: 301, Cap: 150, Rounds: 1},
	} {
		cfg.Inputs, cfg.Labels, cfg.Seed = 784, 10, uint64(k+1)
		name := fmt.Sprintf("|V|=%d T=%d %s p=%v", cfg.Nodes, cfg.Rounds, cfg.Recurrence, cfg.P)
		net, err := New(cfg, rand.NewPCG(uint64(k), 3))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(k), 4))
		for i := range net.W {
			net.W[i] = 0.05 * rng.NormFloat64()
		}
		for i := range net.U {
			net.U[i] = rng.NormFloat64()
		}
		plain := plainFrom(net)
		plain.cfg = net.cfg
		p := net.NewPredictor(16)
		const nIn = 45
		xs := make([][]float64, nIn)
		for i := range xs {
			xs[i] = make([]float64, cfg.Inputs)
			for j := range xs[i] {
				if rng.Float64() < 0.6 { // zeros as well: the kernels skip them
					xs[i][j] = rng.Float64()
				}
			}
		}
		labels := map[int]bool{}
		pred := make([]int, 16)
		sizes := []int{1, 16, 7, 16, 5}
		for lo, c := 0, 0; lo < nIn; lo, c = lo+sizes[c%len(sizes)], c+1 {
			hi := min(lo+sizes[c%len(sizes)], nIn)
			p.Predict(xs[lo:hi], pred)
			for b := range hi - lo {
				want, _, _ := plain.forward(xs[lo+b])
				labels[want] = true
				if pred[b] != want {
					t.Errorf("%s: input %d: Predictor %d, plain %d", name, lo+b, pred[b], want)
				}
			}
		}
		if len(labels) < 3 {
			t.Errorf("%s: only %d distinct labels: the test cannot tell predictions apart", name, len(labels))
		}
	}
}

// TestFixedForwardMatchesForward: a FixedForward pass leaves the same
// input drive, rounds, fired sets, patterns, logits and prediction in the
// Workspace as ForwardWS, bit for bit (so Backward after it gives the
// same gradient), on dense and sparse graphs, both recurrences, T = 1–3,
// for inputs with zeros and without.
func TestFixedForwardMatchesForward(t *testing.T) {
	for k, cfg := range []Config{
		{Nodes: 300, Cap: 150, Rounds: 3},
		{Nodes: 300, Cap: 150, Rounds: 3, Recurrence: Reference},
		{Nodes: 120, Cap: 40, Rounds: 2, P: 0.1},
		{Nodes: 100, Cap: 50, Rounds: 1},
	} {
		cfg.Inputs, cfg.Labels, cfg.Seed = 50, 4, uint64(k+1)
		net, err := New(cfg, rand.NewPCG(uint64(k), 5))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(k), 6))
		for i := range net.W {
			net.W[i] = 0.1 * rng.NormFloat64()
		}
		for i := range net.U {
			net.U[i] = rng.NormFloat64()
		}
		ff := net.NewFixedForward()
		if cfg.Rounds > 1 && cfg.P == 0 && ff.dw == nil {
			t.Fatalf("case %d: no dense copy: the test would not cover the dense path", k)
		}
		a, b := net.NewWorkspace(), net.NewWorkspace()
		for trial := range 20 {
			x := make([]float64, cfg.Inputs)
			for j := range x {
				if trial%2 == 0 || rng.Float64() < 0.5 {
					x[j] = rng.Float64()
				}
			}
			pa, pb := net.ForwardWS(a, x), ff.Forward(b, x)
			same := pa == pb && slices.Equal(a.A, b.A) && slices.Equal(a.Pattern, b.Pattern) && slices.Equal(a.Z, b.Z)
			for r := 1; r <= cfg.Rounds; r++ {
				same = same && slices.Equal(a.H[r], b.H[r]) && slices.Equal(a.Fired[r], b.Fired[r])
			}
			if !same {
				t.Fatalf("case %d, input %d: FixedForward differs from ForwardWS (predictions %d, %d)", k, trial, pa, pb)
			}
		}
	}
}
