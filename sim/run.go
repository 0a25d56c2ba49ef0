package sim

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Settings control Run. The zero value (or nil) runs silently without
// checkpoints.
type Settings struct {
	// Progress, if not nil, is called after every generation.
	Progress func(gen, total int)
	// Checkpoint, if not nil, receives the whole state every
	// cfg.Runs.CheckpointEvery generations, or, if that is 0, after the
	// first generation that ends cfg.Runs.CheckpointSeconds after the
	// previous checkpoint and after the last generation; the caller
	// stores it (the command writes it atomically).
	Checkpoint func(state []byte) error
	// Now, if not nil, is the clock of timed checkpoints (time.Now if
	// nil); tests inject one.
	Now func() time.Time
	// Resume, if not nil, is a state received by Checkpoint; the run
	// continues from it and ends with the same result as an
	// uninterrupted run.
	Resume []byte
	// Stop, if not nil, is polled after every generation; when it returns
	// true the run checkpoints and returns ErrStopped.
	Stop func() bool
}

// ErrStopped is returned by Run when Settings.Stop asked it to stop.
var ErrStopped = errors.New("sim: stopped")

// Result is the outcome of a comparison.
type Result struct {
	// Config is the configuration with defaults applied (GDRate is the
	// step size used, the automatic one if the config's was 0).
	Config Config
	// Runs names the runs in order; Kinds gives their kinds.
	Runs, Kinds []string
	// Observations holds every run at every recorded generation (see
	// Runs.RecordEvery; generation 0 and the last are always recorded),
	// generation-major in the order of Runs.
	Observations []Observation
	// Method is how the exact expectations were evaluated.
	Method string
}

// checkpoint is the saved state of a run.
type checkpoint struct {
	Config     Config
	Generation int
	States     [][]byte
	// Observations holds the record of checkpoints written before
	// ObsChunks existed.
	Observations []Observation
	// ObsChunks holds the record so far, each chunk the gob of the
	// observations made since the previous checkpoint: each observation is
	// encoded once, not once per checkpoint.
	ObsChunks [][]byte
}

// Run compares the configured evolution and gradient runs on the
// landscape land (usually cfg.Landscape.Build()).
func Run(cfg Config, land fitness.Landscape, s *Settings) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	P := land.Dim()
	g := cfg.Genetics
	if g.Offset != nil && len(g.Offset) != P {
		return nil, fmt.Errorf("sim: %d offsets for %d coefficients", len(g.Offset), P)
	}
	if st, ok := land.(interface{ Start() []float64 }); ok && g.Offset == nil {
		// The landscape's own start (an MLP rule's initial weights): the
		// offsets c_p, so every run starts where the meta-learner does.
		if y0 := st.Start(); slices.ContainsFunc(y0, func(v float64) bool { return v != 0 }) {
			g.Offset = y0
		}
	}
	enc := &genetics.Encoding{P: P, N: g.Loci, Eps: g.Eps, Offset: g.Offset}
	if err := enc.Validate(); err != nil {
		return nil, err
	}
	x0 := make([]float64, enc.Loci())
	rng := seed.New(cfg.Seed, seed.Genetics, 0)
	for i := range x0 {
		x0[i] = g.Start
		if g.Spread > 0 {
			x0[i] = g.Start - g.Spread + 2*g.Spread*rng.Float64()
		}
	}
	c := &common{land: land, enc: enc, fit: g.fitness(), x0: x0, cfg: cfg}
	var runs []runner
	for _, e := range cfg.Runs.Evolution {
		switch e {
		case "wright-fisher":
			for rep := range g.Replicates {
				r, err := newWFRun(c, rep, g.Replicates)
				if err != nil {
					return nil, err
				}
				runs = append(runs, r)
			}
		default:
			v := map[string]genetics.Variant{"exact": genetics.VariantExact, "mean-field": genetics.VariantMeanField, "paper": genetics.VariantPaper}[e]
			r, err := newMapRun(c, e, v)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
	}
	gdRate := cfg.Runs.GDRate
	if gdRate == 0 {
		gdRate = c.fit.Theta * geneticVariance(enc, x0) / float64(P)
	}
	for _, e := range cfg.Runs.Gradient {
		if e == "natural" {
			r, err := newMapRun(c, "natural", genetics.VariantNatural)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
			continue
		}
		runs = append(runs, newGradRun(c, e, gdRate))
	}
	res := &Result{Config: cfg}
	res.Config.Runs.GDRate = gdRate // the effective step size, for the record
	res.Config.Genetics.Offset = g.Offset
	for _, r := range runs {
		res.Runs = append(res.Runs, r.name())
		res.Kinds = append(res.Kinds, r.kind())
	}
	start := 0
	var chunks [][]byte // the record, encoded up to observation encoded
	encoded := 0
	if s.Resume != nil {
		var cp checkpoint
		if err := decodeState(s.Resume, &cp); err != nil {
			return nil, fmt.Errorf("sim: reading checkpoint: %w", err)
		}
		// Defaults fills what an older checkpoint's config lacks (record_every).
		if !reflect.DeepEqual(cp.Config.Defaults(), cfg) {
			return nil, errors.New("sim: the checkpoint was written by a different configuration")
		}
		if len(cp.States) != len(runs) {
			return nil, fmt.Errorf("sim: checkpoint has %d runs, the config %d", len(cp.States), len(runs))
		}
		for i, r := range runs {
			if err := r.restore(cp.States[i]); err != nil {
				return nil, fmt.Errorf("sim: restoring %s: %w", r.name(), err)
			}
		}
		start = cp.Generation
		res.Observations = cp.Observations
		for _, b := range cp.ObsChunks {
			var chunk []Observation
			if err := decodeState(b, &chunk); err != nil {
				return nil, fmt.Errorf("sim: reading checkpoint: %w", err)
			}
			res.Observations = append(res.Observations, chunk...)
		}
		chunks, encoded = cp.ObsChunks, len(res.Observations)
		if cp.ObsChunks == nil {
			encoded = 0 // an older checkpoint: its observations go into the first chunk
		}
	}
	save := func(gen int) error {
		if s.Checkpoint == nil {
			return nil
		}
		if len(res.Observations) > encoded {
			b, err := encodeState(res.Observations[encoded:])
			if err != nil {
				return err
			}
			chunks, encoded = append(chunks, b), len(res.Observations)
		}
		cp := checkpoint{Config: cfg, Generation: gen, ObsChunks: chunks}
		for _, r := range runs {
			b, err := r.state()
			if err != nil {
				return fmt.Errorf("sim: saving %s: %w", r.name(), err)
			}
			cp.States = append(cp.States, b)
		}
		b, err := encodeState(cp)
		if err != nil {
			return err
		}
		return s.Checkpoint(b)
	}
	due := checkpointDue(cfg.Runs, s)
	perEval := 1.0
	if e, ok := land.(interface{ ExamplesPerLoss() int }); ok {
		perEval = float64(e.ExamplesPerLoss())
	}
	tester, _ := land.(fitness.Tester)
	if tester != nil && !tester.HasTest() {
		tester = nil
	}
	obs := make([]Observation, len(runs))
	for t := start; t <= cfg.Generations; t++ {
		last := t == cfg.Generations
		every := cfg.Runs.EvalEvery
		test := tester != nil && every > 0 && (t%every == 0 || last)
		if test || last || t%cfg.Runs.RecordEvery == 0 {
			for i, r := range runs {
				o := &obs[i]
				*o = Observation{Generation: t, Run: r.name(), Kind: r.kind(), TestAccuracy: math.NaN(), LD: math.NaN(), LDErr: math.NaN()}
				if err := r.observe(o); err != nil {
					return res, err
				}
				o.Distance = dist(o.Y, obs[0].Y)
				o.Cost = float64(o.Evaluations) * perEval
			}
			if test {
				if err := testAll(tester, obs); err != nil {
					return res, fmt.Errorf("sim: test accuracy at generation %d: %w", t, err)
				}
			}
			res.Observations = append(res.Observations, obs...)
		}
		if last {
			break
		}
		for _, r := range runs {
			if err := r.step(t); err != nil {
				return res, err
			}
		}
		if s.Progress != nil {
			s.Progress(t+1, cfg.Generations)
		}
		if due(t+1, cfg.Generations) {
			if err := save(t + 1); err != nil {
				return res, err
			}
		}
		if s.Stop != nil && s.Stop() {
			if err := save(t + 1); err != nil {
				return res, err
			}
			return res, ErrStopped
		}
	}
	return res, nil
}

// checkpointDue returns whether a checkpoint is due after generation gen
// of total under the policy of r (see Runs.CheckpointEvery and
// Runs.CheckpointSeconds). A timed policy reads the clock once per
// generation; the clock decides only when checkpoints are written, never
// what the runs do.
func checkpointDue(r Runs, s *Settings) func(gen, total int) bool {
	switch {
	case s.Checkpoint == nil || r.CheckpointEvery < 0:
		return func(int, int) bool { return false }
	case r.CheckpointEvery > 0:
		every := r.CheckpointEvery
		return func(gen, _ int) bool { return gen%every == 0 }
	case r.CheckpointSeconds > 0:
		now := s.Now
		if now == nil {
			now = time.Now
		}
		interval := time.Duration(r.CheckpointSeconds * float64(time.Second))
		last := now()
		return func(gen, total int) bool {
			t := now()
			if gen < total && t.Sub(last) < interval {
				return false
			}
			last = t
			return true
		}
	}
	return func(int, int) bool { return false }
}

// testAll measures the test accuracy of every observation's Y, the runs
// in parallel (each is independent of the others and of the order).
func testAll(tester fitness.Tester, obs []Observation) error {
	errs := make([]error, len(obs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range obs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			obs[i].TestAccuracy, errs[i] = tester.TestAccuracy(obs[i].Y)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// Final returns the observations of the last generation, in run order.
func (r *Result) Final() []Observation {
	n := len(r.Runs)
	if len(r.Observations) < n {
		return nil
	}
	return r.Observations[len(r.Observations)-n:]
}
