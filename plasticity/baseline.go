package plasticity

import (
	"errors"
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// GDMethod names a gradient-descent baseline (SPEC §5).
type GDMethod string

const (
	// GDOutput trains the output weights U only, the rest fixed.
	GDOutput GDMethod = "gd-output"
	// GDFull trains the input weights A (on their mask), the graph
	// weights W and U, through all T rounds with the cap masks of each
	// forward pass fixed.
	GDFull GDMethod = "gd-full"
)

// GDConfig configures a gradient-descent baseline. The zero value is
// gd-output with the paper's settings.
type GDConfig struct {
	// Method is GDOutput or GDFull. If Method is "", GDOutput is used.
	Method GDMethod `toml:"method" json:"method"`
	// Batch is the minibatch size. If Batch is 0, 100 is used.
	Batch int `toml:"batch" json:"batch"`
	// Epochs is the number of passes over the data. If Epochs is 0, 1 is used.
	Epochs int `toml:"epochs" json:"epochs"`
	// Loss is CrossEntropy or MSE. If Loss is "", CrossEntropy is used.
	Loss Loss `toml:"loss" json:"loss"`
	// LR is Adam's learning rate. If LR is 0, 1e-2 is used.
	LR float64 `toml:"lr" json:"lr"`
	// Seed seeds the order of the examples.
	Seed uint64 `toml:"seed" json:"seed"`
}

// Defaults returns a copy of c with every zero field replaced by its default.
func (c GDConfig) Defaults() GDConfig {
	if c.Method == "" {
		c.Method = GDOutput
	}
	if c.Batch == 0 {
		c.Batch = 100
	}
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	if c.Loss == "" {
		c.Loss = CrossEntropy
	}
	if c.LR == 0 {
		c.LR = 1e-2
	}
	return c
}

// Validate reports the problems of a configuration after defaults.
func (c GDConfig) Validate() error {
	c = c.Defaults()
	var errs []error
	if c.Method != GDOutput && c.Method != GDFull {
		errs = append(errs, fmt.Errorf("method must be %q or %q, got %q", GDOutput, GDFull, c.Method))
	}
	if c.Batch < 1 {
		errs = append(errs, fmt.Errorf("batch must be positive, got %d", c.Batch))
	}
	if c.Epochs < 1 {
		errs = append(errs, fmt.Errorf("epochs must be positive, got %d", c.Epochs))
	}
	if err := c.Loss.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		errs = append(errs, fmt.Errorf("lr must be positive and finite, got %v", c.LR))
	}
	if len(errs) > 0 {
		return fmt.Errorf("plasticity: invalid gd config: %w", errors.Join(errs...))
	}
	return nil
}

// GDSettings controls GD: the configuration, progress and learning curve.
type GDSettings struct {
	GDConfig
	// Progress, if not nil, is called after every minibatch with the
	// number of examples done and the total.
	Progress func(done, total int)
	// CurveEvery, if positive, records a point of the learning curve after
	// the minibatch in which the CurveEvery-th example (and every multiple)
	// is seen, and at the end, evaluated on CurveSet.
	CurveEvery int
	// CurveSet is the set the learning curve is measured on. If nil, the
	// curve records only the online accuracy.
	CurveSet *dataset.Set
}

// GDResult summarises a gradient-descent run.
type GDResult struct {
	// Seen is the number of training examples seen.
	Seen int
	// Steps is the number of Adam steps.
	Steps int
	// Loss holds the mean minibatch loss of every step, before the step.
	Loss []float64
	// Curve is the learning curve (empty unless CurveEvery > 0).
	Curve []CurvePoint
}

// GD trains net by minibatch gradient descent with Adam (no weight decay),
// the baselines of SPEC §5. It starts from W = 0 and U = 0 and changes
// net's weights: U for gd-output; A, W and U for gd-full (A only on its
// mask; note that this alters the network's fixed input weights).
func GD(net *Network, data *dataset.Set, s *GDSettings) (*GDResult, error) {
	if s == nil {
		s = &GDSettings{}
	}
	if err := s.GDConfig.Validate(); err != nil {
		return nil, err
	}
	c := s.GDConfig.Defaults()
	if data.Dim != net.d {
		return nil, fmt.Errorf("plasticity: data set %q has dimension %d, the network expects %d", data.Name, data.Dim, net.d)
	}
	if data.Labels > net.m {
		return nil, fmt.Errorf("plasticity: data set %q has %d labels, the network has %d outputs", data.Name, data.Labels, net.m)
	}
	net.Reset(nil, nil)
	parts := PartU
	if c.Method == GDFull {
		parts |= PartW | PartA
	}
	g := net.NewGrad(parts)
	optU, optW, optA := &Adam{LR: c.LR}, &Adam{LR: c.LR}, &Adam{LR: c.LR}
	dz := make([]float64, net.m)
	ws := net.ws
	xbuf := make([]float64, data.Dim)
	rng := seed.New(c.Seed, seed.Order, 0)
	order := make([]int, data.Len())
	for i := range order {
		order[i] = i
	}
	total := c.Epochs * data.Len()
	res := &GDResult{}
	windowRight, windowSeen := 0, 0
	for ep := 0; ep < c.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for lo := 0; lo < len(order); lo += c.Batch {
			idx := order[lo:min(lo+c.Batch, len(order))]
			g.Zero()
			scale := 1 / float64(len(idx))
			var loss float64
			for _, i := range idx {
				x, y := data.Row(i, xbuf), data.Y[i]
				if net.ForwardWS(ws, x) == y {
					windowRight++
				}
				windowSeen++
				loss += LossGrad(dz, ws.Z, y, c.Loss, scale)
				net.Backward(g, ws, x, dz)
			}
			loss *= scale
			res.Steps++
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return res, fmt.Errorf("plasticity: %s step %d (epoch %d): loss is %v; lower the learning rate", c.Method, res.Steps, ep+1, loss)
			}
			res.Loss = append(res.Loss, loss)
			optU.Step(net.U, g.U)
			if c.Method == GDFull {
				optW.Step(net.W, g.W)
				optA.Step(net.AT, g.AT)
			}
			before := res.Seen
			res.Seen += len(idx)
			if s.CurveEvery > 0 && (res.Seen/s.CurveEvery > before/s.CurveEvery || res.Seen == total) {
				p := CurvePoint{Seen: res.Seen, Epoch: ep, OnlineAccuracy: float64(windowRight) / float64(windowSeen), Accuracy: math.NaN()}
				if s.CurveSet != nil {
					p.Accuracy = Evaluate(net, s.CurveSet).Accuracy
				}
				res.Curve = append(res.Curve, p)
				windowRight, windowSeen = 0, 0
			}
			if s.Progress != nil {
				s.Progress(res.Seen, total)
			}
		}
	}
	if err := net.checkFinite(); err != nil {
		return res, err
	}
	return res, nil
}
