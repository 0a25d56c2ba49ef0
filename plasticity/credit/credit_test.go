package credit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/curvature"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// tiny returns a small network and a random batch of sequences.
func tiny(act Activation, in, hidden, out, steps, batch int, seed uint64) (*Net, Batch) {
	n := New(in, hidden, out, steps, act, rand.NewPCG(seed, 1))
	rng := rand.New(rand.NewPCG(seed, 2))
	b := Batch{X: make([]float64, batch*steps*in), Y: make([]int, batch)}
	for i := range b.X {
		b.X[i] = rng.Float64()
	}
	for i := range b.Y {
		b.Y[i] = rng.IntN(out)
	}
	return n, b
}

func relErr(a, b []float64) float64 { return floats.Distance(a, b, 2) / floats.Norm(b, 2) }

// The exact gradient (bptt) equals central finite differences of the loss.
func TestGradientFD(t *testing.T) {
	t.Parallel()
	for _, act := range []Activation{Tanh, ReLU} {
		n, b := tiny(act, 3, 5, 3, 6, 7, 1)
		g := make([]float64, n.Len())
		n.Update(g, n.Theta, b, Rule{Kind: BPTT})
		fd := make([]float64, n.Len())
		th := append([]float64(nil), n.Theta...)
		const h = 1e-6 // O(h²) truncation, O(ε/h) rounding: ≈1e-10 abs.
		for _, k := range n.WeightBlock() {
			th[k] += h
			lp := n.Loss(th, b)
			th[k] -= 2 * h
			lm := n.Loss(th, b)
			th[k] += h
			fd[k] = (lp - lm) / (2 * h)
		}
		if e := relErr(g, fd); e > 1e-6 {
			t.Errorf("act %d: gradient vs FD rel. error %g", act, e)
		}
	}
}

// The R-operator HVP equals central differences of the exact gradient,
// relative error below 1e-5 (issue 12): tanh everywhere, ReLU at a random
// point (a step of 1e-6 crosses no kink with these random inputs).
func TestHessVecFD(t *testing.T) {
	t.Parallel()
	for _, act := range []Activation{Tanh, ReLU} {
		for seed := uint64(1); seed <= 3; seed++ {
			n, b := tiny(act, 3, 6, 4, 5, 9, seed)
			rng := rand.New(rand.NewPCG(seed, 7))
			u := make([]float64, n.Len())
			for _, k := range n.WeightBlock() {
				u[k] = rng.NormFloat64()
			}
			hv := make([]float64, n.Len())
			n.HessVec(hv, n.Theta, u, b)
			const h = 1e-6
			tp := append([]float64(nil), n.Theta...)
			tm := append([]float64(nil), n.Theta...)
			floats.AddScaled(tp, h, u)
			floats.AddScaled(tm, -h, u)
			gp, gm := make([]float64, n.Len()), make([]float64, n.Len())
			n.Update(gp, tp, b, Rule{Kind: BPTT})
			n.Update(gm, tm, b, Rule{Kind: BPTT})
			fd := make([]float64, n.Len())
			floats.SubTo(fd, gp, gm)
			floats.Scale(1/(2*h), fd)
			if e := relErr(hv, fd); e > 1e-5 {
				t.Errorf("act %d seed %d: HVP vs FD of gradient rel. error %g", act, seed, e)
			}
		}
	}
}

// Lanczos on the RNN's Hessian (30 parameters: all weights but diag W_rec)
// against gonum's dense eigendecomposition of the Hessian assembled from
// HVPs: relative error below 1e-6 at both ends (issue 12).
func TestLanczosRNN(t *testing.T) {
	t.Parallel()
	n, b := tiny(Tanh, 2, 4, 2, 4, 10, 3) // 8+16+8+2 = 34, minus 4 diagonal = 30
	h := curvature.Block(curvature.At(Objective{n, b}, n.Theta), n.WeightBlock())
	if h.Len() != 30 {
		t.Fatalf("block has %d parameters, want 30", h.Len())
	}
	d := h.Len()
	hd := mat.NewSymDense(d, nil)
	e, col := make([]float64, d), make([]float64, d)
	for j := 0; j < d; j++ {
		clear(e)
		e[j] = 1
		h.HessVec(col, e)
		for i := 0; i <= j; i++ {
			hd.SetSym(i, j, col[i])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(hd, false) {
		t.Fatal("eigendecomposition failed")
	}
	want := es.Values(nil)
	sp, err := curvature.Lanczos(h, nil, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if r := math.Abs(sp.Top[0]-want[d-1]) / math.Abs(want[d-1]); r > 1e-6 {
		t.Errorf("λ_top %g, dense %g", sp.Top[0], want[d-1])
	}
	if r := math.Abs(sp.Bottom[0]-want[0]) / math.Abs(want[0]); r > 1e-6 {
		t.Errorf("λ_min %g, dense %g", sp.Bottom[0], want[0])
	}
}

func grad(n *Net, b Batch, r Rule) []float64 {
	g := make([]float64, n.Len())
	n.Update(g, n.Theta, b, r)
	return g
}

// Each rule against its definition on hand-checkable cases.
func TestRuleDefinitions(t *testing.T) {
	t.Parallel()
	n, b := tiny(ReLU, 3, 5, 3, 6, 4, 5)
	exact := grad(n, b, Rule{Kind: BPTT})
	// tbptt(S) is bptt, bit for bit; tbptt(1) is truncated.
	if !floats.Equal(grad(n, b, Rule{Kind: TBPTT, K: 6}), exact) {
		t.Error("tbptt(S) ≠ bptt")
	}
	if !floats.Equal(grad(n, b, Rule{Kind: TBPTT, K: 1}), grad(n, b, Rule{Kind: Truncated})) {
		t.Error("tbptt(1) ≠ truncated")
	}
	// rflo with τ = 1 keeps only the last step's eligibility: eprop-random.
	if e := relErr(grad(n, b, Rule{Kind: RFLO, Tau: 1}), grad(n, b, Rule{Kind: EpropRandom})); e > 1e-15 {
		t.Errorf("rflo(τ=1) vs eprop-random: %g", e)
	}
	// With the feedback matrix set to W_outᵀ, eprop-random is truncated.
	_, _, wout, _ := n.split(n.Theta)
	m := *n
	m.Feedback = make([]float64, n.Hidden*n.Out)
	for i := 0; i < n.Hidden; i++ {
		for c := 0; c < n.Out; c++ {
			m.Feedback[i*n.Out+c] = wout[c*n.Hidden+i]
		}
	}
	if !floats.Equal(grad(&m, b, Rule{Kind: EpropRandom}), grad(n, b, Rule{Kind: Truncated})) {
		t.Error("eprop-random with B = W_outᵀ ≠ truncated")
	}
	// truncated differs from bptt in general (W_rec ≠ 0) ...
	if relErr(grad(n, b, Rule{Kind: Truncated}), exact) < 1e-3 {
		t.Error("truncated equals bptt with W_rec ≠ 0: the cut has no effect")
	}
	// ... and equals it when W_rec = 0 (no gradient flows through z_{t−1}).
	z := *n
	z.Theta = append([]float64(nil), n.Theta...)
	_, wrec, _, _ := z.split(z.Theta)
	clear(wrec)
	if e := relErr(grad(&z, b, Rule{Kind: Truncated}), grad(&z, b, Rule{Kind: BPTT})); e > 1e-15 {
		t.Errorf("W_rec=0: truncated vs bptt rel. error %g", e)
	}
}

// rflo against its forward definition: the eligibility trace e^t =
// (1−1/τ)e^{t−1} + (1/τ)φ′(v^t) z^{t−1}ᵀ run forward in time, ĝ_rec =
// L ⊙ e^S with L = B δ_y, for one example, plus weight decay.
func TestRFLOForward(t *testing.T) {
	t.Parallel()
	n, b := tiny(ReLU, 2, 4, 3, 7, 1, 9)
	const tau = 3.0
	g := grad(n, b, Rule{Kind: RFLO, Tau: tau})
	w := n.work()
	n.refForward(w, n.Theta, b.X, b.Y[0])
	h := n.Hidden
	e := make([]float64, h*h)
	for t := 0; t < n.Steps; t++ {
		for i := 0; i < h; i++ {
			_, d1, _ := n.phi(w.v[t*h+i])
			for j := 0; j < h; j++ {
				e[i*h+j] = (1-1/tau)*e[i*h+j] + d1*w.z[t*h+j]/tau
			}
		}
	}
	dy := append([]float64(nil), w.p...)
	dy[b.Y[0]]--
	_, wrec, _, _ := n.split(n.Theta)
	_, grec, _, _ := n.split(g)
	for i := 0; i < h; i++ {
		var l float64
		for c := 0; c < n.Out; c++ {
			l += n.Feedback[i*n.Out+c] * dy[c]
		}
		for j := 0; j < h; j++ {
			want := l*e[i*h+j] + n.Decay*wrec[i*h+j]
			if i == j {
				want = 0
			}
			if math.Abs(grec[i*h+j]-want) > 1e-13 {
				t.Errorf("ĝ_rec[%d,%d] = %g, forward definition %g", i, j, grec[i*h+j], want)
			}
		}
	}
}

func TestParseRule(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"bptt", "truncated", "eprop-random", "rflo", "tbptt(3)"} {
		r, err := ParseRule(s)
		if err != nil || r.String() != s {
			t.Errorf("ParseRule(%q) = %v, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "tbptt(0)", "tbptt(x)", "eprop"} {
		if _, err := ParseRule(s); err == nil {
			t.Errorf("ParseRule(%q): no error", s)
		}
	}
}
