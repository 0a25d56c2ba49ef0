package credit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Activation selects φ.
type Activation int

const (
	// ReLU is φ(v) = max(v, 0), the model of SPEC §11.
	ReLU Activation = iota
	// Tanh is φ(v) = tanh v, a smooth variant for tests.
	Tanh
)

// Net is the sequence RNN of the package doc. Its parameters live in
// Theta; Net itself holds only the shapes and the random feedback matrix.
type Net struct {
	In, Hidden, Out, Steps int
	Act                    Activation
	// Decay is λ of the weight-decay term; New sets 0.01 (SPEC §11).
	Decay float64
	// Theta is (W_in, W_rec, W_out, b), row-major.
	Theta []float64
	// Feedback is the fixed random feedback matrix B (Hidden×Out) used by
	// eprop-random and rflo.
	Feedback []float64

	ws *batchWork // buffers of the batched passes (not safe for concurrent use)
}

// New returns a network with n_in inputs per step, hidden units, out
// classes and steps time steps, initialised from src as the package doc
// says. A nil src panics.
func New(in, hidden, out, steps int, act Activation, src rand.Source) *Net {
	if src == nil {
		panic("credit: New: nil source")
	}
	if in <= 0 || hidden <= 0 || out <= 0 || steps <= 0 {
		panic(fmt.Sprintf("credit: New: bad shape in=%d hidden=%d out=%d steps=%d", in, hidden, out, steps))
	}
	rng := rand.New(src)
	n := &Net{In: in, Hidden: hidden, Out: out, Steps: steps, Act: act, Decay: 0.01}
	n.Theta = make([]float64, n.Len())
	win, wrec, wout, _ := n.split(n.Theta)
	for i := range win {
		win[i] = rng.NormFloat64() * math.Sqrt(2/float64(in))
	}
	for i := range wrec {
		if i/hidden != i%hidden {
			wrec[i] = rng.NormFloat64() * math.Sqrt(2/float64(hidden))
		}
	}
	for i := range wout {
		wout[i] = rng.NormFloat64() / math.Sqrt(float64(hidden))
	}
	n.Feedback = make([]float64, hidden*out)
	for i := range n.Feedback {
		n.Feedback[i] = rng.NormFloat64() / math.Sqrt(float64(hidden))
	}
	return n
}

// Len returns the number of parameters.
func (n *Net) Len() int {
	return n.Hidden*n.In + n.Hidden*n.Hidden + n.Out*n.Hidden + n.Out
}

func (n *Net) split(theta []float64) (win, wrec, wout, b []float64) {
	if len(theta) != n.Len() {
		panic(fmt.Sprintf("credit: parameter vector has length %d, want %d", len(theta), n.Len()))
	}
	a := n.Hidden * n.In
	c := a + n.Hidden*n.Hidden
	d := c + n.Out*n.Hidden
	return theta[:a:a], theta[a:c:c], theta[c:d:d], theta[d:]
}

// RecBlock returns the indices in θ of the off-diagonal entries of W_rec,
// the block SPEC §11 measures (for curvature.Block).
func (n *Net) RecBlock() []int {
	off := n.Hidden * n.In
	var idx []int
	for i := 0; i < n.Hidden; i++ {
		for j := 0; j < n.Hidden; j++ {
			if i != j {
				idx = append(idx, off+i*n.Hidden+j)
			}
		}
	}
	return idx
}

// WeightBlock returns the indices of every parameter except the diagonal
// of W_rec, which is fixed at zero.
func (n *Net) WeightBlock() []int {
	off := n.Hidden * n.In
	var idx []int
	for k := 0; k < n.Len(); k++ {
		r := k - off
		if r >= 0 && r < n.Hidden*n.Hidden && r/n.Hidden == r%n.Hidden {
			continue
		}
		idx = append(idx, k)
	}
	return idx
}

func (n *Net) phi(v float64) (f, d1, d2 float64) {
	if n.Act == Tanh {
		t := math.Tanh(v)
		return t, 1 - t*t, -2 * t * (1 - t*t)
	}
	if v > 0 {
		return v, 1, 0
	}
	return 0, 0, 0
}
