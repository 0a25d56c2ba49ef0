package sim

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

func checkOneStep(res *CheckResult, cfg CheckConfig, cl CheckLandscape, land fitness.Landscape, enc *genetics.Encoding, loss genetics.Loss, kind genetics.FitnessKind, x0 []float64, theta0 float64) error {
	M := len(x0)
	dE := make([]float64, M)
	dG := make([]float64, M)
	thetas := make([]float64, cfg.OneStep)
	errs := map[genetics.Variant][]float64{}
	rels := map[genetics.Variant][]float64{}
	var lastE []float64
	for j := range thetas {
		th := theta0 * math.Ldexp(1, -j)
		thetas[j] = th
		dyn, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: th}, exactSettings)
		if err != nil {
			return err
		}
		r, err := dyn.Increment(dE, x0, genetics.VariantExact)
		if err != nil {
			return fmt.Errorf("sim: check %s T1: %w", cl.Name, err)
		}
		for _, v := range checkVariants {
			if _, err := dyn.Increment(dG, x0, v); err != nil {
				return fmt.Errorf("sim: check %s T1 %s: %w", cl.Name, v, err)
			}
			e := maxAbsDiff(dE, dG)
			rel := e / maxAbs(dE)
			errs[v] = append(errs[v], e)
			rels[v] = append(rels[v], rel)
			res.Points = append(res.Points, CheckPoint{Test: "T1", Landscape: cl.Name, Variant: v.String(), Theta: th, Error: e, Relative: rel, Method: r.Method.String()})
		}
		lastE = append(lastE[:0], dE...)
	}
	tol := cfg.tolerance(cl)
	k := min(cfg.Fit, len(thetas))
	small := thetas[len(thetas)-k:]
	quad := cl.Spec.Kind == "quadratic"
	for _, v := range checkVariants {
		slope, local := fitSlope(small, errs[v][len(thetas)-k:])
		var s CheckSlope
		switch v {
		case genetics.VariantNatural:
			s = newSlope("T1", cl, v.String(), slope, local, 2, "the exact map is this step divided by W̄ = 1 − θL̃ (linear) or plus O(θ²) (exp): error O(θ²)")
		case genetics.VariantNaturalMean:
			s = newSlope("T1", cl, v.String(), slope, local, 1, "∂L(Ȳ)/∂x misses the variance penalty's gradient at fixed ε: error θ·O(ε²L″)")
		case genetics.VariantNull:
			s = newSlope("T1", cl, v.String(), slope, local, 1, "the control: error = max|Δ_E| = O(θ)")
		case genetics.VariantPaper:
			s = newSlope("T1", cl, v.String(), slope, local, 1, "the printed recursion is O(θ) but wrong in sign and factor: error O(θ), relative error O(1)")
		case genetics.VariantMeanField:
			if quad {
				s = newSlope("T1", cl, v.String(), slope, local, 2, "on a quadratic E[L|g_i] − L(E[Y|g_i]) does not depend on g_i: error O(θ²)")
			} else {
				s = newSlope("T1", cl, v.String(), slope, local, 1, "w(E[Y|g_i]) drops Var(Y|g_i)'s effect, which depends on g_i unless L is quadratic: error O(θ)")
			}
		}
		judge(&s, tol)
		res.Slopes = append(res.Slopes, s)
	}
	th := thetas[len(thetas)-1]
	last := len(thetas) - 1
	for _, k := range []CheckConstant{
		{Test: "T1", Landscape: cl.Name, Variant: "null", Quantity: fmt.Sprintf("ρ at θ=%.3g", th), Measured: rels[genetics.VariantNull][last], Predicted: 1, RelTol: 1e-12, Reason: "|Δ_E − 0| / max|Δ_E| = 1 by definition"},
		{Test: "T1", Landscape: cl.Name, Variant: "paper", Quantity: fmt.Sprintf("ρ at θ=%.3g (O(1): at least)", th), Measured: rels[genetics.VariantPaper][last], Predicted: 0.5, AtLeast: true, Reason: "(2−2x)/(x(1−x)) = 2/x and the sign is wrong: ρ ≈ max|1 + 2/x|·… ≥ 1 does not vanish as θ → 0"},
	} {
		k.judge()
		res.Constants = append(res.Constants, k)
	}
	// Closed forms on a quadratic (any Hessian, disjoint or shared loci),
	// computed without the engine: Ȳ = c + εB(2x−1), G = B diag(4ε²x(1−x))Bᵀ,
	// L̃ = L(Ȳ) + ½tr(HG), ∂L̃/∂x_i = 2ε(Bᵀ∇L(Ȳ))_i + 2ε²(1−2x_i)(BᵀHB)_ii.
	// For linear fitness Δ_E = −θ x(1−x) ∂L̃/∂x / (1 − θL̃) exactly.
	if q, ok := land.(*fitness.Quadratic); ok {
		ps := newPhenotypeSpace(enc)
		P := enc.Coefficients()
		bu, dLdx := make([]float64, P), make([]float64, M)
		Lt := ps.quadraticRemainder(bu, dLdx, x0, q)
		if kind == genetics.Linear {
			pred := make([]float64, M)
			var e float64
			for i, xi := range x0 {
				pred[i] = -th * xi * (1 - xi) * dLdx[i] / (1 - th*Lt)
				e = math.Max(e, th*th*xi*(1-xi)*math.Abs(dLdx[i])*math.Abs(Lt)/(1-th*Lt))
			}
			for _, k := range []CheckConstant{
				{Test: "T1", Landscape: cl.Name, Variant: "exact", Quantity: fmt.Sprintf("max|Δ_E − closed form|/max|Δ_E| at θ=%.3g", th), Measured: maxAbsDiff(lastE, pred) / maxAbs(pred), Predicted: 0, RelTol: 1e-9, Reason: "closed form of the quadratic"},
				{Test: "T1", Landscape: cl.Name, Variant: "natural", Quantity: fmt.Sprintf("e₁/θ² at θ=%.3g", th), Measured: errs[genetics.VariantNatural][last] / (th * th), Predicted: e / (th * th), RelTol: 0.01, Reason: "closed form θ² max x(1−x)|∂L̃/∂x||L̃|/(1−θL̃) of the quadratic"},
				{Test: "T1", Landscape: cl.Name, Variant: "natural", Quantity: fmt.Sprintf("ρ/θ at θ=%.3g", th), Measured: rels[genetics.VariantNatural][last] / th, Predicted: Lt / (1 - th*Lt), RelTol: 0.01, Reason: "ρ = θL̃/(1−θL̃), L̃ in closed form"},
			} {
				k.judge()
				res.Constants = append(res.Constants, k)
			}
		}
	}
	return nil
}

// checkHorizon is T2. It returns the states x_{jK/8} of the exact
// trajectory at its smallest θ (Lande's test evaluates them).
func checkHorizon(res *CheckResult, cfg CheckConfig, cl CheckLandscape, land fitness.Landscape, enc *genetics.Encoding, loss genetics.Loss, kind genetics.FitnessKind, x0 []float64, theta0 float64) (states [][]float64, err error) {
	M := len(x0)
	// S sets the horizon so that the exact trajectory moves each locus by
	// at most about 0.2 (a fixed time S/θ in the θ → 0 limit).
	grad := make([]float64, M)
	dyn0, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: theta0}, exactSettings)
	if err != nil {
		return nil, err
	}
	if _, err := dyn0.LossGradient(grad, x0); err != nil {
		return nil, err
	}
	var speed float64
	for i, xi := range x0 {
		speed = math.Max(speed, xi*(1-xi)*math.Abs(grad[i]))
	}
	S := 0.2 / math.Max(speed, 1e-12)
	thetas := make([]float64, cfg.Horizon)
	errs := map[genetics.Variant][]float64{}
	xE := make([]float64, M)
	dx := make([]float64, M)
	ps := newPhenotypeSpace(enc)
	P := enc.Coefficients()
	dY, lY, gY, bu := make([]float64, P), make([]float64, P), make([]float64, P), make([]float64, P)
	dLdx := make([]float64, M)
	q, _ := land.(*fitness.Quadratic)
	closed := 0.0
	xs := make(map[genetics.Variant][]float64)
	inc := make([]float64, M)
	worstDrop := 0.0 // largest relative decrease of W̄ along the exact trajectories
	for j := range thetas {
		// T2 starts at θ₀/4: at θ₀ the K = S/θ steps are too few for the
		// θ → 0 limit the slopes describe.
		th := theta0 * math.Ldexp(1, -j-2)
		thetas[j] = th
		dyn, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: th}, exactSettings)
		if err != nil {
			return nil, err
		}
		K := int(math.Ceil(S / th))
		K = (K + 7) / 8 * 8
		copy(xE, x0)
		for _, v := range checkVariants {
			xs[v] = append(xs[v][:0], x0...)
		}
		worst := map[genetics.Variant]float64{}
		prevW := math.NaN()
		method := ""
		for t := 1; t <= K; t++ {
			// The exact increment, computed directly (never as x' − x).
			r, err := dyn.Increment(dx, xE, genetics.VariantExact)
			if err != nil {
				return nil, fmt.Errorf("sim: check %s T2: %w", cl.Name, err)
			}
			method = r.Method.String()
			if !math.IsNaN(prevW) {
				worstDrop = math.Max(worstDrop, (prevW-r.MeanFitness)/prevW)
			}
			prevW = r.MeanFitness
			if q != nil && kind == genetics.Linear {
				// Lande's equation with its exact remainder, G recomputed
				// from x_t this generation.
				ps.deltaY(dY, dx)
				Lt := ps.quadraticRemainder(bu, dLdx, xE, q)
				ps.lande(lY, xE, land, kind, 0) // fills ps.grad = ∇L(Ȳ)
				ps.gTimes(gY, xE, ps.grad)
				for p := range gY {
					gY[p] = -th * (gY[p] + bu[p]) / (1 - th*Lt)
				}
				closed = math.Max(closed, maxAbsDiff(dY, gY)/maxAbs(dY))
			}
			for i := range xE {
				xE[i] += dx[i]
			}
			for _, v := range checkVariants {
				x := xs[v]
				if _, err := dyn.Increment(inc, x, v); err != nil {
					return nil, fmt.Errorf("sim: check %s T2 %s: %w", cl.Name, v, err)
				}
				for i := range x {
					x[i] = min(1, max(0, x[i]+inc[i]))
				}
			}
			if t%(K/8) == 0 {
				if j == len(thetas)-1 {
					states = append(states, append([]float64(nil), xE...))
				}
				for _, v := range checkVariants {
					worst[v] = math.Max(worst[v], maxAbsDiff(xE, xs[v]))
				}
			}
		}
		for _, v := range checkVariants {
			errs[v] = append(errs[v], worst[v])
			res.Points = append(res.Points, CheckPoint{Test: "T2", Landscape: cl.Name, Variant: v.String(), Theta: th, Error: worst[v], Relative: math.NaN(), Method: method})
		}
	}
	if q != nil && kind == genetics.Linear {
		k := CheckConstant{Test: "Lande", Landscape: cl.Name, Variant: "exact", Quantity: fmt.Sprintf("max over %d θ and every generation of |ΔȲ − closed form|/max|ΔȲ|", len(thetas)),
			Measured: closed, Predicted: 0, RelTol: 1e-9,
			Reason: "quadratic, linear fitness: ΔȲ = −θ(G∇L(Ȳ) + Bu)/(1 − θL̃) exactly, G = B diag(4ε²x(1−x))Bᵀ recomputed each generation, without the engine"}
		k.judge()
		res.Constants = append(res.Constants, k)
	}
	bk := CheckConstant{Test: "T2", Landscape: cl.Name, Variant: "exact", Quantity: "largest relative decrease of W̄ per generation", Measured: worstDrop, Predicted: 0, RelTol: 1e-12,
		Reason: "Baum–Eagon: the exact map never decreases mean fitness"}
	bk.judge()
	res.Constants = append(res.Constants, bk)
	tol := cfg.tolerance(cl)
	k := min(cfg.Fit, len(thetas))
	quad := cl.Spec.Kind == "quadratic"
	for _, v := range checkVariants {
		slope, local := fitSlope(thetas[len(thetas)-k:], errs[v][len(thetas)-k:])
		var s CheckSlope
		switch v {
		case genetics.VariantNatural:
			s = newSlope("T2", cl, v.String(), slope, local, 1, "K = S/θ steps, each O(θ²) off: error O(θ)")
		case genetics.VariantPaper:
			s = newSlope("T2", cl, v.String(), slope, local, 0, "a different flow (wrong sign and factor): O(1) error for every θ")
		case genetics.VariantNull:
			s = newSlope("T2", cl, v.String(), slope, local, 0, "the control stays at x₀ while the exact map moves by O(1)")
		case genetics.VariantNaturalMean:
			s = newSlope("T2", cl, v.String(), slope, local, 0, "O(θ) then a plateau O(ε) from the missing variance gradient: between 0 and 1")
			s.ExpectedMax = 1
		case genetics.VariantMeanField:
			if quad {
				s = newSlope("T2", cl, v.String(), slope, local, 1, "O(θ²) per step on a quadratic: error O(θ)")
			} else {
				s = newSlope("T2", cl, v.String(), slope, local, 0, "O(θ) bias per step off a quadratic: slope 1 then a plateau, between 0 and 1")
				s.ExpectedMax = 1
			}
		}
		judge(&s, tol)
		res.Slopes = append(res.Slopes, s)
	}
	return states, nil
}

// checkWF runs Wright–Fisher replicates of size N for G generations and
// returns the RMS distance of the allele frequencies to traj, the mean
// signed deviation (bias) with its standard error, and the mean |D| at the
// last generation.
func checkWF(cfg CheckConfig, enc *genetics.Encoding, loss genetics.Loss, fit genetics.Fitness, x0 []float64, traj [][]float64, N int, clonal bool, stream uint64) (rms, bias, biasSE, ld float64, err error) {
	G := len(traj) - 1
	var stats genetics.Stats
	var sum float64
	var cnt int
	var dev []float64
	for r := 0; r < cfg.Replicates; r++ {
		pop, err := genetics.NewPopulation(&genetics.PopulationConfig{N: N, Start: x0, Clonal: clonal, LDPairs: 200, Workers: 1}, enc, loss, fit, seed.PCG(cfg.Seed, seed.Genetics, stream<<40|uint64(N)<<8|uint64(r)))
		if err != nil {
			return 0, 0, 0, 0, err
		}
		for t := 1; t <= G; t++ {
			if err := pop.Step(); err != nil {
				return 0, 0, 0, 0, err
			}
			if err := pop.Stats(&stats); err != nil {
				return 0, 0, 0, 0, err
			}
			for i := range x0 {
				d := stats.Freq[i] - traj[t][i]
				sum += d * d
				cnt++
				if t == G {
					dev = append(dev, d)
				}
			}
		}
		ld += stats.LD / float64(cfg.Replicates)
	}
	m, sd := stat.MeanStdDev(dev, nil)
	return math.Sqrt(sum / float64(cnt)), m, sd / math.Sqrt(float64(len(dev))), ld, nil
}

// checkFiniteN runs Wright–Fisher populations of growing N under the
// selection of θ₀ and measures the root-mean-square distance of their
// allele frequencies to the deterministic (exact map) trajectory over G
// generations, with free recombination (judged: N^(−1/2)) and clonal
// (reported: linkage disequilibrium builds up and the law is not
// expected); the bias of the mean; and neutral drift against
// x(1−x)(1 − (1 − 1/N)^t).
func checkFiniteN(res *CheckResult, cfg CheckConfig, cl CheckLandscape, enc *genetics.Encoding, loss genetics.Loss, kind genetics.FitnessKind, x0 []float64, theta0 float64) error {
	const G = 20
	fit := genetics.Fitness{Kind: kind, Theta: theta0}
	dyn, err := genetics.NewDynamics(enc, loss, fit, exactSettings)
	if err != nil {
		return err
	}
	M := len(x0)
	traj := make([][]float64, G+1)
	traj[0] = append([]float64(nil), x0...)
	for t := 1; t <= G; t++ {
		traj[t] = make([]float64, M)
		if _, err := dyn.Exact(traj[t], traj[t-1]); err != nil {
			return err
		}
	}
	if len(cfg.Sizes) < 2 {
		return errors.New("sim: check: finite-N test needs at least two sizes")
	}
	tol := cfg.tolerance(cl)
	var lds [2]float64
	for ci, clonal := range []bool{false, true} {
		name := "wright-fisher"
		if clonal {
			name = "wf-clonal"
		}
		var ns, rms []float64
		var bias, biasSE, ld float64
		for _, N := range cfg.Sizes {
			e, b, se, l, err := checkWF(cfg, enc, loss, fit, x0, traj, N, clonal, uint64(ci))
			if err != nil {
				return err
			}
			ns = append(ns, float64(N))
			rms = append(rms, e)
			bias, biasSE, ld = b, se, l
			res.Points = append(res.Points, CheckPoint{Test: "finite-N", Landscape: cl.Name, Variant: name, Theta: float64(N), Error: e, Relative: math.NaN(), Method: "wright-fisher", StdErr: e / math.Sqrt(float64(2*cfg.Replicates*M*G))})
		}
		lds[ci] = ld
		slope, local := fitSlope(ns, rms)
		s := newSlope("finite-N", cl, name, slope, local, -0.5, "free recombination keeps linkage equilibrium; sampling error of N individuals: N^(−1/2)")
		if clonal {
			s.Judged = false
			s.Reason = "clonal: linkage disequilibrium builds up, the exact map (linkage equilibrium) is not the limit; N^(−1/2) is not expected"
		}
		judge(&s, tol)
		res.Slopes = append(res.Slopes, s)
		if !clonal {
			k := CheckConstant{Test: "finite-N", Landscape: cl.Name, Variant: name, Quantity: fmt.Sprintf("|bias of x_%d| / its standard error, N=%d", G, cfg.Sizes[len(cfg.Sizes)-1]), Measured: math.Abs(bias) / biasSE, Predicted: 4, RelTol: 0,
				Reason: "the mean over replicates follows the exact map up to O(1/N): |bias| within 4 standard errors"}
			k.Pass = k.Measured <= 4
			res.Constants = append(res.Constants, k)
		}
	}
	k := CheckConstant{Test: "finite-N", Landscape: cl.Name, Variant: "wf-clonal", Quantity: fmt.Sprintf("mean |D| clonal / free recombination, N=%d", cfg.Sizes[len(cfg.Sizes)-1]), Measured: lds[1] / math.Max(lds[0], 1e-300), Predicted: 2, AtLeast: true,
		Reason: "free recombination halves D every generation; clonal reproduction lets it build up"}
	k.judge()
	res.Constants = append(res.Constants, k)
	return checkDrift(res, cfg, cl, enc, loss, kind, x0)
}

// checkDrift judges neutral drift (θ = 0) in haploid Wright–Fisher
// populations of the smallest size N with free recombination: the allele
// frequency after t generations has Var(x_t − x₀)/(x₀(1−x₀)) =
// 1 − (1 − 1/N)^(t+1) (Ewens 2004, §3.2: E[x_t(1−x_t)] = (1 − 1/N)^t
// E[x_0(1−x_0)]; the start population is itself a binomial draw of N
// genomes from x₀, one more generation of sampling). Each offspring locus
// is a copy of a uniformly drawn individual's allele, so the count is
// binomial and the law holds at every locus whatever the recombination.
// The estimator, the mean over replicates and loci of (x_t − x₀)²/(x₀(1−x₀)),
// is unbiased; its standard error comes from the sample (about √2·v/√m for
// m ratios), so 50 populations per replicate of the finite-N test keep it
// near 1.5 % of v (with 16 populations, as before, it was 6 %: a measured
// 0.0713 against 0.0807 was sampling noise, 0.0801 ± 0.0006 with 2000).
func checkDrift(res *CheckResult, cfg CheckConfig, cl CheckLandscape, enc *genetics.Encoding, loss genetics.Loss, kind genetics.FitnessKind, x0 []float64) error {
	const G = 20
	checkpoints := []int{5, 10, G}
	N := cfg.Sizes[0]
	reps := 50 * cfg.Replicates
	ratios := make([][]float64, len(checkpoints))
	neutral := genetics.Fitness{Kind: kind}
	var st genetics.Stats
	for r := 0; r < reps; r++ {
		pop, err := genetics.NewPopulation(&genetics.PopulationConfig{N: N, Start: x0, LDPairs: -1, Workers: 1}, enc, loss, neutral, seed.PCG(cfg.Seed, seed.Genetics, 3<<40|uint64(r)))
		if err != nil {
			return err
		}
		c := 0
		for t := 1; t <= G; t++ {
			if err := pop.Step(); err != nil {
				return err
			}
			if t != checkpoints[c] {
				continue
			}
			if err := pop.Stats(&st); err != nil {
				return err
			}
			for i := range x0 {
				d := st.Freq[i] - x0[i]
				ratios[c] = append(ratios[c], d*d/(x0[i]*(1-x0[i])))
			}
			c++
		}
	}
	for c, t := range checkpoints {
		m, sd := stat.MeanStdDev(ratios[c], nil)
		want := 1 - math.Pow(1-1/float64(N), float64(t+1))
		se := sd / math.Sqrt(float64(len(ratios[c])))
		k := CheckConstant{Test: "finite-N", Landscape: cl.Name, Variant: "neutral",
			Quantity: fmt.Sprintf("Var(x_t−x₀)/(x₀(1−x₀)), N=%d, t=%d, %d populations (s.e. %.2g)", N, t, reps, se),
			Measured: m, Predicted: want, RelTol: 4 * se / want,
			Reason: "neutral haploid Wright–Fisher: 1 − (1 − 1/N)^(t+1), the start being one binomial draw (within 4 standard errors)"}
		k.judge()
		res.Constants = append(res.Constants, k)
	}
	return nil
}

// landeVariant labels Lande's equation among the variants of T3.
const landeVariant = genetics.Variant(-1)

// checkEpsScaling is T3: ε_j = ε₀ θ_j/θ₀ with n_j = n₀ θ₀/θ_j loci per
// coefficient, so the range of Y stays n₀ε₀. The start frequencies of a
// coefficient's loci are evenly spaced in [0.15, 0.7], the same profile
// at every size, so the errors of different sizes compare. Every point is
// evaluated exactly (Poisson-binomial enumeration).
func checkEpsScaling(res *CheckResult, cfg CheckConfig, cl CheckLandscape, land fitness.Landscape, kind genetics.FitnessKind, theta0 float64) error {
	// Keep every point within exact enumeration: (n_j + 1)^P ≤ MaxEnumerate
	// on a quadratic (cheap losses), ≤ 2^18 on other landscapes (each
	// support point is a loss evaluation, about 20 µs on linear-ce).
	maxSupport := float64(exactSettings.MaxEnumerate)
	if cl.Spec.Kind != "quadratic" {
		maxSupport = 1 << 18
	}
	J := 0
	for J < min(cfg.OneStep, 8) && math.Pow(float64(cl.Loci<<J+1), float64(land.Dim())) <= maxSupport {
		J++
	}
	if J < 2 {
		return fmt.Errorf("sim: check %s T3: %d coefficients of %d loci leave fewer than two exactly evaluable grid points", cl.Name, land.Dim(), cl.Loci)
	}
	var thetas []float64
	rels := map[genetics.Variant][]float64{}
	loss := lossOf(land)
	vs := []genetics.Variant{genetics.VariantNull, genetics.VariantPaper, genetics.VariantNaturalMean, genetics.VariantNatural}
	for j := 0; j < J; j++ {
		th := theta0 * math.Ldexp(1, -j)
		enc := &genetics.Encoding{P: land.Dim(), N: cl.Loci << j, Eps: cl.Eps * math.Ldexp(1, -j)}
		x0 := make([]float64, enc.Loci())
		n := enc.LociPer()
		for i := range x0 {
			// Evenly spaced in [0.15, 0.7]: not symmetric about ½, so that
			// Σ x(1−x)(1−2x) (Lande's remainder) does not cancel.
			x0[i] = 0.15 + 0.55*(float64(i%n)+0.5)/float64(n)
		}
		dyn, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: th}, exactSettings)
		if err != nil {
			return err
		}
		dE := make([]float64, len(x0))
		dG := make([]float64, len(x0))
		r, err := dyn.Increment(dE, x0, genetics.VariantExact)
		if err != nil {
			return fmt.Errorf("sim: check %s T3 at %d loci per coefficient: %w", cl.Name, n, err)
		}
		thetas = append(thetas, th)
		// Lande's equation at this size: ΔȲ against Gβ.
		ps := newPhenotypeSpace(enc)
		dY, lY := make([]float64, land.Dim()), make([]float64, land.Dim())
		ps.deltaY(dY, dE)
		ps.lande(lY, x0, land, kind, th)
		e := maxAbsDiff(dY, lY)
		rels[landeVariant] = append(rels[landeVariant], e/maxAbs(dY))
		res.Points = append(res.Points, CheckPoint{Test: "T3", Landscape: cl.Name, Variant: "lande", Theta: th, Error: e, Relative: e / maxAbs(dY), Method: r.Method.String()})
		for _, v := range vs {
			if _, err := dyn.Increment(dG, x0, v); err != nil {
				return err
			}
			e := maxAbsDiff(dE, dG)
			rel := e / maxAbs(dE)
			rels[v] = append(rels[v], rel)
			res.Points = append(res.Points, CheckPoint{Test: "T3", Landscape: cl.Name, Variant: v.String(), Theta: th, Error: e, Relative: rel, Method: r.Method.String()})
		}
	}
	// T3 is fitted on its three finest grid points (the largest genomes,
	// ε smallest), at most Fit: on linear-ce the local slopes approach
	// their limits only there (e.g. Lande 0.81, 0.90, 0.95, 0.97).
	tol := cfg.tolerance(cl)
	k := min(cfg.Fit, 3, len(thetas))
	for _, v := range append(vs, landeVariant) {
		slope, local := fitSlope(thetas[len(thetas)-k:], rels[v][len(thetas)-k:])
		var s CheckSlope
		switch v {
		case genetics.VariantNatural:
			if kind == genetics.Exp {
				s = newSlope("T3", cl, v.String(), slope, local, 2, "exp fitness: the error is O(θ²ε²) = O(θ⁴), relative O(θ²) (SPEC §13)")
			} else {
				s = newSlope("T3", cl, v.String(), slope, local, 1, "linear fitness: the error is the factor 1/(1−θL̃): relative O(θ)")
			}
		case genetics.VariantNaturalMean:
			s = newSlope("T3", cl, v.String(), slope, local, 1, "the variance-gradient bias O(ε) = O(θ) relative")
		case genetics.VariantPaper:
			s = newSlope("T3", cl, v.String(), slope, local, 0, "wrong sign and factor: relative error O(1)")
		case genetics.VariantNull:
			s = newSlope("T3", cl, v.String(), slope, local, 0, "the control: relative error 1")
		case landeVariant:
			s = newSlope("T3", cl, "lande", slope, local, 1, "ΔȲ = Gβ, β = ∇ln w(Ȳ): relative error O(ε) (G depends on x) + O(θ), both O(θ) when ε ∝ θ")
		}
		judge(&s, tol)
		res.Slopes = append(res.Slopes, s)
	}
	return nil
}
