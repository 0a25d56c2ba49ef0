package sim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/genetics"
)

// bruteMoments are the moments of L(Y) over all 2^M genotypes of a tiny
// disjoint-loci genome, computed straight from the definitions and
// independently of genetics.Dynamics (which uses binomial and
// Poisson-binomial sums over counts): Y_p = Σ_l g_pl with g = ±ε,
// genotype probability Π x_i^{gi=+} (1−x_i)^{gi=−}.
type bruteMoments struct {
	// L, L2 are E[L] and E[L²]; F is E[w − 1] at theta.
	L, L2, F float64
	// DL, DL2, DF are E[·|gi=+ε] − E[·|gi=−ε] per locus.
	DL, DL2, DF []float64
}

// bruteForce enumerates every genotype of P coefficients × n loci (ε,
// start x), or Y = B g when B is not nil. w − 1 is −θL (linear) or expm1(−θL) (exp).
func bruteForce(loss genetics.Loss, B *mat.Dense, P, n int, eps float64, x []float64, kind genetics.FitnessKind, theta float64) (*bruteMoments, error) {
	M := P * n
	if B != nil {
		_, M = B.Dims()
	}
	if M > 20 || len(x) != M {
		return nil, fmt.Errorf("sim: check: brute force over %d loci (at most 20, %d frequencies)", M, len(x))
	}
	lp, lm := make([]float64, M), make([]float64, M)
	l2p, l2m := make([]float64, M), make([]float64, M)
	fp, fm := make([]float64, M), make([]float64, M)
	y := make([]float64, P)
	var m bruteMoments
	for g := 0; g < 1<<M; g++ {
		pr := 1.0
		clear(y)
		for i := 0; i < M; i++ {
			gi := -eps
			if g>>i&1 == 1 {
				pr *= x[i]
				gi = eps
			} else {
				pr *= 1 - x[i]
			}
			if B == nil {
				y[i/n] += gi
				continue
			}
			for p := range P {
				y[p] += B.At(p, i) * gi
			}
		}
		l := loss.Loss(y)
		if math.IsNaN(l) {
			return nil, fmt.Errorf("sim: check: brute force: loss is NaN at Y=%g", y)
		}
		f := -theta * l
		if kind == genetics.Exp {
			f = math.Expm1(-theta * l)
		}
		m.L += pr * l
		m.L2 += pr * l * l
		m.F += pr * f
		for i := 0; i < M; i++ {
			if g>>i&1 == 1 {
				q := pr / x[i]
				lp[i] += q * l
				l2p[i] += q * l * l
				fp[i] += q * f
			} else {
				q := pr / (1 - x[i])
				lm[i] += q * l
				l2m[i] += q * l * l
				fm[i] += q * f
			}
		}
	}
	m.DL, m.DL2, m.DF = make([]float64, M), make([]float64, M), make([]float64, M)
	for i := range m.DL {
		m.DL[i] = lp[i] - lm[i]
		m.DL2[i] = l2p[i] - l2m[i]
		m.DF[i] = fp[i] - fm[i]
	}
	return &m, nil
}

// exactIncrement returns the brute-force Δ_E,i = x_i(1−x_i)·DF_i/(1 + E[F]).
func (m *bruteMoments) exactIncrement(x []float64) []float64 {
	d := make([]float64, len(x))
	for i, xi := range x {
		d[i] = xi * (1 - xi) * m.DF[i] / (1 + m.F)
	}
	return d
}

// naturalErrorConstant returns the predicted e₁ = max_i |Δ_E − Δ_natural|
// at theta from the brute-force moments: for linear fitness exactly
// θ² max_i x(1−x)|DL_i| L̃/(1 − θL̃); for exp fitness its leading term
// θ² max_i x(1−x)|½DL²_i − L̃ DL_i| (expand expm1 and 1/(1+E[F]) to θ²).
func (m *bruteMoments) naturalErrorConstant(x []float64, kind genetics.FitnessKind, theta float64) float64 {
	var e float64
	for i, xi := range x {
		var v float64
		if kind == genetics.Linear {
			v = theta * theta * xi * (1 - xi) * math.Abs(m.DL[i]) * math.Abs(m.L) / (1 - theta*m.L)
		} else {
			v = theta * theta * xi * (1 - xi) * math.Abs(0.5*m.DL2[i]-m.L*m.DL[i])
		}
		e = math.Max(e, v)
	}
	return e
}
