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
// rule parameters equals central differences of the exact rule gradient
// (RuleGrader, chained through MLP.Backward for MLP rules), relative error
// below 1e-5 (issue 12), wherever the perturbation leaves the discrete
// quantities (tape, predictions, final patterns) unchanged; and the
// operator is symmetric, uᵀHv = vᵀHu. Cases as
// TestRuleGradFiniteDifferences: additive tables in the smooth case
// (T = 1, output rule, All, AllEdges) and graph + output rules at T = 2
// (two inner epochs) and T = 3 with both recurrences and both losses;
// multiplicative tables (alone and mixed with additive ones); MLP rules
// (additive and multiplicative, graph and output) with respect to their
// weights.
func TestRuleHessianFiniteDifferences(t *testing.T) {
	t.Parallel()
	type tcase struct {
		T          int
		scheme     Scheme
		allEdges   bool
		graph      bool
		loss       Loss
		rec        Recurrence
		epochs     int
		gUpd, oUpd Update
		gMLP, oMLP bool
	}
	var cases []tcase
	for _, loss := range []Loss{CrossEntropy, MSE} {
		cases = append(cases,
			tcase{T: 1, scheme: All, allEdges: true, loss: loss},
			tcase{T: 1, scheme: Mistakes, loss: loss},
			tcase{T: 3, scheme: Mistakes, graph: true, loss: loss},
			tcase{T: 3, scheme: All, allEdges: true, graph: true, loss: loss, rec: Reference},
			tcase{T: 2, scheme: Mistakes, graph: true, loss: loss, epochs: 2},
			// multiplicative tables
			tcase{T: 1, scheme: All, allEdges: true, loss: loss, oUpd: Multiplicative},
			tcase{T: 1, scheme: Mistakes, loss: loss, oUpd: Multiplicative},
			tcase{T: 3, scheme: Mistakes, graph: true, loss: loss, gUpd: Multiplicative, oUpd: Multiplicative},
			tcase{T: 2, scheme: All, graph: true, loss: loss, epochs: 2, gUpd: Multiplicative},
			tcase{T: 2, scheme: Mistakes, graph: true, loss: loss, rec: Reference, oUpd: Multiplicative},
			// MLP rules
			tcase{T: 1, scheme: All, allEdges: true, loss: loss, oMLP: true},
			tcase{T: 3, scheme: Mistakes, graph: true, loss: loss, gMLP: true, oMLP: true},
			tcase{T: 2, scheme: Mistakes, graph: true, loss: loss, gMLP: true, gUpd: Multiplicative, oUpd: Multiplicative},
			tcase{T: 2, scheme: All, allEdges: true, graph: true, loss: loss, oMLP: true, oUpd: Multiplicative},
		)
	}
	for ci, tc := range cases {
		if tc.gUpd == "" {
			tc.gUpd = Additive
		}
		if tc.oUpd == "" {
			tc.oUpd = Additive
		}
		name := fmt.Sprintf("T=%d/%s/alledges=%v/graph=%v/%s/%s/epochs=%d/%s-mlp=%v/%s-mlp=%v", tc.T, tc.scheme, tc.allEdges, tc.graph, tc.loss, tc.rec, tc.epochs, tc.gUpd, tc.gMLP, tc.oUpd, tc.oMLP)
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
				rules.Graph = randomRule(GraphRule, tc.T, tc.gUpd, tc.gMLP, uint64(ci)+100)
			}
			rules.Output = randomRule(OutputRule, tc.T, tc.oUpd, tc.oMLP, uint64(ci)+200)
			h, err := NewRuleParamHessian(newNet(), rules, batch, tc.loss)
			if err != nil {
				t.Fatal(err)
			}
			if h.Updates() == 0 {
				t.Fatal("no update was applied: test has no power")
			}
			p := h.Len()
			var pg int
			if tc.graph {
				gp, _ := ruleParams(rules.Graph.Clone())
				pg = len(gp)
			}
			po, _ := ruleParams(rules.Output.Clone())
			if p != pg+len(po) || h.GraphEntries() != pg {
				t.Fatalf("Len() = %d, GraphEntries() = %d; want %d, %d", p, h.GraphEntries(), pg+len(po), pg)
			}

			// The gradient of an independent network at parameters + s·v.
			net := newNet()
			rg := NewRuleGrader(net)
			at := func(s float64, v []float64) ([]float64, []int) {
				r := Rules{Output: rules.Output.Clone()}
				if tc.graph {
					r.Graph = rules.Graph.Clone()
					pp, apply := ruleParams(r.Graph)
					floats.AddScaled(pp, s, v[:pg])
					apply()
				}
				pp, apply := ruleParams(r.Output)
				floats.AddScaled(pp, s, v[pg:])
				apply()
				dT := make([]float64, len(r.Output.Table))
				var dG []float64
				if tc.graph {
					dG = make([]float64, len(r.Graph.Table))
				}
				if _, _, err := rg.Gradient(dG, dT, r, batch, tc.loss); err != nil {
					t.Fatal(err)
				}
				dst := make([]float64, p)
				if tc.graph {
					chainTest(dst[:pg], dG, r.Graph)
				}
				chainTest(dst[pg:], dT, r.Output)
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

// chainTest writes the gradient with respect to r's parameters (its MLP's
// weights or its table) given the table gradient dT.
func chainTest(dst, dT []float64, r *Rule) {
	if r.MLP == nil {
		copy(dst, dT)
		return
	}
	clear(dst)
	r.MLP.Backward(dst, dT, r.Kind, r.Rounds)
}

// NewRuleHessian uses an MLP rule's table as it stands: its Hessian with
// respect to the table entries of the MLP's evaluation equals that of the
// same table without the MLP.
func TestRuleHessianMLPTable(t *testing.T) {
	t.Parallel()
	cfg := Config{Inputs: 4, Labels: 3, Nodes: 12, Cap: 5, Rounds: 2, Eta: 0.1, Seed: 3}
	mk := func() *Network {
		net, err := New(cfg, rand.NewPCG(3, 1))
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	batch := randomSet(30, 4, 3, 3)
	withMLP := Rules{Graph: randomRule(GraphRule, 2, Additive, true, 7), Output: randomRule(OutputRule, 2, Multiplicative, true, 8)}
	plain := Rules{Graph: withMLP.Graph.Clone(), Output: withMLP.Output.Clone()}
	plain.Graph.MLP, plain.Output.MLP = nil, nil
	h1, err := NewRuleHessian(mk(), withMLP, batch, CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := NewRuleHessian(mk(), plain, batch, CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	if h1.Len() != 16+8 {
		t.Fatalf("Len() = %d, want 16 + 8 table entries", h1.Len())
	}
	v := make([]float64, h1.Len())
	for i := range v {
		v[i] = float64(i%5) - 2
	}
	a, b := make([]float64, len(v)), make([]float64, len(v))
	h1.HessVec(a, v)
	h2.HessVec(b, v)
	if !slices.Equal(a, b) {
		t.Errorf("table Hessian of an MLP rule %v differs from its table's %v", a, b)
	}
}

// A multiplicative entry with 1 + ηR = 0 (a factor that zeroes every
// weight it touches, where log θ is undefined) is rejected with an error.
func TestRuleHessianMultiplicativeZeroFactor(t *testing.T) {
	t.Parallel()
	net, err := New(Config{Inputs: 4, Labels: 3, Nodes: 12, Cap: 5, Rounds: 1, Eta: 0.5, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	rules := Rules{Output: randomRule(OutputRule, 1, Multiplicative, false, 1)}
	rules.Output.Table[2] = -2 // 1 + 0.5·(−2) = 0
	if _, err := NewRuleHessian(net, rules, randomSet(10, 4, 3, 1), CrossEntropy); err == nil {
		t.Error("entry with 1 + ηR = 0 accepted")
	}
}
