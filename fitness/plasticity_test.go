package fitness

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"gonum.org/v1/gonum/floats/scalar"
)

func batch(t *testing.T, name string, n int) *dataset.Set {
	t.Helper()
	sp, err := dataset.Load(name, &dataset.Options{Seed: 2, TrainSize: n, TestSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	return sp.Train
}

func randomY(p int, s uint64) []float64 {
	rng := rand.New(rand.NewPCG(s, s))
	y := make([]float64, p)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	return y
}

// TestOutputRuleMatchesTraining: the linear shortcut of OutputRule equals
// actually training the network with the rule (All, AllEdges) and
// measuring the batch loss, for T = 1 and for T = 2 with a graph rule.
func TestOutputRuleMatchesTraining(t *testing.T) {
	t.Parallel()
	b := batch(t, "halfspace", 200)
	graph := plasticity.NewRule(plasticity.GraphRule, 2)
	for i := range graph.Table {
		graph.Table[i] = float64(i%5) - 2
	}
	for _, tc := range []struct {
		T     int
		graph *plasticity.Rule
	}{{1, nil}, {2, graph}} {
		cfg := plasticity.Config{Nodes: 40, Cap: 20, Rounds: tc.T, Seed: 3}
		o, err := NewOutputRule(cfg, b, &OutputRuleSettings{Graph: tc.graph})
		if err != nil {
			t.Fatal(err)
		}
		y := randomY(o.Dim(), 9)
		cfg.Scheme, cfg.AllEdges, cfg.Inputs, cfg.Labels = plasticity.All, true, b.Dim, b.Labels
		net, err := plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
		if err != nil {
			t.Fatal(err)
		}
		out := plasticity.NewRule(plasticity.OutputRule, tc.T)
		copy(out.Table, y)
		l, _, err := plasticity.NewRuleGrader(net).Gradient(nil, nil, plasticity.Rules{Graph: tc.graph, Output: out}, b, plasticity.CrossEntropy)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Loss(y); !scalar.EqualWithinAbsOrRel(got, l, 1e-10, 1e-10) {
			t.Errorf("T=%d: landscape loss %v, trained loss %v", tc.T, got, l)
		}
		checkGradient(t, "output rule", o, y, 1e-6)
	}
}

// TestFullRuleSmoothCase: in the smooth case (output rule only, All and
// AllEdges) the full-rule landscape equals the output-rule landscape and
// its gradient equals finite differences.
func TestFullRuleSmoothCase(t *testing.T) {
	t.Parallel()
	b := batch(t, "halfspace", 100)
	cfg := plasticity.Config{Nodes: 30, Cap: 15, Rounds: 1, Seed: 4, Scheme: plasticity.All, AllEdges: true}
	f, err := NewFullRule(cfg, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOutputRule(cfg, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := randomY(f.Dim(), 5)
	if a, c := f.Loss(y), o.Loss(y); !scalar.EqualWithinAbsOrRel(a, c, 1e-10, 1e-10) {
		t.Errorf("full %v, output %v", a, c)
	}
	checkGradient(t, "full rule (smooth)", f, y, 1e-6)
}

// TestFullRuleConcurrent: parallel evaluations equal sequential ones.
func TestFullRuleConcurrent(t *testing.T) {
	t.Parallel()
	b := batch(t, "halfspace", 100)
	f, err := NewFullRule(plasticity.Config{Nodes: 30, Cap: 15, Rounds: 2, Seed: 4}, b, &FullRuleSettings{Graph: true})
	if err != nil {
		t.Fatal(err)
	}
	ys := make([][]float64, 16)
	want := make([]float64, len(ys))
	for i := range ys {
		ys[i] = randomY(f.Dim(), uint64(i+1))
		want[i] = f.Loss(ys[i])
	}
	got := make([]float64, len(ys))
	var wg sync.WaitGroup
	for i := range ys {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = f.Loss(ys[i]) }()
	}
	wg.Wait()
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("evaluation %d: parallel %v, sequential %v", i, got[i], want[i])
		}
	}
}
