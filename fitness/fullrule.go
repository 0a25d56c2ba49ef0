package fitness

import (
	"sync"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// FullRule is the landscape of the meta-learning loss of SPEC §3 as a
// function of the entries of additive rule tables: the graph rule (when
// Graph is set, 4^T entries first) then the output rule (2^(T+1) entries).
// L(Y) resets the network, trains it on the batch in a fixed order with
// the rules Y and returns the mean loss on the batch; the network, data
// and order are fixed (common random numbers), so L is a deterministic,
// piecewise-smooth function. Its gradient is the almost-everywhere exact
// gradient of plasticity.RuleGrader (patterns, predictions and the mistake
// gate held fixed). Loss and Gradient are safe for concurrent use: each
// goroutine borrows a private copy of the network.
type FullRule struct {
	cfg   plasticity.Config
	batch *dataset.Set
	loss  plasticity.Loss
	graph bool
	T     int
	pool  sync.Pool
	err   error
}

var _ Landscape = (*FullRule)(nil)

// FullRuleSettings configure NewFullRule. The zero value works.
type FullRuleSettings struct {
	// Graph includes the graph rule in Y (needs T ≥ 2).
	Graph bool
	// Loss is plasticity.CrossEntropy (the default) or plasticity.MSE.
	Loss plasticity.Loss
}

type fullWorker struct {
	net   *plasticity.Network
	rg    *plasticity.RuleGrader
	rules plasticity.Rules
	dG    []float64
	dO    []float64
}

// NewFullRule builds the landscape for networks with configuration cfg
// (masks and input weights from cfg.Seed) trained on batch.
func NewFullRule(cfg plasticity.Config, batch *dataset.Set, s *FullRuleSettings) (*FullRule, error) {
	if s == nil {
		s = &FullRuleSettings{}
	}
	cfg.Inputs, cfg.Labels = batch.Dim, batch.Labels
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	loss := s.Loss
	if loss == "" {
		loss = plasticity.CrossEntropy
	}
	if err := loss.Validate(); err != nil {
		return nil, err
	}
	f := &FullRule{cfg: cfg, batch: batch, loss: loss, graph: s.Graph && cfg.Rounds > 1, T: cfg.Rounds}
	w, err := f.newWorker()
	if err != nil {
		return nil, err
	}
	f.pool.Put(w)
	return f, nil
}

func (f *FullRule) newWorker() (*fullWorker, error) {
	net, err := plasticity.New(f.cfg, seed.PCG(f.cfg.Seed, seed.Network, 0))
	if err != nil {
		return nil, err
	}
	w := &fullWorker{net: net, rg: plasticity.NewRuleGrader(net)}
	w.rules.Output = plasticity.NewRule(plasticity.OutputRule, f.T)
	w.dO = make([]float64, len(w.rules.Output.Table))
	if f.graph {
		w.rules.Graph = plasticity.NewRule(plasticity.GraphRule, f.T)
		w.dG = make([]float64, len(w.rules.Graph.Table))
	}
	return w, nil
}

func (f *FullRule) get() *fullWorker {
	if w, ok := f.pool.Get().(*fullWorker); ok {
		return w
	}
	w, err := f.newWorker()
	if err != nil {
		panic("fitness: FullRule: " + err.Error()) // validated in NewFullRule
	}
	return w
}

// Dim returns the number of rule entries in Y.
func (f *FullRule) Dim() int {
	p := 2 << f.T
	if f.graph {
		p += 1 << (2 * f.T)
	}
	return p
}

// GraphEntries returns the number of leading coefficients that belong to
// the graph rule (0 without one).
func (f *FullRule) GraphEntries() int {
	if f.graph {
		return 1 << (2 * f.T)
	}
	return 0
}

// Loss returns the batch loss after training with the rules y. A run that
// diverges returns +Inf.
func (f *FullRule) Loss(y []float64) float64 { return f.eval(nil, y) }

// Gradient writes the exact rule gradient to dst and returns the loss.
func (f *FullRule) Gradient(dst, y []float64) float64 {
	if len(dst) != f.Dim() {
		panic("fitness: FullRule.Gradient: dst has wrong length")
	}
	return f.eval(dst, y)
}

func (f *FullRule) eval(dst, y []float64) float64 {
	if len(y) != f.Dim() {
		panic("fitness: FullRule: y has wrong length")
	}
	w := f.get()
	defer f.pool.Put(w)
	g := f.GraphEntries()
	if f.graph {
		copy(w.rules.Graph.Table, y[:g])
	}
	copy(w.rules.Output.Table, y[g:])
	var dG, dO []float64
	if dst != nil {
		clear(w.dO)
		dO = w.dO
		if f.graph {
			clear(w.dG)
			dG = w.dG
		}
	}
	l, _, err := w.rg.Gradient(dG, dO, w.rules, f.batch, f.loss)
	if err != nil {
		if dst != nil {
			clear(dst)
		}
		return inf
	}
	if dst != nil {
		copy(dst[:g], w.dG)
		copy(dst[g:], w.dO)
	}
	return l
}
