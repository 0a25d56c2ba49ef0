package credit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/evolve-toolkit/evolve/curvature"
	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"gonum.org/v1/gonum/floats"
)

// Settings configures Train. The zero value works (SPEC §11's model at
// the code's defaults, measured every 1000 iterations).
type Settings struct {
	// Rule is the credit-assignment rule (zero value: bptt).
	Rule Rule
	// Hidden is N. If Hidden is 0, 128 is used.
	Hidden int
	// Steps is S, the number of time steps a row of the data set is cut
	// into. If Steps is 0, 28 is used (row-wise sequential MNIST).
	Steps int
	// LR is the SGD step η. If LR is 0, 0.01 is used.
	LR float64
	// Batch is the minibatch size. If Batch is 0, 256 is used.
	Batch int
	// Iterations is the number of SGD steps. If 0, 10000 is used.
	Iterations int
	// Every is the interval between measurements. If 0, 1000 is used.
	Every int
	// Measure is the number of training examples (a fixed seeded subset)
	// on which train loss, the Hessian and the gradient error are
	// measured, and of test examples for test loss. If 0, 1024 is used.
	Measure int
	// Lanczos is the Krylov dimension for λ_top and λ_min. If 0, 30 is used.
	Lanczos int
	// Probes is the number of Hutchinson probes; if 0, 10 is used; a
	// negative value skips the trace.
	Probes int
	// AllWeights measures the Hessian with respect to all weights instead
	// of the W_rec block.
	AllWeights bool
	// Seed seeds the network, the minibatch order, the measured subsets
	// and the measurement probes, each from its own stream.
	Seed uint64
}

func (s *Settings) defaults() Settings {
	var c Settings
	if s != nil {
		c = *s
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Hidden, 128)
	def(&c.Steps, 28)
	def(&c.Batch, 256)
	def(&c.Iterations, 10000)
	def(&c.Every, 1000)
	def(&c.Measure, 1024)
	def(&c.Lanczos, 30)
	def(&c.Probes, 10)
	if c.LR == 0 {
		c.LR = 0.01
	}
	return c
}

// ErrDiverged is wrapped by Train's error when the training loss stops
// being finite; Train then returns the records made before.
var ErrDiverged = errors.New("training diverged")

// Record is one measurement during training.
type Record struct {
	Iter                 int
	TrainLoss, TrainAcc  float64 // cross-entropy without decay
	TestLoss, TestAcc    float64
	Gap                  float64 // TestLoss − TrainLoss
	LambdaTop, LambdaMin float64
	Trace, TraceSE       float64 // NaN when skipped
	Threshold            float64 // 2/η
	GradErr              float64 // ‖ĝ − ∇L‖/‖∇L‖ on the measured subset
}

// Train trains a network on train by SGD with the rule of s, measuring on
// fixed subsets of train and test every s.Every iterations (and at 0 and
// at the end). Measurement uses its own random streams and never changes
// the training trajectory. rec, if non-nil, sees each record as it is
// made; stop, if non-nil, is polled between iterations and ends training
// early with the records so far.
func Train(train, test *dataset.Set, s *Settings, rec func(Record), stop func() bool) (*Net, []Record, error) {
	c := s.defaults()
	if c.Hidden < 1 || c.Steps < 1 || c.Batch < 1 || c.Iterations < 0 || c.Every < 1 || c.Measure < 1 || c.LR <= 0 {
		return nil, nil, fmt.Errorf("credit: bad settings %+v", c)
	}
	if train.Dim%c.Steps != 0 {
		return nil, nil, fmt.Errorf("credit: %s: dimension %d not divisible into %d steps", train.Name, train.Dim, c.Steps)
	}
	in := train.Dim / c.Steps
	if err := CheckSet(train, in, c.Steps, train.Labels); err != nil {
		return nil, nil, err
	}
	if err := CheckSet(test, in, c.Steps, train.Labels); err != nil {
		return nil, nil, err
	}
	if train.Len() < c.Batch {
		return nil, nil, errors.New("credit: training set smaller than a batch")
	}
	net := Initial(in, c.Hidden, train.Labels, c.Steps, c.Seed)
	itr, ite := MeasuredSubsets(c.Seed, train.Len(), test.Len(), c.Measure)
	mtr, mte := FromSet(train, itr), FromSet(test, ite)
	idx := net.RecBlock()
	if c.AllWeights {
		idx = net.WeightBlock()
	}
	g := make([]float64, net.Len())
	ge := make([]float64, net.Len())
	var out []Record
	measure := func(it int) error {
		r := Record{Iter: it, Threshold: curvature.StabilityThreshold(c.LR), Trace: math.NaN(), TraceSE: math.NaN()}
		r.TrainLoss, r.TrainAcc = net.Evaluate(net.Theta, mtr)
		r.TestLoss, r.TestAcc = net.Evaluate(net.Theta, mte)
		r.Gap = r.TestLoss - r.TrainLoss
		net.Update(ge, net.Theta, mtr, Rule{Kind: BPTT})
		net.Update(g, net.Theta, mtr, c.Rule)
		r.GradErr = floats.Distance(g, ge, 2) / floats.Norm(ge, 2)
		h := curvature.Block(curvature.At(Objective{net, mtr}, net.Theta), idx)
		ms := uint64(it)
		sp, err := curvature.Lanczos(h, &curvature.LanczosSettings{MaxIter: c.Lanczos, Tol: 1e-4}, rand.NewPCG(c.Seed, seed.Stream(measureStream, 2*ms)))
		if err != nil {
			return fmt.Errorf("credit: iteration %d: %w", it, err)
		}
		r.LambdaTop, r.LambdaMin = sp.Top[0], sp.Bottom[0]
		if c.Probes > 0 {
			tr, err := curvature.Hutchinson(h, &curvature.HutchinsonSettings{Samples: max(c.Probes, 2)}, rand.NewPCG(c.Seed, seed.Stream(measureStream, 2*ms+1)))
			if err != nil {
				return err
			}
			r.Trace, r.TraceSE = tr.Estimate, tr.StdErr
		}
		out = append(out, r)
		if rec != nil {
			rec(r)
		}
		return nil
	}
	if err := measure(0); err != nil {
		return nil, nil, err
	}
	mb := NewMinibatches(c.Seed, train.Len())
	bidx := make([]int, c.Batch)
	var batch Batch
	for it := 1; it <= c.Iterations; it++ {
		if stop != nil && stop() {
			return net, out, nil
		}
		mb.Next(bidx)
		FromSetTo(&batch, train, bidx)
		l := net.Step(g, net.Theta, batch, c.Rule, c.LR)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return net, out, fmt.Errorf("credit: %s: loss not finite at iteration %d: %w", c.Rule, it, ErrDiverged)
		}
		if it%c.Every == 0 || it == c.Iterations {
			if err := measure(it); err != nil {
				return nil, nil, err
			}
		}
	}
	return net, out, nil
}

// Initial returns the network Train starts from for seed s (the ReLU
// network of SPEC §11 with n_in inputs per step).
func Initial(in, hidden, out, steps int, s uint64) *Net {
	return New(in, hidden, out, steps, ReLU, seed.PCG(s, seed.Network, 0))
}

// MeasuredSubsets returns the indices of the fixed training and test
// examples on which Train measures for seed s: the first m (at most the
// set's size) of a seeded permutation of each set.
func MeasuredSubsets(s uint64, trainLen, testLen, m int) (train, test []int) {
	pick := seed.New(s, seed.Sample, 0)
	train = pick.Perm(trainLen)[:min(m, trainLen)]
	test = pick.Perm(testLen)[:min(m, testLen)]
	return train, test
}

// Minibatches is Train's minibatch order for a seed: the examples of a
// seeded permutation of the training set in turn, a new permutation each
// epoch.
type Minibatches struct {
	order *rand.Rand
	n     int
	perm  []int
	pos   int
}

// NewMinibatches returns Train's minibatch order for seed s over n examples.
func NewMinibatches(s uint64, n int) *Minibatches {
	m := &Minibatches{order: seed.New(s, seed.Order, 0), n: n}
	m.perm = m.order.Perm(n)
	return m
}

// Next fills idx with the next len(idx) example indices.
func (m *Minibatches) Next(idx []int) {
	for k := range idx {
		if m.pos == len(m.perm) {
			m.perm = m.order.Perm(m.n)
			m.pos = 0
		}
		idx[k] = m.perm[m.pos]
		m.pos++
	}
}

// measureStream is the purpose of the measurement probes' streams (beyond
// internal/seed's constants, so no training stream is shared).
const measureStream uint64 = 0x6375727600 // "curv"
