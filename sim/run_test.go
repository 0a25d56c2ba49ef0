package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
)

// small is a quick comparison on the default landscape (output rule of a
// small network on halfspace).
func small() Config {
	return Config{
		Generations: 20,
		Seed:        3,
		Landscape:   fitness.Spec{Batch: 200, Network: smallNet()},
		Genetics:    Genetics{Loci: 6, Population: 300, Theta: 0.02},
		Runs:        Runs{Evolution: []string{"exact", "wright-fisher", "mean-field"}, CheckpointEvery: 5},
	}
}

func build(t *testing.T, cfg Config) fitness.Landscape {
	t.Helper()
	cfg = cfg.Defaults()
	l, err := cfg.Landscape.Build()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunLowersLoss(t *testing.T) {
	t.Parallel()
	cfg := small()
	res, err := Run(cfg, build(t, cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.Runs)
	if len(res.Observations) != n*(cfg.Generations+1) {
		t.Fatalf("%d observations, want %d", len(res.Observations), n*(cfg.Generations+1))
	}
	first, last := res.Observations[:n], res.Final()
	for i := range first {
		if !(last[i].Loss < first[i].Loss) {
			t.Errorf("%s: loss %v → %v did not fall", first[i].Run, first[i].Loss, last[i].Loss)
		}
	}
	// Every run but the sampled population starts from the same mean
	// coefficients.
	for i := 1; i < n; i++ {
		if first[i].Run == "wright-fisher" {
			continue
		}
		if d := dist(first[i].Y, first[0].Y); d > 1e-12 {
			t.Errorf("%s starts %v away from exact", first[i].Run, d)
		}
	}
}

// TestRunIndependentOfGOMAXPROCS: the same config and seed give identical
// observations on one and on two threads.
func TestRunIndependentOfGOMAXPROCS(t *testing.T) {
	cfg := small()
	land := build(t, cfg)
	prev := runtime.GOMAXPROCS(1)
	a, err := Run(cfg, land, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	b, err := Run(cfg, land, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(a.Observations, b.Observations) {
		t.Fatal("observations differ between GOMAXPROCS=1 and 2")
	}
}

func equalObs(a, b []Observation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		// NaN fields compare unequal with ==; compare bit patterns.
		if !reflect.DeepEqual(x.Y, y.Y) || x.Run != y.Run || x.Generation != y.Generation || x.Evaluations != y.Evaluations {
			return false
		}
		if x.Kind != y.Kind || !equalBits(x.FreqQuantiles[:], y.FreqQuantiles[:]) {
			return false
		}
		for _, p := range [][2]float64{{x.Loss, y.Loss}, {x.MeanLoss, y.MeanLoss}, {x.MeanFitness, y.MeanFitness}, {x.GeneticVariance, y.GeneticVariance}, {x.Distance, y.Distance}, {x.TestAccuracy, y.TestAccuracy}, {x.Cost, y.Cost}, {x.LD, y.LD}, {x.LDErr, y.LDErr}} {
			if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
				return false
			}
		}
	}
	return true
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestResume: a run stopped mid-way and resumed from its last checkpoint
// ends with the same trajectory as an uninterrupted run.
func TestResume(t *testing.T) {
	t.Parallel()
	cfg := small()
	land := build(t, cfg)
	whole, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	var saved []byte
	gens := 0
	_, err = Run(cfg, land, &Settings{
		Checkpoint: func(b []byte) error { saved = append([]byte(nil), b...); return nil },
		Progress:   func(g, _ int) { gens = g },
		Stop:       func() bool { return gens == 12 },
	})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed, err := Run(cfg, land, &Settings{Resume: saved})
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(whole.Observations, resumed.Observations) {
		t.Fatal("resumed trajectory differs from the uninterrupted one")
	}
	// A checkpoint of another configuration is refused.
	other := cfg
	other.Seed++
	if _, err := Run(other, land, &Settings{Resume: saved}); err == nil {
		t.Error("resumed from another configuration's checkpoint")
	}
}

// TestNaturalGradientTracksExact: on a quadratic the natural-gradient run
// stays within O(θ²)-per-step of the exact map, far closer than the
// paper's recursion.
func TestNaturalGradientTracksExact(t *testing.T) {
	t.Parallel()
	cfg := Config{
		Generations: 50, Seed: 1,
		Landscape: fitness.Spec{Kind: "quadratic", Dim: 2},
		Genetics:  Genetics{Loci: 8, Eps: 0.05, Theta: 0.05},
		Runs:      Runs{Evolution: []string{"exact", "paper"}, Gradient: []string{"natural", "lande"}, CheckpointEvery: -1},
	}
	res, err := Run(cfg, build(t, cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	fin := res.Final()
	byName := map[string]Observation{}
	for _, o := range fin {
		byName[o.Run] = o
	}
	nat, pap := byName["natural"].Distance, byName["paper"].Distance
	if !(nat < 0.1*pap) {
		t.Errorf("distance to exact after 50 generations: natural %v, paper %v; want natural ≪ paper", nat, pap)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{Genetics: Genetics{Fitness: "cubic"}},
		{Runs: Runs{Evolution: []string{"lamarck"}}},
		{Genetics: Genetics{Start: 1.5}},
		{Landscape: fitness.Spec{Kind: "mountain"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// recordedAt returns the observations of every recorded generation in
// gens, in order.
func recordedAt(obs []Observation, gens map[int]bool) []Observation {
	var out []Observation
	for _, o := range obs {
		if gens[o.Generation] {
			out = append(out, o)
		}
	}
	return out
}

// generationsOf returns the distinct generations of obs in order.
func generationsOf(obs []Observation) []int {
	var g []int
	for _, o := range obs {
		if len(g) == 0 || g[len(g)-1] != o.Generation {
			g = append(g, o.Generation)
		}
	}
	return g
}

// TestRecordEveryOnlyMeasures: every kind of run on a quadratic, recorded
// every generation and every 7th: the runs evolve identically (the rows
// of the sparse record are the dense record's rows at generations 0, 7,
// …, 28 and the last, 30, bit for bit, so are the final coefficients),
// and only those generations are recorded.
func TestRecordEveryOnlyMeasures(t *testing.T) {
	t.Parallel()
	cfg := Config{
		Generations: 30, Seed: 4,
		Landscape: fitness.Spec{Kind: "quadratic", Dim: 3},
		Genetics:  Genetics{Loci: 8, Eps: 0.05, Theta: 0.05, Population: 200, Replicates: 2},
		Runs: Runs{Evolution: []string{"exact", "mean-field", "paper", "wright-fisher"}, Gradient: []string{"gd", "adam", "natural", "lande"},
			CheckpointEvery: -1},
	}
	land := build(t, cfg)
	dense, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runs.RecordEvery = 7
	sparse, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 7, 14, 21, 28, 30}
	if g := generationsOf(sparse.Observations); !reflect.DeepEqual(g, want) {
		t.Fatalf("recorded generations %v, want %v", g, want)
	}
	if len(sparse.Observations) != len(want)*len(sparse.Runs) {
		t.Fatalf("%d observations for %d generations of %d runs", len(sparse.Observations), len(want), len(sparse.Runs))
	}
	at := map[int]bool{}
	for _, g := range want {
		at[g] = true
	}
	if !equalObs(recordedAt(dense.Observations, at), sparse.Observations) {
		t.Fatal("the rows recorded every 7th generation differ from the same rows recorded every generation")
	}
	for i, o := range sparse.Final() {
		if o.Run == "wright-fisher/1" && !(o.LD > 0 && o.LDErr > 0) {
			t.Errorf("%s: LD %v ± %v, want positive", o.Run, o.LD, o.LDErr)
		}
		if o.Kind == "gradient" && o.LD == o.LD {
			t.Errorf("%s: LD %v, want NaN", o.Run, o.LD)
		}
		if !reflect.DeepEqual(o.Y, dense.Final()[i].Y) {
			t.Errorf("%s: final Y %v, recorded every generation %v", o.Run, o.Y, dense.Final()[i].Y)
		}
	}
	if sparse.Config.Runs.RecordEvery != 7 || dense.Config.Runs.RecordEvery != 1 {
		t.Errorf("recorded record_every %d and %d, want 7 and 1 (the default)", sparse.Config.Runs.RecordEvery, dense.Config.Runs.RecordEvery)
	}
	cfg.Runs.RecordEvery = -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "record_every") {
		t.Errorf("record_every = -1: error %v, want one naming record_every", err)
	}
}

// TestWFQuantilesMatchSort: quantiles by counting allele counts equal
// quantiles of the frequencies count/N by sorting.
func TestWFQuantilesMatchSort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, loci int }{{1, 3}, {7, 1}, {10, 24}, {1000, 1000}, {300, 5001}} {
		r := &wfRun{pop: mustPopN(t, tc.n)}
		rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.loci)))
		f, c := make([]float64, tc.loci), make([]int32, tc.loci)
		for i := range f {
			c[i] = int32(rng.IntN(tc.n + 1))
			f[i] = float64(c[i]) / float64(tc.n)
		}
		if got, want := r.quantiles(c), quantiles(f); got != want {
			t.Errorf("N = %d, %d loci: quantiles %v, by sorting %v", tc.n, tc.loci, got, want)
		}
	}
}

func mustPopN(t *testing.T, n int) *genetics.Population {
	t.Helper()
	enc := &genetics.Encoding{P: 1, N: 2, Eps: 0.1}
	p, err := genetics.NewPopulation(&genetics.PopulationConfig{N: n, Workers: 1}, enc,
		genetics.LossFunc{N: 1, Func: func([]float64) float64 { return 0 }}, genetics.Fitness{}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestResumeCheckpointWithoutRecordEvery: a checkpoint written before
// record_every existed (its config has the field's zero value, its record
// is one list) resumes a run whose config has the default, 1, and ends as
// an uninterrupted run (TestResume resumes one in the current format, its
// record in three chunks).
func TestResumeCheckpointWithoutRecordEvery(t *testing.T) {
	t.Parallel()
	cfg := Config{Generations: 12, Seed: 2, Landscape: fitness.Spec{Kind: "quadratic"},
		Genetics: Genetics{Population: 100}, Runs: Runs{CheckpointEvery: 5}}
	land := build(t, cfg)
	whole, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	var saved []byte
	if _, err := Run(cfg, land, &Settings{
		Checkpoint: func(b []byte) error { saved = append([]byte(nil), b...); return nil },
		Stop:       func() bool { return saved != nil },
	}); !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	var cp checkpoint
	if err := decodeState(saved, &cp); err != nil {
		t.Fatal(err)
	}
	// As gob decodes a checkpoint written before record_every and
	// ObsChunks: no record_every, the whole record in Observations.
	cp.Config.Runs.RecordEvery = 0
	for _, b := range cp.ObsChunks {
		var chunk []Observation
		if err := decodeState(b, &chunk); err != nil {
			t.Fatal(err)
		}
		cp.Observations = append(cp.Observations, chunk...)
	}
	if len(cp.ObsChunks) != 1 || len(cp.Observations) != 5*len(whole.Runs) {
		t.Fatalf("checkpoint at generation %d: %d chunks, %d observations; want 1 chunk of generations 0–4", cp.Generation, len(cp.ObsChunks), len(cp.Observations))
	}
	cp.ObsChunks = nil
	old, err := encodeState(cp)
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := Run(cfg, land, &Settings{Resume: old})
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(whole.Observations, resumed.Observations) {
		t.Fatal("resumed trajectory differs from the uninterrupted one")
	}
}

// TestTimedCheckpoints: the default policy (checkpoint_every absent)
// writes a checkpoint after the first generation that ends
// checkpoint_seconds after the previous one and after the last
// generation. With a clock that advances 1 s per reading (one at the
// start, one after each generation) and 2.5 s, that is after generations
// 3, 6, 9 and 10 of 10, worked out by hand. Resuming from each gives the
// record of an uninterrupted run without checkpoints, so neither the
// policy nor the clock changes the trajectory.
func TestTimedCheckpoints(t *testing.T) {
	t.Parallel()
	cfg := Config{Generations: 10, Seed: 4, Landscape: fitness.Spec{Kind: "quadratic"},
		Genetics: Genetics{Population: 200},
		Runs:     Runs{Evolution: []string{"wright-fisher", "exact"}, Gradient: []string{"adam"}, RecordEvery: 3}}
	if d := cfg.Defaults().Runs; d.CheckpointEvery != 0 || d.CheckpointSeconds != 30 {
		t.Fatalf("default policy: checkpoint_every %d, checkpoint_seconds %v; want 0 and 30", d.CheckpointEvery, d.CheckpointSeconds)
	}
	cfg.Runs.CheckpointSeconds = 2.5
	land := build(t, cfg)
	off := cfg
	off.Runs.CheckpointSeconds, off.Runs.CheckpointEvery = 0, -1
	want, err := Run(off, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(0, 0)
	var saved [][]byte
	var gens []int
	whole, err := Run(cfg, land, &Settings{
		Now: func() time.Time { clock = clock.Add(time.Second); return clock },
		Checkpoint: func(b []byte) error {
			var cp checkpoint
			if err := decodeState(b, &cp); err != nil {
				return err
			}
			saved, gens = append(saved, append([]byte(nil), b...)), append(gens, cp.Generation)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gens, []int{3, 6, 9, 10}) {
		t.Errorf("checkpoints after generations %v, want [3 6 9 10]", gens)
	}
	if !equalObs(want.Observations, whole.Observations) {
		t.Fatal("the run with timed checkpoints differs from the run without")
	}
	for i, b := range saved {
		resumed, err := Run(cfg, land, &Settings{Resume: b})
		if err != nil {
			t.Fatal(err)
		}
		if !equalObs(want.Observations, resumed.Observations) {
			t.Errorf("resumed from generation %d: trajectory differs from the uninterrupted one", gens[i])
		}
	}
	// An explicit interval in generations is honoured exactly: no
	// checkpoint at the end unless it is a multiple.
	cfg.Runs.CheckpointSeconds, cfg.Runs.CheckpointEvery = 0, 4
	gens = nil
	if _, err := Run(cfg, land, &Settings{Checkpoint: func(b []byte) error {
		var cp checkpoint
		if err := decodeState(b, &cp); err != nil {
			return err
		}
		gens = append(gens, cp.Generation)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gens, []int{4, 8}) {
		t.Errorf("checkpoint_every 4: checkpoints after generations %v, want [4 8]", gens)
	}
	cfg.Runs.CheckpointSeconds = 1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("checkpoint_every and checkpoint_seconds together: %v, want an error", err)
	}
	cfg.Runs.CheckpointEvery, cfg.Runs.CheckpointSeconds = 0, -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "checkpoint_seconds") {
		t.Errorf("checkpoint_seconds −1: %v, want an error naming it", err)
	}
}
