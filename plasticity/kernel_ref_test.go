package plasticity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// plainNet is an obviously-correct implementation of SPEC §1–§2, written
// straight from the equations with dense matrices and no shortcuts: it
// checks the fast kernels (sparse and dense scatter, the spread graph
// update, the selection of the cap) against the definitions.
type plainNet struct {
	cfg     Config
	n, d, m int
	A       [][]float64 // A[i][j] = (M_A∘A)_ij
	G       [][]bool    // G[i][j]: edge j→i
	W       [][]float64 // W[i][j], meaningful where G[i][j]
	U       [][]float64 // U[c][i]
}

// plainFrom copies the masks and weights of net into dense matrices.
func plainFrom(net *Network) *plainNet {
	n, d, m := net.n, net.d, net.m
	p := &plainNet{cfg: net.cfg, n: n, d: d, m: m}
	p.A = make([][]float64, n)
	p.G = make([][]bool, n)
	p.W = make([][]float64, n)
	for i := 0; i < n; i++ {
		p.A[i] = make([]float64, d)
		for j := 0; j < d; j++ {
			p.A[i][j] = net.AT[j*n+i]
		}
		p.G[i] = make([]bool, n)
		p.W[i] = make([]float64, n)
	}
	for j := 0; j < n; j++ {
		for e := net.ColPtr[j]; e < net.ColPtr[j+1]; e++ {
			i := net.Post[e]
			p.G[i][j] = true
			p.W[i][j] = net.W[e]
		}
	}
	p.U = make([][]float64, m)
	for c := range p.U {
		p.U[c] = slices.Clone(net.U[c*n : (c+1)*n])
	}
	return p
}

// capPlain is cap_k by sorting: value descending, ties by lower index.
func capPlain(v []float64, k int) (h []float64, fired []bool) {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	h = make([]float64, len(v))
	fired = make([]bool, len(v))
	for _, i := range idx[:k] {
		h[i], fired[i] = v[i], true
	}
	return h, fired
}

// forward returns the prediction, the patterns and the logits of x.
func (p *plainNet) forward(x []float64) (pred int, pattern []int, z []float64) {
	n, T := p.n, p.cfg.Rounds
	a := make([]float64, n)
	for i := 0; i < n; i++ {
		for j, xj := range x {
			a[i] += p.A[i][j] * xj
		}
	}
	// (G∘W)v with the sum over pre-synaptic nodes j = 0, 1, … in order.
	gw := func(start, v []float64) []float64 {
		out := slices.Clone(start)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if p.G[i][j] {
					out[i] += p.W[i][j] * v[j]
				}
			}
		}
		return out
	}
	h := make([]float64, n) // h⁰ = 0
	pattern = make([]int, n)
	for t := 1; t <= T; t++ {
		var u []float64
		switch {
		case t == 1:
			u = slices.Clone(a)
		case p.cfg.Recurrence == Reference: // (G∘W)(hᵗ⁻¹ + a)
			c := make([]float64, n)
			for j := range c {
				c[j] = h[j] + a[j]
			}
			u = gw(make([]float64, n), c)
		default: // (G∘W)hᵗ⁻¹ + a
			u = gw(a, h)
		}
		for i := range u {
			u[i] = math.Max(u[i], 0)
		}
		var fired []bool
		h, fired = capPlain(u, p.cfg.Cap)
		for i, f := range fired {
			if f {
				pattern[i] += 1 << (T - t)
			}
		}
	}
	z = make([]float64, p.m)
	for c := range z {
		for i := 0; i < n; i++ {
			z[c] += p.U[c][i] * h[i]
		}
		if z[c] > z[pred] {
			pred = c
		}
	}
	return pred, pattern, z
}

// update applies the rules of SPEC §2 for label y after a forward pass.
func (p *plainNet) update(rules Rules, pattern []int, y, pred int) {
	eta := p.cfg.Eta
	apply := func(w *float64, r *Rule, v float64) {
		if r.Mult() {
			*w *= 1 + eta*v
		} else {
			*w += eta * v
		}
	}
	if g := rules.Graph; g != nil {
		for i := 0; i < p.n; i++ {
			for j := 0; j < p.n; j++ {
				if p.G[i][j] {
					apply(&p.W[i][j], g, g.At(pattern[j], pattern[i]))
				}
			}
		}
	}
	if o := rules.Output; o != nil {
		for i := 0; i < p.n; i++ {
			apply(&p.U[y][i], o, o.At(pattern[i], 0))
			for c := 0; c < p.m; c++ {
				if (p.cfg.AllEdges && c != y) || (!p.cfg.AllEdges && c == pred) {
					apply(&p.U[c][i], o, o.At(pattern[i], 1))
				}
			}
		}
	}
}

// train is Train: the same seeded order, forward, then the rules.
func (p *plainNet) train(rules Rules, data *dataset.Set) {
	rng := seed.New(p.cfg.Seed, seed.Order, 0)
	order := make([]int, data.Len())
	for i := range order {
		order[i] = i
	}
	for ep := 0; ep < p.cfg.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, idx := range order {
			y := data.Y[idx]
			pred, pattern, _ := p.forward(data.Row(idx, nil))
			if pred != y || p.cfg.Scheme == All {
				p.update(rules, pattern, y, pred)
			}
		}
	}
}

// TestKernelsMatchPlain: on fixed networks and data, training and
// evaluation with the fast kernels give bit-identical weights, and the
// same predictions, firing patterns and logits on every test example, as
// the plain implementation. The cases cover both recurrences, additive and
// multiplicative graph rules, both schemes, AllEdges, T = 1, and graphs
// dense enough for the dense copy (p = 0.5) and too sparse for it (p = 0.1),
// and networks above gatherMaxNodes.
func TestKernelsMatchPlain(t *testing.T) {
	t.Parallel()
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 4, TrainSize: 300, TestSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cfg  Config
		mult bool
	}{
		{Config{Nodes: 40, Cap: 15, Rounds: 3, Recurrence: Reference}, false},
		{Config{Nodes: 40, Cap: 15, Rounds: 3}, false},
		{Config{Nodes: 40, Cap: 15, Rounds: 3, Recurrence: Reference, Scheme: All}, true},
		{Config{Nodes: 40, Cap: 15, Rounds: 2, Scheme: All, AllEdges: true}, true},
		{Config{Nodes: 40, Cap: 15, Rounds: 3, P: 0.1, Recurrence: Reference}, false},
		{Config{Nodes: 40, Cap: 15, Rounds: 3, P: 0.1}, true},
		{Config{Nodes: 40, Cap: 15, Rounds: 1, Epochs: 2}, false},
		// Above gatherMaxNodes: the column-by-column kernels.
		{Config{Nodes: 300, Cap: 100, Rounds: 3, Recurrence: Reference}, false},
		{Config{Nodes: 300, Cap: 100, Rounds: 3}, false},
	}
	for n, tc := range tests {
		cfg := tc.cfg
		cfg.Inputs, cfg.Labels, cfg.Seed, cfg.Eta = 10, 2, uint64(n+1), 0.05
		name := fmt.Sprintf("%d %s T=%d p=%v mult=%v", n, cfg.Recurrence, cfg.Rounds, cfg.P, tc.mult)
		net, err := New(cfg, rand.NewPCG(uint64(n), 3))
		if err != nil {
			t.Fatal(err)
		}
		if want := cfg.Defaults().P == 0.5 && cfg.Rounds > 1; net.wantDense() != want {
			t.Fatalf("%s: wantDense %v, the case expects %v", name, !want, want)
		}
		rules := Rules{Output: Perceptron(cfg.Rounds)}
		if cfg.Rounds > 1 {
			rules.Graph = smallGraphRule(cfg.Rounds)
			if tc.mult {
				rules.Graph.Update = Multiplicative
			}
		}
		net.Reset(rules.Graph, rules.Output)
		plain := plainFrom(net)
		plain.cfg = net.cfg
		if _, err := Train(net, rules, sp.Train, nil); err != nil {
			t.Fatal(err)
		}
		plain.train(rules, sp.Train)
		if got := plainFrom(net); !equalRows(got.W, plain.W) || !equalRows(got.U, plain.U) {
			t.Errorf("%s: trained weights differ from the plain implementation", name)
		}
		ev := Evaluate(net, sp.Test)
		var dw []float64
		if net.wantDense() {
			dw = net.newDense()
		}
		ws := net.NewWorkspace()
		for i := 0; i < sp.Test.Len(); i++ {
			x := sp.Test.Row(i, nil)
			pred, pattern, z := plain.forward(x)
			if ev.Pred[i] != pred {
				t.Errorf("%s: example %d: Evaluate predicts %d, plain %d", name, i, ev.Pred[i], pred)
			}
			for _, d := range [][]float64{nil, dw} {
				if got := net.forward(ws, x, d, nil); got != pred || !slices.Equal(ws.Pattern, pattern) || !slices.Equal(ws.Z, z) {
					t.Errorf("%s: example %d (dense %v): pred %d patterns %v z %v, plain %d %v %v", name, i, d != nil, got, ws.Pattern, ws.Z, pred, pattern, z)
					break
				}
			}
		}
		// A batch of 5 (not a multiple of anything) through forwardBatch.
		wss, xs := make([]*Workspace, 5), make([][]float64, 5)
		for b := range wss {
			wss[b], xs[b] = net.NewWorkspace(), sp.Test.Row(10+b, nil)
		}
		net.forwardBatch(wss, xs, dw)
		for b, ws := range wss {
			pred, pattern, z := plain.forward(xs[b])
			if ws.Pred != pred || !slices.Equal(ws.Pattern, pattern) || !slices.Equal(ws.Z, z) {
				t.Errorf("%s: batch example %d: pred %d patterns %v z %v, plain %d %v %v", name, b, ws.Pred, ws.Pattern, ws.Z, pred, pattern, z)
			}
		}
		// Training touched the patterns: the network is not trivial.
		if net.cfg.Rounds > 1 && slices.Equal(net.W, make([]float64, len(net.W))) {
			t.Errorf("%s: the graph weights did not change", name)
		}
	}
}

func equalRows(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(x, y []float64) bool { return slices.Equal(x, y) })
}

// TestEvaluateGOMAXPROCS: evaluation of a dense T = 3 network gives the
// same predictions on one and on several threads.
func TestEvaluateGOMAXPROCS(t *testing.T) {
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 5, TrainSize: 200, TestSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 50, Cap: 20, Rounds: 3, Recurrence: Reference, Seed: 2}, rand.NewPCG(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(net, Rules{Graph: smallGraphRule(3), Output: Perceptron(3)}, sp.Train, nil); err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	one := Evaluate(net, sp.Test)
	runtime.GOMAXPROCS(4)
	four := Evaluate(net, sp.Test)
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(one.Pred, four.Pred) {
		t.Error("predictions depend on GOMAXPROCS")
	}
}
