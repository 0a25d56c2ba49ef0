package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
)

// Config is a comparison of evolution and gradient descent on one
// landscape. The zero value is the default run of "evolve run".
type Config struct {
	// Generations is the number of generations (and steps). If
	// Generations is 0, 150 is used.
	Generations int `toml:"generations" json:"generations"`
	// Seed seeds everything random: landscape, start frequencies,
	// populations.
	Seed uint64 `toml:"seed" json:"seed"`
	// Landscape is the fitness landscape.
	Landscape fitness.Spec `toml:"landscape" json:"landscape"`
	// Genetics configures the encoding, the selection and the population.
	Genetics Genetics `toml:"genetics" json:"genetics"`
	// Runs lists the runs to compare.
	Runs Runs `toml:"runs" json:"runs"`
}

// Genetics configures the encoding of the coefficients and the selection.
type Genetics struct {
	// Loci is the number of loci per coefficient. If Loci is 0, 6 is used
	// (20 on the full-rule landscape).
	Loci int `toml:"loci" json:"loci"`
	// Eps is the allele effect ε. If Eps is 0, 0.05 is used.
	Eps float64 `toml:"eps" json:"eps"`
	// Offset holds the offsets c_p; nil means 0.
	Offset []float64 `toml:"offset" json:"offset,omitempty"`
	// Fitness is "linear" (w = 1 − θL, the default) or "exp" (w = exp(−θL),
	// the default on the full-rule landscape).
	Fitness string `toml:"fitness" json:"fitness"`
	// Theta is the selection strength θ. If Theta is 0, 0.02 is used (0.6
	// on the full-rule landscape).
	Theta float64 `toml:"theta" json:"theta"`
	// Start is the start frequency of allele +ε. If Start is 0, 0.5 is used.
	Start float64 `toml:"start" json:"start"`
	// Spread, if positive, draws each locus's start frequency uniformly
	// from [Start − Spread, Start + Spread] (seeded).
	Spread float64 `toml:"spread" json:"spread"`
	// Population is N for Wright–Fisher runs. If Population is 0, 1000 is used.
	Population int `toml:"population" json:"population"`
	// Clonal turns off recombination in Wright–Fisher runs.
	Clonal bool `toml:"clonal" json:"clonal"`
	// Mu is the mutation rate of Wright–Fisher runs.
	Mu float64 `toml:"mu" json:"mu"`
	// Method is how the exact expectations are evaluated: "auto" (the
	// default), "enumeration" or "monte-carlo".
	Method string `toml:"method" json:"method"`
	// Samples is the number of Monte Carlo samples. If Samples is 0, 1024 is
	// used (2 on the full-rule landscape).
	Samples int `toml:"samples" json:"samples"`
	// Replicates is the number R of independent Wright–Fisher populations
	// (own streams), named wright-fisher/1 … /R when R > 1. If Replicates
	// is 0, 1 is used.
	Replicates int `toml:"replicates" json:"replicates"`
}

// Runs lists the runs of a comparison and their settings.
type Runs struct {
	// Evolution lists evolution runs: "exact", "mean-field", "paper",
	// "wright-fisher". If nil, exact and wright-fisher are run.
	Evolution []string `toml:"evolution" json:"evolution"`
	// Gradient lists gradient runs: "gd", "adam", "natural", "lande". If
	// nil, all four are run.
	Gradient []string `toml:"gradient" json:"gradient"`
	// GDRate is the step size of "gd". If GDRate is 0, θ times the mean
	// genetic variance per coefficient at the start is used, which makes
	// the first gd step equal Lande's with disjoint loci.
	GDRate float64 `toml:"gd_rate,omitzero" json:"gd_rate"`
	// AdamRate is the learning rate of "adam". If AdamRate is 0, 0.01 is used.
	AdamRate float64 `toml:"adam_rate" json:"adam_rate"`
	// AdamWeightDecay is the coupled L2 coefficient of "adam" (the
	// meta-learner's is 0.01). If it is 0, there is none.
	AdamWeightDecay float64 `toml:"adam_weight_decay" json:"adam_weight_decay"`
	// EvalEvery is the interval in generations at which every run's mean
	// rule is tested (a fresh network trained with it on the training set,
	// measured on the test set) on landscapes that can (full-rule); the
	// last generation is always tested. If EvalEvery is 0, 10 is used;
	// negative turns testing off.
	EvalEvery int `toml:"eval_every" json:"eval_every"`
	// CheckpointEvery, if positive, is the checkpoint interval in
	// generations: a checkpoint after every generation that is a multiple
	// of it, and none otherwise. Negative turns checkpoints off. If it is
	// 0, checkpoints are timed by CheckpointSeconds.
	CheckpointEvery int `toml:"checkpoint_every,omitzero" json:"checkpoint_every"`
	// CheckpointSeconds is the checkpoint interval in seconds of wall time
	// when CheckpointEvery is 0: a checkpoint after the first generation
	// that ends at least this long after the previous checkpoint (or the
	// start of the run), and one after the last generation. If both are
	// 0, 30 is used; it must be 0 when CheckpointEvery is not. When and
	// how often checkpoints are written never changes the runs or the
	// record: only how much work an interruption without a signal loses.
	CheckpointSeconds float64 `toml:"checkpoint_seconds,omitzero" json:"checkpoint_seconds"`
	// RecordEvery is the interval in generations at which every run is
	// observed and recorded (statistics, linkage disequilibrium, loss at
	// the mean, one row per run in the trajectory). Generations that are
	// multiples of RecordEvery are recorded, and so are the generations
	// whose test accuracy is measured (EvalEvery) and the last one. The
	// runs evolve identically for every value: only what is measured
	// changes. If RecordEvery is 0, ⌈Generations/500⌉ is used: every
	// generation up to 500 generations, about 500 recorded generations
	// beyond (a figure cannot show more, and on a cheap landscape the
	// statistics of every generation would cost more than evolving it).
	// It must not be negative.
	RecordEvery int `toml:"record_every" json:"record_every"`
}

var (
	evolutionKinds = []string{"exact", "mean-field", "paper", "wright-fisher"}
	gradientKinds  = []string{"gd", "adam", "natural", "lande"}
)

// MaxDefaultRecords bounds the recorded generations of a run whose
// record_every is not given (see Runs.RecordEvery).
const MaxDefaultRecords = 500

// Defaults returns c with its zero fields set.
func (c Config) Defaults() Config {
	if c.Generations == 0 {
		c.Generations = 150
	}
	c.Landscape.Seed = c.Seed
	c.Landscape = c.Landscape.Defaults()
	g := &c.Genetics
	if c.Landscape.Kind == "full-rule" {
		// The whole rule (SPEC §12): coefficients of range ±nε = ±1 and
		// a Lande step θnε² = 0.03 per coefficient at x = ½, which moves
		// the mean rule at about the meta-learner's pace (Adam, rate
		// 0.01); exp fitness, since θL reaches 1 at these losses; two
		// Monte Carlo samples per conditional expectation of the exact
		// map (each costs P·(n + 1) trainings).
		if g.Loci == 0 {
			g.Loci = 20
		}
		if g.Fitness == "" {
			g.Fitness = "exp"
		}
		if g.Theta == 0 {
			g.Theta = 0.6
		}
		if g.Samples == 0 {
			g.Samples = 2
		}
	}
	if g.Loci == 0 {
		g.Loci = 6
	}
	if g.Eps == 0 {
		g.Eps = 0.05
	}
	if g.Fitness == "" {
		g.Fitness = "linear"
	}
	if g.Theta == 0 {
		g.Theta = 0.02
	}
	if g.Start == 0 {
		g.Start = 0.5
	}
	if g.Population == 0 {
		g.Population = 1000
	}
	if g.Method == "" {
		g.Method = "auto"
	}
	if g.Samples == 0 {
		g.Samples = 1024
	}
	if g.Replicates == 0 {
		g.Replicates = 1
	}
	r := &c.Runs
	if r.Evolution == nil {
		r.Evolution = []string{"exact", "wright-fisher"}
	}
	if r.Gradient == nil {
		r.Gradient = slices.Clone(gradientKinds)
	}
	if r.AdamRate == 0 {
		r.AdamRate = 0.01
	}
	if r.CheckpointEvery == 0 && r.CheckpointSeconds == 0 {
		r.CheckpointSeconds = 30
	}
	if r.EvalEvery == 0 {
		r.EvalEvery = 10
	}
	if r.RecordEvery == 0 {
		r.RecordEvery = max(1, (c.Generations+MaxDefaultRecords-1)/MaxDefaultRecords)
	}
	return c
}

// Validate reports every problem of the configuration.
func (c Config) Validate() error {
	c = c.Defaults()
	var errs []error
	if c.Generations < 0 {
		errs = append(errs, fmt.Errorf("generations must be positive, got %d", c.Generations))
	}
	if err := c.Landscape.Validate(); err != nil {
		errs = append(errs, err)
	}
	g := c.Genetics
	if g.Loci < 1 || g.Eps <= 0 {
		errs = append(errs, fmt.Errorf("genetics: loci (%d) and eps (%v) must be positive", g.Loci, g.Eps))
	}
	if g.Fitness != "linear" && g.Fitness != "exp" {
		errs = append(errs, fmt.Errorf("genetics: fitness must be \"linear\" or \"exp\", got %q", g.Fitness))
	}
	if !(g.Theta > 0) {
		errs = append(errs, fmt.Errorf("genetics: theta must be positive, got %v", g.Theta))
	}
	if !(g.Start > 0 && g.Start < 1) || g.Spread < 0 || g.Start-g.Spread < 0 || g.Start+g.Spread > 1 {
		errs = append(errs, fmt.Errorf("genetics: start frequencies [%v − %v, %v + %v] must lie in (0, 1)", g.Start, g.Spread, g.Start, g.Spread))
	}
	if g.Population < 1 {
		errs = append(errs, fmt.Errorf("genetics: population must be positive, got %d", g.Population))
	}
	if g.Replicates < 1 {
		errs = append(errs, fmt.Errorf("genetics: replicates must be positive, got %d", g.Replicates))
	}
	if g.Samples < 1 {
		errs = append(errs, fmt.Errorf("genetics: samples must be positive, got %d", g.Samples))
	}
	if w := c.Runs.AdamWeightDecay; w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		errs = append(errs, fmt.Errorf("runs: adam_weight_decay must be finite and ≥ 0, got %v", w))
	}
	if s := c.Runs.CheckpointSeconds; s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		errs = append(errs, fmt.Errorf("runs: checkpoint_seconds must be a positive number of seconds, got %v", s))
	} else if s > 0 && c.Runs.CheckpointEvery != 0 {
		errs = append(errs, fmt.Errorf("runs: give checkpoint_every (%d generations) or checkpoint_seconds (%v s), not both", c.Runs.CheckpointEvery, s))
	}
	if c.Runs.RecordEvery < 1 {
		errs = append(errs, fmt.Errorf("runs: record_every must be a positive number of generations, got %d", c.Runs.RecordEvery))
	}
	if _, err := parseMethod(g.Method); err != nil {
		errs = append(errs, err)
	}
	for _, e := range c.Runs.Evolution {
		if !slices.Contains(evolutionKinds, e) {
			errs = append(errs, fmt.Errorf("runs: unknown evolution run %q (want %v)", e, evolutionKinds))
		}
	}
	for _, e := range c.Runs.Gradient {
		if !slices.Contains(gradientKinds, e) {
			errs = append(errs, fmt.Errorf("runs: unknown gradient run %q (want %v)", e, gradientKinds))
		}
	}
	if len(c.Runs.Evolution)+len(c.Runs.Gradient) == 0 {
		errs = append(errs, errors.New("runs: nothing to run"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("sim: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

func parseMethod(s string) (genetics.Method, error) {
	switch s {
	case "auto", "":
		return genetics.Auto, nil
	case "enumeration":
		return genetics.Enumeration, nil
	case "monte-carlo":
		return genetics.MonteCarlo, nil
	}
	return 0, fmt.Errorf("genetics: method must be auto, enumeration or monte-carlo, got %q", s)
}

func (g Genetics) fitness() genetics.Fitness {
	k := genetics.Linear
	if g.Fitness == "exp" {
		k = genetics.Exp
	}
	return genetics.Fitness{Kind: k, Theta: g.Theta}
}
