package plasticity

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Param says whether and how a rule is learned.
type Param string

const (
	// ParamNone leaves a rule fixed (or absent).
	ParamNone Param = "none"
	// ParamTable learns the entries of the rule's table.
	ParamTable Param = "table"
	// ParamMLP learns the weights of an MLP that computes the table.
	ParamMLP Param = "mlp"
)

// MetaConfig configures the meta-learner (SPEC §3). The zero value learns
// an additive output rule table with the paper's defaults.
type MetaConfig struct {
	// Graph says how the graph rule is learned. If Graph is "", ParamNone is used.
	Graph Param `toml:"graph" json:"graph"`
	// Output says how the output rule is learned. If Output is "", ParamTable is used.
	Output Param `toml:"output" json:"output"`
	// GraphUpdate is the update of a learned graph rule. If GraphUpdate is "", Additive is used.
	GraphUpdate Update `toml:"graph_update" json:"graph_update"`
	// OutputUpdate is the update of a learned output rule. If OutputUpdate is "", Additive is used.
	OutputUpdate Update `toml:"output_update" json:"output_update"`
	// Hidden is the width of MLP rules. If Hidden is 0, 20 is used.
	Hidden int `toml:"hidden" json:"hidden"`
	// InitScale is the scale of learned rules that have no start value:
	// a table has N(0, InitScale²) entries; an MLP has NewMLP's weights
	// with its output weights multiplied by InitScale. If InitScale is 0,
	// 0.01 is used: large random starts give a large first loss, which
	// the optimiser can escape by silencing the network (hᵀ = 0, loss
	// log m, zero gradient), a state it never leaves.
	InitScale float64 `toml:"init_scale" json:"init_scale"`
	// Batch is the batch size |B|. If Batch is 0, 100 is used. The rules
	// learned are tuned to inner trainings of Batch·InnerEpochs examples;
	// an additive graph rule keeps adding to W over longer runs, so rules
	// meant for training on thousands of examples learn better on larger
	// batches (see TestTransferFromRelu1).
	Batch int `toml:"batch" json:"batch"`
	// Epochs is the number of outer epochs (passes over the training set
	// in batches) when Steps is 0. If Epochs is 0, 1 is used.
	Epochs int `toml:"epochs" json:"epochs"`
	// Steps, if positive, is the number of outer steps, overriding Epochs.
	Steps int `toml:"steps" json:"steps"`
	// InnerEpochs is the number of training passes over each batch. If
	// InnerEpochs is 0, 1 is used.
	InnerEpochs int `toml:"inner_epochs" json:"inner_epochs"`
	// Loss is CrossEntropy or MSE. If Loss is "", CrossEntropy is used.
	Loss Loss `toml:"loss" json:"loss"`
	// LR is Adam's learning rate. If LR is 0, 1e-2 is used.
	LR float64 `toml:"lr" json:"lr"`
	// WeightDecay is the coupled L2 coefficient of Adam. If WeightDecay
	// is 0, 0.01 is used; a negative value means none.
	WeightDecay float64 `toml:"weight_decay" json:"weight_decay"`
	// Seed seeds the batches and the start rules.
	Seed uint64 `toml:"seed" json:"seed"`
}

// Defaults returns a copy of c with every zero field replaced by its default.
func (c MetaConfig) Defaults() MetaConfig {
	if c.Graph == "" {
		c.Graph = ParamNone
	}
	if c.Output == "" {
		c.Output = ParamTable
	}
	if c.GraphUpdate == "" {
		c.GraphUpdate = Additive
	}
	if c.OutputUpdate == "" {
		c.OutputUpdate = Additive
	}
	if c.Hidden == 0 {
		c.Hidden = 20
	}
	if c.InitScale == 0 {
		c.InitScale = 0.01
	}
	if c.Batch == 0 {
		c.Batch = 100
	}
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	if c.InnerEpochs == 0 {
		c.InnerEpochs = 1
	}
	if c.Loss == "" {
		c.Loss = CrossEntropy
	}
	if c.LR == 0 {
		c.LR = 1e-2
	}
	if c.WeightDecay == 0 {
		c.WeightDecay = 0.01
	}
	return c
}

// Validate reports the problems of a configuration after defaults.
func (c MetaConfig) Validate() error {
	c = c.Defaults()
	var errs []error
	for _, p := range []struct {
		name string
		v    Param
	}{{"graph", c.Graph}, {"output", c.Output}} {
		if p.v != ParamNone && p.v != ParamTable && p.v != ParamMLP {
			errs = append(errs, fmt.Errorf("%s must be %q, %q or %q, got %q", p.name, ParamNone, ParamTable, ParamMLP, p.v))
		}
	}
	if c.Graph == ParamNone && c.Output == ParamNone {
		errs = append(errs, errors.New("no rule to learn: graph and output are both none"))
	}
	for _, u := range []Update{c.GraphUpdate, c.OutputUpdate} {
		if u != Additive && u != Multiplicative {
			errs = append(errs, fmt.Errorf("update must be %q or %q, got %q", Additive, Multiplicative, u))
		}
	}
	if c.Hidden < 1 {
		errs = append(errs, fmt.Errorf("hidden must be positive, got %d", c.Hidden))
	}
	if !(c.InitScale > 0) || math.IsInf(c.InitScale, 0) {
		errs = append(errs, fmt.Errorf("init scale must be positive and finite, got %v", c.InitScale))
	}
	if c.Batch < 1 {
		errs = append(errs, fmt.Errorf("batch must be positive, got %d", c.Batch))
	}
	if c.Epochs < 1 {
		errs = append(errs, fmt.Errorf("epochs must be positive, got %d", c.Epochs))
	}
	if c.Steps < 0 {
		errs = append(errs, fmt.Errorf("steps must not be negative, got %d", c.Steps))
	}
	if c.InnerEpochs < 1 {
		errs = append(errs, fmt.Errorf("inner epochs must be positive, got %d", c.InnerEpochs))
	}
	if err := c.Loss.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		errs = append(errs, fmt.Errorf("lr must be positive and finite, got %v", c.LR))
	}
	if math.IsNaN(c.WeightDecay) || math.IsInf(c.WeightDecay, 0) {
		errs = append(errs, fmt.Errorf("weight decay must be finite, got %v", c.WeightDecay))
	}
	if len(errs) > 0 {
		return fmt.Errorf("plasticity: invalid meta config: %w", errors.Join(errs...))
	}
	return nil
}

// MetaSettings controls Meta: the configuration and an optional
// progress hook.
type MetaSettings struct {
	MetaConfig
	// Progress, if not nil, is called after every outer step with the
	// step's record and the total number of steps.
	Progress func(step MetaStep, total int)
	// Stop, if not nil, is asked after every step; when it returns true,
	// Meta writes a checkpoint (if Checkpoint is set) and returns the
	// steps done with ErrMetaStopped.
	Stop func() bool
	// Checkpoint, if not nil, receives the state of the run every
	// CheckpointEvery steps and when Stop stops it.
	Checkpoint func(state []byte) error
	// CheckpointEvery is the checkpoint interval in steps. If it is 0,
	// 100 is used; a negative interval checkpoints only when stopped.
	CheckpointEvery int
	// Resume, if not nil, is a state written by Checkpoint of a run with
	// the same network, data, start rules and settings: Meta continues it
	// and returns what the uninterrupted run would have, bit for bit (the
	// batches depend only on the step and the seed).
	Resume []byte
}

// ErrMetaStopped is returned by Meta when MetaSettings.Stop stopped it.
var ErrMetaStopped = errors.New("plasticity: meta-learning stopped")

// metaState is what a checkpoint of Meta holds.
type metaState struct {
	Step, Total int
	Theta       []float64
	Adam        []byte
	Steps       []MetaStep
}

// MetaStep records one outer step.
type MetaStep struct {
	// Step counts from 1.
	Step int `json:"step"`
	// Epoch is the outer epoch, from 1.
	Epoch int `json:"epoch"`
	// Loss is the batch loss at the final weights, before the rule update.
	Loss float64 `json:"loss"`
	// Accuracy is the batch accuracy at the final weights, before the rule update.
	Accuracy float64 `json:"accuracy"`
}

// MetaResult is the outcome of Meta.
type MetaResult struct {
	// Rules holds the learned rules and the fixed ones.
	Rules Rules
	// Steps records every outer step.
	Steps []MetaStep
	// Config is the configuration used, with defaults applied.
	Config MetaConfig
}

// learned is a rule whose parameters the meta-learner updates.
type learned struct {
	rule  *Rule
	param Param
	off   int       // offset of its parameters in the vector
	dTab  []float64 // ∂L/∂table
}

func (l *learned) size() int {
	if l.param == ParamMLP {
		return l.rule.MLP.NumParams()
	}
	return len(l.rule.Table)
}

func (l *learned) get(theta []float64) {
	p := theta[l.off : l.off+l.size()]
	if l.param == ParamMLP {
		l.rule.MLP.Params(p[:0])
		return
	}
	copy(p, l.rule.Table)
}

func (l *learned) set(theta []float64) {
	p := theta[l.off : l.off+l.size()]
	if l.param == ParamMLP {
		l.rule.MLP.SetParams(p)
		l.rule.Eval()
		return
	}
	copy(l.rule.Table, p)
}

// grad writes the gradient of the parameters, given dTab, to grad.
func (l *learned) grad(grad []float64) {
	p := grad[l.off : l.off+l.size()]
	if l.param == ParamMLP {
		clear(p)
		l.rule.MLP.Backward(p, l.dTab, l.rule.Kind, l.rule.Rounds)
		return
	}
	copy(p, l.dTab)
}

// startRule returns the rule to learn for kind: a copy of start if given,
// otherwise a random one drawn from the configuration's seed.
func startRule(start *Rule, kind Kind, T int, param Param, update Update, c MetaConfig) (*Rule, error) {
	stream := uint64(0) // streams 0, 1: graph, output tables; 2, 3: MLPs
	if kind == OutputRule {
		stream = 1
	}
	var r *Rule
	if start != nil {
		if start.Kind != kind {
			return nil, fmt.Errorf("plasticity: start %s rule given as %s rule", start.Kind, kind)
		}
		r = start.Clone()
		if param == ParamTable {
			r.MLP = nil
		}
	} else {
		r = NewRule(kind, T)
		r.Update = update
		if param == ParamTable {
			rng := seed.New(c.Seed, seed.Rule, stream)
			for i := range r.Table {
				r.Table[i] = c.InitScale * rng.NormFloat64()
			}
		}
	}
	if param == ParamMLP && r.MLP == nil {
		r.MLP = NewMLP(kind, T, c.Hidden, seed.PCG(c.Seed, seed.Rule, stream+2))
		for i := range r.MLP.W2 {
			r.MLP.W2[i] *= c.InitScale
		}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Meta learns plasticity rules by gradient descent (SPEC §3). Each outer
// step takes a batch B of data, resets the network to the rules' start
// weights, trains it on B for InnerEpochs, computes the loss on B at the
// final weights and its exact gradient with respect to the learned rule
// parameters, and takes an Adam step with coupled weight decay.
//
// start holds the start values of the learned rules (nil: drawn from the
// seed) and the fixed rules (nil: absent); which rules are learned and
// how is set by s. The network is used as the model of every inner
// training; it ends with the weights of the last step. A nil s means
// the default settings.
func Meta(net *Network, data *dataset.Set, start Rules, s *MetaSettings) (*MetaResult, error) {
	if s == nil {
		s = &MetaSettings{}
	}
	if err := s.MetaConfig.Validate(); err != nil {
		return nil, err
	}
	c := s.MetaConfig.Defaults()
	if data.Len() == 0 {
		return nil, fmt.Errorf("plasticity: meta: data set %q is empty", data.Name)
	}
	if data.Dim != net.d {
		return nil, fmt.Errorf("plasticity: data set %q has dimension %d, the network expects %d", data.Name, data.Dim, net.d)
	}
	rules := start
	var ls []*learned
	var lg, lo *learned
	off := 0
	if c.Graph != ParamNone {
		if net.T < 2 {
			return nil, fmt.Errorf("plasticity: meta: a graph rule needs at least 2 rounds, the network has T=%d", net.T)
		}
		r, err := startRule(start.Graph, GraphRule, net.T, c.Graph, c.GraphUpdate, c)
		if err != nil {
			return nil, err
		}
		rules.Graph = r
		lg = &learned{rule: r, param: c.Graph, off: off, dTab: make([]float64, len(r.Table))}
		off += lg.size()
		ls = append(ls, lg)
	}
	if c.Output != ParamNone {
		r, err := startRule(start.Output, OutputRule, net.T, c.Output, c.OutputUpdate, c)
		if err != nil {
			return nil, err
		}
		rules.Output = r
		lo = &learned{rule: r, param: c.Output, off: off, dTab: make([]float64, len(r.Table))}
		off += lo.size()
		ls = append(ls, lo)
	}
	theta := make([]float64, off)
	grad := make([]float64, off)
	for _, l := range ls {
		l.get(theta)
	}
	decay := max(c.WeightDecay, 0)
	opt := &Adam{LR: c.LR, WeightDecay: decay}

	batches := NewBatches(data, c.Batch, c.Seed)
	total := c.Steps
	if total == 0 {
		total = c.Epochs * batches.PerEpoch()
	}
	res := &MetaResult{Config: c, Steps: make([]MetaStep, 0, total)}

	saved := net.cfg.Epochs
	net.cfg.Epochs = c.InnerEpochs
	defer func() { net.cfg.Epochs = saved }()

	first := 1
	if s.Resume != nil {
		var st metaState
		if err := gob.NewDecoder(bytes.NewReader(s.Resume)).Decode(&st); err != nil {
			return nil, fmt.Errorf("plasticity: meta: resume: %w", err)
		}
		if st.Total != total || len(st.Theta) != len(theta) || len(st.Steps) != st.Step || st.Step > total {
			return nil, fmt.Errorf("plasticity: meta: resume: the checkpoint (step %d of %d, %d parameters) is not of this run (%d steps, %d parameters)", st.Step, st.Total, len(st.Theta), total, len(theta))
		}
		if err := opt.UnmarshalBinary(st.Adam); err != nil {
			return nil, fmt.Errorf("plasticity: meta: resume: %w", err)
		}
		copy(theta, st.Theta)
		for _, l := range ls {
			l.set(theta)
		}
		res.Steps = append(res.Steps, st.Steps...)
		first = st.Step + 1
	}
	every := s.CheckpointEvery
	if every == 0 {
		every = 100
	}
	checkpoint := func(step int) error {
		if s.Checkpoint == nil {
			return nil
		}
		ad, err := opt.MarshalBinary()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(metaState{Step: step, Total: total, Theta: theta, Adam: ad, Steps: res.Steps}); err != nil {
			return err
		}
		return s.Checkpoint(buf.Bytes())
	}

	rg := NewRuleGrader(net)
	batch := batches.NewBatch()
	for step := first; step <= total; step++ {
		epoch := batches.Epoch(step)
		batches.Batch(batch, step)
		var dG, dO []float64
		if lg != nil {
			dG = lg.dTab
			clear(dG)
		}
		if lo != nil {
			dO = lo.dTab
			clear(dO)
		}
		loss, acc, err := rg.Gradient(dG, dO, rules, batch, c.Loss)
		if err != nil {
			return res, fmt.Errorf("plasticity: meta step %d: %w", step, err)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return res, fmt.Errorf("plasticity: meta step %d: loss is %v; lower the learning rate or eta", step, loss)
		}
		for _, l := range ls {
			l.grad(grad)
		}
		for i, g := range grad {
			if math.IsNaN(g) || math.IsInf(g, 0) {
				return res, fmt.Errorf("plasticity: meta step %d: rule gradient entry %d is %v", step, i, g)
			}
		}
		opt.Step(theta, grad)
		for _, l := range ls {
			l.set(theta)
		}
		rec := MetaStep{Step: step, Epoch: epoch, Loss: loss, Accuracy: acc}
		res.Steps = append(res.Steps, rec)
		if s.Progress != nil {
			s.Progress(rec, total)
		}
		if every > 0 && step%every == 0 && step < total {
			if err := checkpoint(step); err != nil {
				return res, fmt.Errorf("plasticity: meta: checkpoint: %w", err)
			}
		}
		if step < total && s.Stop != nil && s.Stop() {
			res.Rules = rules
			if err := checkpoint(step); err != nil {
				return res, fmt.Errorf("plasticity: meta: checkpoint: %w", err)
			}
			return res, ErrMetaStopped
		}
	}
	res.Rules = rules
	return res, nil
}
