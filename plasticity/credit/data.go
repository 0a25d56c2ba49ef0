package credit

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
)

// FromSet returns the examples idx of s as a batch (rows copied). Each
// row of s is read as Steps·In values in time order; row-wise sequential
// MNIST reads a 784-pixel image as 28 steps of 28 pixels.
func FromSet(s *dataset.Set, idx []int) Batch {
	b := Batch{X: make([]float64, 0, len(idx)*s.Dim), Y: make([]int, 0, len(idx))}
	for _, i := range idx {
		b.X = append(b.X, s.Row(i, nil)...)
		b.Y = append(b.Y, s.Y[i])
	}
	return b
}

// CheckSet reports whether s can feed a network of in inputs over steps.
func CheckSet(s *dataset.Set, in, steps, out int) error {
	if s.Dim != in*steps {
		return fmt.Errorf("credit: %s: dimension %d is not %d steps × %d inputs", s.Name, s.Dim, steps, in)
	}
	if s.Labels > out {
		return fmt.Errorf("credit: %s: %d labels, network has %d outputs", s.Name, s.Labels, out)
	}
	return nil
}

// Step sets g to the rule's ĝ at theta on b, moves theta by −lr·ĝ and
// returns the loss before the step.
func (n *Net) Step(g, theta []float64, b Batch, r Rule, lr float64) float64 {
	l := n.Update(g, theta, b, r)
	for i := range theta {
		theta[i] -= lr * g[i]
	}
	return l
}
