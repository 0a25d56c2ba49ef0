package sim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// CheckLandscape is one landscape of the numerical check with its encoding.
type CheckLandscape struct {
	// Name labels the landscape in tables.
	Name string `toml:"name" json:"name"`
	// Spec builds the landscape.
	Spec fitness.Spec `toml:"spec" json:"spec"`
	// Hessian, if not nil, is the full P×P Hessian of a quadratic
	// landscape (it replaces Spec.Curvature; Spec.Optimum is the optimum).
	Hessian [][]float64 `toml:"hessian" json:"hessian,omitempty"`
	// Loci is the number of loci per coefficient (with shared loci: the
	// total is P·Loci).
	Loci int `toml:"loci" json:"loci"`
	// Eps is ε.
	Eps float64 `toml:"eps" json:"eps"`
	// SharedLoci, if not 0, makes every locus act on SharedLoci random
	// coefficients with random signs (Y = B g, genetics.RandomSharedLoci).
	SharedLoci int `toml:"shared_loci" json:"shared_loci"`
	// Plasticity marks a plasticity landscape: its slopes are judged with
	// tolerance 0.15 instead of 0.05 (SPEC §8, §13) unless
	// CheckConfig.Tolerance is set.
	Plasticity bool `toml:"plasticity" json:"plasticity"`
}

// build makes the landscape and its encoding.
func (cl CheckLandscape) build(cfgSeed uint64, li int) (fitness.Landscape, *genetics.Encoding, error) {
	var land fitness.Landscape
	if cl.Hessian != nil {
		sp := cl.Spec.Defaults()
		P := len(cl.Hessian)
		if sp.Kind != "quadratic" || len(sp.Optimum) != P {
			return nil, nil, fmt.Errorf("sim: check: landscape %s: a Hessian needs kind quadratic and an optimum of length %d", cl.Name, P)
		}
		H := mat.NewSymDense(P, nil)
		for i, row := range cl.Hessian {
			if len(row) != P {
				return nil, nil, fmt.Errorf("sim: check: landscape %s: Hessian row %d has %d entries, want %d", cl.Name, i, len(row), P)
			}
			for j, v := range row {
				if v != cl.Hessian[j][i] {
					return nil, nil, fmt.Errorf("sim: check: landscape %s: Hessian is not symmetric at (%d, %d)", cl.Name, i, j)
				}
				H.SetSym(i, j, v)
			}
		}
		var eig mat.EigenSym
		if !eig.Factorize(H, false) || floats.Min(eig.Values(nil)) < -1e-12 {
			return nil, nil, fmt.Errorf("sim: check: landscape %s: Hessian is not positive semi-definite", cl.Name)
		}
		land = &fitness.Quadratic{H: H, Opt: append([]float64(nil), sp.Optimum...)}
	} else {
		var err error
		if land, err = cl.Spec.Build(); err != nil {
			return nil, nil, fmt.Errorf("sim: check: landscape %s: %w", cl.Name, err)
		}
	}
	enc := &genetics.Encoding{P: land.Dim(), N: cl.Loci, Eps: cl.Eps}
	if cl.SharedLoci > 0 {
		if cl.SharedLoci > land.Dim() {
			return nil, nil, fmt.Errorf("sim: check: landscape %s: shared_loci %d exceeds P = %d", cl.Name, cl.SharedLoci, land.Dim())
		}
		enc = &genetics.Encoding{Eps: cl.Eps, B: genetics.RandomSharedLoci(land.Dim(), land.Dim()*cl.Loci, cl.SharedLoci, seed.PCG(cfgSeed, seed.Genetics, uint64(3000+li)))}
	}
	return land, enc, nil
}

// CheckConfig configures Check. The zero value is the full check of
// "evolve check".
type CheckConfig struct {
	// Landscapes are checked in turn. If nil, four are used: a diagonal
	// quadratic of 2 coefficients (8 loci each, ε = 0.05); a full-Hessian
	// quadratic of 3 coefficients with 9 shared loci, each acting on 2
	// coefficients; linear-ce of 2 coefficients (6 loci each, smooth and
	// not quadratic); and the output-rule landscape of a |V| = 30 network
	// on halfspace (4 coefficients, 3 loci each, ε = 0.1).
	Landscapes []CheckLandscape `toml:"landscape" json:"landscapes"`
	// Fitness is "linear" (the default) or "exp".
	Fitness string `toml:"fitness" json:"fitness"`
	// Theta0 is the largest θ. If 0 (left out of a file), θ₀ = ½ / max L
	// over the box of reachable coefficients is used on each landscape
	// (θ₀·max L ≤ ½, SPEC §8).
	Theta0 float64 `toml:"theta0,omitzero" json:"theta0"`
	// OneStep is the number of θ values of T1, θ_j = θ₀ 2^(−j). If 0, 11 is used.
	OneStep int `toml:"one_step" json:"one_step"`
	// Horizon is the number of θ values of T2, θ_j = θ₀ 2^(−j−2). If 0, 5 is used.
	Horizon int `toml:"horizon" json:"horizon"`
	// Fit is the number of smallest θ the slopes are fitted on. If 0, 5
	// is used (T2: all its points, at most Fit).
	Fit int `toml:"fit" json:"fit"`
	// Tolerance is the largest accepted |slope − expected| on every
	// landscape, in (0, 0.5]. If 0 (left out of a file), each landscape's
	// own is used: 0.05 on analytic landscapes, 0.15 on plasticity
	// landscapes (SPEC §13).
	Tolerance float64 `toml:"tolerance,omitzero" json:"tolerance"`
	// EpsScaling adds T3 on every analytic landscape with disjoint loci:
	// ε = cθ with R/ε loci per coefficient (R = Loci·Eps at θ₀ fixed):
	// one-step relative error slope 1 for natural (linear fitness; 2 for
	// exp), natural-mean and Lande's equation, 0 for paper and null.
	EpsScaling bool `toml:"eps_scaling" json:"eps_scaling"`
	// FiniteN adds the Wright–Fisher tests on the first landscape: the
	// root-mean-square distance of the population's allele frequencies to
	// the deterministic trajectory falls as N^(−1/2) with free
	// recombination; bias of the mean, linkage disequilibrium against
	// clonal reproduction, and neutral drift.
	FiniteN bool `toml:"finite_n" json:"finite_n"`
	// Sizes are the population sizes of the finite-N test. If nil,
	// 250, 1000, 4000 and 16000 are used.
	Sizes []int `toml:"sizes" json:"sizes"`
	// Replicates is the number of populations per size. If 0, 8 is used.
	Replicates int `toml:"replicates" json:"replicates"`
	// Seed seeds the start frequencies, shared-loci matrices and the populations.
	Seed uint64 `toml:"seed" json:"seed"`
}

// Defaults returns c with its zero fields set.
func (c CheckConfig) Defaults() CheckConfig {
	if c.Landscapes == nil {
		c.Landscapes = []CheckLandscape{
			{Name: "quadratic", Spec: fitness.Spec{Kind: "quadratic", Dim: 2, Curvature: []float64{1, 3}, Optimum: []float64{0.3, -0.2}}, Loci: 8, Eps: 0.05},
			{Name: "quadratic-shared", Spec: fitness.Spec{Kind: "quadratic", Dim: 3, Curvature: []float64{2, 1, 1.5}, Optimum: []float64{0.2, -0.1, 0.15}},
				Hessian: [][]float64{{2, 0.5, 0}, {0.5, 1, 0.3}, {0, 0.3, 1.5}}, Loci: 3, Eps: 0.05, SharedLoci: 2},
			{Name: "linear-ce", Spec: fitness.Spec{Kind: "linear-ce", Dim: 2, Batch: 100}, Loci: 6, Eps: 0.05},
			{Name: "output-rule", Spec: fitness.Spec{Kind: "output-rule", Batch: 100, Network: smallCheckNet()}, Loci: 3, Eps: 0.1, Plasticity: true},
		}
	}
	if c.Fitness == "" {
		c.Fitness = "linear"
	}
	if c.OneStep == 0 {
		c.OneStep = 11
	}
	if c.Horizon == 0 {
		c.Horizon = 5
	}
	if c.Fit == 0 {
		c.Fit = 5
	}
	if c.Sizes == nil {
		c.Sizes = []int{250, 1000, 4000, 16000}
	}
	if c.Replicates == 0 {
		c.Replicates = 8
	}
	return c
}

// Validate reports the first problem of c (after Defaults).
func (c CheckConfig) Validate() error {
	if math.IsNaN(c.Tolerance) || c.Tolerance < 0 || c.Tolerance > 0.5 {
		return fmt.Errorf("sim: check: tolerance %v is not in (0, 0.5]", c.Tolerance)
	}
	if math.IsNaN(c.Theta0) || c.Theta0 < 0 || math.IsInf(c.Theta0, 1) {
		return fmt.Errorf("sim: check: theta0 %v must be finite and ≥ 0", c.Theta0)
	}
	if c.Fitness != "linear" && c.Fitness != "exp" {
		return fmt.Errorf("sim: check: fitness must be linear or exp, got %q", c.Fitness)
	}
	for _, n := range c.Sizes {
		if n < 2 {
			return fmt.Errorf("sim: check: population size %d must be ≥ 2", n)
		}
	}
	if c.FiniteN && len(c.Sizes) < 2 {
		return fmt.Errorf("sim: check: the finite-N test needs at least two population sizes, got %v", c.Sizes)
	}
	if c.OneStep < 2 || c.Horizon < 1 || c.Fit < 2 || c.Replicates < 1 {
		return fmt.Errorf("sim: check: one-step=%d (≥ 2), horizon=%d (≥ 1), fit=%d (≥ 2), replicates=%d (≥ 1)", c.OneStep, c.Horizon, c.Fit, c.Replicates)
	}
	for _, l := range c.Landscapes {
		if l.SharedLoci < 0 {
			return fmt.Errorf("sim: check: landscape %s: shared_loci %d must be ≥ 0", l.Name, l.SharedLoci)
		}
		if l.Loci < 1 || !(l.Eps > 0) || math.IsInf(l.Eps, 1) {
			return fmt.Errorf("sim: check: landscape %s: loci=%d must be ≥ 1 and ε=%v > 0 and finite", l.Name, l.Loci, l.Eps)
		}
		for i, row := range l.Hessian {
			for j, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("sim: check: landscape %s: Hessian entry (%d, %d) is %v", l.Name, i, j, v)
				}
			}
		}
		for i, v := range l.Spec.Optimum {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("sim: check: landscape %s: optimum[%d] is %v", l.Name, i, v)
			}
		}
	}
	return nil
}

// tolerance returns the slope tolerance of landscape cl.
func (c CheckConfig) tolerance(cl CheckLandscape) float64 {
	switch {
	case c.Tolerance > 0:
		return c.Tolerance
	case cl.Plasticity:
		return 0.15
	}
	return 0.05
}

// CheckPoint is one error measurement.
type CheckPoint struct {
	Test, Landscape, Variant string
	// Theta is θ (T1, T2) or N (finite-N).
	Theta float64
	// Error is e₁ (T1), the max error over checkpoints (T2) or the RMS distance (finite N).
	Error float64
	// Relative is e₁ / max|Δ_E| (T1) or NaN.
	Relative float64
	// Method is how the expectations of the exact map were evaluated
	// ("binomial", "poisson-binomial", "enumeration": exact;
	// "monte-carlo"; "wright-fisher" for finite N).
	Method string
	// StdErr is the Monte Carlo standard error of Error (0 when exact).
	StdErr float64
}

// CheckSlope is a fitted log–log slope with its verdict.
type CheckSlope struct {
	Test, Landscape, Variant string
	// Slope is the least-squares slope of log error on log θ (or log N).
	Slope float64
	// Local holds the slopes between consecutive points.
	Local []float64
	// Expected is the expected slope. When ExpectedMax is not NaN the
	// expected slope is the range [Expected, ExpectedMax].
	Expected, ExpectedMax float64
	// Tolerance is the accepted distance to Expected.
	Tolerance float64
	// Judged is false for slopes reported only (with Reason saying why).
	Judged bool
	// Pass is false when a judged slope misses its expected value by more than Tolerance.
	Pass bool
	// Reason says why the slope is expected.
	Reason string
	// Note explains the verdict.
	Note string
}

// CheckConstant compares a leading constant with its prediction.
type CheckConstant struct {
	Test, Landscape, Variant, Quantity string
	Measured, Predicted                float64
	// RelTol is the accepted |Measured − Predicted|/|Predicted| (an
	// absolute bound when Predicted is 0). When AtLeast is true the
	// check is Measured ≥ Predicted instead.
	RelTol  float64
	AtLeast bool
	// Reason says where the prediction comes from.
	Reason string
	Pass   bool
}

func (k *CheckConstant) judge() {
	switch {
	case k.AtLeast:
		k.Pass = k.Measured >= k.Predicted
	case k.Predicted == 0:
		k.Pass = math.Abs(k.Measured) <= k.RelTol
	default:
		k.Pass = math.Abs(k.Measured-k.Predicted) <= k.RelTol*math.Abs(k.Predicted)
	}
}

// Failures lists the failed judged lines of r, one string each.
func (r *CheckResult) Failures() []string {
	var f []string
	for _, k := range r.Constants {
		if !k.Pass {
			f = append(f, fmt.Sprintf("%s %s %s: %s = %.6g, predicted %.6g", k.Test, k.Landscape, k.Variant, k.Quantity, k.Measured, k.Predicted))
		}
	}
	for _, s := range r.Slopes {
		if s.Judged && !s.Pass {
			f = append(f, fmt.Sprintf("%s %s %s: slope %.3f, expected %s ± %.2g", s.Test, s.Landscape, s.Variant, s.Slope, s.ExpectedString(), s.Tolerance))
		}
	}
	return f
}

// ExpectedString formats the expected slope or range.
func (s CheckSlope) ExpectedString() string {
	if !s.Judged {
		return "—"
	}
	if !math.IsNaN(s.ExpectedMax) {
		return fmt.Sprintf("[%.3g, %.3g]", s.Expected, s.ExpectedMax)
	}
	return fmt.Sprintf("%.3g", s.Expected)
}

// CheckResult is the outcome of Check.
type CheckResult struct {
	Config    CheckConfig
	Points    []CheckPoint
	Slopes    []CheckSlope
	Constants []CheckConstant
	// Theta0 and Tolerance hold the effective θ₀ and slope tolerance of
	// each landscape, by name.
	Theta0, Tolerance map[string]float64
	// Pass is true when every judged slope and constant passed.
	Pass bool
}

var checkVariants = []genetics.Variant{genetics.VariantNull, genetics.VariantPaper, genetics.VariantNaturalMean, genetics.VariantNatural, genetics.VariantMeanField}

// exactSettings makes every evaluation of the check exact (enumeration,
// binomial or Poisson-binomial): a support too large is an error, never a
// silent switch to Monte Carlo. MaxEnumerate covers T3's largest grid
// point (two coefficients of 1024 loci: 1025² < 2²¹).
var exactSettings = &genetics.ExactSettings{Method: genetics.Enumeration, MaxEnumerate: 1 << 21}
