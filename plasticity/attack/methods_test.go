package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// TestLossGradFiniteDifferences checks the logit gradient of every loss
// against central differences of the loss written out independently:
// cross-entropy −log softmax(z)_t, double softmax −log softmax(softmax(z))_t
// and margin max_{c≠t} z_c − z_t.
func TestLossGradFiniteDifferences(t *testing.T) {
	t.Parallel()
	logsumexp := func(v []float64) float64 {
		m := slices.Max(v)
		var s float64
		for _, x := range v {
			s += math.Exp(x - m)
		}
		return m + math.Log(s)
	}
	softmax := func(v []float64) []float64 {
		l := logsumexp(v)
		p := make([]float64, len(v))
		for i, x := range v {
			p[i] = math.Exp(x - l)
		}
		return p
	}
	ref := map[Loss]func(z []float64, t int) float64{
		CrossEntropy:  func(z []float64, t int) float64 { return logsumexp(z) - z[t] },
		DoubleSoftmax: func(z []float64, t int) float64 { p := softmax(z); return logsumexp(p) - p[t] },
		Margin: func(z []float64, t int) float64 {
			best := math.Inf(-1)
			for c, v := range z {
				if c != t {
					best = max(best, v)
				}
			}
			return best - z[t]
		},
	}
	// h = 1e-6 and tol = 1e-7: the losses are smooth (the margin is
	// linear away from ties, and random logits have no ties); the central
	// difference's error is O(h²) plus rounding 1e-16/h = 1e-10.
	const h, tol = 1e-6, 1e-7
	rng := rand.New(rand.NewPCG(1, 1))
	for _, loss := range Losses() {
		for trial := 0; trial < 20; trial++ {
			m := 2 + trial%5
			z := make([]float64, m)
			for c := range z {
				z[c] = 3 * rng.NormFloat64()
			}
			target := trial % m
			dz, work := make([]float64, m), make([]float64, m)
			l := LossGrad(dz, work, z, target, loss)
			if want := ref[loss](z, target); !scalar.EqualWithinAbsOrRel(l, want, 1e-12, 1e-12) {
				t.Errorf("%s: loss %v, written out %v", loss, l, want)
			}
			for c := range z {
				zp, zm := slices.Clone(z), slices.Clone(z)
				zp[c] += h
				zm[c] -= h
				fd := (ref[loss](zp, target) - ref[loss](zm, target)) / (2 * h)
				if !scalar.EqualWithinAbsOrRel(dz[c], fd, tol, tol) {
					t.Errorf("%s trial %d: ∂L/∂z[%d] = %v, central difference %v", loss, trial, c, dz[c], fd)
				}
			}
		}
	}
}

// TestRobustMonotone checks that the default robust accuracy, the strongest
// of the configured attacks per image over radii ≤ ε, never rises with ε
// and is never above any single attack's count, and that Broken is exactly
// that union (computed here by brute force from the per-attack grids).
func TestRobustMonotone(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 60, 7)
	s := &Settings{Config: Config{Eps: []float64{0, 0.2, 0.4, 0.8, 1.6}, Images: 30, Seed: 3,
		Attacks: []Method{{Steps: 10}, {Loss: DoubleSoftmax, Steps: 10}, {Loss: Margin, Normalize: true, Steps: 10, Restarts: 1}}}}
	res, err := Robustness(Network(net), set, s)
	if err != nil {
		t.Fatal(err)
	}
	for e := range res.Robust {
		if e > 0 && res.Robust[e] > res.Robust[e-1] {
			t.Errorf("robust accuracy rises from %v to %v between ε = %v and %v", res.Robust[e-1], res.Robust[e], s.Eps[e-1], s.Eps[e])
		}
		if res.RobustAny[e] > res.Robust[e] {
			t.Errorf("ε = %v: any-iterate robust accuracy %v above final-point %v", s.Eps[e], res.RobustAny[e], res.Robust[e])
		}
		for _, mr := range res.Methods {
			if res.Robust[e] > mr.Robust[e] {
				t.Errorf("ε = %v: robust accuracy %v above %s's %v", s.Eps[e], res.Robust[e], mr.Method, mr.Robust[e])
			}
			if mr.RobustAny[e] > mr.Robust[e] {
				t.Errorf("ε = %v, %s: any-iterate %v above final %v", s.Eps[e], mr.Method, mr.RobustAny[e], mr.Robust[e])
			}
		}
		for i := range res.Images {
			want := false
			for e2 := 0; e2 <= e; e2++ {
				for _, mr := range res.Methods {
					want = want || mr.Final[e2][i]
				}
			}
			if res.Broken[e][i] != want {
				t.Errorf("ε = %v image %d: broken %v, union of the attacks %v", s.Eps[e], i, res.Broken[e][i], want)
			}
		}
	}
	if res.Robust[len(s.Eps)-1] == 1 {
		t.Error("nothing broken at the largest radius: the test does not exercise the union")
	}
}

// TestTemperature checks that dividing the logits by τ changes no
// prediction and leaves the margin-loss attack with normalised steps
// exactly unchanged (τ a power of two, so the scaling is exact in floating
// point: any difference would be a scale-dependent attack), while the
// raw-gradient cross-entropy and double-softmax attacks do depend on τ.
func TestTemperature(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 60, 7)
	taus := []float64{0x1p-12, 1, 0x1p12}
	run := func(tau float64, meth Method) *Result {
		res, err := Robustness(Temperature(Network(net), tau), set, &Settings{Config: Config{Eps: []float64{0.5, 1}, Images: 30, Seed: 2, Attacks: []Method{meth}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, tau := range taus {
		w, w1 := Temperature(Network(net), tau).NewWorker(), Network(net).NewWorker()
		for i := 0; i < set.Len(); i++ {
			if p, p1 := predict(w.Forward(set.Row(i, nil))), predict(w1.Forward(set.Row(i, nil))); p != p1 {
				t.Errorf("τ = %v: image %d predicted %d, %d without τ", tau, i, p, p1)
			}
		}
	}
	margin := Method{Loss: Margin, Normalize: true, Steps: 20}
	base := run(1, margin)
	if base.Robust[1] == 1 {
		t.Fatal("the margin attack breaks nothing: the test is void")
	}
	for _, tau := range taus {
		res := run(tau, margin)
		for e := range res.Broken {
			if !slices.Equal(res.Broken[e], base.Broken[e]) || !slices.Equal(res.BrokenAny[e], base.BrokenAny[e]) {
				t.Errorf("margin, τ = %v, ε = %v: broken %v, with τ = 1 %v", tau, res.Config.Eps[e], res.Robust[e], base.Robust[e])
			}
		}
	}
	// Scale-dependent attacks: at τ = 2⁻¹² (logits 4096 times larger) the
	// double softmax's gradient underflows and breaks nothing; the raw
	// cross-entropy step at τ = 2¹² is 4096 times shorter and breaks nothing.
	for _, tc := range []struct {
		meth Method
		tau  float64
	}{{Method{Loss: DoubleSoftmax, Steps: 20}, 0x1p-12}, {Method{Loss: CrossEntropy, Steps: 20}, 0x1p12}} {
		at1, atTau := run(1, tc.meth), run(tc.tau, tc.meth)
		if !(atTau.Robust[1] == 1 && at1.Robust[1] < 1) {
			t.Errorf("%s: robust accuracy %v at τ = 1, %v at τ = %v; want < 1 and 1", tc.meth, at1.Robust[1], atTau.Robust[1], tc.tau)
		}
	}
}

// TestRestartsSeeded checks that random restarts are reproducible, do not
// depend on the number of workers, stay in the ball and the box (the
// examples' distances), and never weaken the attack: a run from x is
// always made first, so the restarted attack breaks every image the plain
// one breaks.
func TestRestartsSeeded(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 60, 7)
	plain := Method{Loss: Margin, Normalize: true, Steps: 8}
	restarted := plain
	restarted.Restarts = 3
	var first *Result
	for _, workers := range []int{1, 3} {
		res, err := Robustness(Network(net), set, &Settings{Workers: workers, Keep: 30,
			Config: Config{Eps: []float64{0.3, 0.6}, Images: 30, Seed: 4, Attacks: []Method{plain, restarted}}})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
		}
		for e := range res.Broken {
			if !slices.Equal(res.Methods[1].Any[e], first.Methods[1].Any[e]) {
				t.Errorf("workers = %d: restarted attack differs", workers)
			}
			for i := range res.Images {
				if res.Methods[0].Final[e][i] && !res.Methods[1].Final[e][i] {
					t.Errorf("ε = %v image %d: broken without restarts, not with", res.Config.Eps[e], i)
				}
			}
		}
		for _, ex := range res.Examples {
			if d := dist2(ex.Adversarial, ex.Original); d > ex.Eps+projTol {
				t.Errorf("example %d at ε = %v: distance %v", ex.Index, ex.Eps, d)
			}
		}
	}
	if fmt.Sprint(restarted.Defaults()) != "margin/unit/S=8/R=3" {
		t.Errorf("Method.String = %q", restarted.Defaults().String())
	}
}

// TestParseMethod checks the round trip through Method.String and errors.
func TestParseMethod(t *testing.T) {
	t.Parallel()
	for _, m := range []Method{{}, Strong(), {Loss: DoubleSoftmax, Normalize: true, Steps: 7, StepFactor: 1.5}, {Loss: HopSkipJump, Steps: 25, Restarts: 1}} {
		got, err := ParseMethod(m.String())
		if err != nil || got != m.Defaults() {
			t.Errorf("ParseMethod(%q) = %+v, %v; want %+v", m.String(), got, err, m.Defaults())
		}
	}
	for _, s := range []string{"hinge", "ce/fast", "ce/S=x", "margin/S=0", "ce/R=-1"} {
		if _, err := ParseMethod(s); err == nil {
			t.Errorf("ParseMethod(%q): no error", s)
		}
	}
}
