package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// linearCase is an image x of label 0 of a linear classifier z = Wx whose
// analytic minimal adversarial distance is want: the distance to the
// nearest of the hyperplanes (w₀ − w_c)·x = 0, c ≠ 0, the complement of
// the region where label 0 wins being the union of their far half-spaces.
// x lies in the box with room to reach the nearest hyperplane.
type linearCase struct {
	name string
	m    Model
	x    []float64
	want float64
}

// linearCases builds two-label and four-label classifiers on d = 100 and
// the linear plasticity network of TestLinearBoundary.
func linearCases(t *testing.T) []linearCase {
	t.Helper()
	var cases []linearCase
	rng := rand.New(rand.NewPCG(11, 11))
	const d = 100
	for _, m := range []int{2, 4} {
		w := make([][]float64, m)
		for c := range w {
			w[c] = make([]float64, d)
			for i := range w[c] {
				w[c][i] = rng.NormFloat64()
			}
		}
		for _, dist := range []float64{0.0731, 0.4105} {
			dw := floats.SubTo(make([]float64, d), w[0], w[1])
			x := boundaryCase(t, dw, dist)
			// The other labels sit far: w_c = w₁ − 5Δw/‖Δw‖²·… would
			// be contrived; instead take the analytic minimum over all
			// pairs, which is ≤ dist.
			want := math.Inf(1)
			for c := 1; c < m; c++ {
				dc := floats.SubTo(make([]float64, d), w[0], w[c])
				want = min(want, floats.Dot(dc, x)/floats.Norm(dc, 2))
			}
			if !(want > 0) {
				t.Fatalf("test design: x is not classified 0 (m = %d)", m)
			}
			cases = append(cases, linearCase{name: "bare", m: linear{w}, x: x, want: want})
		}
	}
	// T = 1, k = |V|, A = 1: z = U M_A x is linear (see TestLinearBoundary).
	cfg := plasticity.Config{Inputs: 30, Labels: 2, Nodes: 40, Cap: 40, Rounds: 1, InputOnes: true, Seed: 2}
	net := randomNet(t, cfg, 4)
	dw := make([]float64, cfg.Inputs)
	e := make([]float64, cfg.Inputs)
	ws := net.NewWorkspace()
	for j := range dw {
		e[j] = 1
		net.ForwardWS(ws, e)
		e[j] = 0
		dw[j] = ws.Z[0] - ws.Z[1]
	}
	for _, dist := range []float64{0.0517, 0.3333} {
		cases = append(cases, linearCase{name: "network", m: Network(net), x: boundaryCase(t, dw, dist), want: dist})
	}
	return cases
}

// TestMinimalDistanceLinear checks the bisection and the decision-based
// attack against the analytic distance to the decision boundary of linear
// classifiers. Any point classified ≠ 0 lies at least want away, so every
// returned distance must be ≥ want (up to rounding): a lower bound no
// attack can beat. The bisection must come within its tolerance of it
// (the targeted attack towards the nearest hyperplane's label moves along
// its normal), and HopSkipJump, which sees only labels, within 5 %.
func TestMinimalDistanceLinear(t *testing.T) {
	t.Parallel()
	const tol = 1e-3
	for ci, tc := range linearCases(t) {
		for _, meth := range []Method{{}, {Loss: Margin, Normalize: true}, {Loss: HopSkipJump}} {
			a := NewMethodAttacker(tc.m, meth, false, uint64(ci))
			dst := make([]float64, len(tc.x))
			got := a.MinimalDistance(dst, tc.x, 0, 4, tol)
			if p := a.Predict(dst); p == 0 {
				t.Errorf("%s case %d, %s: the returned point is classified 0", tc.name, ci, a.Method())
			}
			if d := dist2(dst, tc.x); d != got {
				t.Errorf("%s case %d, %s: returned %v, the point lies at %v", tc.name, ci, a.Method(), got, d)
			}
			slack := tol // the bisection's bracket
			if meth.Decision() {
				slack = 0.05 * tc.want
			}
			if !(got >= tc.want*(1-1e-9) && got <= tc.want+slack) {
				t.Errorf("%s case %d, %s: minimal distance %v, analytic %v (allowed up to +%.3g)", tc.name, ci, a.Method(), got, tc.want, slack)
			}
			t.Logf("%s case %d, %s: %.6g, analytic %.6g", tc.name, ci, a.Method(), got, tc.want)
			if a.anyIterate || a.first != 0 {
				t.Errorf("%s: MinimalDistance left the attacker changed", a.Method())
			}
		}
	}
}

// TestDecisionUnmasked checks that the decision-based attack cannot be
// masked by the scale of the logits: dividing them by τ = 2^±12 (exact in
// floating point, so every prediction and every query is the same) gives
// bit-identical distances, while the double-softmax gradient attack at
// τ = 2⁻¹² breaks nothing it broke at τ = 1.
func TestDecisionUnmasked(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 40, 7)
	dc := DistanceConfig{Images: 20, Seed: 5, Max: 4, Tol: 0.01, Attacks: []Method{{Loss: HopSkipJump, Steps: 10}, {Loss: DoubleSoftmax, Normalize: true, Steps: 20}}}
	var base *Distances
	for _, tau := range []float64{1, 0x1p-12, 0x1p12} {
		res, err := MinimalDistances(Temperature(Network(net), tau), set, &DistanceSettings{DistanceConfig: dc})
		if err != nil {
			t.Fatal(err)
		}
		if base == nil {
			base = res
			if RobustAt(res.Dist[0], 4) == 1 || RobustAt(res.Dist[1], 4) == 1 {
				t.Fatal("an attack breaks nothing at τ = 1: the test is void")
			}
			continue
		}
		if !slices.Equal(res.Dist[0], base.Dist[0]) {
			t.Errorf("τ = %v: decision-based distances %v, at τ = 1 %v", tau, res.Dist[0], base.Dist[0])
		}
		if tau < 1 && RobustAt(res.Dist[1], 4) != 1 {
			t.Errorf("τ = %v: double softmax still breaks %v of the images: the test does not show masking", tau, 1-RobustAt(res.Dist[1], 4))
		}
	}
}

// TestMinimalDistancesWorkers checks that MinimalDistances does not depend
// on the number of goroutines, that Min is the smallest distance per image,
// and that Robustness with the decision-based attack counts an image
// broken at ε exactly when its distance is at most ε, whatever the
// workers.
func TestMinimalDistancesWorkers(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 40, 7)
	dc := DistanceConfig{Images: 12, Seed: 2, Max: 3, Tol: 0.05, Attacks: []Method{{Loss: Margin, Normalize: true, Steps: 10, Restarts: 1}, {Loss: HopSkipJump, Steps: 5}}}
	var first *Distances
	for _, workers := range []int{1, 3} {
		res, err := MinimalDistances(Network(net), set, &DistanceSettings{DistanceConfig: dc, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
		}
		for k := range res.Dist {
			if !slices.Equal(res.Dist[k], first.Dist[k]) {
				t.Errorf("workers = %d, attack %d: distances %v, with 1 worker %v", workers, k, res.Dist[k], first.Dist[k])
			}
		}
		for i, d := range res.Min {
			if d != min(res.Dist[0][i], res.Dist[1][i]) {
				t.Errorf("image %d: Min %v, distances %v and %v", i, d, res.Dist[0][i], res.Dist[1][i])
			}
		}
	}
	eps := []float64{0, 0.25, 0.5, 1, 2}
	var rfirst *Result
	for _, workers := range []int{1, 2} {
		res, err := Robustness(Network(net), set, &Settings{Workers: workers, Keep: 3, Config: Config{Eps: eps, Images: 12, Seed: 2, Attacks: []Method{{Loss: HopSkipJump, Steps: 5}}}})
		if err != nil {
			t.Fatal(err)
		}
		if rfirst == nil {
			rfirst = res
		}
		mr := res.Methods[0]
		if !slices.Equal(mr.Dist, rfirst.Methods[0].Dist) {
			t.Errorf("workers = %d: decision distances differ", workers)
		}
		for e, v := range eps {
			for i, d := range mr.Dist {
				if mr.Final[e][i] != (d <= v) || res.Broken[e][i] != (d <= v) {
					t.Errorf("ε = %v image %d: distance %v, broken %v", v, i, d, res.Broken[e][i])
				}
			}
		}
		for _, ex := range res.Examples {
			if ex.Broken != (dist2(ex.Adversarial, ex.Original) <= ex.Eps && ex.Pred != ex.Label) {
				t.Errorf("example %d at ε = %v: broken %v, distance %v, prediction %d, label %d", ex.Index, ex.Eps, ex.Broken, dist2(ex.Adversarial, ex.Original), ex.Pred, ex.Label)
			}
		}
	}
	if rfirst.Robust[len(eps)-1] == 1 {
		t.Error("nothing broken at the largest radius: the test is void")
	}
}

// single hides a Worker's PredictBatch, so the decision-based attack
// labels its queries one Forward at a time.
type single struct{ Model }

func (s single) NewWorker() Worker { return struct{ Worker }{s.Model.NewWorker()} }

// TestDecisionBatchedEqualsSingle: HopSkipJump with its direction queries
// labelled in batches (a network's BatchWorker: Evaluate's kernels, the
// tiled one above 256 nodes) finds the same distances, bit for bit, as
// with every query labelled by its own Forward; the iterations ask for
// 100·√t queries, so batches of 64 end part-full.
func TestDecisionBatchedEqualsSingle(t *testing.T) {
	t.Parallel()
	for _, cfg := range []plasticity.Config{
		{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1},
		{Inputs: 30, Labels: 4, Nodes: 300, Cap: 150, Rounds: 3, Seed: 2},
	} {
		net := randomNet(t, cfg, 3)
		set := unitSet(net, 30, 7)
		dc := DistanceConfig{Images: 6, Seed: 2, Max: 3, Tol: 0.05, Attacks: []Method{{Loss: HopSkipJump, Steps: 6}}}
		batched, err := MinimalDistances(Network(net), set, &DistanceSettings{DistanceConfig: dc, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		one, err := MinimalDistances(single{Network(net)}, set, &DistanceSettings{DistanceConfig: dc, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(batched.Dist[0], one.Dist[0]) {
			t.Errorf("|V| = %d: batched distances %v, one query at a time %v", cfg.Nodes, batched.Dist[0], one.Dist[0])
		}
		if RobustAt(one.Dist[0], 3) == 1 {
			t.Errorf("|V| = %d: nothing broken: the test is void", cfg.Nodes)
		}
	}
}
