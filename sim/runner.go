package sim

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"gonum.org/v1/gonum/mat"
)

// Observation is the state of one run at one generation.
type Observation struct {
	// Generation is t.
	Generation int
	// Run names the run ("exact", "gd", …) and Kind is "evolution" or "gradient".
	Run, Kind string
	// Y holds the (mean) coefficients.
	Y []float64
	// Loss is L(Ȳ), the loss at the mean coefficients.
	Loss float64
	// MeanLoss is L̃ = E[L(Y)] over the population (NaN where undefined).
	MeanLoss float64
	// MeanFitness is the population's mean fitness (NaN where undefined).
	MeanFitness float64
	// GeneticVariance is Σ_p Var(Y_p) (NaN where undefined).
	GeneticVariance float64
	// Distance is ‖Ȳ − Ȳ_ref‖₂ to the reference run at the same generation.
	Distance float64
	// LD is the linkage disequilibrium of a Wright–Fisher population:
	// the mean |D_ij| over its sampled locus pairs (genetics.Stats.LD),
	// and LDErr the standard error of that mean over the pairs (NaN
	// where undefined).
	LD, LDErr float64
	// FreqQuantiles holds the 0, 25, 50, 75 and 100 % quantiles of the
	// allele frequencies (NaN where there are none).
	FreqQuantiles [5]float64
	// TestAccuracy is the test accuracy of a fresh network trained with
	// the rules Y on the training set (NaN unless the landscape has a
	// test set and this generation is tested, see Runs.EvalEvery).
	TestAccuracy float64
	// Evaluations counts the landscape evaluations (losses, or losses
	// with gradient) the run's algorithm made to reach this generation:
	// N per generation for Wright–Fisher, those of the map for the
	// allele-frequency maps, one per step for gradient runs. Reporting
	// (L(Ȳ), test accuracy) is not counted.
	Evaluations int64
	// Cost is Evaluations times the training examples of one evaluation
	// (individual·examples; plasticity landscapes), or Evaluations where
	// the landscape trains nothing.
	Cost float64
}

type runner interface {
	name() string
	kind() string
	// observe fills o for the current generation. Runs are observed only
	// at recorded generations: their evolution must not depend on it.
	observe(o *Observation) error
	// step advances from generation t (the current one) to t + 1.
	step(t int) error
	state() ([]byte, error)
	restore([]byte) error
}

// common holds what every run shares.
type common struct {
	land fitness.Landscape
	enc  *genetics.Encoding
	fit  genetics.Fitness
	x0   []float64
	cfg  Config
}

// at returns the landscape of generation g (the landscape itself unless
// it is stochastic).
func (c *common) at(g int) fitness.Landscape {
	if s, ok := c.land.(fitness.Stochastic); ok {
		return s.At(g)
	}
	return c.land
}

func lossOf(l fitness.Landscape) genetics.LossFunc {
	return genetics.LossFunc{N: l.Dim(), Func: l.Loss, Grad: func(dst, y []float64) { l.Gradient(dst, y) }}
}

// view is the loss a run's algorithm sees: the landscape of the current
// generation, set by the run before it evaluates, with a count of
// evaluations.
type view struct {
	cur   fitness.Landscape
	evals atomic.Int64
}

func newView(c *common) *view { return &view{cur: c.at(0)} }

func (v *view) loss() genetics.LossFunc {
	return genetics.LossFunc{N: v.cur.Dim(),
		Func: func(y []float64) float64 { v.evals.Add(1); return v.cur.Loss(y) },
		Grad: func(dst, y []float64) { v.evals.Add(1); v.cur.Gradient(dst, y) }}
}

func quantiles(x []float64) [5]float64 {
	var q [5]float64
	if len(x) == 0 {
		for i := range q {
			q[i] = math.NaN()
		}
		return q
	}
	s := slices.Clone(x)
	slices.Sort(s)
	for i, p := range []float64{0, 0.25, 0.5, 0.75, 1} {
		q[i] = s[int(math.Round(p*float64(len(s)-1)))]
	}
	return q
}

func geneticVariance(enc *genetics.Encoding, x []float64) float64 {
	cov := enc.Covariance(nil, x)
	var v float64
	for p := 0; p < enc.Coefficients(); p++ {
		v += cov.At(p, p)
	}
	return v
}

func encodeState(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

func decodeState(b []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v)
}

// mapRun iterates a deterministic allele-frequency map: the exact map,
// the mean-field map, the paper's literal recursion or the natural
// gradient on L̃ (a gradient run, since it is one).
type mapRun struct {
	c       *common
	v       *view
	evals   int64 // evaluations that led to x
	pending int64 // evaluations of the map of x
	label   string
	variant genetics.Variant // VariantExact uses Dynamics.Exact
	dyn     *genetics.Dynamics
	x, next []float64
	y       []float64
	res     genetics.ExactResult
	ready   bool // next holds the map of x
}

func newMapRun(c *common, label string, v genetics.Variant) (*mapRun, error) {
	method, _ := parseMethod(c.cfg.Genetics.Method)
	vw := newView(c)
	dyn, err := genetics.NewDynamics(c.enc, vw.loss(), c.fit, &genetics.ExactSettings{Method: method, Samples: c.cfg.Genetics.Samples, Seed: c.cfg.Seed,
		Workers: runtime.GOMAXPROCS(0)}) // landscapes are safe for concurrent use (Wright–Fisher needs it too)
	if err != nil {
		return nil, err
	}
	return &mapRun{c: c, v: vw, label: label, variant: v, dyn: dyn, x: slices.Clone(c.x0), next: make([]float64, len(c.x0)), y: make([]float64, c.enc.Coefficients())}, nil
}

func (r *mapRun) name() string { return r.label }
func (r *mapRun) kind() string {
	if r.variant == genetics.VariantNatural {
		return "gradient"
	}
	return "evolution"
}

// advance computes next = map(x) and the statistics of x.
func (r *mapRun) advance() error {
	if r.ready {
		return nil
	}
	var err error
	before := r.v.evals.Load()
	defer func() { r.pending = r.v.evals.Load() - before }()
	if r.variant == genetics.VariantExact {
		r.res, err = r.dyn.Exact(r.next, r.x)
	} else {
		r.res, err = r.dyn.Increment(r.next, r.x, r.variant)
		for i, xi := range r.x {
			r.next[i] = min(1, max(0, xi+r.next[i]))
		}
	}
	if err != nil {
		return fmt.Errorf("sim: %s: %w", r.label, err)
	}
	r.ready = true
	return nil
}

func (r *mapRun) observe(o *Observation) error {
	r.v.cur = r.c.at(o.Generation)
	if err := r.advance(); err != nil {
		return err
	}
	r.c.enc.Mean(r.y, r.x)
	o.Y = slices.Clone(r.y)
	o.Loss = r.v.cur.Loss(r.y)
	o.Evaluations = r.evals
	o.MeanLoss, o.MeanFitness = math.NaN(), math.NaN()
	if r.variant == genetics.VariantExact || r.variant == genetics.VariantNatural {
		o.MeanLoss = r.res.MeanLoss
	}
	if r.variant == genetics.VariantExact {
		o.MeanFitness = r.res.MeanFitness
	}
	o.GeneticVariance = geneticVariance(r.c.enc, r.x)
	o.FreqQuantiles = quantiles(r.x)
	return nil
}

func (r *mapRun) step(t int) error {
	if !r.ready {
		r.v.cur = r.c.at(t)
	}
	if err := r.advance(); err != nil {
		return err
	}
	r.x, r.next = r.next, r.x
	r.ready = false
	r.evals += r.pending
	return nil
}

type mapState struct {
	X     []float64
	Evals int64
}

func (r *mapRun) state() ([]byte, error) { return encodeState(mapState{X: r.x, Evals: r.evals}) }
func (r *mapRun) restore(b []byte) error {
	var s mapState
	if err := decodeState(b, &s); err != nil {
		return err
	}
	if len(s.X) != len(r.x) {
		return fmt.Errorf("sim: %s: checkpoint has %d loci, want %d", r.label, len(s.X), len(r.x))
	}
	r.x, r.evals, r.ready = s.X, s.Evals, false
	return nil
}

// wfRun is a finite Wright–Fisher population.
type wfRun struct {
	c     *common
	v     *view
	label string
	pop   *genetics.Population
	stats genetics.Stats
	hist  []int32 // quantiles: loci per allele count 0…N
}

// quantiles returns quantiles(freq) from the allele counts of the loci
// (freq = count/N): it counts the loci per count (O(loci + N)) instead of
// sorting.
func (r *wfRun) quantiles(count []int32) [5]float64 {
	n := r.pop.N()
	if len(count) == 0 {
		return quantiles(nil)
	}
	if len(r.hist) != n+1 {
		r.hist = make([]int32, n+1)
	}
	clear(r.hist)
	for _, c := range count {
		r.hist[c]++
	}
	var q [5]float64
	c, below := 0, int32(0) // below: loci with a count under c
	for i, p := range []float64{0, 0.25, 0.5, 0.75, 1} {
		rank := int32(math.Round(p * float64(len(count)-1)))
		for below+r.hist[c] <= rank {
			below += r.hist[c]
			c++
		}
		q[i] = float64(c) / float64(n)
	}
	return q
}

// newWFRun makes replicate rep (from 0) of R: its own stream
// (seed.Genetics, 100 + rep).
func newWFRun(c *common, rep, R int) (*wfRun, error) {
	g := c.cfg.Genetics
	v := newView(c)
	pop, err := genetics.NewPopulation(&genetics.PopulationConfig{N: g.Population, Clonal: g.Clonal, Mu: g.Mu, Start: c.x0},
		c.enc, v.loss(), c.fit, seed.PCG(c.cfg.Seed, seed.Genetics, 100+uint64(rep)))
	if err != nil {
		return nil, err
	}
	label := "wright-fisher"
	if R > 1 {
		label = fmt.Sprintf("wright-fisher/%d", rep+1)
	}
	return &wfRun{c: c, v: v, label: label, pop: pop}, nil
}

func (r *wfRun) name() string { return r.label }
func (r *wfRun) kind() string { return "evolution" }

// observe measures generation t = pop.Generation() on the landscape of
// generation t; its fitnesses were computed when its individuals were
// made, on that landscape (see step), or are computed now.
func (r *wfRun) observe(o *Observation) error {
	r.v.cur = r.c.at(o.Generation)
	if err := r.pop.Stats(&r.stats); err != nil {
		return fmt.Errorf("sim: %s: %w", r.label, err)
	}
	o.Y = slices.Clone(r.stats.MeanY)
	o.Loss = r.v.cur.Loss(o.Y)
	o.Evaluations = int64(r.pop.N()) * int64(o.Generation)
	o.MeanLoss = r.stats.MeanLoss
	o.MeanFitness = r.stats.MeanFitness
	var v float64
	for _, vy := range r.stats.VarY {
		v += vy
	}
	o.GeneticVariance = v
	o.LD, o.LDErr = r.stats.LD, r.stats.LDErr
	o.FreqQuantiles = r.quantiles(r.stats.Count)
	return nil
}

// step selects on the fitnesses of generation t and computes the
// offspring's fitnesses, for generation t + 1, on the landscape of t + 1.
// The fitnesses of generation t are computed on the landscape of t if no
// observation or earlier step did so (after a resume).
func (r *wfRun) step(t int) error {
	r.v.cur = r.c.at(t)
	if err := r.pop.Evaluate(); err != nil {
		return fmt.Errorf("sim: %s: generation %d: %w", r.label, t, err)
	}
	r.v.cur = r.c.at(t + 1)
	if err := r.pop.Step(); err != nil {
		return fmt.Errorf("sim: %s: generation %d: %w", r.label, r.pop.Generation(), err)
	}
	return nil
}
func (r *wfRun) state() ([]byte, error) { return r.pop.MarshalBinary() }
func (r *wfRun) restore(b []byte) error { return r.pop.UnmarshalBinary(b) }

// gradRun is a gradient method on the phenotype Y: plain GD, Adam, or
// Lande's GD preconditioned by the genetic covariance at the start.
type gradRun struct {
	c     *common
	v     *view
	label string
	y, g  []float64
	rate  float64
	G     *mat.SymDense // Lande
	adam  *plasticity.Adam
	gbuf  []float64
	loss  float64 // L(Y) at the current Y when ready
	ready bool    // g holds ∇L at the current Y
}

func newGradRun(c *common, label string, gdRate float64) *gradRun {
	P := c.enc.Coefficients()
	r := &gradRun{c: c, v: newView(c), label: label, y: make([]float64, P), g: make([]float64, P), gbuf: make([]float64, P)}
	c.enc.Mean(r.y, c.x0)
	switch label {
	case "gd":
		r.rate = gdRate
	case "adam":
		r.adam = &plasticity.Adam{LR: c.cfg.Runs.AdamRate, WeightDecay: c.cfg.Runs.AdamWeightDecay}
	case "lande":
		r.G = c.enc.Covariance(nil, c.x0)
		r.rate = c.fit.Theta
	}
	return r
}

func (r *gradRun) name() string { return r.label }
func (r *gradRun) kind() string { return "gradient" }

// observe evaluates the loss and gradient at the current Y once; step
// reuses the gradient, so each generation costs one landscape evaluation.
func (r *gradRun) observe(o *Observation) error {
	r.v.cur = r.c.at(o.Generation)
	o.Y = slices.Clone(r.y)
	r.loss, r.ready = r.v.cur.Gradient(r.g, r.y), true
	o.Loss = r.loss
	o.Evaluations = int64(o.Generation)
	o.MeanLoss, o.MeanFitness, o.GeneticVariance = math.NaN(), math.NaN(), math.NaN()
	o.FreqQuantiles = quantiles(nil)
	return nil
}
func (r *gradRun) step(t int) error {
	if !r.ready {
		r.v.cur = r.c.at(t)
		r.loss = r.v.cur.Gradient(r.g, r.y)
	}
	r.ready = false
	if l := r.loss; math.IsNaN(l) || math.IsInf(l, 0) {
		return fmt.Errorf("sim: %s: loss is %v at Y = %v", r.label, l, r.y)
	}
	switch {
	case r.adam != nil:
		r.adam.Step(r.y, r.g)
	case r.G != nil:
		gv := mat.NewVecDense(len(r.gbuf), r.gbuf)
		gv.MulVec(r.G, mat.NewVecDense(len(r.g), r.g))
		for i := range r.y {
			r.y[i] -= r.rate * r.gbuf[i]
		}
	default:
		for i := range r.y {
			r.y[i] -= r.rate * r.g[i]
		}
	}
	return nil
}

type gradState struct {
	Y    []float64
	Adam []byte
}

func (r *gradRun) state() ([]byte, error) {
	s := gradState{Y: r.y}
	if r.adam != nil {
		b, err := r.adam.MarshalBinary()
		if err != nil {
			return nil, err
		}
		s.Adam = b
	}
	return encodeState(s)
}
func (r *gradRun) restore(b []byte) error {
	var s gradState
	if err := decodeState(b, &s); err != nil {
		return err
	}
	if len(s.Y) != len(r.y) {
		return fmt.Errorf("sim: %s: checkpoint has %d coefficients, want %d", r.label, len(s.Y), len(r.y))
	}
	copy(r.y, s.Y)
	r.ready = false
	if r.adam != nil {
		return r.adam.UnmarshalBinary(s.Adam)
	}
	return nil
}
