package curvature

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LanczosSettings configures Lanczos. The zero value works.
type LanczosSettings struct {
	// MaxIter is the largest Krylov dimension. If MaxIter is 0,
	// min(n, 100) is used; larger values are capped at n.
	MaxIter int
	// K is the number of eigenpairs wanted at each end. If K is 0, 1 is used.
	K int
	// Tol stops the iteration once the residual β_m|y_m| of each wanted
	// Ritz pair is at most Tol·max|θ|. If Tol is 0, 1e-10 is used.
	Tol float64
	// Vectors, if true, returns the Ritz vectors.
	Vectors bool
}

// Spectrum holds the extreme Ritz pairs found by Lanczos.
type Spectrum struct {
	// Top holds the K largest Ritz values, largest first.
	Top []float64
	// Bottom holds the K smallest Ritz values, smallest first.
	Bottom []float64
	// TopVectors and BottomVectors hold the Ritz vectors as columns, in
	// the order of Top and Bottom (nil unless Settings.Vectors).
	TopVectors, BottomVectors *mat.Dense
	// TopResiduals and BottomResiduals are ‖Hu − θu‖ of each Ritz pair.
	TopResiduals, BottomResiduals []float64
	// Iterations is the Krylov dimension reached.
	Iterations int
	// Converged reports whether every wanted pair met the tolerance (or
	// the Krylov space became invariant).
	Converged bool
}

// Lanczos returns the extreme eigenvalues of the symmetric operator h by
// Lanczos iteration with full re-orthogonalisation from a random start
// drawn from src. A nil settings uses the defaults; a nil src panics.
func Lanczos(h Operator, settings *LanczosSettings, src rand.Source) (*Spectrum, error) {
	if src == nil {
		panic("curvature: Lanczos: nil source")
	}
	var s LanczosSettings
	if settings != nil {
		s = *settings
	}
	n := h.Len()
	if n == 0 {
		return nil, errors.New("curvature: Lanczos: empty operator")
	}
	if s.MaxIter <= 0 {
		s.MaxIter = min(n, 100)
	}
	s.MaxIter = min(s.MaxIter, n)
	if s.K <= 0 {
		s.K = 1
	}
	if s.Tol <= 0 {
		s.Tol = 1e-10
	}
	rng := rand.New(src)

	m := s.MaxIter
	q := make([][]float64, 0, m+1)
	alpha := make([]float64, 0, m)
	beta := make([]float64, 0, m)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(v, 2), v)
	q = append(q, v)
	w := make([]float64, n)
	var (
		evals  []float64
		evecs  *mat.Dense
		done   bool
		lastB  float64
		invari bool
	)
	for j := 0; j < m; j++ {
		h.HessVec(w, q[j])
		for _, x := range w {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("curvature: Lanczos: Hessian–vector product not finite at iteration %d", j+1)
			}
		}
		a := floats.Dot(w, q[j])
		alpha = append(alpha, a)
		floats.AddScaled(w, -a, q[j])
		if j > 0 {
			floats.AddScaled(w, -beta[j-1], q[j-1])
		}
		for pass := 0; pass < 2; pass++ {
			for _, qi := range q {
				floats.AddScaled(w, -floats.Dot(w, qi), qi)
			}
		}
		b := floats.Norm(w, 2)
		lastB = b
		evals, evecs = tridiagEigen(alpha, beta)
		k := len(alpha)
		scale := math.Max(math.Abs(evals[0]), math.Abs(evals[k-1]))
		if b <= 1e-12*math.Max(scale, math.SmallestNonzeroFloat64) {
			invari = true
			done = true
			break
		}
		if k >= 2*s.K || k == n {
			ok := true
			for _, c := range wanted(k, s.K) {
				if b*math.Abs(evecs.At(k-1, c)) > s.Tol*scale {
					ok = false
					break
				}
			}
			if ok {
				done = true
				break
			}
		}
		if j == m-1 {
			break
		}
		beta = append(beta, b)
		next := make([]float64, n)
		floats.ScaleTo(next, 1/b, w)
		q = append(q, next)
	}
	k := len(alpha)
	kk := min(s.K, k)
	sp := &Spectrum{Iterations: k, Converged: done || k == n}
	res := func(c int) float64 {
		if invari {
			return 0
		}
		return lastB * math.Abs(evecs.At(k-1, c))
	}
	for i := 0; i < kk; i++ {
		sp.Top = append(sp.Top, evals[k-1-i])
		sp.TopResiduals = append(sp.TopResiduals, res(k-1-i))
		sp.Bottom = append(sp.Bottom, evals[i])
		sp.BottomResiduals = append(sp.BottomResiduals, res(i))
	}
	if s.Vectors {
		sp.TopVectors = mat.NewDense(n, kk, nil)
		sp.BottomVectors = mat.NewDense(n, kk, nil)
		for i := 0; i < kk; i++ {
			ritz(sp.TopVectors, i, q[:k], evecs, k-1-i)
			ritz(sp.BottomVectors, i, q[:k], evecs, i)
		}
	}
	return sp, nil
}

// wanted returns the columns of the K smallest and K largest Ritz values.
func wanted(k, K int) []int {
	var c []int
	for i := 0; i < min(K, k); i++ {
		c = append(c, i, k-1-i)
	}
	return c
}

// ritz sets column col of dst to Σ_j q_j y_j for y the column c of evecs.
func ritz(dst *mat.Dense, col int, q [][]float64, evecs *mat.Dense, c int) {
	n, _ := dst.Dims()
	u := make([]float64, n)
	for j := range q {
		floats.AddScaled(u, evecs.At(j, c), q[j])
	}
	floats.Scale(1/floats.Norm(u, 2), u)
	for i := range u {
		dst.Set(i, col, u[i])
	}
}

// tridiagEigen returns the ascending eigenvalues and eigenvectors of the
// symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta.
func tridiagEigen(alpha, beta []float64) ([]float64, *mat.Dense) {
	k := len(alpha)
	t := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		t.SetSym(i, i, alpha[i])
		if i+1 < k {
			t.SetSym(i, i+1, beta[i])
		}
	}
	var e mat.EigenSym
	if !e.Factorize(t, true) {
		panic("curvature: tridiagonal eigendecomposition failed")
	}
	var vecs mat.Dense
	e.VectorsTo(&vecs)
	return e.Values(nil), &vecs
}
