package plasticity

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
)

// SplitClassLoss equals ClassLoss (one sum over all examples) to
// rounding, for loss, gradient and Hessian–vector product, and gives bit
// for bit the same values with 1 and 4 threads (its parts and their
// order are fixed). Not parallel: it changes GOMAXPROCS.
func TestSplitClassLoss(t *testing.T) {
	cfg := Config{Inputs: 5, Labels: 3, Nodes: 20, Cap: 8, Rounds: 3, Seed: 3}
	net := randomNet(t, cfg, 7)
	rng := rand.New(rand.NewPCG(5, 5))
	xs := make([][]float64, 37) // not a multiple of the parts
	ys := make([]int, len(xs))
	for e := range xs {
		xs[e] = make([]float64, cfg.Inputs)
		for j := range xs[e] {
			xs[e][j] = rng.NormFloat64()
		}
		ys[e] = rng.IntN(cfg.Labels)
	}
	w0 := slices.Clone(net.W)
	one := NewClassLoss(net, xs, ys, CrossEntropy)
	theta := one.Params()
	v := make([]float64, len(theta))
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	g1, h1 := make([]float64, len(theta)), make([]float64, len(theta))
	l1 := one.Grad(g1, theta)
	one.HessVec(h1, theta, v)

	eval := func(procs int) (float64, []float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		s := NewSplitClassLoss(net, xs, ys, CrossEntropy, 8)
		g, h := make([]float64, s.Len()), make([]float64, s.Len())
		l := s.Grad(g, theta)
		s.HessVec(h, theta, v)
		return l, g, h
	}
	l, g, h := eval(1)
	if !scalar.EqualWithinAbsOrRel(l, l1, 1e-14, 1e-12) {
		t.Errorf("loss %v, ClassLoss %v", l, l1)
	}
	for name, p := range map[string][2][]float64{"gradient": {g, g1}, "HVP": {h, h1}} {
		if e := floats.Distance(p[0], p[1], 2) / floats.Norm(p[1], 2); e > 1e-12 {
			t.Errorf("%s differs from ClassLoss's by %g (relative)", name, e)
		}
	}
	l4, g4, h4 := eval(4)
	if l4 != l || !slices.Equal(g4, g) || !slices.Equal(h4, h) {
		t.Error("results differ between 1 and 4 threads")
	}
	if !slices.Equal(net.W, w0) {
		t.Error("NewSplitClassLoss modified the network")
	}
}
