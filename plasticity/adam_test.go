package plasticity

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestAdam checks Adam against closed forms: after bias correction the
// first step is −lr·g/(|g| + eps) per coordinate, with the coupled decay
// in g = ∇ + λθ; with a constant gradient every step is the same; and on
// f(θ) = θ²/2 it converges to 0.
func TestAdam(t *testing.T) {
	t.Parallel()
	x := []float64{1, -2, 3, 0}
	grad := []float64{0.5, 0.5, -4, 0}
	opt := &Adam{LR: 0.1, WeightDecay: 0.5}
	opt.Step(x, grad)
	// g = ∇ + 0.5θ = (1, −0.5, −2.5, 0): steps −0.1, +0.1, +0.1, 0.
	want := []float64{0.9, -1.9, 3.1, 0}
	for i := range x {
		if !scalar.EqualWithinAbs(x[i], want[i], 1e-8) {
			t.Errorf("first step: x = %v, want %v", x, want)
			break
		}
	}
	// Constant gradient, no decay: m̂ = g and v̂ = g² at every step, so
	// each step is −lr·g/(|g| + eps); eps shifts it by lr·eps/|g| = 5e-11.
	y := []float64{0}
	c := &Adam{}
	for s := 1; s <= 5; s++ {
		c.Step(y, []float64{2})
		if !scalar.EqualWithinAbs(y[0], -0.01*float64(s), 1e-9) {
			t.Errorf("step %d: %v, want %v", s, y[0], -0.01*float64(s))
		}
	}
	z := []float64{1}
	q := &Adam{LR: 0.05}
	for s := 0; s < 2000; s++ {
		q.Step(z, []float64{z[0]})
	}
	if math.Abs(z[0]) > 1e-2 || q.Steps() != 2000 {
		t.Errorf("after %d steps on θ²/2: θ = %v", q.Steps(), z[0])
	}
}
