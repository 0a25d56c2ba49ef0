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
	net := New(in, c.Hidden, train.Labels, c.Steps, ReLU, seed.PCG(c.Seed, seed.Network, 0))
	order := seed.New(c.Seed, seed.Order, 0)
	pick := seed.New(c.Seed, seed.Sample, 0)
	mtr := FromSet(train, pick.Perm(train.Len())[:min(c.Measure, train.Len())])
	mte := FromSet(test, pick.Perm(test.Len())[:min(c.Measure, test.Len())])
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
	perm := order.Perm(train.Len())
	pos := 0
	bidx := make([]int, c.Batch)
	var batch Batch
	for it := 1; it <= c.Iterations; it++ {
		if stop != nil && stop() {
			return net, out, nil
		}
		for k := range bidx {
			if pos == len(perm) {
				perm = order.Perm(train.Len())
				pos = 0
			}
			bidx[k] = perm[pos]
			pos++
		}
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

// measureStream is the purpose of the measurement probes' streams (beyond
// internal/seed's constants, so no training stream is shared).
const measureStream uint64 = 0x6375727600 // "curv"
