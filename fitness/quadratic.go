package fitness

import (
	"gonum.org/v1/gonum/mat"
)

// Quadratic is L(Y) = L0 + ½ (Y − Y*)ᵀ H (Y − Y*), with H symmetric
// positive semi-definite. Its gradient is H(Y − Y*) and its Hessian H.
type Quadratic struct {
	// H is the Hessian.
	H *mat.SymDense
	// Opt is the minimiser Y*.
	Opt []float64
	// L0 is the minimum value.
	L0 float64
}

var _ Landscape = (*Quadratic)(nil)

// NewDiagQuadratic returns the quadratic with Hessian diag(h), minimum l0 at opt.
func NewDiagQuadratic(h, opt []float64, l0 float64) *Quadratic {
	if len(h) != len(opt) {
		panic("fitness: NewDiagQuadratic: h and opt differ in length")
	}
	H := mat.NewSymDense(len(h), nil)
	for i, v := range h {
		H.SetSym(i, i, v)
	}
	return &Quadratic{H: H, Opt: append([]float64(nil), opt...), L0: l0}
}

// Dim returns P.
func (q *Quadratic) Dim() int { return len(q.Opt) }

// Loss returns L(y).
func (q *Quadratic) Loss(y []float64) float64 {
	return q.eval(nil, y)
}

// Gradient writes H(y − Y*) to dst and returns L(y).
func (q *Quadratic) Gradient(dst, y []float64) float64 {
	if len(dst) != len(y) {
		panic("fitness: Quadratic.Gradient: dst has wrong length")
	}
	return q.eval(dst, y)
}

func (q *Quadratic) eval(dst, y []float64) float64 {
	n := len(q.Opt)
	if len(y) != n {
		panic("fitness: Quadratic: y has wrong length")
	}
	var l float64
	for i := 0; i < n; i++ {
		var g float64
		for j := 0; j < n; j++ {
			g += q.H.At(i, j) * (y[j] - q.Opt[j])
		}
		l += 0.5 * (y[i] - q.Opt[i]) * g
		if dst != nil {
			dst[i] = g
		}
	}
	return q.L0 + l
}
