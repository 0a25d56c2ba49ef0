package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Set is a labelled data set held in memory, row-major. Its inputs are
// held either as float64 values in X or, for image sets, as bytes in Pix
// (an eighth of the memory), read as float64(b)/255: exactly
// one of X and Pix is not nil (or both are empty). Read inputs through
// Row and At, which work for both; only code that builds a set touches
// X or Pix.
type Set struct {
	Name   string    // name of the set, such as "mnist/train"
	Dim    int       // input dimension d
	Labels int       // number of classes m
	X      []float64 // Len()*Dim input values, row-major; nil for a byte set
	Pix    []uint8   // Len()*Dim input bytes b, row-major, each the input b/255; nil for a float set
	Y      []int     // labels in [0, Labels)
}

// Split is a training set and a test set of the same dimension and labels.
type Split struct {
	Train, Test *Set
}

// Len returns the number of examples, len(s.Y).
func (s *Set) Len() int { return len(s.Y) }

// PixelScale[b] is the input value of byte b in a byte set,
// float64(b)/255: the value Load has always given MNIST pixels.
var PixelScale = func() (t [256]float64) {
	for i := range t {
		t[i] = float64(i) / 255
	}
	return t
}()

// Bytes reports whether the inputs are held as bytes (in Pix).
func (s *Set) Bytes() bool { return s.Pix != nil }

// Row writes example i to dst[:Dim] and returns it; if dst is shorter
// than Dim a new slice is allocated. The result is a copy: changing it
// does not change the set.
func (s *Set) Row(i int, dst []float64) []float64 {
	d := s.Dim
	if cap(dst) < d {
		dst = make([]float64, d)
	}
	dst = dst[:d]
	if s.Pix != nil {
		src := s.Pix[i*d : (i+1)*d]
		for j, b := range src {
			dst[j] = PixelScale[b]
		}
		return dst
	}
	copy(dst, s.X[i*d:(i+1)*d])
	return dst
}

// Rows returns every example as a slice of Dim values, for code that
// holds the whole set as rows: views of X for a float set, rows of one
// decoded copy for a byte set. Callers must not modify them.
func (s *Set) Rows() [][]float64 {
	x, d := s.Floats(), s.Dim
	rows := make([][]float64, s.Len())
	for i := range rows {
		rows[i] = x[i*d : (i+1)*d : (i+1)*d]
	}
	return rows
}

// RowBytes returns example i of a byte set as a view of Pix (not a copy),
// or nil for a float set.
func (s *Set) RowBytes(i int) []uint8 {
	if s.Pix == nil {
		return nil
	}
	return s.Pix[i*s.Dim : (i+1)*s.Dim : (i+1)*s.Dim]
}

// At returns input j of example i.
func (s *Set) At(i, j int) float64 {
	if j < 0 || j >= s.Dim {
		panic(fmt.Sprintf("dataset: At input %d out of range [0, %d)", j, s.Dim))
	}
	if s.Pix != nil {
		return PixelScale[s.Pix[i*s.Dim+j]]
	}
	return s.X[i*s.Dim+j]
}

// Floats returns the inputs as Len()*Dim float64 values, row-major: X
// itself for a float set, a new decoded copy for a byte set.
func (s *Set) Floats() []float64 {
	if s.Pix == nil {
		return s.X
	}
	x := make([]float64, len(s.Pix))
	for k, b := range s.Pix {
		x[k] = PixelScale[b]
	}
	return x
}

// Float returns the set with its inputs as float64 values: s itself for a
// float set, a copy with X filled in (and Pix nil) for a byte set.
func (s *Set) Float() *Set {
	if s.Pix == nil {
		return s
	}
	return &Set{Name: s.Name, Dim: s.Dim, Labels: s.Labels, X: s.Floats(), Y: s.Y}
}

// Dense returns the inputs as a Len()×Dim matrix: sharing X for a float
// set, a decoded copy for a byte set. For an empty set it returns an
// empty matrix.
func (s *Set) Dense() *mat.Dense {
	if s.Len() == 0 || s.Dim == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(s.Len(), s.Dim, s.Floats()[:s.Len()*s.Dim])
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
	d := s.Dim
	sub := &Set{Name: s.Name, Dim: d, Labels: s.Labels, Y: make([]int, len(idx))}
	if s.Pix != nil {
		sub.Pix = make([]uint8, len(idx)*d)
	} else {
		sub.X = make([]float64, len(idx)*d)
	}
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			panic(fmt.Sprintf("dataset: Subset index %d out of range [0, %d)", i, s.Len()))
		}
		if s.Pix != nil {
			copy(sub.Pix[k*d:(k+1)*d], s.Pix[i*d:(i+1)*d])
		} else {
			copy(sub.X[k*d:(k+1)*d], s.X[i*d:(i+1)*d])
		}
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
// exactly one of X and Pix holding Len()*Dim inputs (or an empty set),
// every label in [0, Labels) and every input finite.
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
	case s.X != nil && s.Pix != nil:
		return fmt.Errorf("dataset: %s: inputs given both as floats (X) and as bytes (Pix)", name)
	case len(s.X)+len(s.Pix) != len(s.Y)*s.Dim:
		return fmt.Errorf("dataset: %s: %d input values for %d labels of dimension %d, want %d",
			name, len(s.X)+len(s.Pix), len(s.Y), s.Dim, len(s.Y)*s.Dim)
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
