package genetics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Genome sizes, ε, offsets, θ and start frequencies in these tests are
// arbitrary choices: small enough for brute force, interior frequencies,
// and θ·L < 1 wherever Linear fitness is used. Tolerances and expected
// values say where they come from.

// tinyCases are genomes small enough for brute-force enumeration (≤ 12 loci).
func tinyCases() []struct {
	name   string
	enc    *Encoding
	x      []float64
	method Method
} {
	shared := func(m int, v float64) []float64 {
		x := make([]float64, m)
		for i := range x {
			x[i] = v
		}
		return x
	}
	B := RandomSharedLoci(3, 9, 2, rand.NewPCG(1, 2))
	return []struct {
		name   string
		enc    *Encoding
		x      []float64
		method Method
	}{
		{"binomial", &Encoding{P: 1, N: 8, Eps: 0.1, Offset: []float64{0.2}}, shared(8, 0.3), Binomial},
		{"poisson-binomial", &Encoding{P: 1, N: 10, Eps: 0.07}, randomX(10, 0.05, 0.95, 1), PoissonBinomial},
		{"grid-shared", &Encoding{P: 3, N: 4, Eps: 0.1}, append(append(shared(4, 0.2), shared(4, 0.6)...), shared(4, 0.9)...), Enumeration},
		{"grid-general", &Encoding{P: 3, N: 4, Eps: 0.12, Offset: []float64{0.1, -0.2, 0.3}}, randomX(12, 0.1, 0.9, 2), Enumeration},
		{"shared-loci", &Encoding{Eps: 0.1, B: B}, randomX(9, 0.1, 0.9, 3), Enumeration},
	}
}

// TestExactBruteForce checks the exact map and increment against brute-force
// enumeration of all genotypes (the issue asks for 1e-12).
func TestExactBruteForce(t *testing.T) {
	t.Parallel()
	const tol = 1e-12
	for _, tc := range tinyCases() {
		// θ = 0.2 is small enough that θL < 1 on every genotype here (|Y| ≤ 1;
		// Exact would report an error otherwise); θ = 0.7 is a strong exp
		// selection, to exercise the nonlinearity of expm1.
		for _, fit := range []Fitness{{Kind: Linear, Theta: 0.2}, {Kind: Exp, Theta: 0.7}} {
			t.Run(fmt.Sprintf("%s/%v", tc.name, fit.Kind), func(t *testing.T) {
				loss := testLoss(tc.enc.Coefficients())
				d, err := NewDynamics(tc.enc, loss, fit, nil)
				if err != nil {
					t.Fatal(err)
				}
				b := bruteForce(tc.enc, loss, fit, tc.x)
				got := make([]float64, len(tc.x))
				res, err := d.Exact(got, tc.x)
				if err != nil {
					t.Fatal(err)
				}
				if res.Method != tc.method {
					t.Errorf("method %v, want %v", res.Method, tc.method)
				}
				if !scalar.EqualWithinAbs(res.MeanFitness, b.meanW, tol) || !scalar.EqualWithinAbs(res.MeanLoss, b.meanL, tol) {
					t.Errorf("W̄, L̃ = %v, %v; brute force %v, %v", res.MeanFitness, res.MeanLoss, b.meanW, b.meanL)
				}
				inc := make([]float64, len(tc.x))
				if _, err := d.Increment(inc, tc.x, VariantExact); err != nil {
					t.Fatal(err)
				}
				bf := make([]float64, len(tc.x))
				if err := BruteForceIncrement(bf, tc.x, tc.enc, loss, fit); err != nil {
					t.Fatal(err)
				}
				plus, minus := make([]float64, len(tc.x)), make([]float64, len(tc.x))
				if _, err := d.Conditional(plus, minus, tc.x); err != nil {
					t.Fatal(err)
				}
				for i, xi := range tc.x {
					want := xi * b.wPlus[i] / b.meanW
					if !scalar.EqualWithinAbs(got[i], want, tol) {
						t.Errorf("x'[%d] = %v, brute force %v", i, got[i], want)
					}
					wantInc := xi * (b.wPlus[i] - b.meanW) / b.meanW
					if !scalar.EqualWithinAbs(inc[i], wantInc, tol) || !scalar.EqualWithinAbs(bf[i], wantInc, tol) {
						t.Errorf("Δ_E[%d] = %v, BruteForceIncrement %v, brute force %v", i, inc[i], bf[i], wantInc)
					}
					if !scalar.EqualWithinAbs(plus[i], b.lPlus[i], tol) || !scalar.EqualWithinAbs(minus[i], b.lMin[i], tol) {
						t.Errorf("E[L|g_%d=±] = %v, %v; brute force %v, %v", i, plus[i], minus[i], b.lPlus[i], b.lMin[i])
					}
				}
			})
		}
	}
}

// TestMeanCovariance checks E[Y] and G = Cov(Y) against enumeration.
func TestMeanCovariance(t *testing.T) {
	t.Parallel()
	for _, tc := range tinyCases() {
		b := bruteForce(tc.enc, testLoss(tc.enc.Coefficients()), Fitness{}, tc.x)
		P := tc.enc.Coefficients()
		mean := make([]float64, P)
		tc.enc.Mean(mean, tc.x)
		g := tc.enc.Covariance(nil, tc.x)
		for p := range P {
			if !scalar.EqualWithinAbs(mean[p], b.meanY[p], 1e-13) {
				t.Errorf("%s: E[Y_%d] = %v, brute force %v", tc.name, p, mean[p], b.meanY[p])
			}
			for q := range P {
				if !scalar.EqualWithinAbs(g.At(p, q), b.covY[p][q], 1e-13) {
					t.Errorf("%s: G[%d][%d] = %v, brute force %v", tc.name, p, q, g.At(p, q), b.covY[p][q])
				}
			}
		}
	}
}

// TestHaploidSelection: one locus with fitnesses 1+s : 1 (relative) follows
// p' = p(1+s)/(1+ps) (e.g. Ewens 2004, §1.2).
func TestHaploidSelection(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 1, N: 1, Eps: 1}
	// L(Y) = a if Y = +1, b if Y = −1: a linear loss in Y.
	for _, tc := range []struct{ a, b, theta float64 }{
		{0, 1, 0.1}, {1, 0, 0.1}, {-2, 3, 0.2}, {0.5, 0.5, 0.9},
	} {
		loss := linLoss([]float64{(tc.a - tc.b) / 2}, (tc.a+tc.b)/2)
		for _, fit := range []Fitness{{Kind: Linear, Theta: tc.theta}, {Kind: Exp, Theta: tc.theta}} {
			wp, _ := fit.W(tc.a)
			wm, _ := fit.W(tc.b)
			s := wp/wm - 1
			d, err := NewDynamics(enc, loss, fit, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []float64{0, 0.01, 0.3, 0.5, 0.99, 1} {
				got := []float64{0}
				if _, err := d.Exact(got, []float64{p}); err != nil {
					t.Fatal(err)
				}
				want := p * (1 + s) / (1 + p*s)
				if !scalar.EqualWithinAbsOrRel(got[0], want, 1e-15, 1e-14) {
					t.Errorf("%+v %v p=%v: p' = %v, want %v", tc, fit.Kind, p, got[0], want)
				}
			}
		}
	}
}

// TestBaumEagon: mean fitness never decreases under the exact map with
// w = 1 − θL (Baum and Eagon 1967).
func TestBaumEagon(t *testing.T) {
	t.Parallel()
	for _, tc := range tinyCases() {
		loss := testLoss(tc.enc.Coefficients())
		d, err := NewDynamics(tc.enc, loss, Fitness{Theta: 0.3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		x := append([]float64(nil), tc.x...)
		prev := math.Inf(-1)
		for gen := range 200 {
			res, err := d.Exact(x, x)
			if err != nil {
				t.Fatal(err)
			}
			// Rounding in W̄ is about 1e-16; allow 1e-14.
			if res.MeanFitness < prev-1e-14 {
				t.Errorf("%s: W̄ fell from %v to %v at generation %d", tc.name, prev, res.MeanFitness, gen)
			}
			prev = res.MeanFitness
		}
	}
}

// TestCorrectedTheorem: for linear fitness the exact map is one natural
// gradient step x − η x(1−x) ∂L̃/∂x with η = θ/(1 − θL̃), to rounding; and the
// relative error of the natural variant is exactly θ|L̃|.
func TestCorrectedTheorem(t *testing.T) {
	t.Parallel()
	const theta = 0.25
	for _, tc := range tinyCases() {
		loss := testLoss(tc.enc.Coefficients())
		d, err := NewDynamics(tc.enc, loss, Fitness{Theta: theta}, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := len(tc.x)
		exact, grad, step := make([]float64, m), make([]float64, m), make([]float64, m)
		if _, err := d.Exact(exact, tc.x); err != nil {
			t.Fatal(err)
		}
		res, err := d.LossGradient(grad, tc.x)
		if err != nil {
			t.Fatal(err)
		}
		NaturalStep(step, tc.x, grad, theta/(1-theta*res.MeanLoss))
		incE, incN := make([]float64, m), make([]float64, m)
		d.Increment(incE, tc.x, VariantExact)
		d.Increment(incN, tc.x, VariantNatural)
		for i := range exact {
			// Rounding: a few ulps of x ≤ 1.
			if !scalar.EqualWithinAbs(exact[i], step[i], 1e-15) {
				t.Errorf("%s: x'[%d] = %v, natural step %v", tc.name, i, exact[i], step[i])
			}
			if rho := (incE[i] - incN[i]) / incE[i]; !scalar.EqualWithinAbsOrRel(rho, theta*res.MeanLoss, 1e-13, 1e-12) {
				t.Errorf("%s: relative error %v, want θL̃ = %v", tc.name, rho, theta*res.MeanLoss)
			}
		}
	}
}

// TestLossGradientFD: ∂L̃/∂x equals central finite differences of L̃(x).
func TestLossGradientFD(t *testing.T) {
	t.Parallel()
	for _, tc := range tinyCases() {
		loss := testLoss(tc.enc.Coefficients())
		d, err := NewDynamics(tc.enc, loss, Fitness{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := len(tc.x)
		grad := make([]float64, m)
		if _, err := d.LossGradient(grad, tc.x); err != nil {
			t.Fatal(err)
		}
		x := append([]float64(nil), tc.x...)
		const h = 1e-5 // central differences: error O(h²) ≈ 1e-10, rounding ≈ 1e-16/h = 1e-11
		for i := range x {
			x[i] = tc.x[i] + h
			rp, _ := d.LossGradient(make([]float64, m), x)
			x[i] = tc.x[i] - h
			rm, _ := d.LossGradient(make([]float64, m), x)
			x[i] = tc.x[i]
			fd := (rp.MeanLoss - rm.MeanLoss) / (2 * h)
			if !scalar.EqualWithinAbs(grad[i], fd, 1e-8) {
				t.Errorf("%s: ∂L̃/∂x_%d = %v, finite differences %v", tc.name, i, grad[i], fd)
			}
		}
	}
}

// TestVariantRelations checks identities between the variants.
func TestVariantRelations(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 2, N: 5, Eps: 0.1}
	x := randomX(10, 0.1, 0.9, 7)
	const theta = 0.1
	inc := func(loss Loss, fit Fitness, v Variant) []float64 {
		d, err := NewDynamics(enc, loss, fit, nil)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float64, len(x))
		if _, err := d.Increment(dst, x, v); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	lin := linLoss([]float64{0.7, -1.3}, 2)
	fit := Fitness{Theta: theta}
	// A loss linear in Y: E[w | g] = w(E[Y | g]) so mean-field is exact, and
	// ∂L̃/∂x = ∇ₓL(Ȳ) so natural equals natural-mean.
	e, mf := inc(lin, fit, VariantExact), inc(lin, fit, VariantMeanField)
	nat, nm := inc(lin, fit, VariantNatural), inc(lin, fit, VariantNaturalMean)
	// Quadratic loss: analytic gradient versus finite differences, and
	// paper = (2/x) natural-mean.
	q := quadLoss([]float64{0.3, -0.2})
	qfd := q
	qfd.Grad = nil
	nmq, nmfd, paper := inc(q, fit, VariantNaturalMean), inc(qfd, fit, VariantNaturalMean), inc(q, fit, VariantPaper)
	null := inc(q, fit, VariantNull)
	for i, xi := range x {
		if !scalar.EqualWithinAbs(e[i], mf[i], 1e-16) {
			t.Errorf("linear loss: mean-field %v, exact %v", mf[i], e[i])
		}
		if !scalar.EqualWithinAbs(nat[i], nm[i], 1e-16) {
			t.Errorf("linear loss: natural %v, natural-mean %v", nat[i], nm[i])
		}
		// Central differences with h ≈ 6e-6 on a quadratic are exact up to
		// rounding ≈ 1e-16/6e-6 relative to L.
		if !scalar.EqualWithinAbs(nmq[i], nmfd[i], 1e-11) {
			t.Errorf("natural-mean: analytic %v, finite differences %v", nmq[i], nmfd[i])
		}
		if !scalar.EqualWithinAbsOrRel(paper[i], 2/xi*nmq[i], 1e-17, 1e-14) {
			t.Errorf("paper %v, (2/x) natural-mean %v", paper[i], 2/xi*nmq[i])
		}
		if null[i] != 0 {
			t.Errorf("null increment %v", null[i])
		}
	}
	// Maps agree with their increments.
	d, _ := NewDynamics(enc, q, fit, nil)
	mapMF, mapP := make([]float64, len(x)), make([]float64, len(x))
	incMF := make([]float64, len(x))
	d.MeanField(mapMF, x)
	d.Increment(incMF, x, VariantMeanField)
	d.Paper(mapP, x)
	for i, xi := range x {
		if !scalar.EqualWithinAbs(mapMF[i]-xi, incMF[i], 1e-15) || !scalar.EqualWithinAbs(mapP[i]-xi, paper[i], 1e-15) {
			t.Errorf("locus %d: maps and increments disagree", i)
		}
	}
}

// TestMonteCarlo checks the Monte Carlo estimate of the exact increment
// against the enumeration, with a tolerance of 5 standard errors estimated
// from independent seeds.
func TestMonteCarlo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		enc  *Encoding
	}{
		{"disjoint", &Encoding{P: 3, N: 5, Eps: 0.1}},
		{"shared", &Encoding{Eps: 0.1, B: RandomSharedLoci(3, 10, 2, rand.NewPCG(4, 5))}},
	}
	for _, tc := range cases {
		m := tc.enc.Loci()
		x := randomX(m, 0.1, 0.9, 11)
		loss := testLoss(tc.enc.Coefficients())
		fit := Fitness{Kind: Exp, Theta: 0.5}
		d, _ := NewDynamics(tc.enc, loss, fit, nil)
		want := make([]float64, m)
		if res, err := d.Increment(want, x, VariantExact); err != nil || res.Method != Enumeration {
			t.Fatalf("%s: %v %v", tc.name, res.Method, err)
		}
		// 16 independent seeds of 256 samples: enough replicates for a
		// standard error, cheap enough for CI.
		const reps = 16
		runs := make([][]float64, m)
		for r := range reps {
			dm, _ := NewDynamics(tc.enc, loss, fit, &ExactSettings{Method: MonteCarlo, Samples: 256, Seed: uint64(r)})
			got := make([]float64, m)
			res, err := dm.Increment(got, x, VariantExact)
			if err != nil || res.Method != MonteCarlo || res.Samples != 256 {
				t.Fatalf("%s: %+v %v", tc.name, res, err)
			}
			for i := range got {
				runs[i] = append(runs[i], got[i])
			}
		}
		for i := range m {
			mean, sd := stat.MeanStdDev(runs[i], nil)
			se := sd / math.Sqrt(reps)
			if math.Abs(mean-want[i]) > 5*se+1e-15 {
				t.Errorf("%s: locus %d: Monte Carlo %v ± %v, exact %v", tc.name, i, mean, se, want[i])
			}
		}
	}
}

// TestAutoMonteCarlo: a support larger than MaxEnumerate switches to Monte
// Carlo; forcing Enumeration then fails.
func TestAutoMonteCarlo(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 2, N: 10}
	x := randomX(20, 0.2, 0.8, 1)
	d, _ := NewDynamics(enc, testLoss(2), Fitness{Theta: 0.1}, &ExactSettings{MaxEnumerate: 100})
	if res, err := d.Exact(make([]float64, 20), x); err != nil || res.Method != MonteCarlo {
		t.Errorf("method %v, err %v; want monte-carlo", res.Method, err)
	}
	d, _ = NewDynamics(enc, testLoss(2), Fitness{Theta: 0.1}, &ExactSettings{MaxEnumerate: 100, Method: Enumeration})
	if _, err := d.Exact(make([]float64, 20), x); err == nil {
		t.Error("forced enumeration beyond MaxEnumerate: no error")
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 1, N: 4, Eps: 0.5}
	// L = Y² reaches 4 at Y = ±2; θ = 0.3 gives θL = 1.2 ≥ 1.
	loss := quadLoss([]float64{0})
	d, err := NewDynamics(enc, loss, Fitness{Theta: 0.3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Exact(make([]float64, 4), []float64{0.5, 0.5, 0.5, 0.5})
	if err == nil || !strings.Contains(err.Error(), "θ=0.3, L=4") {
		t.Errorf("θL ≥ 1: error %v", err)
	}
	if _, err := d.Exact(make([]float64, 4), []float64{0.5, 1.5, 0.5, 0.5}); err == nil {
		t.Error("x outside [0,1]: no error")
	}
	for _, bad := range []struct {
		enc *Encoding
		fit Fitness
		s   *ExactSettings
	}{
		{&Encoding{Eps: -1}, Fitness{}, nil},
		{&Encoding{P: 2, Offset: []float64{1}}, Fitness{}, nil},
		{&Encoding{P: 2, B: mat.NewDense(3, 4, nil)}, Fitness{}, nil},
		{&Encoding{}, Fitness{Theta: -1}, nil},
		{&Encoding{}, Fitness{Kind: 7}, nil},
		{&Encoding{}, Fitness{}, &ExactSettings{Method: Binomial}},
	} {
		if _, err := NewDynamics(bad.enc, LossFunc{N: bad.enc.Coefficients(), Func: func([]float64) float64 { return 0 }}, bad.fit, bad.s); err == nil {
			t.Errorf("%+v %+v %+v: no error", bad.enc, bad.fit, bad.s)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "genetics: ") {
			t.Errorf("dimension mismatch: panic %v", r)
		}
	}()
	NewDynamics(&Encoding{P: 2}, quadLoss([]float64{0}), Fitness{}, nil)
}

func TestDistributions(t *testing.T) {
	t.Parallel()
	// The lgamma path (n > 64) against the dynamic programme.
	const n = 300
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.37
	}
	a, b := make([]float64, n+1), make([]float64, n+1)
	binomialPMF(a, n, 0.37)
	poissonBinomialPMF(b, x)
	for k := range a {
		if !scalar.EqualWithinAbs(a[k], b[k], 1e-13) {
			t.Errorf("Binomial(%d, 0.37)[%d] = %v, dynamic programme %v", n, k, a[k], b[k])
		}
	}
	// Removing one trial by deconvolution, from both directions.
	xs := randomX(40, 0, 1, 3)
	xs[5], xs[6] = 0, 1
	full, want, got := make([]float64, 41), make([]float64, 41), make([]float64, 40)
	poissonBinomialPMF(full, xs)
	for i := range xs {
		rest := append(append([]float64(nil), xs[:i]...), xs[i+1:]...)
		poissonBinomialPMF(want, rest)
		deconvolve(got, full, xs[i])
		for k := range got {
			if !scalar.EqualWithinAbs(got[k], want[k], 1e-13) {
				t.Errorf("remove %d (x=%v): q[%d] = %v, want %v", i, xs[i], k, got[k], want[k])
			}
		}
	}
}

func TestFitness(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fit     Fitness
		l, w, f float64
		err     string
	}{
		{Fitness{Theta: 0.5}, 1, 0.5, -0.5, ""},
		{Fitness{Theta: 0.5}, -2, 2, 1, ""},
		{Fitness{Theta: 0.5}, 2, 0, 0, "θL=1 ≥ 1"},
		{Fitness{Kind: Exp, Theta: 2}, 1, math.Exp(-2), math.Expm1(-2), ""},
		// F keeps full relative precision where w − 1 would round to 0.
		{Fitness{Kind: Exp, Theta: 1}, 1e-20, 1, -1e-20, ""},
		{Fitness{}, math.NaN(), 0, 0, "NaN"},
	} {
		w, err := tc.fit.W(tc.l)
		f, _ := tc.fit.F(tc.l)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v L=%v: error %v, want %q", tc.fit, tc.l, err, tc.err)
			}
			continue
		}
		if err != nil || !scalar.EqualWithinRel(w, tc.w, 1e-15) || !scalar.EqualWithinRel(f, tc.f, 1e-15) {
			t.Errorf("%+v L=%v: w=%v F=%v err=%v; want %v, %v", tc.fit, tc.l, w, f, err, tc.w, tc.f)
		}
	}
}

// TestAliasing: every map and increment gives the same result in place.
func TestAliasing(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 2, N: 6, Eps: 0.1}
	x := randomX(12, 0.2, 0.8, 5)
	x[3] = x[2] // a shared frequency, to exercise the reuse in mean-field
	d, _ := NewDynamics(enc, testLoss(2), Fitness{Theta: 0.1}, nil)
	type op func(dst, x []float64) error
	ops := map[string]op{
		"exact":      func(dst, x []float64) error { _, err := d.Exact(dst, x); return err },
		"mean-field": func(dst, x []float64) error { _, err := d.MeanField(dst, x); return err },
		"paper":      func(dst, x []float64) error { _, err := d.Paper(dst, x); return err },
		"gradient":   func(dst, x []float64) error { _, err := d.LossGradient(dst, x); return err },
		"mean-grad":  func(dst, x []float64) error { return d.MeanGradient(dst, x) },
	}
	for _, v := range Variants() {
		ops["increment/"+v.String()] = func(dst, x []float64) error { _, err := d.Increment(dst, x, v); return err }
	}
	for name, f := range ops {
		want := make([]float64, len(x))
		if err := f(want, x); err != nil {
			t.Fatal(err)
		}
		got := append([]float64(nil), x...)
		if err := f(got, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s in place: [%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
}

// TestMonteCarloWorkers: the Monte Carlo estimate is the same, bit for
// bit, with 1, 2 and 7 workers (the samples are drawn before the losses
// are shared out, and summed in a fixed order), and the serial run still
// agrees with the enumeration within the tolerance TestMonteCarlo uses.
func TestMonteCarloWorkers(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 3, N: 5, Eps: 0.1}
	m := enc.Loci()
	x := randomX(m, 0.1, 0.9, 12)
	loss := testLoss(enc.Coefficients()) // a pure function: safe for concurrent use
	fit := Fitness{Kind: Exp, Theta: 0.5}
	var first []float64
	var firstRes ExactResult
	for _, w := range []int{1, 2, 7} {
		d, err := NewDynamics(enc, loss, fit, &ExactSettings{Method: MonteCarlo, Samples: 64, Seed: 3, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, m)
		res, err := d.Increment(got, x, VariantExact)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first, firstRes = got, res
			continue
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(first[i]) {
				t.Fatalf("workers=%d: locus %d: %v, with 1 worker %v", w, i, got[i], first[i])
			}
		}
		if res != firstRes {
			t.Errorf("workers=%d: result %+v, with 1 worker %+v", w, res, firstRes)
		}
	}
	if _, err := NewDynamics(enc, loss, fit, &ExactSettings{Workers: -1}); err == nil {
		t.Error("Workers = -1 accepted")
	}
}
