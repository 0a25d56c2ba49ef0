package curvature

import "fmt"

// Loss is a twice-differentiable loss of Len parameters with an exact
// gradient and an exact Hessian–vector product.
type Loss interface {
	// Len returns the number of parameters.
	Len() int
	// Grad sets dst to ∇L(x) and returns L(x).
	Grad(dst, x []float64) float64
	// HessVec sets dst to ∇²L(x) v.
	HessVec(dst, x, v []float64)
}

// Operator is a symmetric linear operator of size Len, typically the
// Hessian of a loss at a fixed point.
type Operator interface {
	// Len returns the dimension.
	Len() int
	// HessVec sets dst to H v.
	HessVec(dst, v []float64)
}

// At returns the Hessian of l at x as an Operator. x is copied.
func At(l Loss, x []float64) Operator {
	if len(x) != l.Len() {
		panic(fmt.Sprintf("curvature: At: len(x)=%d, want %d", len(x), l.Len()))
	}
	return &atPoint{l: l, x: append([]float64(nil), x...)}
}

type atPoint struct {
	l Loss
	x []float64
}

func (a *atPoint) Len() int                 { return len(a.x) }
func (a *atPoint) HessVec(dst, v []float64) { a.l.HessVec(dst, a.x, v) }

// Block returns the restriction of h to the coordinates idx, the operator
// H_BB = Pᵀ H P, where P embeds a vector of len(idx) coordinates into the
// full space with zeros elsewhere. idx must hold distinct indices in
// [0, h.Len()).
func Block(h Operator, idx []int) Operator {
	n := h.Len()
	seen := make(map[int]bool, len(idx))
	for _, i := range idx {
		if i < 0 || i >= n || seen[i] {
			panic(fmt.Sprintf("curvature: Block: index %d out of range or repeated (n=%d)", i, n))
		}
		seen[i] = true
	}
	return &block{h: h, idx: append([]int(nil), idx...), full: make([]float64, n), out: make([]float64, n)}
}

// Range returns the indices lo, lo+1, …, hi−1, for Block.
func Range(lo, hi int) []int {
	idx := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	return idx
}

type block struct {
	h         Operator
	idx       []int
	full, out []float64
}

func (b *block) Len() int { return len(b.idx) }

func (b *block) HessVec(dst, v []float64) {
	if len(v) != len(b.idx) || len(dst) != len(b.idx) {
		panic("curvature: Block.HessVec: length mismatch")
	}
	clear(b.full)
	for k, i := range b.idx {
		b.full[i] = v[k]
	}
	b.h.HessVec(b.out, b.full)
	for k, i := range b.idx {
		dst[k] = b.out[i]
	}
}

// StabilityThreshold returns 2/η, the largest curvature along which
// gradient descent with step η does not diverge.
func StabilityThreshold(eta float64) float64 { return 2 / eta }
