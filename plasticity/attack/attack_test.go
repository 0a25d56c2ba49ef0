package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// randomNet returns a network with random plastic weights W ~ N(0, 0.5²)
// and U ~ N(0, 1), so that every gradient path is active.
func randomNet(t testing.TB, cfg plasticity.Config, s uint64) *plasticity.Network {
	t.Helper()
	net, err := plasticity.New(cfg, rand.NewPCG(s, 1))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(s, 2))
	for i := range net.W {
		net.W[i] = 0.5 * rng.NormFloat64()
	}
	for i := range net.U {
		net.U[i] = rng.NormFloat64()
	}
	return net
}

// TestInputGradFiniteDifferences checks the attacked loss's ∇ₓ (both
// losses) against central differences, with the cap set fixed: coordinates
// whose perturbation changes a firing pattern are skipped (and must be few).
func TestInputGradFiniteDifferences(t *testing.T) {
	t.Parallel()
	// h = 1e-6: the loss is smooth between pattern changes, so the error is
	// O(h²·curvature) plus rounding O(1e-16/h) = 1e-10.
	const h, tol = 1e-6, 1e-6
	for _, loss := range Losses() {
		for _, rec := range []plasticity.Recurrence{plasticity.Paper, plasticity.Reference} {
			for _, T := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/T=%d", loss, rec, T), func(t *testing.T) {
					t.Parallel()
					cfg := plasticity.Config{Inputs: 12, Labels: 4, Nodes: 30, Cap: 12, Rounds: T, Recurrence: rec, Seed: 5}
					net := randomNet(t, cfg, 11)
					a := NewAttacker(Network(net), Config{Loss: loss})
					rng := rand.New(rand.NewPCG(3, 4))
					x := make([]float64, cfg.Inputs)
					for j := range x {
						x[j] = rng.Float64()
					}
					ws := net.NewWorkspace()
					dz := make([]float64, cfg.Labels)
					lossAt := func(x []float64, target int) (float64, []int) {
						net.ForwardWS(ws, x)
						l := plasticity.LossGrad(dz, ws.Z, target, plasticity.CrossEntropy, 1)
						if loss == Margin {
							// max_{c≠target} z_c − z_target, written out here;
							// best is part of the "pattern": a change of the
							// runner-up is a kink, skipped like a cap change.
							best := -1
							for c, v := range ws.Z {
								if c != target && (best < 0 || v > ws.Z[best]) {
									best = c
								}
							}
							return ws.Z[best] - ws.Z[target], append(slices.Clone(ws.Pattern), best)
						}
						if loss == DoubleSoftmax {
							p := make([]float64, cfg.Labels)
							for c := range p {
								p[c] = dz[c] // softmax(z) − e_target
							}
							p[target]++
							l = plasticity.LossGrad(dz, p, target, plasticity.CrossEntropy, 1)
						}
						return l, slices.Clone(ws.Pattern)
					}
					skipped := 0
					for target := 0; target < cfg.Labels; target++ {
						dx := make([]float64, cfg.Inputs)
						a.Grad(dx, x, target)
						_, pat := lossAt(x, target)
						xp := slices.Clone(x)
						for j := range x {
							xp[j] = x[j] + h
							lp, pp := lossAt(xp, target)
							xp[j] = x[j] - h
							lm, pm := lossAt(xp, target)
							xp[j] = x[j]
							if !slices.Equal(pp, pat) || !slices.Equal(pm, pat) {
								skipped++
								continue
							}
							fd := (lp - lm) / (2 * h)
							if !scalar.EqualWithinAbsOrRel(dx[j], fd, tol, tol) {
								t.Errorf("target %d: ∂L/∂x[%d] = %v, central difference %v", target, j, dx[j], fd)
							}
						}
					}
					if skipped > cfg.Labels*cfg.Inputs/4 {
						t.Errorf("%d of %d coordinates changed the cap set", skipped, cfg.Labels*cfg.Inputs)
					}
				})
			}
		}
	}
}

// TestProject checks that Project returns points inside the ball and the
// box, is the identity on points inside both, and is the exact Euclidean
// projection when one constraint alone binds.
func TestProject(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const d = 50
	for trial := 0; trial < 200; trial++ {
		center := make([]float64, d)
		for i := range center {
			center[i] = rng.Float64()
		}
		eps := 4 * rng.Float64()
		// A point far outside both constraints.
		p := make([]float64, d)
		for i := range p {
			p[i] = center[i] + 3*rng.NormFloat64()
		}
		Project(p, center, eps)
		if dd := dist2(p, center); dd > eps+projTol {
			t.Fatalf("trial %d: distance %v > ε = %v", trial, dd, eps)
		}
		for i, v := range p {
			if v < 0 || v > 1 {
				t.Fatalf("trial %d: coordinate %d = %v outside [0, 1]", trial, i, v)
			}
		}
		// Projecting again changes nothing.
		q := slices.Clone(p)
		Project(q, center, eps)
		if !slices.Equal(p, q) {
			t.Fatalf("trial %d: Project is not idempotent", trial)
		}
		// A point inside both is unchanged: a small step from the centre, clipped.
		in := make([]float64, d)
		for i := range in {
			in[i] = min(1, max(0, center[i]+0.01*rng.NormFloat64()))
		}
		if dist2(in, center) <= eps {
			want := slices.Clone(in)
			Project(in, center, eps)
			if !slices.Equal(in, want) {
				t.Fatalf("trial %d: Project moved a point inside both constraints", trial)
			}
		}
	}
	// Only the ball binds: the projection is center + ε (p − center)/‖p − center‖.
	center := []float64{0.5, 0.5, 0.5}
	p := []float64{0.8, 0.1, 0.5} // distance 0.5 from the centre, inside the box
	Project(p, center, 0.25)
	want := []float64{0.65, 0.3, 0.5}
	if !floats.EqualApprox(p, want, 1e-15) {
		t.Errorf("ball projection: got %v, want %v", p, want)
	}
	// Only the box binds: clipping.
	p = []float64{1.2, -0.1, 0.5}
	Project(p, center, 10)
	if want := []float64{1, 0, 0.5}; !slices.Equal(p, want) {
		t.Errorf("box projection: got %v, want %v", p, want)
	}
}

// linear is a bare linear classifier z = W x, for the analytic test.
type linear struct {
	w [][]float64 // m rows of d weights
}

func (l linear) Dim() int          { return len(l.w[0]) }
func (l linear) Labels() int       { return len(l.w) }
func (l linear) NewWorker() Worker { return &linWorker{l: l, z: make([]float64, len(l.w))} }

type linWorker struct {
	l linear
	z []float64
}

func (w *linWorker) Forward(x []float64) []float64 {
	for c, row := range w.l.w {
		w.z[c] = floats.Dot(row, x)
	}
	return w.z
}

func (w *linWorker) Backward(dx, dz []float64) {
	clear(dx)
	for c, row := range w.l.w {
		floats.AddScaled(dx, dz[c], row)
	}
}

// boundaryCase places x at a chosen distance from the decision boundary of
// a two-label linear classifier with score difference Δw·x, Δw = w₀ − w₁,
// with room to move along the normal inside the box.
func boundaryCase(t *testing.T, dw []float64, dist float64) []float64 {
	t.Helper()
	d := len(dw)
	norm := floats.Norm(dw, 2)
	x := make([]float64, d)
	for i := range x {
		x[i] = 0.5
	}
	// Move along the normal so that Δw·x/‖Δw‖ = dist (label 0 side).
	floats.AddScaled(x, dist-floats.Dot(dw, x)/norm, floats.ScaleTo(make([]float64, d), 1/norm, dw))
	for i, v := range x {
		// The attack moves at most ε < dist + 0.01 along the unit normal.
		if room := (dist + 0.01) * math.Abs(dw[i]) / norm; v-room <= 0 || v+room >= 1 {
			t.Fatalf("test design: coordinate %d = %v has no room to move", i, v)
		}
	}
	return x
}

// minimalEps returns the smallest ε of the grid δ, 2δ, … at which the
// attack breaks x (label 0), or +Inf.
func minimalEps(m Model, x []float64, delta float64, n int) float64 {
	a := NewAttacker(m, Config{})
	dst := make([]float64, len(x))
	for i := 1; i <= n; i++ {
		eps := delta * float64(i)
		if broken, _ := a.Attack(dst, x, 0, eps); broken {
			return eps
		}
	}
	return math.Inf(1)
}

// TestLinearBoundary checks that on a linear two-label classifier the
// minimal successful perturbation found by the attack equals the analytic
// distance Δw·x/‖Δw‖ to the decision boundary within the grid step δ.
// The raw gradient of the targeted loss is (1 − p₁)Δw, along the normal, so
// the iterates move along it and stop on the sphere of radius ε.
func TestLinearBoundary(t *testing.T) {
	t.Parallel()
	const delta = 0.01 // the ε grid step: the resolution of the test
	t.Run("bare", func(t *testing.T) {
		t.Parallel()
		rng := rand.New(rand.NewPCG(8, 8))
		const d = 100
		w := [][]float64{make([]float64, d), make([]float64, d)}
		for c := range w {
			for i := range w[c] {
				w[c][i] = rng.NormFloat64()
			}
		}
		dw := floats.SubTo(make([]float64, d), w[0], w[1])
		for _, dist := range []float64{0.0731, 0.2549, 0.4105} {
			x := boundaryCase(t, dw, dist)
			got := minimalEps(linear{w}, x, delta, 60)
			if !(got >= dist && got-delta < dist) {
				t.Errorf("distance %v: minimal ε found %v, want in [%v, %v)", dist, got, dist, dist+delta)
			}
		}
	})
	t.Run("network", func(t *testing.T) {
		t.Parallel()
		// T = 1, k = |V| and A = 1: every node fires and a = M_A x > 0 for
		// x > 0, so the ReLU is the identity and z = U M_A x is linear with
		// w_c = M_Aᵀ U_c.
		cfg := plasticity.Config{Inputs: 30, Labels: 2, Nodes: 40, Cap: 40, Rounds: 1, InputOnes: true, Seed: 2}
		net := randomNet(t, cfg, 4)
		dw := make([]float64, cfg.Inputs)
		x := make([]float64, cfg.Inputs)
		ws := net.NewWorkspace()
		for j := range dw {
			x[j] = 1
			net.ForwardWS(ws, x)
			x[j] = 0
			dw[j] = ws.Z[0] - ws.Z[1] // e_jᵀ(w₀ − w₁)
		}
		for _, dist := range []float64{0.0517, 0.3333} {
			x := boundaryCase(t, dw, dist)
			got := minimalEps(Network(net), x, delta, 60)
			if !(got >= dist && got-delta < dist) {
				t.Errorf("distance %v: minimal ε found %v, want in [%v, %v)", dist, got, dist, dist+delta)
			}
		}
	})
}

// unitSet returns n points uniform in [0,1]^d labelled by net, so that
// every image is predicted correctly at ε = 0.
func unitSet(net *plasticity.Network, n int, s uint64) *dataset.Set {
	cfg := net.Config()
	rng := rand.New(rand.NewPCG(s, 0))
	set := &dataset.Set{Name: "unit", Dim: cfg.Inputs, Labels: cfg.Labels, X: make([]float64, n*cfg.Inputs), Y: make([]int, n)}
	for i := range set.X {
		set.X[i] = rng.Float64()
	}
	for i := range set.Y {
		set.Y[i] = net.Forward(set.Row(i, nil))
	}
	return set
}

// TestRobustnessWorkers checks that the result does not depend on the
// number of goroutines, that it is seeded, and the basic invariants: all
// images are robust at ε = 0 (they are labelled by the network itself) and
// the kept examples respect the constraints.
func TestRobustnessWorkers(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 60, 7)
	s := Settings{Config: Config{Eps: []float64{0, 0.25, 1}, Steps: 10, Images: 20, Seed: 9}, Keep: 3}
	var first *Result
	for _, workers := range []int{1, 2, 5} {
		s.Workers = workers
		res, err := Robustness(Network(net), set, &s)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		if !slices.Equal(res.Robust, first.Robust) || !slices.Equal(res.Images, first.Images) {
			t.Errorf("workers=%d: robust %v images %v, with 1 worker %v %v", workers, res.Robust, res.Images, first.Robust, first.Images)
		}
		for e := range res.Broken {
			if !slices.Equal(res.Broken[e], first.Broken[e]) {
				t.Errorf("workers=%d: broken[%d] differs", workers, e)
			}
		}
		for i, ex := range res.Examples {
			if !slices.Equal(ex.Adversarial, first.Examples[i].Adversarial) {
				t.Errorf("workers=%d: example %d differs", workers, i)
			}
		}
	}
	if first.Robust[0] != 1 || first.Clean != 1 {
		t.Errorf("robust accuracy at ε = 0 is %v, clean %v; want 1", first.Robust[0], first.Clean)
	}
	if len(first.Examples) != 3*3 {
		t.Fatalf("%d examples kept, want 9", len(first.Examples))
	}
	for _, ex := range first.Examples {
		if d := dist2(ex.Adversarial, ex.Original); d > ex.Eps+projTol {
			t.Errorf("example %d at ε = %v: distance %v", ex.Index, ex.Eps, d)
		}
		if ex.Broken != (ex.Pred != ex.Label) {
			t.Errorf("example %d at ε = %v: broken %v but prediction %d, label %d", ex.Index, ex.Eps, ex.Broken, ex.Pred, ex.Label)
		}
	}
	// AnyIterate never gives a higher robust accuracy.
	s.AnyIterate = true
	res, err := Robustness(Network(net), set, &s)
	if err != nil {
		t.Fatal(err)
	}
	for e := range res.Robust {
		if res.Robust[e] > first.Robust[e] {
			t.Errorf("ε = %v: AnyIterate robust accuracy %v above %v", s.Eps[e], res.Robust[e], first.Robust[e])
		}
	}
}

// TestRobustnessErrors checks the errors for bad input.
func TestRobustnessErrors(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 4, Labels: 2, Nodes: 10, Seed: 1}
	net := randomNet(t, cfg, 1)
	good := unitSet(net, 5, 1)
	bad := unitSet(net, 5, 1)
	bad.X[7] = 1.5
	wrongDim := &dataset.Set{Name: "w", Dim: 3, Labels: 2, X: make([]float64, 6), Y: make([]int, 2)}
	for _, tc := range []struct {
		name string
		set  *dataset.Set
		s    *Settings
	}{
		{"outside box", bad, nil},
		{"dimension", wrongDim, nil},
		{"negative eps", good, &Settings{Config: Config{Eps: []float64{-1}}}},
		{"steps", good, &Settings{Config: Config{Steps: -3}}},
	} {
		if _, err := Robustness(Network(net), tc.set, tc.s); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestLogitScale shows why Normalize exists: scaling U by c > 0 changes no
// prediction, yet the raw-gradient attack with tiny logits barely moves
// and breaks nothing, while the normalised attack breaks about as many
// images as on the unscaled network. With two labels the normalised
// direction is exactly scale-invariant ((p − e_y') ∝ e_y − e_y'), so only
// rounding can differ.
func TestLogitScale(t *testing.T) {
	t.Parallel()
	cfg := plasticity.Config{Inputs: 16, Labels: 2, Nodes: 40, Cap: 20, Rounds: 2, Seed: 1}
	net := randomNet(t, cfg, 3)
	set := unitSet(net, 60, 7)
	small := randomNet(t, cfg, 3)
	for i := range small.U {
		small.U[i] *= 1e-9
	}
	s := &Settings{Config: Config{Eps: []float64{1}, Steps: 20, Images: 40, Seed: 2}}
	run := func(net *plasticity.Network, normalize bool) float64 {
		s.Normalize = normalize
		res, err := Robustness(Network(net), set, s)
		if err != nil {
			t.Fatal(err)
		}
		return res.Robust[0]
	}
	rawBig, rawSmall := run(net, false), run(small, false)
	normBig, normSmall := run(net, true), run(small, true)
	if rawSmall != 1 || rawBig == 1 {
		t.Errorf("raw attack: robust accuracy %v with U, %v with 1e-9·U; want < 1 and 1", rawBig, rawSmall)
	}
	if math.Abs(normBig-normSmall) > 1.0/40 || normBig == 1 {
		t.Errorf("normalised attack: robust accuracy %v with U, %v with 1e-9·U", normBig, normSmall)
	}
}

// TestRobustnessGOMAXPROCS checks that the default number of workers,
// GOMAXPROCS, does not change the result. It is not parallel: it changes
// GOMAXPROCS, and top-level parallel tests wait for it to finish.
func TestRobustnessGOMAXPROCS(t *testing.T) {
	cfg := plasticity.Config{Inputs: 16, Labels: 3, Nodes: 40, Cap: 20, Rounds: 3, Seed: 2}
	net := randomNet(t, cfg, 5)
	set := unitSet(net, 40, 3)
	s := &Settings{Config: Config{Eps: []float64{0.3, 1}, Steps: 8, Images: 15, Seed: 4}}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first *Result
	for _, procs := range []int{1, 3, 8} {
		runtime.GOMAXPROCS(procs)
		res, err := Robustness(Network(net), set, s)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		for e := range res.Broken {
			if !slices.Equal(res.Broken[e], first.Broken[e]) {
				t.Errorf("GOMAXPROCS=%d: broken[%d] = %v, with 1: %v", procs, e, res.Broken[e], first.Broken[e])
			}
		}
	}
}
