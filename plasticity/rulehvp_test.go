package plasticity

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
)

// The exact Hessian–vector product of the meta-loss with respect to the
// rule tables equals central differences of the exact rule gradient
// (RuleGrader), relative error below 1e-5 (issue 12), wherever the
// perturbation leaves the discrete quantities (tape, predictions, final
// patterns) unchanged; and the operator is symmetric, uᵀHv = vᵀHu.
// Cases as TestRuleGradFiniteDifferences: the smooth case (T = 1, output
// rule, All, AllEdges) and graph + output rules at T = 2 (two inner
// epochs) and T = 3 with both recurrences and both losses.
func TestRuleHessianFiniteDifferences(t *testing.T) {
	t.Parallel()
	type tcase struct {
		T        int
		scheme   Scheme
		allEdges bool
		graph    bool
		loss     Loss
		rec      Recurrence
		epochs   int
	}
	var cases []tcase
	for _, loss := range []Loss{CrossEntropy, MSE} {
		cases = append(cases,
			tcase{T: 1, scheme: All, allEdges: true, loss: loss},
			tcase{T: 1, scheme: Mistakes, loss: loss},
			tcase{T: 3, scheme: Mistakes, graph: true, loss: loss},
			tcase{T: 3, scheme: All, allEdges: true, graph: true, loss: loss, rec: Reference},
			tcase{T: 2, scheme: Mistakes, graph: true, loss: loss, epochs: 2},
		)
	}
	for ci, tc := range cases {
		name := fmt.Sprintf("T=%d/%s/alledges=%v/graph=%v/%s/%s/epochs=%d", tc.T, tc.scheme, tc.allEdges, tc.graph, tc.loss, tc.rec, tc.epochs)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Inputs: 4, Labels: 3, Nodes: 12, Cap: 5, Rounds: tc.T, Eta: 0.1,
				Scheme: tc.scheme, AllEdges: tc.allEdges, Recurrence: tc.rec, Epochs: tc.epochs, Seed: uint64(ci)}
			newNet := func() *Network {
				net, err := New(cfg, rand.NewPCG(uint64(ci), 1))
				if err != nil {
					t.Fatal(err)
				}
				return net
			}
			batch := randomSet(30, 4, 3, uint64(ci))
			var rules Rules
			if tc.graph {
				rules.Graph = randomRule(GraphRule, tc.T, Additive, false, uint64(ci)+100)
			}
			rules.Output = randomRule(OutputRule, tc.T, Additive, false, uint64(ci)+200)
			h, err := NewRuleHessian(newNet(), rules, batch, tc.loss)
			if err != nil {
				t.Fatal(err)
			}
			if h.Updates() == 0 {
				t.Fatal("no update was applied: test has no power")
			}
			p := h.Len()
			want := len(rules.Output.Table)
			if tc.graph {
				want += len(rules.Graph.Table)
			}
			if p != want {
				t.Fatalf("Len() = %d, want %d", p, want)
			}

			// The gradient of an independent network at rules + s·v.
			net := newNet()
			rg := NewRuleGrader(net)
			at := func(s float64, v []float64) ([]float64, []int) {
				r := Rules{Output: rules.Output.Clone()}
				g := 0
				if tc.graph {
					r.Graph = rules.Graph.Clone()
					g = len(r.Graph.Table)
					floats.AddScaled(r.Graph.Table, s, v[:g])
				}
				floats.AddScaled(r.Output.Table, s, v[g:])
				dst := make([]float64, p)
				var dG []float64
				if tc.graph {
					dG = dst[:g]
				}
				if _, _, err := rg.Gradient(dG, dst[g:], r, batch, tc.loss); err != nil {
					t.Fatal(err)
				}
				return dst, signature(net, rg, batch)
			}
			g0, base := at(0, make([]float64, p))
			hg := make([]float64, p)
			h.Gradient(hg)
			if !slices.Equal(g0, hg) {
				t.Errorf("RuleHessian.Gradient %v differs from RuleGrader's %v", hg, g0)
			}

			rng := rand.New(rand.NewPCG(uint64(ci), 9))
			vs := make([][]float64, 3)
			hvs := make([][]float64, 3)
			// Gradient differences through a training run: rounding is
			// about 1e-16·|g|/h amplified by the run (see ruleStep), the
			// O(h²) term is below 1e-9 at h = 1e-5.
			const h0 = 1e-5
			checked := 0
			for k := range vs {
				v := make([]float64, p)
				for i := range v {
					v[i] = rng.NormFloat64()
				}
				vs[k] = v
				hv := make([]float64, p)
				h.HessVec(hv, v)
				hvs[k] = hv
				gp, sp := at(h0, v)
				gm, sm := at(-h0, v)
				if !slices.Equal(sp, base) || !slices.Equal(sm, base) {
					continue
				}
				checked++
				fd := make([]float64, p)
				floats.SubTo(fd, gp, gm)
				floats.Scale(1/(2*h0), fd)
				if floats.Norm(fd, 2) == 0 {
					t.Fatal("zero Hessian–vector product: test has no power")
				}
				if e := floats.Distance(hv, fd, 2) / floats.Norm(fd, 2); e > 1e-5 {
					t.Errorf("direction %d: HVP vs central differences of the rule gradient: rel. error %g", k, e)
				}
			}
			if checked < 2 {
				t.Errorf("only %d of %d directions left the patterns unchanged", checked, len(vs))
			}
			// Symmetry: uᵀ(Hv) = vᵀ(Hu), to rounding.
			for a := range vs {
				for b := a + 1; b < len(vs); b++ {
					x, y := floats.Dot(vs[a], hvs[b]), floats.Dot(vs[b], hvs[a])
					if !scalar.EqualWithinAbsOrRel(x, y, 1e-12, 1e-10) {
						t.Errorf("uᵀHv = %v, vᵀHu = %v", x, y)
					}
				}
			}
		})
	}
}

// Multiplicative rules are rejected with an error, not a wrong answer.
func TestRuleHessianMultiplicative(t *testing.T) {
	t.Parallel()
	net, err := New(Config{Inputs: 4, Labels: 3, Nodes: 12, Cap: 5, Rounds: 1, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	rules := Rules{Output: randomRule(OutputRule, 1, Multiplicative, false, 1)}
	if _, err := NewRuleHessian(net, rules, randomSet(10, 4, 3, 1), CrossEntropy); err == nil {
		t.Error("multiplicative rule accepted")
	}
}
