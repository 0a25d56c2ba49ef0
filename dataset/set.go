package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Set is a labelled data set held in memory, row-major.
type Set struct {
	Name   string    // name of the set, such as "mnist/train"
	Dim    int       // input dimension d
	Labels int       // number of classes m
	X      []float64 // Len()*Dim values, row-major
	Y      []int     // labels in [0, Labels)
}

// Split is a training set and a test set of the same dimension and labels.
type Split struct {
	Train, Test *Set
}

// Len returns the number of examples, len(s.Y).
func (s *Set) Len() int { return len(s.Y) }

// Row returns example i as a view of s.X; it is not a copy.
func (s *Set) Row(i int) []float64 {
	return s.X[i*s.Dim : (i+1)*s.Dim : (i+1)*s.Dim]
}

// Dense returns the inputs as a Len()×Dim matrix sharing s.X. For an
// empty set it returns an empty matrix.
func (s *Set) Dense() *mat.Dense {
	if s.Len() == 0 || s.Dim == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(s.Len(), s.Dim, s.X[:s.Len()*s.Dim])
}

// Counts returns the number of examples of each label; its length is
// s.Labels. Labels out of range are not counted.
func (s *Set) Counts() []int {
	c := make([]int, s.Labels)
	for _, y := range s.Y {
		if 0 <= y && y < s.Labels {
			c[y]++
		}
	}
	return c
}

// Subset returns a new set holding copies of the rows idx, in that order.
// Indices may repeat. An index out of range panics.
func (s *Set) Subset(idx []int) *Set {
	sub := &Set{
		Name:   s.Name,
		Dim:    s.Dim,
		Labels: s.Labels,
		X:      make([]float64, len(idx)*s.Dim),
		Y:      make([]int, len(idx)),
	}
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			panic(fmt.Sprintf("dataset: Subset index %d out of range [0, %d)", i, s.Len()))
		}
		copy(sub.X[k*s.Dim:(k+1)*s.Dim], s.Row(i))
		sub.Y[k] = s.Y[i]
	}
	return sub
}

// Sample returns a copy of n rows chosen uniformly at random without
// replacement, kept in their original order. If n >= s.Len() it returns a
// copy of the whole set. The choice depends only on n, s.Len() and src
// (see SampleIndex). A negative n or a nil src panics.
func (s *Set) Sample(n int, src rand.Source) *Set {
	return s.Subset(SampleIndex(s.Len(), n, src))
}

// SampleIndex returns n distinct indices in [0, size) chosen uniformly at
// random, in increasing order; if n >= size it returns 0, 1, …, size−1. It
// is the choice made by Set.Sample and by Load for TrainSize and TestSize,
// exposed so that callers can sample a set before building it. The draw is
// a partial Fisher–Yates shuffle: for i < n, swap position i with
// i + IntN(size−i). A negative n or a nil src panics.
func SampleIndex(size, n int, src rand.Source) []int {
	if n < 0 {
		panic(fmt.Sprintf("dataset: negative sample size %d", n))
	}
	if src == nil {
		panic("dataset: nil rand.Source")
	}
	if n >= size {
		idx := make([]int, size)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	r := rand.New(src)
	perm := make([]int, size)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < n; i++ {
		j := i + r.IntN(size-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	idx := perm[:n:n]
	slices.Sort(idx)
	return idx
}

// Validate checks that the set is consistent: Dim > 0 and Labels > 0,
// len(X) == Len()*Dim, every label in [0, Labels) and every input finite.
func (s *Set) Validate() error {
	name := s.Name
	if name == "" {
		name = "set"
	}
	switch {
	case s.Dim <= 0:
		return fmt.Errorf("dataset: %s: dimension %d, must be positive", name, s.Dim)
	case s.Labels <= 0:
		return fmt.Errorf("dataset: %s: %d labels, must be positive", name, s.Labels)
	case len(s.X) != len(s.Y)*s.Dim:
		return fmt.Errorf("dataset: %s: %d input values for %d labels of dimension %d, want %d",
			name, len(s.X), len(s.Y), s.Dim, len(s.Y)*s.Dim)
	}
	for i, y := range s.Y {
		if y < 0 || y >= s.Labels {
			return fmt.Errorf("dataset: %s: example %d: label %d out of range [0, %d)", name, i, y, s.Labels)
		}
	}
	for k, v := range s.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("dataset: %s: example %d: input %d is %v", name, k/s.Dim, k%s.Dim, v)
		}
	}
	return nil
}

// Validate checks both sets and that they agree in Dim and Labels.
func (sp *Split) Validate() error {
	if sp.Train == nil || sp.Test == nil {
		return fmt.Errorf("dataset: split without a training or test set")
	}
	if err := sp.Train.Validate(); err != nil {
		return err
	}
	if err := sp.Test.Validate(); err != nil {
		return err
	}
	if sp.Train.Dim != sp.Test.Dim || sp.Train.Labels != sp.Test.Labels {
		return fmt.Errorf("dataset: %s has dimension %d and %d labels, %s has %d and %d",
			sp.Train.Name, sp.Train.Dim, sp.Train.Labels, sp.Test.Name, sp.Test.Dim, sp.Test.Labels)
	}
	return nil
}
