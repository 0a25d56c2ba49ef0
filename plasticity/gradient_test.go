package plasticity

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"gonum.org/v1/gonum/floats/scalar"
)

// randomSet returns n points of N(0, I_d) with labels uniform in [0, m).
func randomSet(n, d, m int, s uint64) *dataset.Set {
	rng := rand.New(rand.NewPCG(s, 3))
	set := &dataset.Set{Name: "random", Dim: d, Labels: m, X: make([]float64, n*d), Y: make([]int, n)}
	for i := range set.X {
		set.X[i] = rng.NormFloat64()
	}
	for i := range set.Y {
		set.Y[i] = rng.IntN(m)
	}
	return set
}

// randomRule returns a rule with N(0,1) table entries or an MLP of width 5.
func randomRule(kind Kind, T int, update Update, mlp bool, s uint64) *Rule {
	r := NewRule(kind, T)
	r.Update = update
	if mlp {
		r.MLP = NewMLP(kind, T, 5, rand.NewPCG(s, 4))
		r.Eval()
		return r
	}
	rng := rand.New(rand.NewPCG(s, 5))
	for i := range r.Table {
		r.Table[i] = rng.NormFloat64()
	}
	return r
}

// ruleParams returns a view of the parameters of r for perturbation and
// a function that makes a change to them effective.
func ruleParams(r *Rule) (p []float64, apply func()) {
	if r.MLP == nil {
		return r.Table, func() {}
	}
	p = r.MLP.Params(nil)
	return p, func() { r.MLP.SetParams(p); r.Eval() }
}

// signature lists the discrete quantities the loss depends on: the tape
// (patterns, labels, the mistake gate, and the predictions unless
// AllEdges makes them irrelevant) and the final patterns of the batch.
func signature(net *Network, rg *RuleGrader, batch *dataset.Set) []int {
	tp := rg.Tape()
	sig := []int{tp.Len()}
	for u := 0; u < tp.Len(); u++ {
		pat, y, pred := tp.Update(u)
		for _, s := range pat {
			sig = append(sig, int(s))
		}
		sig = append(sig, y)
		if !net.cfg.AllEdges {
			sig = append(sig, pred)
		}
	}
	ws := net.NewWorkspace()
	for i := 0; i < batch.Len(); i++ {
		net.ForwardWS(ws, batch.Row(i, nil))
		sig = append(sig, ws.Pattern...)
	}
	return sig
}

// ruleStep is the central-difference step for rule parameters: the loss
// after training is computed through hundreds of updates with large
// intermediate values, so rounding (about 1e-16·|L|/h times that
// amplification) reaches 1e-6 relative at h = 1e-7 and 1e-7 at h = 1e-6;
// h = 1e-5 keeps it near 1e-8 while the O(h²) error stays below 1e-9.
const ruleStep = 1e-5

// TestRuleGradFiniteDifferences checks the exact rule gradient against
// central differences: in the smooth case (output rule only, All
// scheme, T = 1) everywhere, and in general (graph and output rules,
// T = 2 over two inner epochs and T = 3 with both recurrences) wherever
// the perturbation leaves the discrete quantities unchanged.
func TestRuleGradFiniteDifferences(t *testing.T) {
	t.Parallel()
	type tcase struct {
		T        int
		scheme   Scheme
		allEdges bool
		graph    bool
		update   Update
		mlp      bool
		loss     Loss
		rec      Recurrence
		epochs   int
	}
	var cases []tcase
	for _, update := range []Update{Additive, Multiplicative} {
		for _, mlp := range []bool{false, true} {
			for _, loss := range []Loss{CrossEntropy, MSE} {
				for _, allEdges := range []bool{false, true} {
					cases = append(cases, tcase{T: 1, scheme: All, allEdges: allEdges, update: update, mlp: mlp, loss: loss})
				}
				cases = append(cases,
					tcase{T: 3, scheme: Mistakes, graph: true, update: update, mlp: mlp, loss: loss},
					tcase{T: 3, scheme: All, allEdges: true, graph: true, update: update, mlp: mlp, loss: loss, rec: Reference},
					tcase{T: 2, scheme: Mistakes, graph: true, update: update, mlp: mlp, loss: loss, epochs: 2},
				)
			}
		}
	}
	for ci, tc := range cases {
		name := fmt.Sprintf("T=%d/%s/alledges=%v/graph=%v/%s/mlp=%v/%s/%s/epochs=%d", tc.T, tc.scheme, tc.allEdges, tc.graph, tc.update, tc.mlp, tc.loss, tc.rec, tc.epochs)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Inputs: 4, Labels: 3, Nodes: 12, Cap: 5, Rounds: tc.T, Eta: 0.1,
				Scheme: tc.scheme, AllEdges: tc.allEdges, Recurrence: tc.rec, Epochs: tc.epochs, Seed: uint64(ci)}
			net, err := New(cfg, rand.NewPCG(uint64(ci), 1))
			if err != nil {
				t.Fatal(err)
			}
			batch := randomSet(30, 4, 3, uint64(ci))
			var rules Rules
			if tc.graph {
				rules.Graph = randomRule(GraphRule, tc.T, tc.update, tc.mlp, uint64(ci)+100)
			}
			rules.Output = randomRule(OutputRule, tc.T, tc.update, tc.mlp, uint64(ci)+200)
			rg := NewRuleGrader(net)
			var dG, dO []float64
			if tc.graph {
				dG = make([]float64, len(rules.Graph.Table))
			}
			dO = make([]float64, len(rules.Output.Table))
			if _, _, err := rg.Gradient(dG, dO, rules, batch, tc.loss); err != nil {
				t.Fatal(err)
			}
			base := signature(net, rg, batch)
			if rg.Tape().Len() == 0 {
				t.Fatal("no update was applied")
			}
			lossAt := func() (float64, []int) {
				l, _, err := rg.Gradient(nil, nil, rules, batch, tc.loss)
				if err != nil {
					t.Fatal(err)
				}
				return l, signature(net, rg, batch)
			}
			// Exact to rounding in the smooth case; in general the
			// loss is smooth between pattern changes, so the error is
			// O(h²) plus rounding, far below 1e-6.
			tol := 1e-6
			checked, skipped := 0, 0
			for _, r := range []*Rule{rules.Graph, rules.Output} {
				if r == nil {
					continue
				}
				dTab := dO
				if r.Kind == GraphRule {
					dTab = dG
				}
				want := dTab
				if r.MLP != nil {
					want = make([]float64, r.MLP.NumParams())
					r.MLP.Backward(want, dTab, r.Kind, r.Rounds)
				}
				p, apply := ruleParams(r)
				for i := range p {
					old := p[i]
					p[i] = old + ruleStep
					apply()
					lp, sp := lossAt()
					p[i] = old - ruleStep
					apply()
					lm, sm := lossAt()
					p[i] = old
					apply()
					if !slices.Equal(sp, base) || !slices.Equal(sm, base) {
						skipped++
						continue
					}
					checked++
					fd := (lp - lm) / (2 * ruleStep)
					if !scalar.EqualWithinAbsOrRel(fd, want[i], 1e-8, tol) {
						t.Errorf("%s rule parameter %d: gradient %v, finite difference %v", r.Kind, i, want[i], fd)
					}
				}
			}
			t.Logf("%d checked, %d skipped", checked, skipped)
			// A step changes a pattern or prediction only near a tie;
			// with these sizes that happens to at most a few parameters.
			smooth := !tc.graph && tc.scheme == All && tc.allEdges
			if (smooth && skipped > 0) || skipped > (checked+skipped)/5 {
				t.Errorf("%d of %d perturbations changed patterns or predictions", skipped, checked+skipped)
			}
		})
	}
}

// TestRuleGradMemory checks that the rule gradient records what each
// update needs, not copies of W: at |V| = 1000 (about 500,000 edges) a
// copy of W per update of a batch of 100 would allocate 400 MB; the tape
// holds 100 × 1000 bytes.
func TestRuleGradMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("|V| = 1000, T = 3: about a second")
	}
	// Not parallel: runtime.MemStats counts every goroutine's allocations.
	sp := loadSet(t, "relu1", 100)
	for _, update := range []Update{Additive, Multiplicative} {
		net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 1000, Rounds: 3, Scheme: All, Seed: 1}, rand.NewPCG(1, 1))
		if err != nil {
			t.Fatal(err)
		}
		rules := Rules{Graph: randomRule(GraphRule, 3, update, false, 1), Output: randomRule(OutputRule, 3, update, false, 2)}
		rg := NewRuleGrader(net)
		dG, dO := make([]float64, 64), make([]float64, 16)
		if _, _, err := rg.Gradient(dG, dO, rules, sp.Train, CrossEntropy); err != nil { // warm up
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := rg.Gradient(dG, dO, rules, sp.Train, CrossEntropy); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d edges, %d updates, %d bytes allocated", update, net.Edges(), rg.Tape().Len(), alloc)
		if alloc > 1<<20 {
			t.Errorf("%s: one gradient allocated %d bytes, want under 1 MiB", update, alloc)
		}
	}
}
