package fitness

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// Stochastic is a landscape that changes with the generation: At(g) is
// the landscape of generation g (from 0). Every individual and every run
// of a generation sees the same At(g) (common random numbers). The
// landscape itself is At(0).
type Stochastic interface {
	Landscape
	At(g int) Landscape
}

// Tester is a landscape that can report the test accuracy of a rule: a
// fresh network trained with the rules y on the training set, measured
// on the test set.
type Tester interface {
	// HasTest reports whether there is a test set.
	HasTest() bool
	TestAccuracy(y []float64) (float64, error)
}

// FullRule is the landscape of the meta-learning loss of SPEC §3 as a
// function of the entries of additive rule tables: the graph rule (when
// Graph is set, 4^T entries first) then the output rule (2^(T+1) entries).
// With GraphHidden set the graph rule is an MLP (plasticity.MLP, tanh
// hidden layer of GraphHidden units over the 2T pattern bits) and its
// parameters (W1, B1, W2, B2) come first in Y instead of the table.
// L(Y) resets the network, trains it on the batch with the rules Y (in
// the order plasticity.Train uses) and returns the mean loss on the
// batch; the network is fixed, so L is a deterministic, piecewise-smooth
// function. Its gradient is the almost-everywhere exact gradient of
// plasticity.RuleGrader (patterns, predictions and the mistake gate held
// fixed).
//
// With a fixed batch (the default) At(g) is the landscape itself. With
// Stochastic set (SPEC §12), generation g trains and measures on the
// batch of meta step g + 1 of plasticity.Batches for the settings' Seed:
// exactly the batch plasticity.Meta uses at that step, so a gradient run
// on At(0), At(1), … is the meta-learner.
//
// Loss and Gradient are safe for concurrent use: each goroutine borrows a
// private copy of the network.
type FullRule struct {
	*fullShared
	batch *dataset.Set
	gen   int

	// The rule-independent part of training on batch (input drives,
	// rounds 1, the order), built by the first loss evaluation and shared
	// by every worker.
	bcOnce sync.Once
	bc     *plasticity.BatchCache
	bcErr  error
}

type fullShared struct {
	cfg    plasticity.Config
	loss   plasticity.Loss
	graph  bool
	hidden int // width of an MLP graph rule; 0: a table
	seed   uint64
	T      int
	pool   sync.Pool
	train  *dataset.Set // the training set of TestAccuracy
	test   *dataset.Set

	mu      sync.Mutex
	batches *plasticity.Batches // nil for a fixed batch
	cache   []*FullRule         // recent generations
}

var (
	_ Stochastic = (*FullRule)(nil)
	_ Tester     = (*FullRule)(nil)
)

// FullRuleSettings configure NewFullRule. The zero value works.
type FullRuleSettings struct {
	// Graph includes the graph rule in Y (needs T ≥ 2).
	Graph bool
	// GraphHidden, if positive, makes the graph rule an MLP with this
	// many hidden units (plasticity.MetaConfig's Graph = "mlp", Hidden):
	// Y holds its parameters instead of the table. Needs Graph.
	GraphHidden int
	// Loss is plasticity.CrossEntropy (the default) or plasticity.MSE.
	Loss plasticity.Loss
	// Stochastic draws a new batch of Batch examples of the data set for
	// every generation, as plasticity.Meta with this Seed does.
	Stochastic bool
	// Batch is the batch size of a stochastic landscape. If Batch is 0,
	// 100 is used (plasticity.MetaConfig's default).
	Batch int
	// Seed seeds the batch stream (plasticity.MetaConfig.Seed).
	Seed uint64
	// Train is the training set of TestAccuracy. If nil, the data set of
	// NewFullRule is used.
	Train *dataset.Set
	// Test is the test set of TestAccuracy; nil means none.
	Test *dataset.Set
}

type fullWorker struct {
	net   *plasticity.Network
	rg    *plasticity.RuleGrader
	bl    *plasticity.BatchLoss
	rules plasticity.Rules
	dG    []float64
	dO    []float64
}

// NewFullRule builds the landscape for networks with configuration cfg
// (masks and input weights from cfg.Seed). data is the fixed batch, or,
// with s.Stochastic, the training set the batches are drawn from.
func NewFullRule(cfg plasticity.Config, data *dataset.Set, s *FullRuleSettings) (*FullRule, error) {
	if s == nil {
		s = &FullRuleSettings{}
	}
	if data.Len() == 0 {
		return nil, fmt.Errorf("fitness: full-rule: data set %q is empty", data.Name)
	}
	cfg.Inputs, cfg.Labels = data.Dim, data.Labels
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
	if s.Batch < 0 {
		return nil, fmt.Errorf("fitness: full-rule: batch must be positive, got %d", s.Batch)
	}
	if s.GraphHidden < 0 || (s.GraphHidden > 0 && !(s.Graph && cfg.Rounds > 1)) {
		return nil, fmt.Errorf("fitness: full-rule: graph_hidden = %d needs a positive width and a graph rule (graph = true, rounds ≥ 2)", s.GraphHidden)
	}
	sh := &fullShared{cfg: cfg, loss: loss, graph: s.Graph && cfg.Rounds > 1, hidden: s.GraphHidden, seed: s.Seed, T: cfg.Rounds, train: s.Train, test: s.Test}
	if sh.train == nil {
		sh.train = data
	}
	for _, set := range []*dataset.Set{sh.train, sh.test} {
		if set != nil && (set.Dim != data.Dim || set.Labels > data.Labels) {
			return nil, fmt.Errorf("fitness: full-rule: data set %q does not match %q", set.Name, data.Name)
		}
	}
	f := &FullRule{fullShared: sh, batch: data}
	if s.Stochastic {
		size := s.Batch
		if size == 0 {
			size = 100
		}
		sh.batches = plasticity.NewBatches(data, size, s.Seed)
		f.batch = sh.batches.NewBatch()
		sh.batches.Batch(f.batch, 1)
		sh.cache = []*FullRule{f}
	}
	w, err := sh.newWorker()
	if err != nil {
		return nil, err
	}
	sh.pool.Put(w)
	return f, nil
}

// At returns the landscape of generation g: the landscape itself for a
// fixed batch, the batch of meta step g + 1 for a stochastic one. It is
// safe for concurrent use.
func (f *FullRule) At(g int) Landscape {
	if g < 0 {
		panic(fmt.Sprintf("fitness: FullRule.At: generation %d < 0", g))
	}
	if f.batches == nil {
		return f
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.cache {
		if v.gen == g {
			return v
		}
	}
	v := &FullRule{fullShared: f.fullShared, batch: f.batches.NewBatch(), gen: g}
	f.batches.Batch(v.batch, g+1)
	const keep = 4 // a driver needs generations t and t + 1
	if len(f.cache) == keep {
		copy(f.cache, f.cache[1:])
		f.cache = f.cache[:keep-1]
	}
	f.cache = append(f.cache, v)
	return v
}

// Batch returns the batch of this landscape (do not modify it).
func (f *FullRule) Batch() *dataset.Set { return f.batch }

// ExamplesPerLoss returns the number of training examples one evaluation
// of L processes: the batch times the inner epochs.
func (f *FullRule) ExamplesPerLoss() int { return f.batch.Len() * f.cfg.Epochs }

func (sh *fullShared) newWorker() (*fullWorker, error) {
	net, err := plasticity.New(sh.cfg, seed.PCG(sh.cfg.Seed, seed.Network, 0))
	if err != nil {
		return nil, err
	}
	w := &fullWorker{net: net, rg: plasticity.NewRuleGrader(net), bl: plasticity.NewBatchLoss(net)}
	w.rules.Output = plasticity.NewRule(plasticity.OutputRule, sh.T)
	w.dO = make([]float64, len(w.rules.Output.Table))
	if sh.graph {
		w.rules.Graph = plasticity.NewRule(plasticity.GraphRule, sh.T)
		w.dG = make([]float64, len(w.rules.Graph.Table))
		if sh.hidden > 0 {
			w.rules.Graph.MLP = sh.startMLP()
		}
	}
	return w, nil
}

// startMLP is the MLP graph rule the meta-learner starts from for the
// landscape's seed (plasticity.MetaConfig with Graph = "mlp", Hidden and
// the default InitScale 0.01): NewMLP's weights with its output weights
// scaled by 0.01.
func (sh *fullShared) startMLP() *plasticity.MLP {
	m := plasticity.NewMLP(plasticity.GraphRule, sh.T, sh.hidden, seed.PCG(sh.seed, seed.Rule, 2))
	for i := range m.W2 {
		m.W2[i] *= 0.01
	}
	return m
}

// Start returns the coefficients the meta-learner starts from: zero
// tables, and for an MLP graph rule the parameters of startMLP (an MLP
// with zero parameters is a saddle: its gradient moves only the output
// bias). A run uses them as the offsets c_p of its coefficients.
func (f *FullRule) Start() []float64 {
	y := make([]float64, f.Dim())
	if f.hidden > 0 {
		f.startMLP().Params(y[:0])
	}
	return y
}

func (sh *fullShared) get() *fullWorker {
	if w, ok := sh.pool.Get().(*fullWorker); ok {
		return w
	}
	w, err := sh.newWorker()
	if err != nil {
		panic("fitness: FullRule: " + err.Error()) // validated in NewFullRule
	}
	return w
}

// Dim returns the number of coefficients in Y.
func (f *FullRule) Dim() int { return f.GraphEntries() + 2<<f.T }

// GraphEntries returns the number of leading coefficients that belong to
// the graph rule (0 without one): its table entries, or the parameters of
// its MLP.
func (f *FullRule) GraphEntries() int {
	switch {
	case !f.graph:
		return 0
	case f.hidden > 0:
		return f.hidden*(2*f.T+2) + 1
	}
	return 1 << (2 * f.T)
}

// Rounds returns the network's T.
func (f *FullRule) Rounds() int { return f.T }

// GraphHidden returns the width of an MLP graph rule, 0 for a table.
func (f *FullRule) GraphHidden() int { return f.hidden }

// Rules returns the additive rules of coefficients y (new rules; an MLP
// graph rule has its table evaluated).
func (f *FullRule) Rules(y []float64) plasticity.Rules {
	if len(y) != f.Dim() {
		panic("fitness: FullRule.Rules: y has wrong length")
	}
	var r plasticity.Rules
	g := f.GraphEntries()
	if f.graph {
		r.Graph = plasticity.NewRule(plasticity.GraphRule, f.T)
		if f.hidden > 0 {
			r.Graph.MLP = f.startMLP()
			r.Graph.MLP.SetParams(y[:g])
			r.Graph.Eval()
		} else {
			copy(r.Graph.Table, y[:g])
		}
	}
	r.Output = plasticity.NewRule(plasticity.OutputRule, f.T)
	copy(r.Output.Table, y[g:])
	return r
}

// Tables returns the rule tables of coefficients y as one vector, the
// graph table (4^T entries, if any) then the output table: y itself for
// table rules, the MLP's table otherwise.
func (f *FullRule) Tables(y []float64) []float64 {
	r := f.Rules(y)
	var t []float64
	if r.Graph != nil {
		t = append(t, r.Graph.Table...)
	}
	return append(t, r.Output.Table...)
}

// HasTest reports whether the landscape has a test set.
func (f *FullRule) HasTest() bool { return f.test != nil }

// TestAccuracy trains a fresh network (the one evolve meta evaluates its
// rules with: stream seed.Network, 1 of the network seed) with the rules
// y for the configured epochs on the training set and returns its
// accuracy on the test set. It is an error if there is no test set.
func (f *FullRule) TestAccuracy(y []float64) (float64, error) {
	if f.test == nil {
		return math.NaN(), errors.New("fitness: full-rule: no test set")
	}
	net, err := plasticity.New(f.cfg, seed.PCG(f.cfg.Seed, seed.Network, 1))
	if err != nil {
		return math.NaN(), err
	}
	if _, err := plasticity.Train(net, f.Rules(y), f.train, nil); err != nil {
		return 0, nil // a rule that diverges classifies nothing
	}
	return plasticity.Evaluate(net, f.test).Accuracy, nil
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
	switch {
	case f.hidden > 0:
		w.rules.Graph.MLP.SetParams(y[:g])
		w.rules.Graph.Eval()
	case f.graph:
		copy(w.rules.Graph.Table, y[:g])
	}
	copy(w.rules.Output.Table, y[g:])
	if dst == nil {
		return f.lossOnly(w)
	}
	clear(w.dO)
	dO, dG := w.dO, []float64(nil)
	if f.graph {
		clear(w.dG)
		dG = w.dG
	}
	l, _, err := w.rg.Gradient(dG, dO, w.rules, f.batch, f.loss)
	if err != nil {
		clear(dst)
		return inf
	}
	if f.hidden > 0 {
		// Chain ∂L/∂table through the MLP.
		clear(dst[:g])
		w.rules.Graph.MLP.Backward(dst[:g], w.dG, plasticity.GraphRule, f.T)
	} else {
		copy(dst[:g], w.dG)
	}
	copy(dst[g:], w.dO)
	return l
}

// lossOnly trains and measures the loss without recording the tape the
// gradient needs (plasticity.BatchLoss: RuleGrader.Gradient's loss, bit
// for bit).
func (f *FullRule) lossOnly(w *fullWorker) float64 {
	f.bcOnce.Do(func() { f.bc, f.bcErr = plasticity.NewBatchCache(w.net, f.batch) })
	if f.bcErr != nil {
		return inf
	}
	l, _, err := w.bl.LossCached(w.rules, f.bc, f.loss)
	if err != nil {
		return inf
	}
	return l
}
