package experiments

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// gradFunc is a loss given by its value and gradient.
type gradFunc func(dst, theta []float64) float64

func (f gradFunc) Grad(dst, theta []float64) float64 { return f(dst, theta) }

// TestCalibratedScaleAnalytic: on losses with known minimisers along the
// ray. L = (θ₀ − 3)² + θ₁² from θ = (1, 5) with nU = 1 has its minimum at
// c = 3; L = log(1 + e^(−θ₀)) from θ₀ = 1 (a separated example) falls
// for ever: +Inf; L = log(1 + e^(θ₀)) from θ₀ = 1 (an example on the
// wrong side) is smallest as c → 0: 0.
func TestCalibratedScaleAnalytic(t *testing.T) {
	quad := gradFunc(func(dst, th []float64) float64 {
		dst[0], dst[1] = 2*(th[0]-3), 2*th[1]
		return (th[0]-3)*(th[0]-3) + th[1]*th[1]
	})
	if c, l := CalibratedScale(quad, []float64{1, 5}, 1); math.Abs(c-3) > 3e-9 || math.Abs(l-25) > 1e-12 {
		t.Errorf("quadratic: c = %v, loss %v; want 3 and 25", c, l)
	}
	sep := gradFunc(func(dst, th []float64) float64 {
		dst[0] = -1 / (1 + math.Exp(th[0]))
		return math.Log1p(math.Exp(-th[0]))
	})
	if c, _ := CalibratedScale(sep, []float64{1}, 1); !math.IsInf(c, 1) {
		t.Errorf("separated: c = %v, want +Inf", c)
	}
	wrong := gradFunc(func(dst, th []float64) float64 {
		dst[0] = 1 / (1 + math.Exp(-th[0]))
		return math.Log1p(math.Exp(th[0]))
	})
	if c, _ := CalibratedScale(wrong, []float64{1}, 1); c != 0 {
		t.Errorf("wrong side: c = %v, want 0", c)
	}
}

// TestCalibratedHessian: on a perceptron-trained network (MNIST, |V| = 60,
// T = 1 and T = 3) the scale c found by bisection of the derivative is
// the minimum of the loss on a grid of 4001 scales evaluated by the
// plain, unsplit ClassLoss (values only) to within the grid's step; and
// the calibrated curvature does not depend on the scale of U (U and 3U
// give c and c/3, the same loss and the same λ_top to 1e-6), while the
// curvature at the network's own U does.
func TestCalibratedHessian(t *testing.T) {
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 1, TrainSize: 600, TestSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	set := sp.Train.Sample(64, rand.NewPCG(9, 9))
	for _, T := range []int{1, 3} {
		cfg := plasticity.Config{Inputs: 784, Labels: 10, Nodes: 60, Cap: 30, Rounds: T}
		net, err := plasticity.New(cfg, rand.NewPCG(3, uint64(T)))
		if err != nil {
			t.Fatal(err)
		}
		rules := plasticity.Rules{Output: plasticity.Perceptron(T)}
		if T > 1 {
			rules.Graph = plasticity.NewRule(plasticity.GraphRule, T)
			for i := range rules.Graph.Table {
				rules.Graph.Table[i] = 0.01 * float64(i%3-1)
			}
		}
		if _, err := plasticity.Train(net, rules, sp.Train, nil); err != nil {
			t.Fatal(err)
		}
		h, c, lc, err := CalibratedHessian(net, set, plasticity.CrossEntropy, BlockOutput, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !(c > 0) || math.IsInf(c, 0) {
			t.Fatalf("T=%d: c = %v", T, c)
		}
		// Brute force: the loss at 4001 scales, log-spaced over [c/100, 100c].
		plain := plasticity.NewClassLoss(net, set.Rows(), set.Y, plasticity.CrossEntropy)
		theta := plain.Params()
		nU := len(net.U)
		g := make([]float64, len(theta))
		th := make([]float64, len(theta))
		lossAt := func(s float64) float64 {
			copy(th, theta)
			for i := range nU {
				th[i] *= s
			}
			return plain.Grad(g, th)
		}
		step := math.Log(1e4) / 4000
		best, bestL := 0.0, math.Inf(1)
		for i := 0; i <= 4000; i++ {
			s := c / 100 * math.Exp(float64(i)*step)
			if l := lossAt(s); l < bestL {
				best, bestL = s, l
			}
		}
		if r := math.Abs(math.Log(best / c)); r > 1.01*step {
			t.Errorf("T=%d: bisection c = %.6g, grid minimum at %.6g (%.2g grid steps apart)", T, c, best, r/step)
		}
		if lc > bestL*(1+1e-9) {
			t.Errorf("T=%d: loss %v at c above the grid's minimum %v", T, lc, bestL)
		}
		copy(net.U, theta[:nU]) // plain.Grad wrote its last θ into the network
		cc := CurvatureConfig{Lanczos: 25, Probes: -1, Tol: 1e-10, Seed: 1}
		cal, err := MeasureCurvature(h, cc, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := NetworkHessian(net, set, plasticity.CrossEntropy, BlockOutput, 3)
		if err != nil {
			t.Fatal(err)
		}
		rawC, err := MeasureCurvature(raw, cc, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range net.U {
			net.U[i] *= 3
		}
		h3, c3, lc3, err := CalibratedHessian(net, set, plasticity.CrossEntropy, BlockOutput, 3)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(c3*3/c-1) > 1e-8 || math.Abs(lc3/lc-1) > 1e-9 {
			t.Errorf("T=%d: 3U gives c = %v (want %v) and loss %v (want %v)", T, c3, c/3, lc3, lc)
		}
		cal3, err := MeasureCurvature(h3, cc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := math.Abs(cal3.LambdaTop()/cal.LambdaTop() - 1); r > 1e-6 {
			t.Errorf("T=%d: calibrated λ_top %v at U, %v at 3U", T, cal.LambdaTop(), cal3.LambdaTop())
		}
		raw3, err := NetworkHessian(net, set, plasticity.CrossEntropy, BlockOutput, 3)
		if err != nil {
			t.Fatal(err)
		}
		raw3C, err := MeasureCurvature(raw3, cc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := math.Abs(raw3C.LambdaTop()/rawC.LambdaTop() - 1); r < 0.01 {
			t.Errorf("T=%d: λ_top at U (%v) and at 3U (%v) agree: the check above could not fail", T, rawC.LambdaTop(), raw3C.LambdaTop())
		}
		t.Logf("T=%d: c = %.4g, loss %.4g → %.4g; λ_top raw %.4g (3U: %.4g), calibrated %.4g", T, c, plain.Grad(g, theta), lc, rawC.LambdaTop(), raw3C.LambdaTop(), cal.LambdaTop())
	}
}

// TestHiddenMoments: the mean ‖hᵀ‖² and the largest eigenvalue of the mean
// hᵀhᵀᵀ from the 64 × 64 Gram matrix equal those of the |V| × |V| matrix
// built directly (|V| = 60, T = 3, MNIST; the two share their non-zero
// eigenvalues).
func TestHiddenMoments(t *testing.T) {
	sp, err := dataset.Load("mnist", &dataset.Options{Seed: 2, TrainSize: 64, TestSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	net, err := plasticity.New(plasticity.Config{Inputs: 784, Labels: 10, Nodes: 60, Cap: 30, Rounds: 3}, rand.NewPCG(4, 4))
	if err != nil {
		t.Fatal(err)
	}
	xs := sp.Train.Rows()
	meanSq, top := hiddenMoments(net, xs)
	ws := net.NewWorkspace()
	m := mat.NewSymDense(60, nil)
	var sq float64
	for _, x := range xs {
		net.ForwardWS(ws, x)
		h := ws.H[3]
		for i := range 60 {
			sq += h[i] * h[i] / float64(len(xs))
			for j := i; j < 60; j++ {
				m.SetSym(i, j, m.At(i, j)+h[i]*h[j]/float64(len(xs)))
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(m, false) {
		t.Fatal("no eigenvalues")
	}
	want := slices.Max(eig.Values(nil))
	if math.Abs(meanSq/sq-1) > 1e-12 || math.Abs(top/want-1) > 1e-9 || !(want > 0) {
		t.Errorf("mean ‖h‖² %v, λ_top %v; direct: %v, %v", meanSq, top, sq, want)
	}
}
