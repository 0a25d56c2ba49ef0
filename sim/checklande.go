package sim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
)

// phenotypeSpace computes the phenotype-space quantities of Lande's
// equation straight from their definitions, independently of
// genetics.Dynamics: Ȳ = c + εB(2x − 1), ΔȲ = 2εBΔx and the genetic
// covariance G = B diag(4ε² x(1−x)) Bᵀ, with B the P×M matrix of the
// encoding (for disjoint loci B_pi = 1 when locus i belongs to
// coefficient p).
type phenotypeSpace struct {
	B    *mat.Dense
	eps  float64
	off  []float64
	P, M int
	// workspaces
	d, ybar, grad, gy []float64
}

func newPhenotypeSpace(enc *genetics.Encoding) *phenotypeSpace {
	P, M := enc.Coefficients(), enc.Loci()
	B := enc.B
	if B == nil {
		B = mat.NewDense(P, M, nil)
		n := enc.LociPer()
		for i := range M {
			B.Set(i/n, i, 1)
		}
	}
	off := make([]float64, P)
	copy(off, enc.Offset)
	return &phenotypeSpace{B: B, eps: enc.Epsilon(), off: off, P: P, M: M,
		d: make([]float64, M), ybar: make([]float64, P), grad: make([]float64, P), gy: make([]float64, P)}
}

// mean writes Ȳ = c + εB(2x − 1) into dst.
func (s *phenotypeSpace) mean(dst, x []float64) {
	for p := range s.P {
		v := 0.0
		for i, xi := range x {
			v += s.B.At(p, i) * (2*xi - 1)
		}
		dst[p] = s.off[p] + s.eps*v
	}
}

// deltaY writes ΔȲ = 2εBΔx into dst.
func (s *phenotypeSpace) deltaY(dst, dx []float64) {
	for p := range s.P {
		v := 0.0
		for i, di := range dx {
			v += s.B.At(p, i) * di
		}
		dst[p] = 2 * s.eps * v
	}
}

// gTimes writes G(x)·v = B diag(4ε² x(1−x)) Bᵀ v into dst (G computed
// from x, so recomputed whenever x changes).
func (s *phenotypeSpace) gTimes(dst, x, v []float64) {
	for i, xi := range x {
		u := 0.0
		for p := range s.P {
			u += s.B.At(p, i) * v[p]
		}
		s.d[i] = 4 * s.eps * s.eps * xi * (1 - xi) * u
	}
	for p := range s.P {
		w := 0.0
		for i := range x {
			w += s.B.At(p, i) * s.d[i]
		}
		dst[p] = w
	}
}

// lande writes Lande's prediction ΔȲ = G(x) β into dst, with the
// selection gradient at the mean phenotype β = ∇ ln w(Ȳ):
// −θ∇L(Ȳ)/(1 − θL(Ȳ)) for linear fitness and −θ∇L(Ȳ) for exp fitness
// (both −θ∇L(Ȳ) + O(θ²), SPEC §8), G = G(x).
func (s *phenotypeSpace) lande(dst, x []float64, land fitness.Landscape, kind genetics.FitnessKind, theta float64) {
	s.mean(s.ybar, x)
	l := land.Gradient(s.grad, s.ybar)
	scale := -theta
	if kind == genetics.Linear {
		scale /= 1 - theta*l
	}
	for p := range s.grad {
		s.gy[p] = scale * s.grad[p]
	}
	s.gTimes(dst, x, s.gy)
}

// quadraticRemainder returns, for a quadratic L = ½(Y−Y*)ᵀH(Y−Y*) with
// any B, the closed forms (without the engine) of
//
//	L̃ = L(Ȳ) + ½ tr(HG),
//	∂L̃/∂x_i = 2ε (Bᵀ∇L(Ȳ))_i + 2ε²(1 − 2x_i)(BᵀHB)_ii,
//
// and writes into bu the phenotype-space remainder of Lande's equation,
// Bu with u_i = 4ε³ x_i(1−x_i)(1−2x_i)(BᵀHB)_ii = 2ε x_i(1−x_i)·(the
// variance penalty's part of ∂L̃/∂x_i): for linear fitness exactly
// ΔȲ = −θ(G∇L(Ȳ) + Bu)/(1 − θL̃), and for either fitness form
// ΔȲ − Gβ = −θBu + O(θ²). dLdx (length M) receives ∂L̃/∂x.
func (s *phenotypeSpace) quadraticRemainder(bu, dLdx, x []float64, q *fitness.Quadratic) (Lt float64) {
	s.mean(s.ybar, x)
	Lt = q.Gradient(s.grad, s.ybar)
	eps := s.eps
	for i, xi := range x {
		// (BᵀHB)_ii and (Bᵀ∇L)_i.
		var bhb, bg float64
		for p := range s.P {
			bp := s.B.At(p, i)
			if bp == 0 {
				continue
			}
			bg += bp * s.grad[p]
			for r := range s.P {
				bhb += bp * q.H.At(p, r) * s.B.At(r, i)
			}
		}
		v := xi * (1 - xi)
		Lt += 0.5 * bhb * 4 * eps * eps * v // ½ tr(HG) = ½ Σ_i (BᵀHB)_ii 4ε² x_i(1−x_i)
		dLdx[i] = 2*eps*bg + 2*eps*eps*(1-2*xi)*bhb
		s.d[i] = 4 * eps * eps * eps * v * (1 - 2*xi) * bhb
	}
	for p := range s.P {
		w := 0.0
		for i := range x {
			w += s.B.At(p, i) * s.d[i]
		}
		bu[p] = w
	}
	return Lt
}

func maxAbsDiffScaled(a, b []float64, sb float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-sb*b[i]))
	}
	return m
}

// checkLande judges Lande's equation ΔȲ = Gβ, β = ∇ln w(Ȳ) (SPEC §8) one
// generation at a time at the given states of the exact trajectory, G and
// β recomputed at each state, over T1's θ grid: e_L(θ) = max over states
// of |ΔȲ − Gβ|_∞ with ΔȲ = 2εBΔ_E from the exact increment. At fixed ε
// the remainder is −θBu(x) (G depends on x: the gradient of the variance
// penalty, relative O(ε)) + O(θ²): slope 1, and on a quadratic e_L/θ →
// max |Bu| in closed form.
func checkLande(res *CheckResult, cfg CheckConfig, cl CheckLandscape, land fitness.Landscape, enc *genetics.Encoding, loss genetics.Loss, kind genetics.FitnessKind, states [][]float64, theta0 float64) error {
	ps := newPhenotypeSpace(enc)
	P, M := enc.Coefficients(), enc.Loci()
	dx, dLdx := make([]float64, M), make([]float64, M)
	dY, lY, bu := make([]float64, P), make([]float64, P), make([]float64, P)
	thetas := make([]float64, cfg.OneStep)
	var eL []float64
	for j := range thetas {
		th := theta0 * math.Ldexp(1, -j)
		thetas[j] = th
		dyn, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: th}, exactSettings)
		if err != nil {
			return err
		}
		var e, dmax float64
		method := ""
		for _, x := range states {
			r, err := dyn.Increment(dx, x, genetics.VariantExact)
			if err != nil {
				return fmt.Errorf("sim: check %s Lande: %w", cl.Name, err)
			}
			method = r.Method.String()
			ps.deltaY(dY, dx)
			dmax = math.Max(dmax, maxAbs(dY))
			ps.lande(lY, x, land, kind, th)
			e = math.Max(e, maxAbsDiff(dY, lY))
		}
		eL = append(eL, e)
		res.Points = append(res.Points, CheckPoint{Test: "Lande", Landscape: cl.Name, Variant: "lande", Theta: th, Error: e, Relative: e / dmax, Method: method})
	}
	tol := cfg.tolerance(cl)
	k := min(cfg.Fit, len(thetas))
	slope, local := fitSlope(thetas[len(thetas)-k:], eL[len(thetas)-k:])
	s := newSlope("Lande", cl, "lande", slope, local, 1, fmt.Sprintf("ΔȲ = Gβ, β = ∇ln w(Ȳ) ≈ −θ∇L(Ȳ), G and β recomputed at each of %d states of the exact trajectory: off by −θBu (G depends on x; relative O(ε)) + O(θ²)", len(states)))
	judge(&s, tol)
	res.Slopes = append(res.Slopes, s)
	if q, ok := land.(*fitness.Quadratic); ok {
		// At θ₀2^−12 whatever the grid: the constant's own O(θ) correction
		// is then below 0.1 %.
		th := theta0 * 0x1p-12
		dyn, err := genetics.NewDynamics(enc, loss, genetics.Fitness{Kind: kind, Theta: th}, exactSettings)
		if err != nil {
			return err
		}
		var meas, pred float64
		for _, x := range states {
			if _, err := dyn.Increment(dx, x, genetics.VariantExact); err != nil {
				return err
			}
			ps.deltaY(dY, dx)
			ps.lande(lY, x, land, kind, th)
			meas = math.Max(meas, maxAbsDiff(dY, lY)/th)
			ps.quadraticRemainder(bu, dLdx, x, q)
			pred = math.Max(pred, maxAbs(bu))
		}
		k := CheckConstant{Test: "Lande", Landscape: cl.Name, Variant: "lande", Quantity: fmt.Sprintf("max over states |ΔȲ − Gβ|/θ at θ=%.3g", th), Measured: meas, Predicted: pred, RelTol: 0.01,
			Reason: "closed form max|Bu|, u_i = 4ε³x(1−x)(1−2x)(BᵀHB)_ii: the gradient of ½tr(HG), G depending on x"}
		k.judge()
		res.Constants = append(res.Constants, k)
	}
	return nil
}
