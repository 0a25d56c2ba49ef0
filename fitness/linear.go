package fitness

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// LinearCE is the mean cross-entropy of a linear classifier on a fixed
// data set whose weights are linear in Y: the weight matrix of the
// classifier (m labels × d inputs, row-major) is w = W0 + M·Y. It is
// smooth and convex in Y, a control landscape between the quadratic and
// the plasticity landscapes.
type LinearCE struct {
	// X holds the inputs, one row per example (n × d).
	X *mat.Dense
	// Labels holds the label of every example, in [0, m).
	Labels []int
	// M maps Y to the flattened weights (m·d × P).
	M *mat.Dense
	// W0 is the offset of the flattened weights (m·d values); nil means 0.
	W0 []float64
	// Classes is m.
	Classes int
}

var _ Landscape = (*LinearCE)(nil)

// Dim returns P.
func (l *LinearCE) Dim() int { _, p := l.M.Dims(); return p }

// Loss returns the mean cross-entropy at y.
func (l *LinearCE) Loss(y []float64) float64 { return l.eval(nil, y) }

// Gradient writes the gradient to dst and returns the loss.
func (l *LinearCE) Gradient(dst, y []float64) float64 { return l.eval(dst, y) }

func (l *LinearCE) eval(dst, y []float64) float64 {
	n, d := l.X.Dims()
	m := l.Classes
	w := make([]float64, m*d)
	wv := mat.NewVecDense(m*d, w)
	wv.MulVec(l.M, mat.NewVecDense(len(y), y))
	if l.W0 != nil {
		for i := range w {
			w[i] += l.W0[i]
		}
	}
	var gw []float64
	if dst != nil {
		gw = make([]float64, m*d)
	}
	z := make([]float64, m)
	var loss float64
	for r := 0; r < n; r++ {
		x := l.X.RawRowView(r)
		zmax := math.Inf(-1)
		for c := 0; c < m; c++ {
			var s float64
			for j, xj := range x {
				s += w[c*d+j] * xj
			}
			z[c] = s
			zmax = math.Max(zmax, s)
		}
		var sum float64
		for c := range z {
			sum += math.Exp(z[c] - zmax)
		}
		lse := zmax + math.Log(sum)
		loss += lse - z[l.Labels[r]]
		if gw != nil {
			for c := 0; c < m; c++ {
				g := math.Exp(z[c] - lse)
				if c == l.Labels[r] {
					g--
				}
				for j, xj := range x {
					gw[c*d+j] += g * xj
				}
			}
		}
	}
	inv := 1 / float64(n)
	if dst != nil {
		gv := mat.NewVecDense(len(dst), dst)
		gv.MulVec(l.M.T(), mat.NewVecDense(len(gw), gw))
		for i := range dst {
			dst[i] *= inv
		}
	}
	return loss * inv
}
