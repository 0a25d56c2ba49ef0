package fitness

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// checkGradient compares Gradient with gonum's central finite differences.
func checkGradient(t *testing.T, name string, l Landscape, y []float64, tol float64) {
	t.Helper()
	got := make([]float64, l.Dim())
	loss := l.Gradient(got, y)
	if !scalar.EqualWithinAbsOrRel(loss, l.Loss(y), 1e-14, 1e-14) {
		t.Errorf("%s: Gradient returned loss %v, Loss %v", name, loss, l.Loss(y))
	}
	want := fd.Gradient(nil, l.Loss, y, &fd.Settings{Formula: fd.Central, Step: 1e-5})
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Errorf("%s: ∂L/∂y[%d] = %v, finite difference %v", name, i, got[i], want[i])
		}
	}
}

func TestQuadratic(t *testing.T) {
	t.Parallel()
	q := NewDiagQuadratic([]float64{1, 2, 4}, []float64{0.5, -1, 2}, 0.25)
	// At the optimum the loss is L0 and the gradient is zero.
	g := make([]float64, 3)
	if l := q.Gradient(g, []float64{0.5, -1, 2}); l != 0.25 || g[0] != 0 || g[1] != 0 || g[2] != 0 {
		t.Errorf("at optimum: L=%v ∇=%v", l, g)
	}
	// L(0) = 0.25 + ½(1·0.25 + 2·1 + 4·4) = 0.25 + 9.125.
	if l := q.Loss([]float64{0, 0, 0}); !scalar.EqualWithinAbs(l, 9.375, 1e-15) {
		t.Errorf("L(0) = %v, want 9.375", l)
	}
	checkGradient(t, "quadratic", q, []float64{0.1, 0.2, -0.3}, 1e-8)
}

func TestLinearCE(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n, d, m, p := 30, 3, 3, 4
	X := mat.NewDense(n, d, nil)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			X.Set(i, j, rng.NormFloat64())
		}
		labels[i] = rng.IntN(m)
	}
	M := mat.NewDense(m*d, p, nil)
	for i := 0; i < m*d; i++ {
		for j := 0; j < p; j++ {
			M.Set(i, j, rng.NormFloat64())
		}
	}
	l := &LinearCE{X: X, Labels: labels, M: M, Classes: m}
	// At Y = 0 all logits are 0: the loss is log m exactly.
	if got := l.Loss(make([]float64, p)); !scalar.EqualWithinAbs(got, 1.0986122886681098, 1e-15) {
		t.Errorf("L(0) = %v, want log 3", got)
	}
	checkGradient(t, "linear CE", l, []float64{0.3, -0.2, 0.1, 0.5}, 1e-7)
}
