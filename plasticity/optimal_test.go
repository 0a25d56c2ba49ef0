package plasticity

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// TestOptimalOutputRule checks the closed-form MSE rule of appendix B: it
// solves its normal equations, its predicted MSE is the loss measured by
// training with it, and every perturbed rule has a larger loss.
func TestOptimalOutputRule(t *testing.T) {
	t.Parallel()
	sp := loadSet(t, "halfspace", 500)
	for _, T := range []int{1, 2} {
		net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 60, Rounds: T, Scheme: All, AllEdges: true, Seed: 4}, rand.NewPCG(4, 1))
		if err != nil {
			t.Fatal(err)
		}
		opt, err := OptimalOutputRule(net, sp.Train)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("T=%d: rule %.4f, MSE %.5f, rank %d", T, opt.Rule.Table, opt.MSE, opt.Rank)
		// With W = 0 every round repeats round 1, so only patterns 0 and
		// 2^T − 1 occur: 4 determined entries for any T.
		if opt.Rank != 4 {
			t.Errorf("T=%d: rank %d, want 4", T, opt.Rank)
		}
		var res mat.VecDense
		res.MulVec(opt.Gram, mat.NewVecDense(len(opt.Rule.Table), opt.Rule.Table))
		res.SubVec(&res, opt.B)
		if r := mat.Norm(&res, 2); r > 1e-10*mat.Norm(opt.B, 2) {
			t.Errorf("T=%d: residual of the normal equations %v", T, r)
		}
		rg := NewRuleGrader(net)
		mse := func(r *Rule) float64 {
			l, _, err := rg.Gradient(nil, nil, Rules{Output: r}, sp.Train, MSE)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		// The loss is a quadratic computed two ways: agreement to rounding.
		if got := mse(opt.Rule); !scalar.EqualWithinRel(got, opt.MSE, 1e-9) {
			t.Errorf("T=%d: trained MSE %v, predicted %v", T, got, opt.MSE)
		}
		rng := rand.New(rand.NewPCG(5, 5))
		for trial := 0; trial < 20; trial++ {
			p := opt.Rule.Clone()
			for i := range p.Table {
				p.Table[i] += 0.01 * rng.NormFloat64()
			}
			if l := mse(p); l < opt.MSE {
				t.Errorf("T=%d: perturbed rule %v has MSE %v < optimal %v", T, p.Table, l, opt.MSE)
			}
		}
	}
}

// TestGDConvergesToOptimalRule runs the meta-learner with MSE in All +
// AllEdges mode on the full data set as one batch, without weight decay:
// the loss is a convex quadratic in the rule, so Adam reaches the
// closed-form optimum. The optimum's entries are about 0.05 (U sums η R
// over 300 examples) and the Hessian's condition number is about 3000,
// so the test starts near 0 (scale 0.01) with learning rate 1e-3: at the
// default 1e-2 Adam's steps are as large as the entries.
func TestGDConvergesToOptimalRule(t *testing.T) {
	t.Parallel()
	sp := loadSet(t, "halfspace", 300)
	net, err := New(Config{Inputs: 10, Labels: 2, Nodes: 40, Scheme: All, AllEdges: true, Seed: 2}, rand.NewPCG(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := OptimalOutputRule(net, sp.Train)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Meta(net, sp.Train, Rules{}, &MetaSettings{MetaConfig: MetaConfig{
		Loss: MSE, Batch: 300, Steps: 2000, WeightDecay: -1, LR: 1e-3, InitScale: 0.01, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rules.Output.Table
	last := res.Steps[len(res.Steps)-1].Loss
	t.Logf("GD %.5f (MSE %.6f), optimal %.5f (MSE %.6f)", got, last, opt.Rule.Table, opt.MSE)
	for i, v := range got {
		if !scalar.EqualWithinAbsOrRel(v, opt.Rule.Table[i], 1e-3, 1e-3) {
			t.Errorf("entry %d: GD %v, optimal %v", i, v, opt.Rule.Table[i])
		}
	}
}
