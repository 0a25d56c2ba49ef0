package dataset

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Sizes of the synthetic sets (SPEC §7).
const (
	SyntheticTrain = 10000 // training points unless Options.TrainSize is set
	SyntheticTest  = 10000 // test points unless Options.TestSize is set
	SyntheticDim   = 10    // input dimension d
	SyntheticCalib = 10000 // points that set the threshold of the relu and rnn teachers
)

// Sizes of the teachers.
const (
	ReLUWidth = 1000 // hidden units of the relu1 and relu2 teachers
	RNNNodes  = 100  // |V| of the rnn teacher
	RNNCap    = 50   // k
	RNNRounds = 3    // T
	RNNEdgeP  = 0.5  // p, of the input mask and of the graph
)

// Data set numbers, part of the stream indices of Options.Seed; fixed
// forever so that a seed always gives the same sets.
const (
	idHalfspace = 1 + iota
	idReLU1
	idReLU2
	idRNN
	idMNIST
	idFashion
)

// Roles of the streams of a data set.
const (
	roleTeacher = iota // teacher parameters
	roleTrain          // training points, or choice of the training subset
	roleTest           // test points, or choice of the test subset
	roleCalib          // calibration points of the teacher's threshold
)

// stream returns the stream index of a data set and a role.
func stream(id, role int) uint64 { return uint64(id)<<8 | uint64(role) }

// A teacher labels points. score returns a real number, the label is
// 1[score > threshold]. Implementations keep workspaces and are not safe
// for concurrent use; clone returns a copy with its own workspace.
type teacher interface {
	score(x []float64) float64
	clone() teacher
}

// halfspace is the teacher x ↦ w·x.
type halfspace struct{ w []float64 }

func newHalfspace(d int, uniform bool, r *rand.Rand) *halfspace {
	w := make([]float64, d)
	for i := range w {
		if uniform {
			w[i] = 2*r.Float64() - 1
		} else {
			w[i] = r.NormFloat64()
		}
	}
	return &halfspace{w: w}
}

func (t *halfspace) score(x []float64) float64 { return dot(t.w, x) }
func (t *halfspace) clone() teacher            { return t }

// relu is a one-hidden-layer ReLU network without biases, x ↦ z = V ReLU(W x)
// with W ∈ R^{H×d}, V ∈ R^{2×H}, entries N(0, 1/fan-in), drawn row-major, W
// first. Its score is z₁ − z₀ = (V₁ − V₀)·ReLU(W x).
type relu struct {
	d, h int
	wt   []float64 // d×h, Wᵀ row-major: row j is column j of W
	v    []float64 // V₁ − V₀
	hid  []float64 // workspace of length h
}

func newReLU(d, h int, r *rand.Rand) *relu {
	t := &relu{d: d, h: h, wt: make([]float64, d*h), v: make([]float64, h)}
	s := 1 / math.Sqrt(float64(d))
	for i := 0; i < h; i++ {
		for j := 0; j < d; j++ {
			t.wt[j*h+i] = s * r.NormFloat64()
		}
	}
	v := make([]float64, 2*h)
	s = 1 / math.Sqrt(float64(h))
	for i := range v {
		v[i] = s * r.NormFloat64()
	}
	for i := range t.v {
		t.v[i] = v[h+i] - v[i]
	}
	t.hid = make([]float64, h)
	return t
}

func (t *relu) score(x []float64) float64 {
	// W x as a sum of the columns of W (vector kernels of gonum/floats).
	clear(t.hid)
	for j, xj := range x[:t.d] {
		floats.AddScaled(t.hid, xj, t.wt[j*t.h:(j+1)*t.h])
	}
	for i, a := range t.hid {
		t.hid[i] = max(a, 0)
	}
	return floats.Dot(t.v, t.hid)
}

func (t *relu) clone() teacher {
	c := *t
	c.hid = make([]float64, t.h)
	return &c
}

// rnn is the simple RNN of SPEC §1 with fixed random weights:
// a = (M∘A)x, h⁰ = 0, hᵗ = cap_k(ReLU((G∘W)hᵗ⁻¹ + a)), z = U hᵀ. Its score
// is z₁ − z₀ = (U₁ − U₀)·hᵀ.
type rnn struct {
	d, n, k, rounds int
	at              []float64 // d×n, (M∘A)ᵀ row-major
	wt              []float64 // n×n, (G∘W)ᵀ row-major: row j holds the weights of the edges out of j
	u               []float64 // U₁ − U₀

	in, h, pre, buf []float64 // workspaces of length n
}

// newRNN draws, in this order and row-major: the input mask M (entries 1
// with probability p), A ~ N(0,1), the graph mask G (G_ij with probability
// p for i ≠ j, G_ii = 0), W ~ N(0,1), U ~ N(0,1) ∈ R^{2×n}. Masks and
// weights are drawn for every entry, also where the mask is 0, so the
// weights do not depend on the mask.
func newRNN(d, n, k, rounds int, p float64, r *rand.Rand) *rnn {
	t := &rnn{d: d, n: n, k: k, rounds: rounds,
		at: make([]float64, d*n), wt: make([]float64, n*n), u: make([]float64, n)}
	mask := func(m int) []bool {
		b := make([]bool, m)
		for i := range b {
			b[i] = r.Float64() < p
		}
		return b
	}
	ma := mask(n * d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if w := r.NormFloat64(); ma[i*d+j] {
				t.at[j*n+i] = w
			}
		}
	}
	g := mask(n * n)
	for i := 0; i < n; i++ {
		g[i*n+i] = false
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if w := r.NormFloat64(); g[i*n+j] {
				t.wt[j*n+i] = w // edge j → i
			}
		}
	}
	u := make([]float64, 2*n)
	for i := range u {
		u[i] = r.NormFloat64()
	}
	for i := range t.u {
		t.u[i] = u[n+i] - u[i]
	}
	t.alloc()
	return t
}

func (t *rnn) alloc() {
	t.in = make([]float64, t.n)
	t.h = make([]float64, t.n)
	t.pre = make([]float64, t.n)
	t.buf = make([]float64, t.n)
}

func (t *rnn) clone() teacher {
	c := *t
	c.alloc()
	return &c
}

// forward sets t.h to hᵀ for input x.
func (t *rnn) forward(x []float64) []float64 {
	clear(t.in)
	for j, xj := range x[:t.d] {
		floats.AddScaled(t.in, xj, t.at[j*t.n:(j+1)*t.n])
	}
	clear(t.h)
	for round := 0; round < t.rounds; round++ {
		copy(t.pre, t.in)
		// (G∘W)h: h is k-sparse, so add the columns of the active nodes.
		for j, hj := range t.h {
			if hj != 0 {
				floats.AddScaled(t.pre, hj, t.wt[j*t.n:(j+1)*t.n])
			}
		}
		for i, v := range t.pre {
			t.pre[i] = max(v, 0)
		}
		capK(t.h, t.pre, t.k, t.buf)
	}
	return t.h
}

func (t *rnn) score(x []float64) float64 { return floats.Dot(t.u, t.forward(x)) }

// capK sets dst to v with all but its k largest entries zeroed; ties are
// broken by the lower index, so exactly k entries are selected. The
// entries of v must be non-negative (values after a ReLU): then, if at
// most k entries are positive, the selection adds only zeros and dst = v.
// buf is a workspace of len(v).
func capK(dst, v []float64, k int, buf []float64) {
	pos := buf[:0]
	for _, x := range v {
		if x > 0 {
			pos = append(pos, x)
		}
	}
	if len(pos) <= k {
		copy(dst, v)
		return
	}
	if k <= 0 {
		clear(dst)
		return
	}
	slices.Sort(pos)
	thr := pos[len(pos)-k] // the k-th largest value, positive
	above := 0
	for _, x := range pos[len(pos)-k:] {
		if x > thr {
			above++
		}
	}
	ties := k - above // entries equal to thr to keep, lowest index first
	for i, x := range v {
		switch {
		case x > thr:
			dst[i] = x
		case x == thr && ties > 0:
			dst[i] = x
			ties--
		default:
			dst[i] = 0
		}
	}
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// gaussianPoints returns n points of N(0, I_d), row-major, drawn in order
// from r, so that fewer points are a prefix of more.
func gaussianPoints(n, d int, r *rand.Rand) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

// scores returns t's score of each row of x (dimension d). The work is
// split among goroutines, each with its own clone of t; the result does
// not depend on their number.
func scores(t teacher, x []float64, d int) []float64 {
	n := len(x) / d
	s := make([]float64, n)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/256))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		tw := t
		if w > 0 {
			tw = t.clone()
		}
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				s[i] = tw.score(x[i*d : (i+1)*d])
			}
		})
	}
	wg.Wait()
	return s
}

// median returns the median of s (the mean of the middle two for an even
// length); s is not modified.
func median(s []float64) float64 {
	c := slices.Clone(s)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

// synthetic describes how to build a synthetic set.
type synthetic struct {
	id        int
	calibrate bool // threshold at the median score of SyntheticCalib points
	teacher   func(opt *Options, r *rand.Rand) teacher
}

var synthetics = map[string]synthetic{
	"halfspace": {idHalfspace, false, func(opt *Options, r *rand.Rand) teacher {
		return newHalfspace(SyntheticDim, opt.Uniform, r)
	}},
	"relu1": {idReLU1, true, func(_ *Options, r *rand.Rand) teacher {
		return newReLU(SyntheticDim, ReLUWidth, r)
	}},
	"relu2": {idReLU2, true, func(_ *Options, r *rand.Rand) teacher {
		return newReLU(SyntheticDim, ReLUWidth, r)
	}},
	"rnn": {idRNN, true, func(_ *Options, r *rand.Rand) teacher {
		return newRNN(SyntheticDim, RNNNodes, RNNCap, RNNRounds, RNNEdgeP, r)
	}},
}

// loadSynthetic builds the named synthetic split.
func loadSynthetic(name string, syn synthetic, opt *Options) *Split {
	t := syn.teacher(opt, seed.New(opt.Seed, seed.Data, stream(syn.id, roleTeacher)))
	var thr float64
	if syn.calibrate {
		r := seed.New(opt.Seed, seed.Data, stream(syn.id, roleCalib))
		thr = median(scores(t, gaussianPoints(SyntheticCalib, SyntheticDim, r), SyntheticDim))
	}
	gen := func(role, n int, half string) *Set {
		r := seed.New(opt.Seed, seed.Data, stream(syn.id, role))
		x := gaussianPoints(n, SyntheticDim, r)
		s := &Set{Name: name + "/" + half, Dim: SyntheticDim, Labels: 2, X: x, Y: make([]int, n)}
		for i, v := range scores(t, x, SyntheticDim) {
			if v > thr {
				s.Y[i] = 1
			}
		}
		return s
	}
	return &Split{
		Train: gen(roleTrain, orDefault(opt.TrainSize, SyntheticTrain), "train"),
		Test:  gen(roleTest, orDefault(opt.TestSize, SyntheticTest), "test"),
	}
}

// orDefault returns n if it is positive, else def.
func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
