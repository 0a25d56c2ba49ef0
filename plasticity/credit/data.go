package credit

import (
	"fmt"
	"slices"

	"github.com/evolve-toolkit/evolve/dataset"
)

// FromSet returns the examples idx of s as a batch (rows copied). Each
// row of s is read as Steps·In values in time order; row-wise sequential
// MNIST reads a 784-pixel image as 28 steps of 28 pixels.
func FromSet(s *dataset.Set, idx []int) Batch {
	var b Batch
	FromSetTo(&b, s, idx)
	return b
}

// FromSetTo is FromSet into dst, reusing its storage.
func FromSetTo(dst *Batch, s *dataset.Set, idx []int) {
	dst.X, dst.Y = dst.X[:0], dst.Y[:0]
	for _, i := range idx {
		n := len(dst.X)
		dst.X = slices.Grow(dst.X, s.Dim)[:n+s.Dim]
		s.Row(i, dst.X[n:]) // decodes in place: no copy per example
		dst.Y = append(dst.Y, s.Y[i])
	}
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
