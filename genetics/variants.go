package genetics

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/internal/fault"
)

// Variant names a one-generation increment compared by the numerical check
// of SPEC §8.
type Variant int

const (
	// VariantExact is Δ_E = x(1−x)(E[F|+] − E[F|−]) / (1 + E[F]), the exact
	// map's increment.
	VariantExact Variant = iota
	// VariantNull is 0, the control.
	VariantNull
	// VariantPaper is −θ(2 − 2x)∇ₓL(Ȳ), the paper's printed recursion.
	VariantPaper
	// VariantNaturalMean is −θ x(1−x)∇ₓL(Ȳ), the natural-gradient step on
	// the loss at the mean.
	VariantNaturalMean
	// VariantNatural is −θ x(1−x)∇ₓL̃, the natural-gradient step on the
	// mean loss (the corrected theorem's leading term).
	VariantNatural
	// VariantMeanField is the replicator map with w(E[Y | g_i = ±ε]).
	VariantMeanField
)

var variantNames = [...]string{"exact", "null", "paper", "natural-mean", "natural", "mean-field"}

// String returns the name used on the command line, e.g. "natural-mean".
func (v Variant) String() string {
	if v >= 0 && int(v) < len(variantNames) {
		return variantNames[v]
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// ParseVariant returns the variant named s (see Variant.String).
func ParseVariant(s string) (Variant, error) {
	for i, n := range variantNames {
		if n == s {
			return Variant(i), nil
		}
	}
	return 0, fmt.Errorf("genetics: unknown variant %q (want one of %v)", s, variantNames[:])
}

// Variants returns all variants in order.
func Variants() []Variant {
	return []Variant{VariantExact, VariantNull, VariantPaper, VariantNaturalMean, VariantNatural, VariantMeanField}
}

// Increment writes the one-generation increment of variant v at x into dst,
// computed directly (never as a difference of maps):
//
//	exact:        x(1−x)(E[F|+] − E[F|−]) / (1 + E[F])   (no approximation)
//	null:         0
//	paper:        −θ(2−2x) ∇ₓL(Ȳ)                        (as printed)
//	natural-mean: −θ x(1−x) ∇ₓL(Ȳ)                       (loss at the mean)
//	natural:      −θ x(1−x) ∂L̃/∂x                        (drops 1/(1−θL̃) and O(θ²))
//	mean-field:   x(1−x)(F⁺ − F⁻)/(1 + xF⁺ + (1−x)F⁻), F^± = F(L(E[Y|g=±ε]))
//
// with F = w − 1 (−θL or expm1(−θL)) and ∇ₓL(Ȳ)_i = 2ε Σ_p B_pi ∂L/∂Y_p(Ȳ).
// The result's MeanLoss and MeanFitness are filled for exact and natural.
// dst may alias x.
func (d *Dynamics) Increment(dst, x []float64, v Variant) (ExactResult, error) {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	d.checkX(x)
	theta := d.fit.Theta
	switch v {
	case VariantExact:
		_, mf, res, err := d.condDiff(x, true)
		if err != nil {
			return res, err
		}
		if !(1+mf > 0) {
			return res, fmt.Errorf("genetics: mean fitness W̄=%g is not positive (θ=%g, L̃=%g)", 1+mf, theta, res.MeanLoss)
		}
		for i, xi := range x {
			dst[i] = xi * (1 - xi) * d.df[i] / (1 + mf)
			if fault.ExactTheta2 != 0 {
				dst[i] += fault.ExactTheta2 * theta * theta * xi * (1 - xi)
			}
		}
		return res, nil
	case VariantNull:
		clear(dst)
		return ExactResult{MeanFitness: 1}, nil
	case VariantPaper, VariantNaturalMean:
		d.evals = 0
		if err := d.MeanGradient(d.dl, x); err != nil {
			return ExactResult{}, err
		}
		for i, xi := range x {
			if v == VariantPaper {
				dst[i] = -theta * (2 - 2*xi) * d.dl[i]
			} else {
				dst[i] = -theta * xi * (1 - xi) * d.dl[i]
			}
		}
		return ExactResult{Evaluations: d.evals, MeanFitness: 1}, nil
	case VariantNatural:
		if fault.PaperAsNatural {
			return d.Increment(dst, x, VariantPaper)
		}
		_, _, res, err := d.condDiff(x, false)
		if err != nil {
			return res, err
		}
		for i, xi := range x {
			dst[i] = -theta * xi * (1 - xi) * d.dl[i]
		}
		return res, nil
	case VariantMeanField:
		return d.meanField(dst, x, true)
	}
	panic(fmt.Sprintf("genetics: unknown variant %d", int(v)))
}

// meanField writes the mean-field increment (inc) or map into dst.
func (d *Dynamics) meanField(dst, x []float64, inc bool) (ExactResult, error) {
	d.evals = 0
	P, n, eps := d.P, d.n, d.eps
	d.enc.Mean(d.gy, x) // Ȳ
	var fp, fm, prev float64
	for i, xi := range x {
		reuse := false
		if d.cols == nil {
			p := i / n
			reuse = i%n > 0 && prev == xi // prev: x[i-1] before dst[i-1] was written
			prev = xi
			if !reuse {
				copy(d.y, d.gy)
				d.y[p] += 2 * eps * (1 - xi)
				copy(d.y2, d.gy)
				d.y2[p] -= 2 * eps * xi
			}
		} else {
			col := d.cols[i*P : (i+1)*P]
			for p, b := range col {
				d.y[p] = d.gy[p] + 2*eps*(1-xi)*b
				d.y2[p] = d.gy[p] - 2*eps*xi*b
			}
		}
		if !reuse {
			var err error
			if _, fp, err = d.eval(d.y, true); err != nil {
				return ExactResult{}, err
			}
			if _, fm, err = d.eval(d.y2, true); err != nil {
				return ExactResult{}, err
			}
		}
		wbar := 1 + xi*fp + (1-xi)*fm
		if inc {
			dst[i] = xi * (1 - xi) * (fp - fm) / wbar
		} else {
			dst[i] = xi * (1 + fp) / wbar
		}
	}
	return ExactResult{Evaluations: d.evals, MeanFitness: 1}, nil
}

// MeanField writes the mean-field map (the paper's substitution) into dst:
// x_i' = x_i w(E[Y|g_i=+ε]) / (x_i w(E[Y|g_i=+ε]) + (1−x_i) w(E[Y|g_i=−ε])).
// It approximates E[w(Y) | g_i] by w(E[Y | g_i]), which drops the variance of
// Y (exact for a loss linear in Y with Linear fitness). Two loss evaluations
// per locus, or per coefficient when its loci share a frequency. dst may
// alias x.
func (d *Dynamics) MeanField(dst, x []float64) (ExactResult, error) {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	d.checkX(x)
	return d.meanField(dst, x, false)
}

// Paper writes the paper's literal recursion, as printed, into dst:
// x_i' = x_i − θ(2 − 2x_i) ∂L(Ȳ)/∂x_i. Its step is 2/x_i times the natural
// gradient step at the mean, so it is not the dynamics of the model; it is
// implemented only to show what it does. It returns an error if a frequency
// leaves [0, 1]. dst may alias x.
func (d *Dynamics) Paper(dst, x []float64) (ExactResult, error) {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	d.checkX(x)
	d.evals = 0
	if err := d.MeanGradient(d.dl, x); err != nil {
		return ExactResult{}, err
	}
	theta := d.fit.Theta
	for i, xi := range x {
		v := xi - theta*(2-2*xi)*d.dl[i]
		if !(v >= 0 && v <= 1) {
			return ExactResult{}, fmt.Errorf("genetics: paper recursion moved x[%d]=%g to %g, outside [0, 1]", i, xi, v)
		}
		dst[i] = v
	}
	return ExactResult{Evaluations: d.evals, MeanFitness: 1}, nil
}

// MeanGradient writes ∇ₓL(Ȳ), the gradient of the loss at the mean
// Ȳ = E_x[Y] with respect to the frequencies, into dst:
// ∂L(Ȳ)/∂x_i = 2ε Σ_p B_pi ∂L/∂Y_p(Ȳ). dL/dY comes from the loss's Gradient
// method (or LossFunc.Grad) when it has one, and otherwise from central
// finite differences on Y with step h_p = ε_mach^(1/3)·max(1, |Ȳ_p|).
func (d *Dynamics) MeanGradient(dst, x []float64) error {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	d.checkX(x)
	P, n := d.P, d.n
	d.enc.Mean(d.gy, x)
	if err := d.lossGradY(d.y2, d.gy); err != nil {
		return err
	}
	for i := range x {
		if d.cols == nil {
			dst[i] = 2 * d.eps * d.y2[i/n]
			continue
		}
		s := 0.0
		for p, b := range d.cols[i*P : (i+1)*P] {
			s += b * d.y2[p]
		}
		dst[i] = 2 * d.eps * s
	}
	return nil
}

// lossGradY writes dL/dY at y into dst (dst must not alias y or d.y).
func (d *Dynamics) lossGradY(dst, y []float64) error {
	if d.grad != nil {
		d.grad(dst, y)
		return nil
	}
	h0 := math.Cbrt(0x1p-52)
	copy(d.y, y)
	for p := range y {
		h := h0 * math.Max(1, math.Abs(y[p]))
		d.y[p] = y[p] + h
		lp, _, err := d.eval(d.y, false)
		if err != nil {
			return err
		}
		d.y[p] = y[p] - h
		lm, _, err := d.eval(d.y, false)
		if err != nil {
			return err
		}
		d.y[p] = y[p]
		dst[p] = (lp - lm) / (2 * h)
	}
	return nil
}

// NaturalStep writes the natural-gradient (Shahshahani) step
// x_i − η x_i(1 − x_i) grad_i into dst. With grad = ∂L̃/∂x from
// Dynamics.LossGradient and η = θ/(1 − θL̃) it is the exact map for Linear
// fitness. dst may alias x.
func NaturalStep(dst, x, grad []float64, eta float64) {
	if len(dst) != len(x) || len(grad) != len(x) {
		panic("genetics: NaturalStep: lengths differ")
	}
	for i, xi := range x {
		dst[i] = xi - eta*xi*(1-xi)*grad[i]
	}
}
